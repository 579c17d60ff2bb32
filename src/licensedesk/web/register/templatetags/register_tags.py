"""The company page's panel of the company's licenses and the change filings its profile edits
proposed: the consultant lands there after saving the profile, so the proposal is where the edit was."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from licensedesk.web.register import display, selectors

register = template.Library()


@register.inclusion_tag("register/_company_licenses.html", takes_context=True)
def company_licenses(context: Any, company: Any) -> dict[str, Any]:
    today = timezone.localdate()
    user = context["request"].user
    rows = selectors.register_rows_visible_to(user=user, as_of=today, company_id=company.pk)
    shown = []
    for row in rows:
        proposals = [
            {
                "duty": d,
                "title": display.duty_title(d),
                "certainty": display.certainty_text(d.certainty),
                "note": display.duty_note(d),
            }
            for d in row.change_filings
        ]
        shown.append(
            {
                "row": row,
                "status": display.status_label(row.status),
                "next": display.duty_rows([row.next_duty], as_of=today)[0] if row.next_duty else None,
                "proposals": proposals,
            }
        )
    return {"rows": shown}
