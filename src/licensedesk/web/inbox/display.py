"""What an inbox item shows: its kind in words, its summary in the active language, and where opening it
leads (the material for an upload, the case's notes for a message, …)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from licensedesk.web.inbox.models import InboxItem, InboxKind

KIND_LABELS = {
    InboxKind.UPLOAD: _("Client upload"),
    InboxKind.MESSAGE: _("Client message"),
    InboxKind.PROFILE_CHANGE: _("Client changed the company profile"),
    InboxKind.TASK_OVERDUE: _("Overdue task"),
    InboxKind.REMINDER: _("Deadline reminder"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, ""))


def summary(item: InboxItem) -> str:
    if (get_language() or "").startswith("en") and item.summary_en:
        return item.summary_en
    return item.summary_zh


def target_url(item: InboxItem) -> str:
    """Where the item's subject is on screen. An upload leads to its material (found from the version);
    if that is gone, to the case. A deadline reminder leads to its case or license."""
    if item.kind == InboxKind.REMINDER:
        if item.link:
            return item.link
        if item.case_id is None:
            return reverse("inbox:list")
    case_url = reverse("cases:detail", kwargs={"pk": item.case_id})
    if item.kind == InboxKind.UPLOAD and item.source_type == "materials.materialversion":
        from licensedesk.web.materials.models import MaterialVersion

        material_id = (
            MaterialVersion.objects.filter(pk=item.source_id, material__case_id=item.case_id)
            .values_list("material_id", flat=True)
            .first()
        )
        if material_id is not None:
            return reverse("materials:item", kwargs={"pk": material_id})
        return case_url
    if item.kind == InboxKind.MESSAGE:
        return case_url + "#notes"
    if item.kind == InboxKind.TASK_OVERDUE:
        return case_url + "#tasks"
    return case_url + "#profile-title"
