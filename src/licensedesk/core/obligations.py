"""What keeps a license alive, from its issue date to its expiry: the annual reports and the renewal,
read from the catalog (``annual_report`` and ``renewal`` of the rule version), each with its window,
its due date and its basis.

- **Annual report**: every licensee holding a license issued on or before 31 December of the previous
  year reports in that year's window (1 January – 31 March for telecom licenses: 电信业务经营许可管理办法
  and 工信部信管〔2017〕321号). The report filed in 2027 covers 2026, so its ``period`` is ``"2026"``.
  A license issued on 1 January 2027 first reports in 2028. The window's last day is a fixed date of
  the notice, not a period counted in days, so 民法典 第二百零三条 does not move it.
- **Renewal**: apply at least ``lead_days`` before expiry (90 days for telecom licenses, 第二十七条):
  ``due`` is the last day to apply. The law sets no earliest day for these licenses, so ``opens`` is
  absent unless the catalog gives a window (``window_days``).

Pure: no Django; the register and the reminders in the application read the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from licensedesk.core.catalog.models import License, RuleVersion
from licensedesk.core.deadlines import annual_report_window, renewal_due
from licensedesk.core.eligibility import citation_text

Kind = Literal["annual_report", "renewal"]


@dataclass(frozen=True, slots=True)
class Obligation:
    kind: Kind
    period: str
    opens: date | None
    due: date
    citations: tuple[str, ...]
    certainty: str

    def overdue(self, as_of: date) -> bool:
        return as_of > self.due

    def to_dict(self, as_of: date) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "period": self.period,
            "opens": self.opens.isoformat() if self.opens else None,
            "due": self.due.isoformat(),
            "citations": list(self.citations),
            "certainty": self.certainty,
            "overdue": self.overdue(as_of),
        }


class ObligationInputError(ValueError):
    """Dates that cannot describe a license (expiry before issue); the message names the field."""


def obligations(
    lic: License, version: RuleVersion, *, issued_on: date, expires_on: date, as_of: date
) -> list[Obligation]:
    """Every obligation whose due date is on or after ``as_of`` (or, for the renewal, whose license
    has not yet expired: a missed renewal window stays listed, overdue), up to ``expires_on``, in
    date order."""
    if expires_on <= issued_on:
        raise ObligationInputError(
            f"expires_on: {expires_on.isoformat()} is not after issued_on {issued_on.isoformat()}"
        )
    found: list[Obligation] = []
    report = version.annual_report
    if report is not None:
        cites = tuple(citation_text(lic, (c,)) for c in report.citations)
        for year in range(max(issued_on.year + 1, as_of.year), expires_on.year + 1):
            opens, due = annual_report_window(year, report.window_from, report.window_to)
            if opens > expires_on or due < as_of:
                continue
            found.append(Obligation("annual_report", str(year - 1), opens, due, cites, report.certainty))
    renewal = version.renewal
    if renewal is None:  # a license without a fixed term is never renewed
        return sorted(found, key=lambda o: (o.due, o.kind))
    due = renewal_due(expires_on, renewal.lead_days)
    if as_of <= expires_on:
        opens = expires_on - timedelta(days=renewal.window_days) if renewal.window_days else None
        found.append(
            Obligation(
                "renewal",
                f"{issued_on.isoformat()}/{expires_on.isoformat()}",
                opens,
                due,
                tuple(citation_text(lic, (c,)) for c in renewal.citations),
                renewal.certainty,
            )
        )
    return sorted(found, key=lambda o: (o.due, o.kind))
