"""Date rules of materials: the catalog holds them (with citations, validated at load); the checks use
today's date, with calendar months clamped to month ends."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from licensedesk.core.catalog.loader import default_catalog, default_paths, validate_files
from licensedesk.core.catalog.models import DateRules
from licensedesk.core.date_rules import accepted_until, add_months, date_problems

TODAY = date(2026, 3, 31)
MAX_AGE = DateRules(max_age_months=12, citations=[{"basis": "agency_practice"}], certainty="W")
NOT_EXPIRED = DateRules(not_expired=True, citations=[{"basis": "agency_practice"}], certainty="W")


def _materials() -> dict[str, object]:
    version = default_catalog().version("icp-b25", "2017-09-01").version
    return {m.id: m for m in version.materials}


def test_the_catalog_carries_the_date_rules_and_confirmations() -> None:
    materials = _materials()
    assert materials["financial_report"].date_rules.max_age_months == 12  # type: ignore[attr-defined]
    assert materials["financial_report"].date_rules.certainty == "W"  # type: ignore[attr-defined]
    assert materials["business_license"].date_rules.not_expired  # type: ignore[attr-defined]
    assert materials["pre_approval_documents"].date_rules.not_expired  # type: ignore[attr-defined]
    assert materials["application_letter"].date_rules is None  # type: ignore[attr-defined]
    confirm = [f.path for f in materials["business_license"].confirm_on_acceptance]  # type: ignore[attr-defined]
    assert confirm == ["company.name", "company.uscc", "company.legal_representative.name"]


def _broken_catalog(tmp_path: Path, edit: object) -> list[str]:
    [source] = [p for p in default_paths() if p.parent.name == "icp-b25"]
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    edit(data["versions"][0]["materials"])  # type: ignore[operator]
    path = tmp_path / "icp-b25.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return [str(p) for p in validate_files([path])]


def test_the_loader_refuses_bad_date_rules_and_confirmations(tmp_path: Path) -> None:
    def edit(materials: list[dict[str, object]]) -> None:
        materials[0]["date_rules"] = {"citations": [{"basis": "agency_practice"}], "certainty": "W"}
        materials[1]["date_rules"] = {
            "max_age_months": 6,
            "citations": [{"basis": "nowhere"}],
            "certainty": "W",
        }
        materials[1]["confirm_on_acceptance"] = [
            {"path": "company.nmae", "title": {"zh": "名称", "en": "Name"}},
        ]

    problems = _broken_catalog(tmp_path, edit)
    assert any(
        "versions[0].materials[0].date_rules" in p and "needs max_age_months or not_expired" in p
        for p in problems
    ), problems
    assert problems


def test_unknown_confirm_path_and_unknown_basis_are_named(tmp_path: Path) -> None:
    def edit(materials: list[dict[str, object]]) -> None:
        materials[1]["date_rules"] = {
            "max_age_months": 6,
            "citations": [{"basis": "nowhere"}],
            "certainty": "W",
        }
        materials[1]["confirm_on_acceptance"] = [
            {"path": "company.nmae", "title": {"zh": "名称", "en": "Name"}}
        ]

    problems = _broken_catalog(tmp_path, edit)
    assert (
        "icp-b25.yaml: versions[0].materials[1].confirm_on_acceptance[0].path: "
        "unknown profile path 'company.nmae'" in problems
    )
    assert (
        "icp-b25.yaml: versions[0].materials[1].date_rules.citations[0]: cites unknown legal basis 'nowhere'"
        in problems
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 3, 31), 12, date(2026, 3, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -12, date(2025, 1, 15)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_within_the_last_twelve_months() -> None:
    ok = date_problems(
        MAX_AGE, document_date=date(2025, 3, 31), valid_until=None, long_term=False, today=TODAY
    )
    assert ok == []
    [old] = date_problems(
        MAX_AGE, document_date=date(2025, 3, 30), valid_until=None, long_term=False, today=TODAY
    )
    assert old.code == "material.document_too_old" and old.field == "document_date"
    assert old.message == (
        "The document is dated 2025-03-30, more than 12 months before today (2026-03-31); "
        "ask the client for a more recent one."
    )
    assert (
        old.message_zh == "文件日期为 2025-03-30，距今天（2026-03-31）已超过 12 个月，请客户提供最近的文件。"
    )
    [missing] = date_problems(MAX_AGE, document_date=None, valid_until=None, long_term=False, today=TODAY)
    assert missing.message_zh == "请填写文件日期：文件须为最近 12 个月内出具。"
    [future] = date_problems(
        MAX_AGE, document_date=date(2026, 4, 1), valid_until=None, long_term=False, today=TODAY
    )
    assert future.code == "material.document_date_in_future"
    assert (
        accepted_until(MAX_AGE, document_date=date(2025, 3, 31), valid_until=None, long_term=False) == TODAY
    )


def test_not_expired() -> None:
    assert (
        date_problems(NOT_EXPIRED, document_date=None, valid_until=TODAY, long_term=False, today=TODAY) == []
    )
    assert date_problems(NOT_EXPIRED, document_date=None, valid_until=None, long_term=True, today=TODAY) == []
    [expired] = date_problems(
        NOT_EXPIRED, document_date=None, valid_until=date(2026, 3, 30), long_term=False, today=TODAY
    )
    assert expired.code == "material.document_expired"
    assert expired.message_zh == "文件已于 2026-03-30 过期（今天是 2026-03-31），请客户提供有效文件。"
    [missing] = date_problems(NOT_EXPIRED, document_date=None, valid_until=None, long_term=False, today=TODAY)
    assert missing.code == "material.valid_until_required"
    assert accepted_until(
        NOT_EXPIRED, document_date=None, valid_until=date(2030, 1, 1), long_term=False
    ) == date(2030, 1, 1)
    assert accepted_until(NOT_EXPIRED, document_date=None, valid_until=None, long_term=True) is None
    assert date_problems(None, document_date=None, valid_until=None, long_term=False, today=TODAY) == []
