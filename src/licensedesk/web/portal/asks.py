"""What is asked of a client now — the one place that decides it.

The portal's home and case pages, the materials requests page and the emails to the client all read
:func:`client_asks` (or :func:`asks_for_cases`, the same computation for several cases at once), so no
screen can say "nothing to do" while another lists work. Four kinds of ask, in this order:

* ``material`` — a material the client supplies (the catalog's ``supplied_by: client``) that is
  required and missing, was rejected (with the reason and the consultant's explanation) or expired;
* ``sign`` — a document the agency drafted for the legal representative's signature (``agency_signed``)
  whose signed copy is not accepted yet and not waiting for review (a rejected copy carries its reason);
* ``profile`` — a profile field the latest check could not decide without and the profile still lacks;
* ``message`` — a consultant's message shared with the client that the client has not answered yet.

Materials the agency drafts (``supplied_by: agency``) are never asked of the client: the agency's
generated drafts fill them. Missing materials are asked from the first stage where the client prepares
them (for ICP: 收集材料) on, not while the agency still qualifies the company; a rejected or expired one
at any stage. Nothing is asked on a closed
case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.catalog.models import Material
from licensedesk.core.labels import field_label
from licensedesk.web.accounts.models import STAFF_ROLES
from licensedesk.web.cases.models import Case, CaseCheck, Note, NoteVisibility
from licensedesk.web.documents.models import GeneratedDocument
from licensedesk.web.materials.models import CaseMaterial, MaterialStatus, ReviewStatus
from licensedesk.web.materials.reasons import BY_CODE
from licensedesk.web.materials.services import effective_status
from licensedesk.web.portal.profile_sections import SECTIONS, section_of, section_title

# The statuses of a material that leave it with the client: nothing sent, sent back, or out of date.
_TO_SEND = (MaterialStatus.MISSING, MaterialStatus.REJECTED, MaterialStatus.EXPIRED)
_EXCERPT = 80  # characters of a message shown in its ask


@dataclass(frozen=True)
class Ask:
    """One thing the client should do now, with what the page, the requests list and the email show."""

    kind: str  # "material", "sign", "profile" or "message"
    title_zh: str
    title_en: str
    detail_zh: str = ""  # material/sign: guidance; profile: the section's title; message: an excerpt
    detail_en: str = ""
    section: str = ""  # profile: the section to fill in
    path: str = ""  # profile: the missing contract path
    material_id: str = ""  # material/sign: the catalog id
    material_pk: int | None = None  # material/sign: the checklist row (the requests page anchors on it)
    document_pk: int | None = None  # sign: the generated document to download
    status: str = ""  # material/sign: "missing", "rejected" or "expired"
    reason_zh: str = ""  # a rejection's reason, and the consultant's own words
    reason_en: str = ""
    reason_text: str = ""
    note_pk: int | None = None  # message
    author: str = ""  # message: who wrote it

    @property
    def status_label(self) -> str:
        return str(MaterialStatus(self.status).label) if self.status else ""


def _present(profile: dict[str, Any], path: str) -> bool:
    value: Any = profile
    for part in path.split("."):
        if not isinstance(value, dict) or value.get(part) is None:
            return False
        value = value[part]
    return value != [] and value != ""


def missing_profile_fields(check: CaseCheck | None, profile: dict[str, Any]) -> list[str]:
    """Profile paths the check could not decide without, that the profile still lacks."""
    if check is None:
        return []
    paths: list[str] = []
    for condition in check.result.get("conditions", []):
        if condition.get("status") != "unknown":
            continue
        for path in condition.get("missing_fields", []):
            if path not in paths and not _present(profile, path):
                paths.append(path)
    return paths


def _specs(case: Case) -> tuple[dict[str, Material], Any]:
    version = default_catalog().version(case.license_id, case.ruleset_version).version
    declared = version.case_type(case.case_type)  # a duty case: its case type's materials and stages
    if declared is not None:
        return {m.id: m for m in declared.materials}, declared.workflow
    return {m.id: m for m in version.materials}, version.workflow


def _rejection(material: CaseMaterial, status: str) -> dict[str, str]:
    version = material.latest_version
    if status != MaterialStatus.REJECTED or version is None or version.review_status != ReviewStatus.REJECTED:
        return {}
    reason = BY_CODE.get(version.reason)
    return {
        "reason_zh": reason.zh if reason else "",
        "reason_en": reason.en if reason else "",
        "reason_text": version.reason_text,
    }


def _material_ask(material: CaseMaterial, status: str, kind: str = "material") -> Ask:
    return Ask(
        kind,
        material.title_zh,
        material.title_en,
        material.guidance_zh,
        material.guidance_en,
        material_id=material.material_id,
        material_pk=material.pk,
        status=status,
        **_rejection(material, status),
    )


def _case_asks(
    case: Case,
    check: CaseCheck | None,
    materials: list[CaseMaterial],
    to_sign: list[GeneratedDocument],
    notes: list[Note],
) -> list[Ask]:
    specs, workflow = _specs(case)
    stage = next(s for s in workflow.stages if s.id == case.stage)
    if stage.terminal:
        return []
    today = timezone.localdate()
    asks: list[Ask] = []
    by_id = {m.material_id: m for m in materials}
    status = {m.material_id: effective_status(m, today) for m in materials}
    signed_docs = {d.material_id: d for d in to_sign if d.material_id}

    def supplier(material_id: str) -> str:
        spec = specs.get(material_id)
        return spec.supplied_by if spec is not None else "client"  # a material the rules no longer know

    order = [s.id for s in workflow.stages]
    first_client = next((i for i, s in enumerate(workflow.stages) if s.actor == "client"), len(order))
    gathering = order.index(case.stage) >= first_client  # materials are asked once the client prepares
    if materials:
        for material in materials:
            current = status[material.material_id]
            if current not in _TO_SEND:
                continue
            if current == MaterialStatus.MISSING and not (material.required and gathering):
                continue  # a rejection or an expiry is the client's to redo whatever the stage
            who = supplier(material.material_id)
            if who == "client" or (who == "agency_signed" and material.material_id not in signed_docs):
                if who == "agency_signed" and current == MaterialStatus.MISSING:
                    continue  # the agency has not drafted it yet: nothing to sign
                asks.append(_material_ask(material, current))
    elif check is not None and stage.actor == "client":  # no checklist yet: the check's required list
        for item in check.result.get("materials", []):
            if item.get("required") is True and supplier(item["id"]) == "client":
                asks.append(
                    Ask(
                        "material",
                        item.get("title_zh", ""),
                        item.get("title_en", ""),
                        item.get("guidance_zh", ""),
                        item.get("guidance_en", ""),
                        material_id=item["id"],
                        status=MaterialStatus.MISSING,
                    )
                )
    for material_id, document in signed_docs.items():
        material = by_id.get(material_id)
        if material is not None and not material.required:
            continue
        current = status.get(material_id, MaterialStatus.MISSING)
        if current not in _TO_SEND:
            continue  # accepted in signed form, or the signed copy waits for review
        asks.append(
            Ask(
                "sign",
                document.title_zh,
                document.title_en,
                material_id=material_id,
                material_pk=material.pk if material is not None else None,
                document_pk=document.pk,
                status=current,
                **(_rejection(material, current) if material is not None else {}),
            )
        )
    for path in missing_profile_fields(check, case.company.profile):
        section = section_of(path)
        asks.append(
            Ask(
                "profile",
                field_label(path, "zh"),
                field_label(path, "en"),
                section_title(section, "zh"),
                section_title(section, "en"),
                section=section if section in SECTIONS else "",
                path=path,
            )
        )
    for note in _unanswered(notes):
        excerpt = note.body if len(note.body) <= _EXCERPT else note.body[:_EXCERPT] + "…"
        author = (note.author.display_name or note.author.get_username()) if note.author else ""
        asks.append(
            Ask(
                "message",
                "回复顾问的消息",
                "Reply to your consultant's message",
                excerpt,
                excerpt,
                note_pk=note.pk,
                author=author,
            )
        )
    return asks


def _unanswered(notes: list[Note]) -> list[Note]:
    """The staff messages (shared with the client) written after the client's last message, oldest
    first. ``notes`` are newest first."""
    waiting = []
    for note in notes:
        if note.author.role not in STAFF_ROLES:
            break
        waiting.append(note)
    return waiting[::-1]


def asks_for_cases(cases: Iterable[Case], checks: dict[int, CaseCheck | None]) -> dict[int, list[Ask]]:
    """The asks of each case (by pk), ``checks`` giving each case's latest check. The caller has the
    cases from a client's visibility selector. Three queries whatever the number of cases (the
    checklists, the documents to sign, the shared messages)."""
    cases = list(cases)
    ids = [c.pk for c in cases]
    if not ids:
        return {}
    materials: dict[int, list[CaseMaterial]] = {pk: [] for pk in ids}
    for material in (
        CaseMaterial.objects.filter(case_id__in=ids)
        .select_related("latest_version")
        .order_by("position", "pk")
    ):
        materials[material.case_id].append(material)
    documents: dict[int, list[GeneratedDocument]] = {pk: [] for pk in ids}
    for document in GeneratedDocument.objects.filter(case_id__in=ids, current=True, signed=True).order_by(
        "position", "pk"
    ):
        documents[document.case_id].append(document)
    notes: dict[int, list[Note]] = {pk: [] for pk in ids}
    for note in (
        Note.objects.filter(case_id__in=ids, visibility=NoteVisibility.CLIENT)
        .select_related("author")
        .order_by("-created_at", "-pk")
    ):
        notes[note.case_id].append(note)
    return {
        c.pk: _case_asks(c, checks.get(c.pk), materials[c.pk], documents[c.pk], notes[c.pk]) for c in cases
    }


def client_asks(*, case: Case, check: CaseCheck | None = None) -> list[Ask]:
    """What is asked of the client of ``case`` now (the caller has the case from a visibility selector;
    ``check``: the latest check, read here when not given)."""
    if check is None:
        check = CaseCheck.objects.filter(case_id=case.pk).order_by("-created_at", "-pk").first()
    return asks_for_cases([case], {case.pk: check})[case.pk]
