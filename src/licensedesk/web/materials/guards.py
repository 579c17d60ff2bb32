"""The ``materials_accepted`` guard: a case leaves reviewing_materials only when every required material
of its checklist is accepted (and its acceptance has not run out under the catalog's date rules).
Registered with the cases app's guard registry in :class:`~licensedesk.web.materials.apps.MaterialsConfig`.
"""

from __future__ import annotations

from django.utils import timezone

from licensedesk.web.cases.guards import MATERIALS, GuardContext, GuardOutcome
from licensedesk.web.materials.models import CaseMaterial, MaterialStatus
from licensedesk.web.materials.reasons import STATUS_TEXT
from licensedesk.web.materials.services import effective_status


def materials_accepted(ctx: GuardContext) -> GuardOutcome:
    source_en = ctx.stage_title(ctx.move.source, "en")
    source_zh = ctx.stage_title(ctx.move.source, "zh")
    materials = list(CaseMaterial.objects.filter(case_id=ctx.case.pk).order_by("position", "pk"))
    if not materials:
        return GuardOutcome.refuse(
            MATERIALS,
            code="guard.materials.no_checklist",
            message=(
                f"Leaving {source_en} needs every required material accepted, and the case has no material "
                "checklist yet: run the eligibility check first."
            ),
            message_zh=f"离开“{source_zh}”须全部必需材料审核通过，而本案件尚无材料清单，请先运行资格检查。",
            missing=["materials_checklist"],
        )
    today = timezone.localdate()
    waiting = [
        (m, effective_status(m, today))
        for m in materials
        if m.required and effective_status(m, today) != MaterialStatus.ACCEPTED
    ]
    if not waiting:
        return GuardOutcome.ok(MATERIALS)
    listed_en = ", ".join(f"{m.title_en} ({STATUS_TEXT[s][1]})" for m, s in waiting)
    listed_zh = "、".join(f"{m.title_zh}（{STATUS_TEXT[s][0]}）" for m, s in waiting)
    return GuardOutcome.refuse(
        MATERIALS,
        code="guard.materials.not_accepted",
        message=f"Leaving {source_en} needs every required material accepted; not yet: {listed_en}.",
        message_zh=f"离开“{source_zh}”须全部必需材料审核通过；尚未通过：{listed_zh}。",
        missing=[m.material_id for m, _ in waiting],
    )
