"""Guards: the conditions a stage move needs, looked up by the guard id the license catalog names.

The catalog says *which* guards a transition needs (``guards: [eligibility_eligible]``); this registry
says *how* each is checked. A guard check takes a :class:`GuardContext` and returns a
:class:`GuardOutcome` saying whether it passed and, if not, what is missing.

Plugging in a guard (what the materials issue does)::

    # in the materials app's AppConfig.ready()
    from licensedesk.web.cases.guards import GuardOutcome, register_guard

    def materials_accepted(ctx):
        missing = [...]  # required materials of ctx.case not yet accepted
        if missing:
            return GuardOutcome.refuse("materials_accepted", code="guard.materials.not_accepted",
                                       message=..., message_zh=..., missing=missing)
        return GuardOutcome.ok("materials_accepted")

    register_guard("materials_accepted", materials_accepted)

Until then ``materials_accepted`` is a *placeholder* that refuses with ``guard.materials.not_wired``;
registering a real provider replaces the placeholder (a second real provider is an error).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.catalog.models import GUARDS, LicenseGuard
from licensedesk.core.labels import field_label
from licensedesk.core.workflow import Move, StageMachine

ELIGIBILITY = "eligibility_eligible"
MATERIALS = "materials_accepted"
LICENSE_RECORD = "license_record"


@dataclass(frozen=True)
class GuardContext:
    case: Any  # licensedesk.web.cases.models.Case (with company loaded)
    move: Move
    actor: Any
    machine: StageMachine

    def stage_title(self, stage_id: str, lang: str) -> str:
        return getattr(self.machine.stage(stage_id).title, lang)


@dataclass(frozen=True)
class GuardOutcome:
    guard: str
    passed: bool
    code: str = ""
    message: str = ""
    message_zh: str = ""
    missing: tuple[str, ...] = ()
    overridden: bool = False
    override_id: int | None = None

    @classmethod
    def ok(cls, guard: str) -> GuardOutcome:
        return cls(guard=guard, passed=True)

    @classmethod
    def refuse(
        cls,
        guard: str,
        *,
        code: str,
        message: str,
        message_zh: str,
        missing: list[str] | tuple[str, ...] = (),
    ) -> GuardOutcome:
        return cls(
            guard=guard,
            passed=False,
            code=code,
            message=message,
            message_zh=message_zh,
            missing=tuple(missing),
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"guard": self.guard, "passed": self.passed}
        if self.code:
            data.update(
                code=self.code, message=self.message, message_zh=self.message_zh, missing=list(self.missing)
            )
        if self.overridden:
            data.update(overridden=True, override_id=self.override_id)
        return data


GuardCheck = Callable[[GuardContext], GuardOutcome]


@dataclass(frozen=True)
class RegisteredGuard:
    id: str
    check: GuardCheck
    overridable: bool = False
    placeholder: bool = False


_REGISTRY: dict[str, RegisteredGuard] = {}


def register_guard(
    guard_id: str, check: GuardCheck, *, overridable: bool = False, placeholder: bool = False
) -> None:
    """Register the check of ``guard_id``. A real check replaces a placeholder; two real ones clash.

    ``overridable``: an agency admin may let a case past this guard with a written, audited reason
    (``case_override_guard``).
    """
    existing = _REGISTRY.get(guard_id)
    if existing is not None and not existing.placeholder:
        if placeholder:
            return
        raise ValueError(f"guard {guard_id!r} already has a provider ({existing.check!r})")
    if existing is not None and existing.placeholder and not placeholder:
        overridable = overridable or existing.overridable
    _REGISTRY[guard_id] = RegisteredGuard(guard_id, check, overridable=overridable, placeholder=placeholder)


def registered_guard(guard_id: str) -> RegisteredGuard | None:
    return _REGISTRY.get(guard_id)


@contextmanager
def guard_provider(guard_id: str, check: GuardCheck, *, overridable: bool = False) -> Iterator[None]:
    """Use ``check`` for ``guard_id`` inside the block only (tests, previews)."""
    saved = _REGISTRY.get(guard_id)
    _REGISTRY[guard_id] = RegisteredGuard(guard_id, check, overridable=overridable)
    try:
        yield
    finally:
        if saved is None:
            _REGISTRY.pop(guard_id, None)
        else:
            _REGISTRY[guard_id] = saved


def evaluate_guards(ctx: GuardContext, *, overrides: dict[str, int] | None = None) -> list[GuardOutcome]:
    """Every guard of ``ctx.move``, in order. ``overrides`` maps an overridable guard id to the id of the
    admin's override on this case: a refused overridable guard then passes, marked overridden."""
    outcomes = []
    for guard_id in ctx.move.guards:
        registered = _REGISTRY.get(guard_id)
        declared = _declared_guard(ctx, guard_id) if registered is None else None
        if declared is not None:
            outcomes.append(_check_declared(ctx, declared))
            continue
        if registered is None:
            outcomes.append(
                GuardOutcome.refuse(
                    guard_id,
                    code="guard.unregistered",
                    message=f"No check is registered for the guard {guard_id!r}; the move is refused.",
                    message_zh=f"门槛条件 {guard_id} 尚无检查程序，不能变更阶段。",
                    missing=[guard_id],
                )
            )
            continue
        outcome = registered.check(ctx)
        if not outcome.passed and registered.overridable and overrides and guard_id in overrides:
            outcome = replace(outcome, passed=True, overridden=True, override_id=overrides[guard_id])
        outcomes.append(outcome)
    return outcomes


