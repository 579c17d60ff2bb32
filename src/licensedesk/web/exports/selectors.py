"""What each export holds: its columns (Chinese headers) and its rows, read through the same tenancy
selectors as the pages (the case list's own selector and filters for cases), as one query whose rows
are fetched in chunks (``values_list(...).iterator(chunk_size=...)``): constant memory and a constant
number of queries however many rows there are. Labels (stage titles, statuses, provinces) come from
in-memory catalogs, cached per distinct value."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone, translation

from licensedesk.core.provinces import province_by_code
from licensedesk.core.workflow import machine_for
from licensedesk.web.cases.display import license_name
from licensedesk.web.cases.selectors import case_list_visible_to, company_list_visible_to
from licensedesk.web.exports.writers import Column
from licensedesk.web.materials.models import CaseMaterial, MaterialStatus

CHUNK_ROWS = 2000


@dataclass
class Export:
    """An export ready to write: file name stem, sheet title, columns and the rows (an iterator)."""

    name: str
    title: str
    columns: list[Column]
    rows: Iterator[tuple[Any, ...]]


@cache
def _stage_title(license_id: str, ruleset_version: str, stage: str, case_type: str) -> str:
    try:
        return machine_for(license_id, ruleset_version, case_type).stage(stage).title.zh
    except Exception:  # a stage the version no longer knows: its id, as the pages show it
        return stage


@cache
def _license(license_id: str) -> str:
    return license_name(license_id, "zh")


@cache
def _province(code: str) -> str:
    if not code:
        return ""
    try:
        return province_by_code(code).name_zh
    except KeyError:
        return code


def _person(display_name: str | None, username: str | None) -> str:
    return display_name or username or ""


CASE_COLUMNS = [
    Column("案件编号", width=16),
    Column("企业名称", width=32),
    Column("统一社会信用代码", width=22),
    Column("许可证", width=16),
    Column("阶段", width=16),
    Column("顾问", width=12),
    Column("立案日期", "date", 12),
    Column("目标日期", "date", 12),
    Column("法定期限", "date", 12),
    Column("进入本阶段", "datetime", 17),
    Column("结案时间", "datetime", 17),
    Column("最后更新", "datetime", 17),
]


def case_export(*, user: Any, filters: dict[str, Any]) -> Export:
    """The case list as the list page shows it: same selector, same filters, same order."""
    rows = (
        case_list_visible_to(user=user, **filters)
        .values_list(
            "number",
            "company__name",
            "company__uscc",
            "license_id",
            "ruleset_version",
            "stage",
            "case_type",
            "consultant__display_name",
            "consultant__username",
            "opened_on",
            "target_date",
            "stage_due_on",
            "stage_entered_at",
            "closed_at",
            "updated_at",
        )
        .iterator(chunk_size=CHUNK_ROWS)
    )

    def shaped() -> Iterator[tuple[Any, ...]]:
        for number, company, uscc, lic, ruleset, stage, case_type, cname, cuser, *dates in rows:
            yield (
                number,
                company,
                uscc,
                _license(lic),
                _stage_title(lic, ruleset, stage, case_type),
                _person(cname, cuser),
                *dates,
            )

    return Export("案件", "案件", CASE_COLUMNS, shaped())


COMPANY_COLUMNS = [
    Column("企业名称", width=32),
    Column("统一社会信用代码", width=22),
    Column("省份", width=10),
    Column("企业类型", width=16),
    Column("在办案件", "number", 10),
    Column("案件总数", "number", 10),
    Column("建档时间", "datetime", 17),
]


def company_export(*, user: Any, search: str = "") -> Export:
    rows = (
        company_list_visible_to(user=user, search=search)
        .annotate(
            open_cases=Count("cases", filter=Q(cases__closed_at__isnull=True)), all_cases=Count("cases")
        )
        .values_list("name", "uscc", "province", "entity_type", "open_cases", "all_cases", "created_at")
        .iterator(chunk_size=CHUNK_ROWS)
    )

    def shaped() -> Iterator[tuple[Any, ...]]:
        for name, uscc, province, entity_type, open_cases, all_cases, created in rows:
            yield (name, uscc, _province(province), entity_type, open_cases, all_cases, created)

    return Export("企业", "企业", COMPANY_COLUMNS, shaped())


MATERIAL_COLUMNS = [
    Column("案件编号", width=16),
    Column("企业名称", width=32),
    Column("材料", width=36),
    Column("必需", "bool", 8),
    Column("状态", width=10),
    Column("状态变更时间", "datetime", 17),
    Column("有效至", "date", 12),
]


def _status_labels() -> dict[str, str]:
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in MaterialStatus.choices}


def material_export(*, user: Any, filters: dict[str, Any]) -> Export:
    """Every checklist item of the cases the case list shows with the same filters, case by case."""
    cases = case_list_visible_to(user=user, **filters).order_by().values("pk")
    rows = (
        CaseMaterial.objects.filter(case_id__in=cases)
        .order_by("case__number", "case_id", "position", "pk")
        .values_list(
            "case__number",
            "case__company__name",
            "title_zh",
            "required",
            "status",
            "status_changed_at",
            "accepted_until",
        )
        .iterator(chunk_size=CHUNK_ROWS)
    )
    labels = _status_labels()

    def shaped() -> Iterator[tuple[Any, ...]]:
        for number, company, title, required, status, changed, until in rows:
            yield (number, company, title, required, labels.get(status, status), changed, until)

    return Export("材料状态", "材料状态", MATERIAL_COLUMNS, shaped())


# -- the license register and the deadlines (the register and reminders apps' own selectors) ------------

REGISTER_COLUMNS = [
    Column("许可证编号", width=20),
    Column("企业名称", width=32),
    Column("许可证", width=16),
    Column("发证机关", width=24),
    Column("发证日期", "date", 12),
    Column("有效期至", "date", 12),
    Column("状态", width=10),
    Column("下一项义务", width=24),
    Column("下一项义务截止", "date", 14),
    Column("依据可靠性", width=24),
]


def register_export(*, user: Any, filters: dict[str, Any]) -> Export:
    """The license register as its page lists it (same selector and filters). The register reads each
    agency's licenses in full to derive their status and duties (hundreds of rows per agency), so it is
    not read in chunks; the file is still written row by row."""
    from licensedesk.web.register import display
    from licensedesk.web.register.selectors import register_rows_visible_to

    today = timezone.localdate()
    with translation.override("zh-hans"):
        rows = register_rows_visible_to(user=user, as_of=today, **filters)
        shaped = [
            (
                r.license.number,
                r.license.company.name,
                _license(r.license.license_id),
                r.license.authority,
                r.license.issued_on,
                r.license.expires_on,
                display.status_label(r.status),
                display.duty_title(r.next_duty) if r.next_duty else "",
                r.next_duty.due if r.next_duty else None,
                display.certainty_text(r.next_duty.certainty) if r.next_duty else "",
            )
            for r in rows
        ]
    return Export("许可证台账", "许可证台账", REGISTER_COLUMNS, iter(shaped))


DEADLINE_COLUMNS = [
    Column("截止日期", "date", 12),
    Column("事项", width=30),
    Column("企业名称", width=32),
    Column("剩余天数", "number", 10),
    Column("可办理起始", "date", 12),
    Column("日期为估算", "bool", 10),
    Column("依据", width=40),
    Column("依据可靠性", width=24),
]


def deadline_export(*, user: Any) -> Export:
    """The reader's deadlines as the deadlines page lists them (the reminders app's selector: a
    consultant's own, an admin's and those nobody is assigned), nearest first."""
    from licensedesk.web.register.display import certainty_text
    from licensedesk.web.reminders.selectors import deadlines_owned_by

    today = timezone.localdate()
    with translation.override("zh-hans"):
        certainty = {mark: certainty_text(mark) for mark in ("L", "S", "W", "U")}
    rows = (
        (
            d.due,
            d.title_zh,
            d.company_name,
            (d.due - today).days,
            d.opens,
            d.approximate,
            "；".join(d.citations),
            certainty.get(d.certainty, ""),  # a W or U basis is said so, never shown as settled
        )
        for d in deadlines_owned_by(user=user, today=today)
    )
    return Export("截止日期", "截止日期", DEADLINE_COLUMNS, rows)
