"""The events an agency can subscribe to, which audit actions raise them, and what each one carries.

Payloads follow the Standard Webhooks shape ``{"type", "timestamp", "data"}``. ``data`` is built from
the audit event of the change (its before/after/data, written by the service that made the change) and
the case it belongs to: nothing is read from the database here, so the outbox write adds no query
beyond looking up the agency's subscriptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from licensedesk.web.audit.chain import timestamp

CASE_STAGE_CHANGED = "case.stage_changed"
CHECK_COMPLETED = "check.completed"
MATERIAL_UPLOADED = "material.uploaded"
MATERIAL_REVIEWED = "material.reviewed"
DOCUMENT_GENERATED = "document.generated"
DEADLINE_DUE = "deadline.due"
LICENSE_RECORDED = "license.recorded"

#: Each event type with its name in Chinese and English, in the order the subscription form lists them.
EVENT_TYPES: Mapping[str, tuple[str, str]] = {
    CASE_STAGE_CHANGED: ("案件阶段变更", "Case stage changed"),
    CHECK_COMPLETED: ("资格检查完成", "Eligibility check completed"),
    MATERIAL_UPLOADED: ("材料已上传", "Material uploaded"),
    MATERIAL_REVIEWED: ("材料已审核（通过或退回）", "Material reviewed (accepted or rejected)"),
    DOCUMENT_GENERATED: ("申请文书已生成", "Application documents generated"),
    DEADLINE_DUE: ("法定期限到期", "Statutory deadline due"),
    LICENSE_RECORDED: ("许可证已登记", "License recorded"),
}

#: The audit actions that raise an event. ``deadline.due`` has no audit action: the deadline clock
#: raises it with :func:`licensedesk.web.webhooks.outbox.outbox_write`.
ACTION_EVENTS: Mapping[str, str] = {
    "case.transitioned": CASE_STAGE_CHANGED,
    "case.move_undone": CASE_STAGE_CHANGED,
    "case.check_run": CHECK_COMPLETED,
    "material.uploaded": MATERIAL_UPLOADED,
    "material.accepted": MATERIAL_REVIEWED,
    "material.rejected": MATERIAL_REVIEWED,
    "documents.generated": DOCUMENT_GENERATED,
    "case.license_recorded": LICENSE_RECORDED,
}


def event_label(event_type: str, lang: str) -> str:
    names = EVENT_TYPES.get(event_type)
    if names is None:
        return event_type
    return names[1] if lang == "en" else names[0]


def case_data(case: Any) -> dict[str, Any] | None:
    if case is None:
        return None
    return {
        "id": case.pk,
        "number": case.number,
        "license": case.license_id,
        "stage": case.stage,
        "company_id": case.company_id,
    }


def _pick(source: Any, *keys: str) -> dict[str, Any]:
    source = source if isinstance(source, dict) else {}
    return {key: source.get(key) for key in keys if key in source}


def event_data(event: Any, case: Any) -> dict[str, Any]:
    """The ``data`` of the webhook raised by audit event ``event`` (already JSON: dates as ISO text)."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    extra = event.data if isinstance(event.data, dict) else {}
    data: dict[str, Any] = {"case": case_data(case), "actor": event.actor_label or None}
    action = event.action
    if action in ("case.transitioned", "case.move_undone"):
        data |= {
            "from_stage": before.get("stage"),
            "to_stage": after.get("stage"),
            "undo": action == "case.move_undone",
            "reason": extra.get("reason") or "",
        }
        if "event" in extra:
            data["authority_event"] = extra["event"]
    elif action == "case.check_run":
        data |= {"check": _pick(after, "check", "verdict", "ruleset_version", "as_of")}
        data["previous_verdict"] = before.get("verdict")
    elif action == "material.uploaded":
        data |= {
            "material": extra.get("material"),
            "version": after.get("version"),
            "files": [_pick(item, "name", "size", "sha256", "kind") for item in extra.get("files", [])],
        }
    elif action in ("material.accepted", "material.rejected"):
        data |= {
            "material": extra.get("material"),
            "version": extra.get("version"),
            "decision": "accepted" if action == "material.accepted" else "rejected",
            "round": extra.get("round"),
        }
        if action == "material.rejected":
            data |= {"reason": extra.get("reason"), "reason_text": extra.get("text")}
        else:
            data |= _pick(extra, "valid_until", "accepted_until")
    elif action == "documents.generated":
        data |= {"job": extra.get("job"), "documents": sorted(extra.get("documents", {}))}
    elif action == "case.license_recorded":
        data |= {"license_record": _pick(after, "number", "issued_on", "expires_on"), "updated": bool(before)}
    return data


def envelope(event_type: str, occurred_at: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The payload as sent: ``{"type", "timestamp", "data"}`` (Standard Webhooks)."""
    return {"type": event_type, "timestamp": timestamp(occurred_at), "data": data}