def _declared_guard(ctx: GuardContext, guard_id: str) -> LicenseGuard | None:
    """The guard ``guard_id`` as the case's license declares it in its catalog file, if it does."""
    try:
        lic = default_catalog().license(ctx.case.license_id)
    except LookupError:
        return None
    return next((g for g in lic.guards if g.id == guard_id), None)


def _fact(profile: Any, path: str) -> Any:
    node = profile
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _check_declared(ctx: GuardContext, guard: LicenseGuard) -> GuardOutcome:
    """A license's own guard: every required profile fact is true, else its own code and refusal."""
    missing = [p for p in guard.requires if _fact(ctx.case.company.profile, p) is not True]
    if not missing:
        return GuardOutcome.ok(guard.id)
    return GuardOutcome.refuse(
        guard.id, code=guard.code, message=guard.refusal.en, message_zh=guard.refusal.zh, missing=missing
    )


def declared_guard_ids() -> set[str]:
    """Every guard a catalog license declares for itself (checked from its data, no code needed)."""
    return {g.id for lic in default_catalog().licenses() for g in lic.guards}


# -- built-in guards ---------------------------------------------------------------------------------


def _titles(items: list[dict[str, Any]], lang: str) -> str:
    key = "title_zh" if lang == "zh" else "title_en"
    sep = "、" if lang == "zh" else ", "
    return sep.join(f"{item.get(key) or item['id']}" for item in items)


