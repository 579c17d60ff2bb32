"""What changed between two eligibility check results (plain Python, no Django).

Both inputs are check results in the contract format (``check-result.schema.json``). The diff lists
the verdict change, every condition whose status changed (or that exists in only one result, when the
rule version changed) and every material whose requirement changed — enough for a screen to say
"after the profile edit, registered capital is now met and the bulletin-board application is no longer
needed".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ConditionChange:
    id: str
    title_zh: str
    title_en: str
    status_before: str | None  # None: the condition is not in the earlier result
    status_after: str | None  # None: the condition is not in the later result
    reason_before: str | None
    reason_after: str | None
    reason_en_before: str | None
    reason_en_after: str | None


@dataclass(frozen=True)
class MaterialChange:
    id: str
    title_zh: str
    title_en: str
    required_before: bool | None
    required_after: bool | None
    because_after: str | None
    because_en_after: str | None


@dataclass(frozen=True)
class CheckDiff:
    verdict_before: str
    verdict_after: str
    ruleset_before: str
    ruleset_after: str
    conditions: list[ConditionChange] = field(default_factory=list)
    materials: list[MaterialChange] = field(default_factory=list)

    @property
    def verdict_changed(self) -> bool:
        return self.verdict_before != self.verdict_after

    @property
    def ruleset_changed(self) -> bool:
        return self.ruleset_before != self.ruleset_after

    @property
    def changed(self) -> bool:
        return self.verdict_changed or self.ruleset_changed or bool(self.conditions) or bool(self.materials)

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "verdict_changed": self.verdict_changed,
            "ruleset_changed": self.ruleset_changed,
            "changed": self.changed,
        }


def _by_id(items: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items or []}


def _ordered_ids(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Ids in the later result's order, then those only in the earlier one."""
    return list(after) + [key for key in before if key not in after]


def diff_check_results(before: dict[str, Any], after: dict[str, Any]) -> CheckDiff:
    conditions_before, conditions_after = _by_id(before.get("conditions")), _by_id(after.get("conditions"))
    condition_changes = []
    for cid in _ordered_ids(conditions_before, conditions_after):
        old, new = conditions_before.get(cid), conditions_after.get(cid)
        old_status = old["status"] if old else None
        new_status = new["status"] if new else None
        if old_status == new_status:
            continue
        shown = new or old or {}
        condition_changes.append(
            ConditionChange(
                id=cid,
                title_zh=shown.get("title_zh", cid),
                title_en=shown.get("title_en", cid),
                status_before=old_status,
                status_after=new_status,
                reason_before=old.get("reason") if old else None,
                reason_after=new.get("reason") if new else None,
                reason_en_before=old.get("reason_en") if old else None,
                reason_en_after=new.get("reason_en") if new else None,
            )
        )
    materials_before, materials_after = _by_id(before.get("materials")), _by_id(after.get("materials"))
    material_changes = []
    for mid in _ordered_ids(materials_before, materials_after):
        old, new = materials_before.get(mid), materials_after.get(mid)
        old_required = old["required"] if old else None
        new_required = new["required"] if new else None
        if old_required == new_required:
            continue
        shown = new or old or {}
        material_changes.append(
            MaterialChange(
                id=mid,
                title_zh=shown.get("title_zh", mid),
                title_en=shown.get("title_en", mid),
                required_before=old_required,
                required_after=new_required,
                because_after=new.get("because") if new else None,
                because_en_after=new.get("because_en") if new else None,
            )
        )
    return CheckDiff(
        verdict_before=before["verdict"],
        verdict_after=after["verdict"],
        ruleset_before=before.get("ruleset_version", ""),
        ruleset_after=after.get("ruleset_version", ""),
        conditions=condition_changes,
        materials=material_changes,
    )
