"""The CLI through a real subprocess, as a user or a script runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from licensedesk.contracts import CHECK_RESULT_SCHEMA, PROFILE_SCHEMA, load_schema
from licensedesk.core.catalog.folders import license_folders
from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.profile import ProfileError, validate_profile

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SHARED_RESULT_SCHEMA = ROOT.parent / "shared" / "contracts" / "check-result.schema.json"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "licensedesk", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


def result_validator() -> Draft202012Validator:
    schema_path = SHARED_RESULT_SCHEMA if SHARED_RESULT_SCHEMA.exists() else None
    schema = json.loads(schema_path.read_text()) if schema_path else load_schema(CHECK_RESULT_SCHEMA)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize(
    ("example", "verdict"),
    [
        ("eligible-shenzhen.json", "eligible"),
        ("not-eligible.yaml", "not_eligible"),
        ("incomplete.json", "incomplete"),
    ],
)
def test_check_json_prints_exactly_a_check_result(example: str, verdict: str) -> None:
    done = run(
        "check", str(EXAMPLES / example), "--license", "icp-b25", "--as-of", "2026-11-28", "--format", "json"
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert list(result_validator().iter_errors(result)) == []
    assert result["verdict"] == verdict
    assert result["as_of"] == "2026-11-28"
    assert result["ruleset_version"] == "2017-09-01"


def test_check_text_report_has_verdict_first_then_conditions_then_materials() -> None:
    done = run("check", str(EXAMPLES / "not-eligible.yaml"), "--as-of", "2026-11-28")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.splitlines()[1] == "结论 Verdict: 不符合申请条件 / not eligible"
    assert out.index("申请条件 Conditions") < out.index("材料清单 Materials")
    assert "注册资本 500 万元，低于跨地区（全国）经营所需的 1,000 万元。" in out
    assert "依据 Basis: 电信业务经营许可管理办法 第六条" in out
    assert "建议 Remedy: 增加注册资本至不低于 1,000 万元（认缴即可）并完成工商变更登记。" in out
    assert "受理机关 Authority: 中华人民共和国工业和信息化部" in out


def test_bad_profile_reports_every_problem_with_its_path_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "schema_version": "1",
                "company": {
                    "name": "某公司",
                    "registered_capital_cny": -5,
                    "uscc": "91310115MA1G4L1WXK",
                    "entity_type": "llc",
                },
            }
        ),
        encoding="utf-8",
    )
    done = run("check", str(bad), "--format", "json")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert "3 problem(s)" in done.stderr
    assert (
        "company.registered_capital_cny: Input should be greater than or equal to 0 / 不得小于 0"
        in done.stderr
    )
    assert "company.uscc: USCC check character is 'K', expected '7'" in done.stderr
    assert "company.entity_type: Input should be one of" in done.stderr


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("{not json", ".json", "invalid JSON at line 1 column 2"),
        ("company: [unclosed", ".yaml", "invalid YAML"),
        ("[1, 2]", ".json", "a profile is a JSON object"),
    ],
)
def test_unparseable_profiles_exit_2_without_traceback(
    tmp_path: Path, content: str, suffix: str, message: str
) -> None:
    path = tmp_path / f"p{suffix}"
    path.write_text(content, encoding="utf-8")
    done = run("check", str(path))
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_file_and_unknown_license_and_date_before_any_rules() -> None:
    missing = run("check", "/nonexistent/profile.json")
    assert missing.returncode == 2
    assert "/nonexistent/profile.json: 1 problem(s)" in missing.stderr
    assert "file not found / 文件不存在" in missing.stderr
    unknown = run("check", str(EXAMPLES / "eligible-shenzhen.json"), "--license", "pawn-shop")
    assert unknown.returncode == 2
    known = ", ".join(sorted(p.name for p in license_folders()))
    assert f"unknown license 'pawn-shop'; known: {known}" in unknown.stderr
    early = run("check", str(EXAMPLES / "eligible-shenzhen.json"), "--as-of", "2017-08-31")
    assert early.returncode == 2
    assert "no rule version of icp-b25 is in force on 2017-08-31" in early.stderr
    bad_date = run("check", str(EXAMPLES / "eligible-shenzhen.json"), "--as-of", "2026-13-01")
    assert bad_date.returncode == 2
    assert "'2026-13-01' is not a date in the form YYYY-MM-DD" in bad_date.stderr


def test_as_of_judges_validity_of_pre_approvals(tmp_path: Path) -> None:
    profile = json.loads((EXAMPLES / "eligible-shenzhen.json").read_text())
    profile["service"]["content_areas"] = ["drugs_medical_devices"]
    profile["service"]["pre_approvals"] = [{"area": "drugs_medical_devices", "valid_until": "2026-06-30"}]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
    before = json.loads(run("check", str(path), "--as-of", "2026-06-30", "--format", "json").stdout)
    after = json.loads(run("check", str(path), "--as-of", "2026-07-01", "--format", "json").stdout)
    assert before["verdict"] == "eligible"
    assert after["verdict"] == "not_eligible"
    status = {c["id"]: c["status"] for c in after["conditions"]}
    assert status["pre_approval"] == "unmet"


def test_catalog_list_show_validate(tmp_path: Path) -> None:
    listed = run("catalog", "list")
    assert listed.returncode == 0
    rows = listed.stdout.splitlines()
    assert [row.split("\t")[0] for row in rows] == sorted(p.name for p in license_folders())
    assert any(row.startswith("icp-b25\tB25\tICP 许可证 / ICP license") for row in rows)
    shown = run("catalog", "show", "icp-b25", "--as-of", "2026-11-28")
    assert shown.returncode == 0
    assert (
        "registered_capital: 注册资本 / Registered capital — 电信业务经营许可管理办法 第六条" in shown.stdout
    )
    assert "acceptance: 5个工作日" in shown.stdout
    assert "  credit_proof: 公司信誉情况证明材料 [statutory, always, supplied by client]" in shown.stdout
    assert (
        "  guarantee_letter: 保证书 [agency_practice, conditional, supplied by agency_signed]" in shown.stdout
    )
    assert run("catalog", "show", "nope").returncode == 2
    ok = run("catalog", "validate")
    assert ok.returncode == 0
    licenses = default_catalog().licenses()
    versions = sum(len(lic.versions) for lic in licenses)
    assert ok.stdout.strip() == f"OK: {len(licenses)} license(s), {versions} rule version(s) / 校验通过"
    source = (ROOT / "src/licensedesk/core/catalog/licenses/icp-b25/license.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        source.replace(
            "{param: registered_capital_min.national}", "{param: registered_capital_min.nationwide}"
        ).replace("test: {ref: ready}", "test: {is: [{ref: ready}, true]}", 1),
        encoding="utf-8",
    )
    bad = run("catalog", "validate", str(broken))
    assert bad.returncode == 1
    lines = bad.stdout.splitlines()
    assert (
        "broken.yaml: versions[0].conditions[1].let.minimum.if[1].param: unknown parameter "
        "'registered_capital_min.nationwide'" in lines
    )
    assert any(
        line.startswith("broken.yaml: versions[0].conditions[5].test.is: unknown operator 'is'")
        for line in lines
    )
    assert "2 problem(s) found" in bad.stderr


def test_screen_csv_streams_rows_and_keeps_going_after_bad_rows(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    done = run(
        "screen", str(EXAMPLES / "screening.csv"), "--as-of", "2026-11-28", "--out", str(out), "--no-progress"
    )
    assert done.returncode == 0, done.stderr
    assert "筛查 Screened: 5 家企业 companies" in done.stdout
    assert "符合 eligible: 2 (40.0%)" in done.stdout  # C-003 (education) needs no pre-approval since 2016
    assert "无效输入 invalid: 1 (20.0%)" in done.stdout
    assert "legal_entity 依法设立的公司 / Lawfully established company: 1" in done.stdout
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "line,ref,company_name,uscc,verdict,unmet,unknown,missing_fields,authority,errors"
    assert rows[1] == "2,C-001,深圳市云帆信息科技有限公司,91440300MA5FXK2Q18,eligible,,,,CN-GD,"
    assert rows[2].startswith("3,C-002,深圳市小微网络工作室,,not_eligible,legal_entity;registered_capital,")
    assert rows[5].startswith('6,C-005,,,invalid,,,,,"company.registered_capital_cny: expected a number')
    assert "company.uscc: USCC check character is 'K'" in rows[5]


def test_screen_jsonl_of_generated_profiles_gives_contract_results(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    profiles = [json.loads((EXAMPLES / "eligible-shenzhen.json").read_text())] * 3
    lines = [json.dumps(p, ensure_ascii=False) for p in profiles] + ["{broken", '{"schema_version": "1"}']
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    done = run("screen", str(source), "--out", str(out), "--no-progress")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r.get("verdict") or r["result"]["verdict"] for r in records] == [
        "eligible",
        "eligible",
        "eligible",
        "invalid",
        "invalid",
    ]
    for record in records[:3]:
        assert list(result_validator().iter_errors(record["result"])) == []
    assert records[3]["errors"][0]["code"] == "json_invalid"
    assert records[4]["errors"] == [
        {"path": "company", "code": "missing", "message": "Field required / 缺少必填字段"}
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.txt", "a", "unsupported file kind .txt; use .csv or .jsonl"),
        ("x.csv", "company.name,colour\n某公司,red\n", "column(s) colour are not profile fields"),
        ("x.csv", "company.uscc\n9144\n", "the CSV needs a company.name column"),
    ],
)
def test_screen_rejects_unusable_files_with_exit_2(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    done = run("screen", str(path), "--no-progress")
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("kind", "value", "code", "expected"),
    [
        ("uscc", "91512081MA62K0260E", 0, "有效 valid"),
        ("uscc", "91310115MA1G4L1WXK", 1, "无效 invalid: USCC check character is 'K', expected '7'"),
        ("resident-id", "11010519491231002X", 0, "birth_date: 1949-12-31"),
        ("license-number", "B2-20200123", 0, "issuer: 工业和信息化部 (MIIT)"),
        ("license-number", "粤B2-2018001", 1, "无效 invalid:"),
        ("icp-filing", "粤ICP备12345678号-1", 0, "province: 广东省"),
        ("icp-filing", "粤ICP12345678号", 1, "无效 invalid:"),
    ],
)
def test_validate_identifiers(kind: str, value: str, code: int, expected: str) -> None:
    done = run("validate", kind, value)
    assert done.returncode == code
    assert expected in done.stdout


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(from_schema(load_schema(PROFILE_SCHEMA)))
def test_check_accepts_any_contract_profile(profile: dict) -> None:
    """Profiles generated from the contract itself: valid ones get a contract result, others exit 2."""
    try:
        validate_profile(profile)
        expected = 0
    except ProfileError:
        expected = 2  # only identifier check characters can make a schema-valid profile invalid
    done = run("check", "-", "--format", "json", stdin=json.dumps(profile, ensure_ascii=False))
    assert done.returncode == expected, done.stderr
    if expected == 0:
        assert list(result_validator().iter_errors(json.loads(done.stdout))) == []


def test_check_refuses_contradictions_naming_each_path(tmp_path: Path) -> None:
    profile = json.loads((EXAMPLES / "eligible-shenzhen.json").read_text(encoding="utf-8"))
    profile["company"]["established_on"] = "2030-01-01"
    profile["company"]["staff_total"], profile["company"]["technical_staff"] = 3, 5
    profile["company"]["shareholders"][1]["share_pct"] = 40
    profile["company"]["legal_representative"]["mobile"] = "1380013800"
    profile["service"]["websites"][0]["icp_filing_number"] = "粤ICP备2024ABC号"
    path = tmp_path / "contradictory.json"
    path.write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
    result = run("check", str(path), "--as-of", "2026-12-03")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"licensedesk: {path}: 5 problem(s) / 发现 5 处错误"
    assert lines[1:] == [
        "  company.established_on: the founding date 2030-01-01 is after the as-of date 2026-12-03 / "
        "成立日期 2030-01-01 晚于检查基准日 2026-12-03",
        "  company.legal_representative.mobile: '1380013800' is not a mobile number; expected 11 digits "
        "starting with 13–19, such as 13800138000 / “1380013800”不是有效的手机号码，应为以 13–19 开头的 "
        "11 位数字，如 13800138000",
        "  service.websites[0].icp_filing_number: '粤ICP备2024ABC号' is not an ICP filing number; expected a "
        "form like 粤ICP备12345678号-1 or 京ICP备2021123456号 / “粤ICP备2024ABC号”不是有效的 ICP 备案号，"
        "应形如 粤ICP备12345678号-1 或 京ICP备2021123456号",
        "  company.technical_staff: 5 technical staff is more than the 3 staff in total / "
        "专业技术人员 5 人多于员工总数 3 人",
        "  company.shareholders: the shareholders' shares add up to 110 %, more than 100 % / "
        "各股东持股比例合计 110%，超过 100%",
    ]


def test_check_judges_the_founding_date_on_the_as_of_date() -> None:
    # eligible-shenzhen was founded on 2021-03-15: fine today, a contradiction on an earlier as-of date
    assert run("check", str(EXAMPLES / "eligible-shenzhen.json"), "--as-of", "2026-12-03").returncode == 0
    early = run("check", str(EXAMPLES / "eligible-shenzhen.json"), "--as-of", "2020-01-01")
    assert early.returncode == 2
    assert "company.established_on: the founding date 2021-03-15 is after the as-of date 2020-01-01" in (
        early.stderr
    )


def test_catalog_schema_prints_the_profile_schema_of_a_license() -> None:
    done = run("catalog", "schema", "labour-dispatch")
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "company-profile/v1/labour-dispatch"
    section = default_catalog().section("labour-dispatch")
    assert section is not None
    own = schema["properties"]["extensions"]["properties"]["labour-dispatch"]
    assert list(own["properties"]) == [f.key for f in section.fields]
    assert own["additionalProperties"] is False
    assert "paid_in_capital_cny" in schema["properties"]["company"]["properties"]
    plain = json.loads(run("catalog", "schema", "icp-b25").stdout)
    assert "properties" not in plain["properties"]["extensions"]  # the ICP license has no section
    unknown = run("catalog", "schema", "pawn-shop")
    assert unknown.returncode == 2
    assert "unknown license 'pawn-shop'" in unknown.stderr


def test_check_names_every_violation_of_the_license_section(tmp_path: Path) -> None:
    profile = json.loads((EXAMPLES / "eligible-shenzhen.json").read_text(encoding="utf-8"))
    profile["extensions"] = {"labour-dispatch": {"colour": "red", "premises_ready": "yes"}}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
    done = run("check", str(path), "--license", "labour-dispatch", "--as-of", "2026-11-28")
    assert done.returncode == 2
    assert f"{path}: 2 problem(s) / 发现 2 处错误" in done.stderr
    assert "  extensions.labour-dispatch.colour: Extra inputs are not permitted / 不允许的字段" in done.stderr
    assert (
        "  extensions.labour-dispatch.premises_ready: 'yes' is not of type 'boolean' / 类型不正确"
        in done.stderr
    )
    # the same facts are free for a license without a section: they are not its business
    ok = run("check", str(path), "--license", "icp-b25", "--as-of", "2026-11-28")
    assert ok.returncode == 0, ok.stderr
