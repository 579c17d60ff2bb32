"""Load license files, check everything a schema cannot, and compile the rules once.

Pydantic checks the shape of each file; this module checks what crosses parts of a file (citations that
name a known legal basis, templates that name bound values, stages that exist, dated parameters that
cover every rule version) and collects every problem of every file before failing, so a catalog author
fixes them in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from licensedesk.contracts import profile_paths
from licensedesk.core.catalog.folders import (
    LICENSE_FILE,
    PROFILE_SECTION_FILE,
    display_name,
    license_folders,
)
from licensedesk.core.catalog.models import (
    GUARDS,
    Condition,
    License,
    Material,
    Phase,
    Records,
    RuleVersion,
    Text,
    TimeLimit,
    Workflow,
)
from licensedesk.core.catalog.sections import ProfileSection
from licensedesk.core.rules.compiler import CompiledRules, Unit, compile_units
from licensedesk.core.rules.templates import placeholder_problems
from licensedesk.core.rules.vocabulary import NAME_RE, Names, check_node


@dataclass(frozen=True)
class CatalogProblem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}" if self.path else f"{self.file}: {self.message}"


class CatalogError(Exception):
    """The catalog cannot be used; ``problems`` lists every reason found."""

    def __init__(self, problems: list[CatalogProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class LookupProblem(LookupError):
    """An unknown license id, or no rule version in force on a date; ``code`` is stable for callers."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class CompiledVersion:
    """One rule version of one license, ready to evaluate."""

    license: License
    version: RuleVersion
    conditions: CompiledRules
    materials: CompiledRules
    authority: CompiledRules


class Catalog:
    def __init__(
        self,
        licenses: dict[str, License],
        compiled: dict[tuple[str, str], CompiledVersion],
        sections: dict[str, ProfileSection] | None = None,
    ) -> None:
        self._licenses = licenses
        self._compiled = compiled
        self._sections = sections or {}

    def section(self, license_id: str) -> ProfileSection | None:
        """The license's own profile section (``extensions.<license_id>``), if it declares one."""
        self.license(license_id)
        return self._sections.get(license_id)

    def licenses(self) -> list[License]:
        return list(self._licenses.values())

    def license(self, license_id: str) -> License:
        try:
            return self._licenses[license_id]
        except KeyError:
            known = ", ".join(sorted(self._licenses))
            raise LookupProblem(
                "license.unknown", f"unknown license {license_id!r}; known: {known}"
            ) from None

    def version_on(self, license_id: str, day: date) -> CompiledVersion:
        """The rule version in force on ``day``: the date selects the law that applies."""
        lic = self.license(license_id)
        for version in lic.versions:
            if version.in_force_on(day):
                return self._compiled[(license_id, version.id)]
        raise LookupProblem(
            "license.no_version",
            f"no rule version of {license_id} is in force on {day.isoformat()}; versions: "
            + ", ".join(f"{v.id} (from {v.effective_from})" for v in lic.versions),
        )

    def version(self, license_id: str, version_id: str) -> CompiledVersion:
        self.license(license_id)
        try:
            return self._compiled[(license_id, version_id)]
        except KeyError:
            raise LookupProblem(
                "license.no_version", f"{license_id} has no rule version {version_id!r}"
            ) from None


def parameters_on(lic: License, day: date) -> dict[str, Any]:
    """Each parameter's value in force on ``day`` (the latest whose effective_from is not after it)."""
    resolved: dict[str, Any] = {}
    for name, param in lic.parameters.items():
        current = [v for v in param.values if v.effective_from <= day]
        if current:
            resolved[name] = current[-1].value
    return resolved


def default_paths() -> list[Path]:
    """The ``license.yaml`` of every license folder (see :mod:`.folders`)."""
    return [folder / LICENSE_FILE for folder in license_folders()]


