"""One ``Deadline`` value over every source of due dates, and one collector per source.

The reminder job and the calendar feed read deadlines only through :func:`agency_deadlines`, so they do
not know where a date comes from. The sources compute their own dates (this module imports them and
never repeats their rules):

* **case clocks** — :func:`licensedesk.web.cases.clocks.open_clocks_for_agency`: the statutory clocks
  a case runs with the authority (受理, 决定, 发证) and the client's correction (补正). Only running,
  statutory clocks are deadlines here: a met or stopped clock asks nothing of anyone now, and the
  practice reading of a clock (counted from another event) is the same decision a second time, so it
  would only double each reminder;
* **license duties** — :func:`licensedesk.web.register.selectors.license_duties`: the annual reports,
  renewals and change filings of the licenses the agency's clients hold.

Who owns a deadline: the consultant of its case (for a license, of the case it came from, else of the
company's most recent case); without one, the agency's admins. The client's users own the deadlines
they act on themselves (``for_client``): the license duties and the clocks the catalog says the client
owes (``actor: client``: the correction). The authority's own clocks (acceptance, decision, certificate)
are the agency's to watch, not the client's.

The ``key`` names the deadline, not its date: it stays the same across runs (and when a restarted clock
moves the date, the sent log keys on the date as well, so the new date is reminded afresh).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.urls import reverse

logger = logging.getLogger(__name__)

UNCERTAIN = frozenset({"W", "U"})


@dataclass(frozen=True)
class Deadline:
    """A date someone must act by. ``path`` is the page it belongs to for staff (the case, or the license
    in the register), ``client_path`` the client's page of it in the portal; ``citations`` its legal
    basis as text; ``certainty`` the catalog's mark of that basis
    (W and U: not verified, said so wherever it is shown)."""

    key: str
    source: str  # "case_clock" | "license_duty"
    title_zh: str
    title_en: str
    due: date
    agency_id: int
    company_id: int
    company_name: str
    path: str
    client_path: str
    consultant_id: int | None
    for_client: bool
    case_id: int | None = None
    license_record_id: int | None = None
    citations: tuple[str, ...] = ()
    certainty: str = "L"
    approximate: bool = False
    opens: date | None = None
    detail_zh: str = ""
    detail_en: str = ""

    @property
    def uncertain(self) -> bool:
        return self.certainty in UNCERTAIN

    def days_left(self, today: date) -> int:
        """Calendar days from ``today`` to the due date (0: due today; negative: past)."""
        return (self.due - today).days


# -- case clocks --------------------------------------------------------------------------------------------


def _citation_texts(citations: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(c) for c in citations if str(c))


def case_clock_deadlines(*, agency: Any, today: date) -> list[Deadline]:
    """The running statutory clocks of the agency's open cases."""
    from licensedesk.web.cases.clocks import open_clocks_for_agency

    out: list[Deadline] = []
    for case, clock in open_clocks_for_agency(agency=agency, today=today):
        if clock.state != "running" or not clock.statutory:
            continue
        case_name = case.number or case.company.name
        out.append(
            Deadline(
                key=f"case:{case.pk}:clock:{clock.limit_id}",
                source="case_clock",
                title_zh=f"{clock.name_zh}（{case.company.name}）",
                title_en=f"{clock.name_en} deadline ({case.company.name})",
                due=clock.due,
                agency_id=case.agency_id,
                company_id=case.company_id,
                company_name=case.company.name,
                path=reverse("cases:detail", kwargs={"pk": case.pk}),
                client_path=reverse("portal:case", kwargs={"pk": case.pk}),
                consultant_id=case.consultant_id,
                for_client=clock.actor == "client",
                case_id=case.pk,
                citations=_citation_texts(clock.citations),
                certainty="U" if clock.unit_uncertain else clock.certainty,
                approximate=clock.approximate,
                detail_zh=f"案件 {case_name}" + (f"：{clock.duty_zh}" if clock.duty_zh else ""),
                detail_en=f"Case {case_name}" + (f": {clock.duty_en}" if clock.duty_en else ""),
            )
        )
    return out


