"""``licensedesk check PROFILE --license X`` and ``screen`` for the licenses added as catalog data, through a
real subprocess: the same result contract, reasons, citations, remedies and checklist as the ICP license."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from licensedesk.contracts import CHECK_RESULT_SCHEMA, load_schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NEW = ("icp-filing", "edi-b21", "labour-dispatch", "travel-agency")


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "licensedesk", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


def example(license_id: str) -> dict:
    return yaml.safe_load((EXAMPLES / f"{license_id}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("license_id", NEW)
def test_check_json_gives_a_contract_result_for_each_license(license_id: str) -> None:
    done = run(
        "check", str(EXAMPLES / f"{license_id}.yaml"), "--license", license_id, "--as-of", "2026-11-28",
        "--format", "json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    validator = Draft202012Validator(
        load_schema(CHECK_RESULT_SCHEMA), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    assert list(validator.iter_errors(result)) == []
    assert (result["license"], result["verdict"]) == (license_id, "eligible")
    assert all(c["citation"] for c in result["conditions"])
    assert all(m["supplied_by"] in ("client", "agency", "agency_signed") for m in result["materials"])


def test_labour_dispatch_text_report_gives_reason_basis_and_remedy() -> None:
    profile = example("labour-dispatch")
    profile["company"]["paid_in_capital_cny"] = 1_999_999
    done = run(
        "check", "-", "--license", "labour-dispatch", "--as-of", "2026-11-28", stdin=json.dumps(profile)
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.splitlines()[0] == "劳务派遣经营许可证（labour-dispatch） — 深圳示例人力资源有限公司"
    assert "结论 Verdict: 不符合申请条件 / not eligible" in out
    assert "实缴资本 199.9999 万元，低于 200 万元。" in out
    assert "依据 Basis: 劳务派遣行政许可实施办法 第八条；代办机构实务要求" in out
    assert "建议 Remedy: 股东实缴出资至不低于 200 万元，并取得验资报告或审计报告。" in out
    assert "[必需 required] 劳务派遣管理制度及劳务派遣协议样本 (dispatch_rules_and_agreement)" in out


def test_travel_agency_outbound_one_day_short_is_not_eligible() -> None:
    profile = example("travel-agency")
    profile["extensions"]["travel-agency"]["license_held_since"] = "2024-11-29"
    done = run(
        "check", "-", "--license", "travel-agency", "--as-of", "2026-11-28", "--format", "json",
        stdin=json.dumps(profile, ensure_ascii=False),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["verdict"] == "not_eligible"
    [held] = [c for c in result["conditions"] if c["id"] == "outbound_years_held"]
    assert held["status"] == "unmet"
    assert (
        held["remedy"] == "先经营国内旅游业务和入境旅游业务，满 2 年后（2026-11-29 起）再申请出境旅游业务。"
    )


def test_a_section_fact_of_the_wrong_type_is_refused_by_path() -> None:
    profile = example("travel-agency")
    profile["extensions"]["travel-agency"]["tier"] = "luxury"
    done = run("check", "-", "--license", "travel-agency", "--as-of", "2026-11-28", stdin=json.dumps(profile))
    assert done.returncode == 2
    assert "extensions.travel-agency.tier" in done.stderr


def test_screen_summarises_labour_dispatch_profiles(tmp_path: Path) -> None:
    rows = []
    for paid_in in (2_000_000, 1_999_999, None):
        profile = example("labour-dispatch")
        if paid_in is None:
            del profile["company"]["paid_in_capital_cny"]
        else:
            profile["company"]["paid_in_capital_cny"] = paid_in
        rows.append(json.dumps(profile, ensure_ascii=False))
    source = tmp_path / "companies.jsonl"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "results.jsonl"
    done = run(
        "screen", str(source), "--license", "labour-dispatch", "--as-of", "2026-11-28", "--out", str(out),
        "--no-progress",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = [json.loads(line)["result"] for line in out.read_text(encoding="utf-8").splitlines()]
    verdicts = [r["verdict"] for r in results]
    assert verdicts == ["eligible", "not_eligible", "incomplete"]
    assert {r["license"] for r in results} == {"labour-dispatch"}
    assert "筛查 Screened: 3 家企业 companies (labour-dispatch 2013-07-01, as of 2026-11-28)" in done.stdout
