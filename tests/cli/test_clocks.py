"""``licensedesk deadline`` and ``licensedesk obligations`` through a real subprocess: the JSON shapes, the
text reports, the errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SCHEMA_KEYS = {"license", "limit", "from", "amount", "unit", "due", "approximate", "citations"}


def _run(*args: str, command: str = "deadline") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "licensedesk", command, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_json_gives_the_due_date_with_its_basis() -> None:
    # five working days from Wednesday 30 September 2026: 8, 9, 10 (Saturday, make-up), 12, 13 October
    done = _run("--license", "icp-b25", "--limit", "acceptance", "--from", "2026-09-30", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) >= SCHEMA_KEYS
    assert {k: data[k] for k in SCHEMA_KEYS} == {
        "license": "icp-b25",
        "limit": "acceptance",
        "from": "2026-09-30",
        "amount": 5,
        "unit": "working_days",
        "due": "2026-10-13",
        "approximate": False,
        "citations": ["中华人民共和国行政许可法 第三十二条"],
    }


def test_a_calendar_day_limit_ending_in_the_national_day_holiday_moves_to_the_next_working_day() -> None:
    # 60 days from 2 August 2026 end on Thursday 1 October (a holiday): the period ends on 8 October
    done = _run("--license", "icp-b25", "--limit", "decision", "--from", "2026-08-02", "--format", "json")
    data = json.loads(done.stdout)
    assert (data["due"], data["unit"], data["unit_certainty"]) == ("2026-10-08", "days", "U")
    assert (data["from_event"], data["practice_from_event"]) == ("paper_delivery", "acceptance_notice")


def test_a_year_without_a_published_arrangement_is_marked_approximate() -> None:
    done = _run("--license", "icp-b25", "--limit", "acceptance", "--from", "2026-12-28")
    assert done.returncode == 0, done.stderr
    assert "届满 due: 2027-01-04（约数：该年节假日安排尚未公布" in done.stdout
    assert "依据 basis: 中华人民共和国行政许可法 第三十二条" in done.stdout


def test_the_text_report_marks_an_unsettled_unit() -> None:
    done = _run("--license", "icp-b25", "--limit", "decision", "--from", "2026-09-20")
    assert "期限 limit: 60日（日历日还是工作日尚无定论" in done.stdout
    assert "届满 due: 2026-11-19" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--license", "icp-b25", "--limit", "nope", "--from", "2026-12-28"),
            "licensedesk: unknown time limit 'nope' for icp-b25; known: acceptance, "
            "certificate_issuance, correction, decision",
        ),
        (
            ("--license", "icp-b25", "--limit", "correction", "--from", "2026-12-28"),
            "licensedesk: time limit 'correction' of icp-b25 is not a period: its due date is the one "
            "the authority sets in the notice (due_on)",
        ),
        (
            ("--license", "nope", "--limit", "acceptance", "--from", "2026-12-28"),
            "unknown license 'nope'; known:",
        ),
        (("--license", "icp-b25", "--limit", "acceptance", "--from", "2026-13-01"), "is not a date"),
    ],
)
def test_unknown_license_limit_or_date_exits_2_naming_the_known_ones(
    args: tuple[str, ...], message: str
) -> None:
    done = _run(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_obligations_of_a_license_issued_in_november() -> None:
    done = _run(
        *("--license", "icp-b25", "--issued-on", "2026-11-15", "--expires-on", "2031-11-14"),
        *("--as-of", "2026-12-02", "--format", "json"),
        command="obligations",
    )
    assert done.returncode == 0, done.stderr
    items = json.loads(done.stdout)
    assert [(o["kind"], o["period"], o["opens"], o["due"]) for o in items] == [
        ("annual_report", "2026", "2027-01-01", "2027-03-31"),
        ("annual_report", "2027", "2028-01-01", "2028-03-31"),
        ("annual_report", "2028", "2029-01-01", "2029-03-31"),
        ("annual_report", "2029", "2030-01-01", "2030-03-31"),
        ("annual_report", "2030", "2031-01-01", "2031-03-31"),
        ("renewal", "2026-11-15/2031-11-14", None, "2031-08-16"),
    ]
    assert items[-1]["citations"] == ["电信业务经营许可管理办法 第二十七条"]


def test_obligations_text_and_bad_dates() -> None:
    done = _run(
        *("--license", "icp-b25", "--issued-on", "2026-11-15", "--expires-on", "2031-11-14"),
        *("--as-of", "2031-09-01"),
        command="obligations",
    )
    assert (
        "续期申请 续期: 最迟 2031-08-16 已逾期 overdue — 电信业务经营许可管理办法 第二十七条" in done.stdout
    )
    bad = _run(
        *("--license", "icp-b25", "--issued-on", "2026-11-15", "--expires-on", "2026-11-01"),
        command="obligations",
    )
    assert bad.returncode == 2
    assert "licensedesk: expires_on: 2026-11-01 is not after issued_on 2026-11-15" in bad.stderr