def eligibility_eligible(ctx: GuardContext) -> GuardOutcome:
    """The latest eligibility check on the case says ``eligible`` and was run on the current profile."""
    from licensedesk.web.cases.models import CaseCheck

    case = ctx.case
    latest = CaseCheck.objects.filter(case_id=case.pk).order_by("-created_at", "-pk").first()
    target_en, target_zh = ctx.stage_title(ctx.move.to, "en"), ctx.stage_title(ctx.move.to, "zh")
    if latest is None:
        return GuardOutcome.refuse(
            ELIGIBILITY,
            code="guard.eligibility.no_check",
            message=f"No eligibility check has been run on this case; run one before moving to {target_en}.",
            message_zh=f"本案件尚未进行资格检查，请先运行检查，再进入“{target_zh}”。",
            missing=["eligibility_check"],
        )
    if latest.profile_hash != case.company.profile_hash:
        return GuardOutcome.refuse(
            ELIGIBILITY,
            code="guard.eligibility.stale_check",
            message=(
                f"The company profile changed after the last check ({latest.as_of}); run the check again."
            ),
            message_zh=f"上次资格检查（{latest.as_of}）之后企业档案已修改，请重新运行检查。",
            missing=["eligibility_check"],
        )
    if latest.verdict == "eligible":
        return GuardOutcome.ok(ELIGIBILITY)
    conditions = latest.result.get("conditions", [])
    where = f"the last check (rule version {latest.ruleset_version}, as of {latest.as_of})"
    where_zh = f"上次资格检查（规则版本 {latest.ruleset_version}，检查日 {latest.as_of}）"
    if latest.verdict == "not_eligible":
        unmet = [c for c in conditions if c.get("status") == "unmet"]
        return GuardOutcome.refuse(
            ELIGIBILITY,
            code="guard.eligibility.not_eligible",
            message=(
                f"{where[0].upper()}{where[1:]} found the company not eligible; "
                f"unmet: {_titles(unmet, 'en')}."
            ),
            message_zh=f"{where_zh}结论为不符合条件；未满足：{_titles(unmet, 'zh')}。",
            missing=[c["id"] for c in unmet],
        )
    unknown = [c for c in conditions if c.get("status") == "unknown"]
    fields = sorted({f for c in unknown for f in c.get("missing_fields", [])})
    # the fields by the names the profile editor shows (the paths stay in ``missing``, for programs)
    names_en = ", ".join(dict.fromkeys(field_label(f, "en") for f in fields))
    names_zh = "、".join(dict.fromkeys(field_label(f, "zh") for f in fields))
    return GuardOutcome.refuse(
        ELIGIBILITY,
        code="guard.eligibility.incomplete",
        message=f"{where[0].upper()}{where[1:]} is incomplete; the profile lacks: {names_en}.",
        message_zh=f"{where_zh}结论为信息不全；企业档案缺少：{names_zh}。",
        missing=fields,
    )


def license_record(ctx: GuardContext) -> GuardOutcome:
    """The license the authority issued is recorded on the case (number, issue date, expiry)."""
    from licensedesk.web.cases.models import LicenseRecord

    if LicenseRecord.objects.filter(case_id=ctx.case.pk).exists():
        return GuardOutcome.ok(LICENSE_RECORD)
    target_en, target_zh = ctx.stage_title(ctx.move.to, "en"), ctx.stage_title(ctx.move.to, "zh")
    return GuardOutcome.refuse(
        LICENSE_RECORD,
        code="guard.license_record.missing",
        message=f"Record the license (number, issue date, expiry date) before moving to {target_en}.",
        message_zh=f"进入“{target_zh}”前须登记许可证（编号、发证日期、有效期）。",
        missing=["license_record.number", "license_record.issued_on", "license_record.expires_on"],
    )


def materials_not_wired(ctx: GuardContext) -> GuardOutcome:
    """Placeholder until the materials module registers its provider."""
    source_en, source_zh = ctx.stage_title(ctx.move.source, "en"), ctx.stage_title(ctx.move.source, "zh")
    return GuardOutcome.refuse(
        MATERIALS,
        code="guard.materials.not_wired",
        message=(
            f"Leaving {source_en} needs every required material accepted, and material review is not "
            "available yet (no provider is registered for the guard 'materials_accepted')."
        ),
        message_zh=f"离开“{source_zh}”须全部必需材料审核通过，而材料审核功能尚未接入。",
        missing=["materials_provider"],
    )


register_guard(ELIGIBILITY, eligibility_eligible, overridable=True)
register_guard(LICENSE_RECORD, license_record)
register_guard(MATERIALS, materials_not_wired, placeholder=True)


def guard_registry_problems(used: set[str]) -> list[str]:
    """Guard ids known to the catalog or used by a workflow that have no check registered."""
    declared = declared_guard_ids()
    return sorted(g for g in set(GUARDS) | used if g not in _REGISTRY and g not in declared)