def _loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _read(path: Path) -> tuple[License | None, list[CatalogProblem]]:
    name = display_name(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return None, [CatalogProblem(name, "", f"cannot read: {exc}")]
    declared = data.get("guards") if isinstance(data, dict) else None
    guards = (
        [g["id"] for g in declared if isinstance(g, dict) and "id" in g] if isinstance(declared, list) else []
    )
    try:
        return License.model_validate(data, context={"license_guards": guards}), []
    except ValidationError as exc:
        errors = exc.errors()
        locs = [tuple(e["loc"]) for e in errors]
        # pydantic also calls a list "too short" when its only item failed; that sends the author
        # looking for the wrong mistake, so a too_short error above another error is dropped
        kept = [
            e
            for e in errors
            if not (
                e["type"] == "too_short"
                and any(len(o) > len(e["loc"]) and o[: len(e["loc"])] == tuple(e["loc"]) for o in locs)
            )
        ]
        return None, [CatalogProblem(name, _loc(e["loc"]), e["msg"]) for e in kept]


def _param_paths(lic: License) -> frozenset[str]:
    """Parameter paths valid on every date: a rule may only name keys every dated value has."""
    paths: set[str] = set()
    for name, param in lic.parameters.items():
        common: set[str] | None = None
        for value in param.values:
            keys = _dict_paths(value.value, name)
            common = keys if common is None else common & keys
        paths |= common or {name}
    return frozenset(paths)


def _dict_paths(value: Any, prefix: str) -> set[str]:
    found = {prefix}
    if isinstance(value, dict):
        for key, sub in value.items():
            found |= _dict_paths(sub, f"{prefix}.{key}")
    return found


def _citation_problems(lic: License) -> Iterator[tuple[str, str]]:
    bases = {b.id for b in lic.legal_bases}
    if len(bases) != len(lic.legal_bases):
        yield "legal_bases", "legal basis ids must be unique"

    def walk(node: Any, where: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            if (
                set(node) >= {"basis"}
                and set(node) <= {"basis", "article"}
                and isinstance(node["basis"], str)
            ):
                if node["basis"] not in bases:
                    yield where, f"cites unknown legal basis {node['basis']!r}"
                return
            for key, sub in node.items():
                yield from walk(sub, f"{where}.{key}" if where else key)
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                yield from walk(sub, f"{where}[{i}]")

    yield from walk(lic.model_dump(mode="json", by_alias=True, exclude={"legal_bases"}), "")


def _tree_problems(tree: Any, where: str, names: Names) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in check_node(tree, where, names)]


def _let_problems(let: dict[str, Any], where: str, names: Names) -> tuple[list[tuple[str, str]], Names]:
    problems: list[tuple[str, str]] = []
    for name, tree in let.items():
        if not NAME_RE.match(name):
            problems.append((f"{where}.let", f"let name {name!r} must be a lower-case name (a-z, 0-9, _)"))
            continue
        problems += _tree_problems(tree, f"{where}.let.{name}", names)
        names = names.with_local(name)
    return problems, names


def _text_problems(texts: dict[str, Any], known: set[str], where: str) -> list[tuple[str, str]]:
    out = []
    for key, text in texts.items():
        if text is None:
            continue
        for lang in ("zh", "en"):
            out += [(f"{where}.{key}.{lang}", m) for m in placeholder_problems(getattr(text, lang), known)]
    return out


def _condition_problems(cond: Condition, where: str, base: Names) -> list[tuple[str, str]]:
    problems, names = _let_problems(cond.let, where, base)
    problems += _tree_problems(cond.test, f"{where}.test", names)
    if cond.applies_when is not None:
        problems += _tree_problems(cond.applies_when, f"{where}.applies_when", names)
    for i, warning in enumerate(cond.warnings):
        problems += _tree_problems(warning.when, f"{where}.warnings[{i}].when", names)
    known = set(cond.let) | {"as_of"}
    texts = {k: getattr(cond.explain, k) for k in ("met", "unmet", "unknown", "not_applicable")}
    problems += _text_problems(texts, known, f"{where}.explain")
    problems += _text_problems({"remedy": cond.remedy, "find_out": cond.find_out}, known, where)
    problems += _text_problems(
        {f"warnings[{i}].text": w.text for i, w in enumerate(cond.warnings)}, known, where
    )
    return problems


def _material_problems(material: Material, where: str, base: Names) -> list[tuple[str, str]]:
    problems, names = _let_problems(material.let, where, base)
    problems += _tree_problems(material.required_when, f"{where}.required_when", names)
    known = set(material.let)
    because = material.because
    if isinstance(because, Text):
        problems += _text_problems({"because": because}, known, where)
    elif because is not None:
        texts = {k: getattr(because, k) for k in ("required", "not_required", "unknown")}
        problems += _text_problems(texts, known, f"{where}.because")
    paths = [field.path for field in material.confirm_on_acceptance]
    for i, path in enumerate(paths):
        if base.profile_paths is not None and path not in base.profile_paths:
            problems.append((f"{where}.confirm_on_acceptance[{i}].path", f"unknown profile path {path!r}"))
        elif paths.index(path) != i:
            problems.append((f"{where}.confirm_on_acceptance[{i}].path", f"{path!r} is listed twice"))
    return problems


def _workflow_problems(version: RuleVersion, where: str) -> Iterator[tuple[str, str]]:
    yield from _flow_problems(version.workflow, version.process, version.time_limits, where)


def _flow_problems(
    flow: Workflow, process: tuple[Phase, ...], time_limits: tuple[TimeLimit, ...], where: str
) -> Iterator[tuple[str, str]]:
    """One workflow (the application's or a case type's) with its phases and time limits."""
    stages = {s.id: s for s in flow.stages}
    phases = {p.id for p in process}
    if len(stages) != len(flow.stages):
        yield f"{where}.workflow.stages", "stage ids must be unique"
    if flow.initial not in stages:
        yield f"{where}.workflow.initial", f"unknown stage {flow.initial!r}"
    for i, stage_id in enumerate(flow.granted_at):
        if stage_id not in stages:
            yield f"{where}.workflow.granted_at[{i}]", f"unknown stage {stage_id!r}"
    for i, stage in enumerate(flow.stages):
        if phases and stage.phase not in phases:
            yield f"{where}.workflow.stages[{i}].phase", f"unknown process phase {stage.phase!r}"
    for i, move in enumerate(flow.transitions):
        for end, value in (("from", move.source), ("to", move.to)):
            if value not in stages:
                yield f"{where}.workflow.transitions[{i}].{end}", f"unknown stage {value!r}"
        if move.source in stages and stages[move.source].terminal:
            yield f"{where}.workflow.transitions[{i}].from", f"stage {move.source!r} is terminal"
        if move.records is not None:
            ids = [field.id for field in move.records.fields]
            if move.records.grants_number is not None and move.records.grants_number not in ids:
                yield (
                    f"{where}.workflow.transitions[{i}].records.grants_number",
                    f"{move.records.grants_number!r} is not a field of this event",
                )
            until = move.records.renews_until
            if until is not None and until not in {f.id for f in move.records.fields if f.kind == "date"}:
                yield (
                    f"{where}.workflow.transitions[{i}].records.renews_until",
                    f"{until!r} is not a date field of this event",
                )
            for j, field_id in enumerate(ids):
                if ids.index(field_id) != j:
                    yield (
                        f"{where}.workflow.transitions[{i}].records.fields[{j}].id",
                        f"{field_id!r} is listed twice",
                    )
    reachable, frontier = {flow.initial}, [flow.initial]
    while frontier:
        current = frontier.pop()
        for move in flow.transitions:
            if move.source == current and move.to not in reachable:
                reachable.add(move.to)
                frontier.append(move.to)
    for stage in flow.stages:
        if stage.id not in reachable and not (stage.id == "withdrawn" and flow.withdrawable):
            yield f"{where}.workflow.stages", f"stage {stage.id!r} cannot be reached from {flow.initial!r}"
    recorded = {move.records.event: move.records for move in flow.transitions if move.records is not None}
    for i, limit in enumerate(time_limits):
        if limit.starts_at_stage is not None and limit.starts_at_stage not in stages:
            yield f"{where}.time_limits[{i}].starts_at_stage", f"unknown stage {limit.starts_at_stage!r}"
        yield from _limit_event_problems(limit, f"{where}.time_limits[{i}]", recorded, stages)


def _limit_event_problems(
    limit: TimeLimit, where: str, recorded: dict[str, Records], stages: dict[str, Any]
) -> Iterator[tuple[str, str]]:
    """A clock counts from events the workflow records (core/clocks.py reads them by these ids): every
    event a time limit names must be one a transition ``records``, and a ``due_field`` a date field of
    the event it starts from."""
    known = ", ".join(sorted(recorded)) or "none"
    named = [("from_event", limit.from_event), ("practice_from_event", limit.practice_from_event)]
    for key in ("met_by", "stopped_by", "restarted_by"):
        named += [(f"{key}[{j}]", event) for j, event in enumerate(getattr(limit, key))]
    for key, event in named:
        if event is not None and event not in recorded:
            yield f"{where}.{key}", f"unknown event {event!r}; the transitions record: {known}"
    for j, stage in enumerate(limit.met_at_stages):
        if stage not in stages:
            yield f"{where}.met_at_stages[{j}]", f"unknown stage {stage!r}"
    if limit.due_field is not None and limit.from_event in recorded:
        dates = {f.id for f in recorded[limit.from_event].fields if f.kind == "date"}
        if limit.due_field not in dates:
            yield (
                f"{where}.due_field",
                f"{limit.from_event!r} records no date field {limit.due_field!r}",
            )


def _version_problems(
    lic: License, index: int, version: RuleVersion, params: frozenset[str], own: frozenset[str] = frozenset()
) -> list:
    where = f"versions[{index}]"
    base = Names(params=params, profile_paths=profile_paths() | own)
    problems: list[tuple[str, str]] = []
    for kind, items in (("conditions", version.conditions), ("materials", version.materials)):
        ids = [item.id for item in items]
        problems += [(f"{where}.{kind}", f"duplicate id {i!r}") for i in sorted(set(ids)) if ids.count(i) > 1]
    for i, cond in enumerate(version.conditions):
        problems += _condition_problems(cond, f"{where}.conditions[{i}]", base)
    for i, material in enumerate(version.materials):
        problems += _material_problems(material, f"{where}.materials[{i}]", base)
    problems += _tree_problems(version.authority.national_when, f"{where}.authority.national_when", base)
    problems += list(_workflow_problems(version, where))
    problems += _case_type_problems(version, where, base)
    for name, param in lic.parameters.items():
        if param.values[0].effective_from > version.effective_from:
            problems.append(
                (
                    f"parameters.{name}",
                    f"has no value in force on {version.effective_from} "
                    f"when rule version {version.id} starts",
                )
            )
    return problems


# the part of a rule version a case type's duty needs (an annual report case needs the annual report rule)
_DUTY_NEEDS = {"annual_report": "annual_report", "renewal": "renewal", "change_filing": "change_filings"}


def _case_type_problems(version: RuleVersion, where: str, base: Names) -> list[tuple[str, str]]:
    """Each case type once, with a workflow as sound as the application's, materials as checked as the
    application's, and the rule its duty comes from present in the version."""
    problems: list[tuple[str, str]] = []
    ids = [t.id for t in version.case_types]
    for i, case_type in enumerate(version.case_types):
        at = f"{where}.case_types[{i}]"
        if ids.index(case_type.id) != i:
            problems.append((f"{at}.id", f"case type {case_type.id!r} is declared twice"))
        needs = _DUTY_NEEDS[case_type.duty]
        if not getattr(version, needs):
            problems.append((f"{at}.duty", f"duty {case_type.duty!r} needs {needs} in the rule version"))
        problems += list(_flow_problems(case_type.workflow, case_type.process, (), at))
        if not case_type.workflow.granted_at:
            problems.append((f"{at}.workflow.granted_at", "name the stage(s) at which the duty is done"))
        material_ids = [m.id for m in case_type.materials]
        problems += [
            (f"{at}.materials", f"duplicate id {m!r}")
            for m in sorted(set(material_ids))
            if material_ids.count(m) > 1
        ]
        for j, material in enumerate(case_type.materials):
            problems += _material_problems(material, f"{at}.materials[{j}]", base)
        panels = list(case_type.panels)
        problems += [
            (f"{at}.panels", f"panel {p!r} is listed twice")
            for p in sorted(set(panels))
            if panels.count(p) > 1
        ]
    return problems


def _guard_problems(lic: License, own: frozenset[str]) -> Iterator[tuple[str, str]]:
    """A license's own guards: named once, not shadowing the application's, each with its own error
    code, requiring facts the profile has."""
    ids = [g.id for g in lic.guards]
    codes = [g.code for g in lic.guards]
    known = profile_paths() | own
    for i, guard in enumerate(lic.guards):
        where = f"guards[{i}]"
        if guard.id in GUARDS:
            yield (
                f"{where}.id",
                f"{guard.id!r} is a guard of the application; a license declares only its own",
            )
        if ids.index(guard.id) != i:
            yield f"{where}.id", f"guard {guard.id!r} is declared twice"
        if codes.index(guard.code) != i:
            yield f"{where}.code", f"error code {guard.code!r} is declared twice"
        for j, path in enumerate(guard.requires):
            if path not in known:
                yield f"{where}.requires[{j}]", f"{path!r} is not a field of the company profile contract"


def _license_problems(lic: License, own: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """``own``: the profile paths of the license's section (``extensions.<id>.<key>``)."""
    problems = list(_citation_problems(lic)) + list(_guard_problems(lic, own))
    params = _param_paths(lic)
    ordered = sorted(lic.versions, key=lambda v: v.effective_from)
    if list(lic.versions) != ordered:
        problems.append(("versions", "versions must be listed by effective_from"))
    for earlier, later in pairwise(ordered):
        if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
            problems.append(("versions", f"version {earlier.id} overlaps version {later.id}"))
    for i, version in enumerate(lic.versions):
        problems += _version_problems(lic, i, version, params, own)
    return problems


def _compile(lic: License, version: RuleVersion) -> CompiledVersion:
    name = f"{lic.id}@{version.id}"
    conditions = compile_units(
        (
            Unit(
                id=c.id,
                test=c.test,
                let=tuple(c.let.items()),
                applies_when=c.applies_when,
                warnings=tuple(w.when for w in c.warnings),
            )
            for c in version.conditions
        ),
        name=f"{name} conditions",
    )
    materials = compile_units(
        (Unit(id=m.id, test=m.required_when, let=tuple(m.let.items())) for m in version.materials),
        name=f"{name} materials",
    )
    authority = compile_units(
        [Unit(id="authority", test=version.authority.national_when)], name=f"{name} authority"
    )
    return CompiledVersion(lic, version, conditions, materials, authority)


def _read_section(path: Path) -> tuple[ProfileSection | None, list[CatalogProblem], list[str]]:
    """The ``profile_section.yaml`` beside a folder's ``license.yaml`` (none for a loose file), its
    problems, and the field keys it names even when it is invalid (so that the license's rules reading
    them are not reported too: one mistake, one problem)."""
    source = path.parent / PROFILE_SECTION_FILE
    if path.name != LICENSE_FILE or not source.is_file():
        return None, [], []
    name = display_name(source)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return None, [CatalogProblem(name, "", f"cannot read: {exc}")], []
    fields = data.get("fields") if isinstance(data, dict) else None
    keys = (
        [f["key"] for f in fields if isinstance(f, dict) and isinstance(f.get("key"), str)]
        if isinstance(fields, list)
        else []
    )
    try:
        return ProfileSection.model_validate(data), [], keys
    except ValidationError as exc:
        return None, [CatalogProblem(name, _loc(e["loc"]), e["msg"]) for e in exc.errors()], keys


def load_catalog(paths: Iterable[Path] | None = None) -> Catalog:
    """Read, check and compile license files (each with the profile section of its folder, if any);
    raise :class:`CatalogError` listing every problem."""
    licenses: dict[str, License] = {}
    sections: dict[str, ProfileSection] = {}
    problems: list[CatalogProblem] = []
    for path in paths if paths is not None else default_paths():
        lic, found = _read(path)
        problems += found
        section, found, keys = _read_section(path)
        problems += found
        if lic is None:
            continue
        name = display_name(path)
        if path.name == LICENSE_FILE and path.parent.name != lic.id:
            problems.append(
                CatalogProblem(name, "id", f"license {lic.id!r} must be in a folder named {lic.id!r}")
            )
        base = f"extensions.{lic.id}"
        own = frozenset({"extensions", base, *(f"{base}.{key}" for key in keys)}) if keys else frozenset()
        problems += [CatalogProblem(name, where, msg) for where, msg in _license_problems(lic, own)]
        if lic.id in licenses:
            problems.append(CatalogProblem(name, "id", f"license id {lic.id!r} is defined twice"))
        licenses[lic.id] = lic
        if section is not None:
            sections[lic.id] = section
    if problems:
        raise CatalogError(problems)
    compiled = {(lic.id, v.id): _compile(lic, v) for lic in licenses.values() for v in lic.versions}
    return Catalog(licenses, compiled, sections)


def validate_files(paths: Iterable[Path] | None = None) -> list[CatalogProblem]:
    try:
        load_catalog(paths)
    except CatalogError as exc:
        return exc.problems
    return []


@cache
def default_catalog() -> Catalog:
    return load_catalog()