# -- license duties -----------------------------------------------------------------------------------------

_DUTY_TITLES = {
    "annual_report": ("年度报告", "Annual report"),
    "renewal": ("续期申请", "Renewal application"),
    "change_filing": ("变更申请", "Change filing"),
}


def _license_path(record: Any) -> str:
    """The license's page in the register (its case's page when the register has no page for it)."""
    from django.urls import NoReverseMatch

    try:
        return reverse("register:detail", kwargs={"pk": record.pk})
    except NoReverseMatch:
        case_id = getattr(record, "case_id", None)
        return reverse("cases:detail", kwargs={"pk": case_id}) if case_id else ""


def _client_license_path(record: Any) -> str:
    """The client's page of the license in the portal (the portal's home when it has none)."""
    from django.urls import NoReverseMatch

    try:
        return reverse("register:portal")
    except NoReverseMatch:
        return reverse("portal:home")


def _license_consultants(records: list[Any]) -> dict[int, int | None]:
    """Per license record: the consultant of its case, else of its company's most recent case."""
    from licensedesk.web.cases.models import Case

    if not records:
        return {}
    company_ids = {r.company_id for r in records}
    of_case: dict[int, int | None] = {}
    latest: dict[int, int | None] = {}
    for case_id, company_id, consultant_id in (
        Case.objects.filter(company_id__in=company_ids, consultant__isnull=False)
        .order_by("company_id", "-opened_on", "-pk")
        .values_list("pk", "company_id", "consultant_id")
    ):
        of_case[case_id] = consultant_id
        latest.setdefault(company_id, consultant_id)
    return {r.pk: of_case.get(r.case_id) or latest.get(r.company_id) for r in records}


def license_duty_deadlines(*, agency: Any, today: date) -> list[Deadline]:
    """The open duties of the licenses the agency's clients hold: a duty whose case is done (the annual
    report filed, the renewal granted: ``LicenseDuty.done``) reminds nobody any more."""
    from licensedesk.web.register.selectors import license_duties

    duties = [d for d in license_duties(agency=agency, as_of=today) if not d.done]
    consultants = _license_consultants([d.license for d in duties])
    out: list[Deadline] = []
    for duty in duties:
        record = duty.license
        zh, en = _DUTY_TITLES.get(duty.kind, (duty.kind, duty.kind))
        if getattr(duty, "title", None) is not None:
            zh, en = duty.title.zh, duty.title.en
        company = record.company
        period = str(duty.period or "")
        out.append(
            Deadline(
                key=f"license:{record.pk}:{duty.kind}:{period}",
                source="license_duty",
                title_zh=f"{zh}（{company.name}，许可证 {record.number}）",
                title_en=f"{en} ({company.name}, license {record.number})",
                due=duty.due,
                agency_id=record.agency_id,
                company_id=record.company_id,
                company_name=company.name,
                path=_license_path(record),
                client_path=_client_license_path(record),
                consultant_id=consultants.get(record.pk),
                for_client=True,
                case_id=getattr(record, "case_id", None),
                license_record_id=record.pk,
                citations=_citation_texts(duty.citations),
                certainty=getattr(duty, "certainty", "L"),
                opens=getattr(duty, "opens", None),
                detail_zh=f"许可证 {record.number}"
                + (f"，{period} 年度" if duty.kind == "annual_report" else ""),
                detail_en=f"License {record.number}"
                + (f", year {period}" if duty.kind == "annual_report" else ""),
            )
        )
    return out


# -- all sources --------------------------------------------------------------------------------------------

Collector = Callable[..., list[Deadline]]

COLLECTORS: tuple[Collector, ...] = (case_clock_deadlines, license_duty_deadlines)


def agency_deadlines(*, agency: Any, today: date) -> list[Deadline]:
    """Every deadline of the agency, nearest first (a source that fails raises: the housekeeping run
    reports it, and the next run reminds what this one could not)."""
    out: list[Deadline] = []
    for collect in COLLECTORS:
        out.extend(collect(agency=agency, today=today))
    return sorted(out, key=lambda d: (d.due, d.key))
