"""The company profile contract as pydantic models: every bad input is a ProfileError naming its path."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from licensedesk.contracts import PROFILE_SCHEMA, load_schema
from licensedesk.core.profile import (
    CompanyProfile,
    ProfileError,
    ProfileProblem,
    load_profile,
    parse_profile_text,
    validate_profile,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
VALID_USCC = "91440300MA5FXK2Q18"
BAD_USCC = "91440300MA5FXK2Q19"  # check character should be 8
VALID_ID = "440305198806123517"
BAD_ID = "440305198806123518"  # check character should be 7
SCHEMA = Draft202012Validator(load_schema(PROFILE_SCHEMA), format_checker=Draft202012Validator.FORMAT_CHECKER)
ENTITY_TYPES = (
    "'limited_company', 'joint_stock_company', 'partnership', 'sole_proprietorship', 'individual_business', "
    "'public_institution', 'social_organization', 'foreign_company' or 'natural_person'"
)
CONTENT_AREAS = (
    "'news', 'publishing', 'education', 'healthcare', 'drugs_medical_devices', 'bulletin_board', "
    "'culture_entertainment', 'online_games', 'audio_video', 'live_streaming', 'religion', "
    "'finance' or 'none'"
)
PROVINCES = (
    "'CN-AH', 'CN-BJ', 'CN-CQ', 'CN-FJ', 'CN-GD', 'CN-GS', 'CN-GX', 'CN-GZ', 'CN-HA', 'CN-HB', 'CN-HE', "
    "'CN-HI', 'CN-HL', 'CN-HN', 'CN-JL', 'CN-JS', 'CN-JX', 'CN-LN', 'CN-NM', 'CN-NX', 'CN-QH', 'CN-SC', "
    "'CN-SD', 'CN-SH', 'CN-SN', 'CN-SX', 'CN-TJ', 'CN-XJ', 'CN-XZ', 'CN-YN' or 'CN-ZJ'"
)


def profile(**sections: Any) -> dict[str, Any]:
    """A minimal valid profile; ``company`` fields are merged, other sections given whole."""
    data: dict[str, Any] = {"schema_version": "1", "company": {"name": "深圳市某某科技有限公司"}}
    data["company"].update(sections.pop("company", {}))
    data.update(sections)
    return data


def problems(data: Any) -> list[tuple[str, str, str]]:
    with pytest.raises(ProfileError) as info:
        validate_profile(data)
    return [(p.path, p.code, p.message) for p in info.value.problems]


# -- accepted ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["eligible-shenzhen.json", "incomplete.json", "not-eligible.yaml"])
def test_examples_are_valid(name: str) -> None:
    loaded = load_profile(EXAMPLES / name)
    assert isinstance(loaded, CompanyProfile)
    assert SCHEMA.is_valid(loaded.to_contract())


def test_minimal_profile() -> None:
    assert validate_profile(profile()).to_contract() == {
        "schema_version": "1",
        "company": {"name": "深圳市某某科技有限公司"},
    }


def test_absent_and_null_are_kept_apart() -> None:
    data = profile(
        company={"uscc": None, "business_license_valid_until": None},
        service={"pre_approvals": [{"area": "news", "valid_until": None}, {"area": "education"}]},
    )
    contract = validate_profile(data).to_contract()
    assert contract["company"] == {
        "name": "深圳市某某科技有限公司",
        "uscc": None,
        "business_license_valid_until": None,
    }
    assert contract["service"]["pre_approvals"] == [
        {"area": "news", "valid_until": None},
        {"area": "education"},
    ]
    assert "readiness" not in contract
    assert "registered_capital_cny" not in contract["company"]


def test_identifiers_are_normalised() -> None:
    data = profile(
        company={
            "uscc": " 91440300ma5fxk2q18 ",
            "legal_representative": {
                "name": "陈志远",
                "id_type": "resident_id",
                "id_number": "44030519880612351７",
            },
        }
    )
    contract = validate_profile(data).to_contract()
    assert contract["company"]["uscc"] == VALID_USCC
    assert contract["company"]["legal_representative"]["id_number"] == VALID_ID


@pytest.mark.parametrize(
    "id_type", [None, "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent_resident_id"]
)
def test_id_number_is_only_checked_for_resident_ids(id_type: str | None) -> None:
    rep: dict[str, Any] = {"name": "王丽", "id_number": BAD_ID}
    if id_type is not None:
        rep["id_type"] = id_type
    contract = validate_profile(profile(company={"legal_representative": rep})).to_contract()
    assert contract["company"]["legal_representative"]["id_number"] == BAD_ID


def test_extensions_are_free_form() -> None:
    data = profile(extensions={"edi": {"anything": [1, "two", None]}, "x": True})
    assert validate_profile(data).to_contract()["extensions"] == {
        "edi": {"anything": [1, "two", None]},
        "x": True,
    }


def test_yaml_dates_are_accepted() -> None:
    text = (
        'schema_version: "1"\n'
        "company:\n"
        "  name: 杭州某某科技有限公司\n"
        "  established_on: 2021-03-15\n"
        "  business_license_valid_until: 2041-03-14\n"
        "service:\n"
        "  pre_approvals:\n"
        "    - {area: drugs_medical_devices, valid_until: 2025-06-30}\n"
    )
    data = parse_profile_text(text, source="p.yaml")
    assert data["company"]["established_on"] == date(2021, 3, 15)
    contract = validate_profile(data).to_contract()
    assert contract["company"]["established_on"] == "2021-03-15"
    assert contract["company"]["business_license_valid_until"] == "2041-03-14"
    assert contract["service"]["pre_approvals"][0]["valid_until"] == "2025-06-30"


def test_load_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "p.yml"
    path.write_text(
        'schema_version: "1"\ncompany: {name: 某某公司, established_on: 2020-01-02}\n', encoding="utf-8"
    )
    assert load_profile(path).to_contract()["company"]["established_on"] == "2020-01-02"


# -- rejected: one problem each ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            {"schema_version": "1", "company": {}},
            ("company.name", "missing", "Field required / 缺少必填字段"),
            id="missing company.name",
        ),
        pytest.param(
            {"schema_version": "1"},
            ("company", "missing", "Field required / 缺少必填字段"),
            id="missing company",
        ),
        pytest.param(
            {"company": {"name": "x"}},
            ("schema_version", "missing", "Field required / 缺少必填字段"),
            id="missing version",
        ),
        pytest.param(
            profile(company={"registered_capital_cny": "1000000"}),
            ("company.registered_capital_cny", "float_type", "Input should be a valid number / 应为数字"),
            id="string capital",
        ),
        pytest.param(
            profile(company={"registered_capital_cny": True}),
            ("company.registered_capital_cny", "float_type", "Input should be a valid number / 应为数字"),
            id="bool capital",
        ),
        pytest.param(
            profile(company={"staff_total": "12"}),
            ("company.staff_total", "int_type", "Input should be a valid integer / 应为整数"),
            id="integer as string",
        ),
        pytest.param(
            profile(company={"staff_total": 2.5}),
            ("company.staff_total", "int_type", "Input should be a valid integer / 应为整数"),
            id="fractional integer",
        ),
        pytest.param(
            profile(company={"on_telecom_dishonesty_list": "false"}),
            (
                "company.on_telecom_dishonesty_list",
                "bool_type",
                "Input should be a valid boolean / 应为 true 或 false",
            ),
            id="bool as string",
        ),
        pytest.param(
            profile(readiness={"security": {"website_security_measures": 1}}),
            (
                "readiness.security.website_security_measures",
                "bool_type",
                "Input should be a valid boolean / 应为 true 或 false",
            ),
            id="bool as integer",
        ),
        pytest.param(
            profile(company={"staff_total": -1}),
            (
                "company.staff_total",
                "greater_than_equal",
                "Input should be greater than or equal to 0 / 不得小于 0",
            ),
            id="negative staff",
        ),
        pytest.param(
            profile(company={"entity_type": "llc"}),
            (
                "company.entity_type",
                "literal_error",
                f"Input should be one of {ENTITY_TYPES} / 取值应为其中之一：{ENTITY_TYPES}",
            ),
            id="unknown entity type",
        ),
        pytest.param(
            profile(company={"province": "CN-HK"}),
            (
                "company.province",
                "literal_error",
                f"Input should be one of {PROVINCES} / 取值应为其中之一：{PROVINCES}",
            ),
            id="unknown province",
        ),
        pytest.param(
            profile(service={"content_areas": ["gambling"]}),
            (
                "service.content_areas[0]",
                "literal_error",
                f"Input should be one of {CONTENT_AREAS} / 取值应为其中之一：{CONTENT_AREAS}",
            ),
            id="unknown content area",
        ),
        pytest.param(
            profile(service={"coverage": "global"}),
            (
                "service.coverage",
                "literal_error",
                "Input should be one of 'provincial' or 'national' / "
                "取值应为其中之一：'provincial' or 'national'",
            ),
            id="unknown coverage",
        ),
        pytest.param(
            {"schema_version": "2", "company": {"name": "x"}},
            ("schema_version", "literal_error", "Input should be one of '1' / 取值应为其中之一：'1'"),
            id="schema version 2",
        ),
        pytest.param(
            {"schema_version": 1, "company": {"name": "x"}},
            ("schema_version", "literal_error", "Input should be one of '1' / 取值应为其中之一：'1'"),
            id="schema version as integer",
        ),
        pytest.param(
            {**profile(), "notes": "x"},
            ("notes", "extra_forbidden", "Extra inputs are not permitted / 不允许的字段"),
            id="extra",
        ),
        pytest.param(
            profile(company={"capital": 1}),
            ("company.capital", "extra_forbidden", "Extra inputs are not permitted / 不允许的字段"),
            id="extra in company",
        ),
        pytest.param(
            profile(readiness={"security": {"firewall": True}}),
            (
                "readiness.security.firewall",
                "extra_forbidden",
                "Extra inputs are not permitted / 不允许的字段",
            ),
            id="extra nested",
        ),
        pytest.param(
            profile(company={"shareholders": [{"name": "a", "share_pct": 10, "nationality": "CN"}]}),
            (
                "company.shareholders[0].nationality",
                "extra_forbidden",
                "Extra inputs are not permitted / 不允许的字段",
            ),
            id="extra in a list item",
        ),
        pytest.param(
            profile(company={"established_on": "2021-02-30"}),
            (
                "company.established_on",
                "date_parsing",
                "Input should be a valid date in the format YYYY-MM-DD, "
                "day value is outside expected range / 应为日期（YYYY-MM-DD）",
            ),
            id="invalid date",
        ),
        pytest.param(
            profile(service={"pre_approvals": [{"area": "news", "valid_until": "2025/06/30"}]}),
            (
                "service.pre_approvals[0].valid_until",
                "date_parsing",
                "Input should be a valid date in the format YYYY-MM-DD, "
                "invalid date separator, expected `-` / 应为日期（YYYY-MM-DD）",
            ),
            id="date with slashes",
        ),
        pytest.param(
            profile(company={"name": ""}),
            ("company.name", "string_too_short", "String should have at least 1 character / 不得为空"),
            id="empty name",
        ),
        pytest.param(
            profile(company={"name": "名" * 201}),
            (
                "company.name",
                "string_too_long",
                "String should have at most 200 characters / 过长（最多 200 个字符）",
            ),
            id="long name",
        ),
        pytest.param(
            profile(company={"shareholders": [{"name": "a", "share_pct": 10, "jurisdiction": "hk"}]}),
            (
                "company.shareholders[0].jurisdiction",
                "string_pattern_mismatch",
                "String should match pattern '^[A-Z]{2}$' / 格式不正确",
            ),
            id="lower-case jurisdiction",
        ),
        pytest.param(
            profile(company={"shareholders": [{"name": "a"}]}),
            ("company.shareholders[0].share_pct", "missing", "Field required / 缺少必填字段"),
            id="shareholder without share",
        ),
        pytest.param(
            profile(service={"content_areas": "news"}),
            ("service.content_areas", "list_type", "Input should be a valid array / 应为列表"),
            id="list as string",
        ),
        pytest.param(
            {"schema_version": "1", "company": "某某公司"},
            ("company", "model_type", "Input should be an object / 应为对象"),
            id="object as string",
        ),
        pytest.param(
            profile(company={"uscc": BAD_USCC}),
            (
                "company.uscc",
                "uscc.checksum",
                "USCC check character is '9', expected '8' / 统一社会信用代码校验位应为 8，实际为 9",
            ),
            id="uscc checksum",
        ),
        pytest.param(
            profile(company={"uscc": "9144030"}),
            (
                "company.uscc",
                "uscc.length",
                "USCC must have 18 characters, got 7 / 统一社会信用代码应为 18 位，实际为 7 位",
            ),
            id="uscc length",
        ),
        pytest.param(
            profile(
                company={
                    "shareholders": [
                        {"name": "a", "share_pct": 50, "uscc": VALID_USCC},
                        {"name": "b", "share_pct": 50, "uscc": BAD_USCC},
                    ]
                }
            ),
            (
                "company.shareholders[1].uscc",
                "uscc.checksum",
                "USCC check character is '9', expected '8' / 统一社会信用代码校验位应为 8，实际为 9",
            ),
            id="shareholder uscc",
        ),
        pytest.param(
            profile(service={"websites": [{"domain": "example.cn", "owner_uscc": BAD_USCC}]}),
            (
                "service.websites[0].owner_uscc",
                "uscc.checksum",
                "USCC check character is '9', expected '8' / 统一社会信用代码校验位应为 8，实际为 9",
            ),
            id="website owner uscc",
        ),
        pytest.param(
            profile(
                company={
                    "legal_representative": {"name": "王丽", "id_type": "resident_id", "id_number": BAD_ID}
                }
            ),
            (
                "company.legal_representative.id_number",
                "resident_id.checksum",
                "Resident ID check character is '8', expected '7' / 身份证号码校验位应为 7，实际为 8",
            ),
            id="resident id checksum",
        ),
        pytest.param(
            profile(
                company={
                    "legal_representative": {
                        "name": "王丽",
                        "id_type": "resident_id",
                        "id_number": "4403051988",
                    }
                }
            ),
            (
                "company.legal_representative.id_number",
                "resident_id.length",
                "Resident ID number must have 18 characters, got 10 / 身份证号码应为 18 位，实际为 10 位",
            ),
            id="resident id length",
        ),
    ],
)
def test_rejected(data: Any, expected: tuple[str, str, str]) -> None:
    assert problems(data) == [expected]


@pytest.mark.parametrize(
    ("data", "path", "code"),
    [
        (
            profile(company={"registered_capital_cny": -1}),
            "company.registered_capital_cny",
            "greater_than_equal",
        ),
        (
            profile(company={"foreign_ownership_pct": 100.5}),
            "company.foreign_ownership_pct",
            "less_than_equal",
        ),
        (
            profile(company={"foreign_ownership_pct": -0.1}),
            "company.foreign_ownership_pct",
            "greater_than_equal",
        ),
        (
            profile(company={"shareholders": [{"name": "a", "share_pct": 101}]}),
            "company.shareholders[0].share_pct",
            "less_than_equal",
        ),
    ],
)
def test_out_of_range_numbers(data: Any, path: str, code: str) -> None:
    assert [(p, c) for p, c, _ in problems(data)] == [(path, code)]


def test_bounds_are_shown_the_same_in_both_languages() -> None:
    """The Chinese half repeats the bound as given in English (0, 100), not as a float (0.0, 100.0)."""
    found = problems(profile(company={"registered_capital_cny": -1, "foreign_ownership_pct": 100.5}))
    assert [m for _, _, m in found] == [
        "Input should be greater than or equal to 0 / 不得小于 0",
        "Input should be less than or equal to 100 / 不得大于 100",
    ]


@pytest.mark.parametrize(
    ("field", "values"),
    [("content_areas", ["news", "education", "news"]), ("activities", ["cdn", "cdn"])],
)
def test_duplicate_list_items(field: str, values: list[str]) -> None:
    assert [(p, c) for p, c, _ in problems(profile(service={field: values}))] == [
        (f"service.{field}", "unique_items")
    ]


def test_duplicate_list_items_message_is_bilingual_once() -> None:
    assert problems(profile(service={"content_areas": ["news", "news"]})) == [
        ("service.content_areas", "unique_items", "items must be unique / 列表项不得重复")
    ]


@pytest.mark.parametrize("data", [[], "profile", None, 3, [{"schema_version": "1"}]])
def test_top_level_must_be_an_object(data: Any) -> None:
    assert problems(data) == [("", "model_type", "a profile is a JSON object / 企业档案应为 JSON 对象")]


def test_several_violations_are_reported_at_once() -> None:
    data = {
        "schema_version": "1",
        "company": {"registered_capital_cny": "100万", "entity_type": "llc", "uscc": BAD_USCC, "foo": 1},
        "service": {"content_areas": ["news", "news"]},
        "readiness": {"business_plan": "yes"},
        "bar": 2,
    }
    found = problems(data)
    assert [(p, c) for p, c, _ in found] == [
        ("company.name", "missing"),
        ("company.uscc", "uscc.checksum"),
        ("company.entity_type", "literal_error"),
        ("company.registered_capital_cny", "float_type"),
        ("company.foo", "extra_forbidden"),
        ("service.content_areas", "unique_items"),
        ("readiness.business_plan", "bool_type"),
        ("bar", "extra_forbidden"),
    ]


def test_profile_error_text_and_source() -> None:
    with pytest.raises(ProfileError) as info:
        validate_profile(profile(company={"staff_total": "3", "province": "GD"}), source="clients/a.json")
    assert info.value.source == "clients/a.json"
    assert str(info.value) == (
        "clients/a.json: company.province: Input should be one of "
        f"{PROVINCES} / 取值应为其中之一：{PROVINCES}; "
        "company.staff_total: Input should be a valid integer / 应为整数"
    )


def test_problem_str_without_path() -> None:
    assert str(ProfileProblem(path="", code="model_type", message="m")) == "(profile): m"


NON_NULLABLE = [
    ("company", "entity_type"),
    ("company", "registered_capital_cny"),
    ("company", "province"),
    ("company", "shareholders"),
    ("company", "foreign_ownership_pct"),
    ("company", "staff_total"),
    ("company", "on_telecom_dishonesty_list"),
    ("service", "coverage"),
    ("service", "content_areas"),
    ("service", "pre_approvals"),
    ("readiness", "business_plan"),
    ("readiness", "security"),
]


def test_null_is_rejected_where_the_contract_does_not_allow_it() -> None:
    """Only uscc, business_license_valid_until, pre_approvals[].valid_until and the websites' owner_uscc
    and icp_filing_number may be null. Elsewhere null is not 'unknown' (that is absence): the engine
    would read ``on_telecom_dishonesty_list: null`` as not listed (clean_record met) and crash on
    ``content_areas: null``."""
    accepted = []
    for section, field in NON_NULLABLE:
        data = profile()
        data.setdefault(section, {})[field] = None
        assert not SCHEMA.is_valid(data), (section, field)
        try:
            validate_profile(copy.deepcopy(data))
        except ProfileError as exc:
            assert [p.path for p in exc.problems] == [f"{section}.{field}"]
        else:
            accepted.append(f"{section}.{field}")
    data = profile(company={"shareholders": [{"name": "a", "share_pct": 60, "jurisdiction": None}]})
    assert not SCHEMA.is_valid(data)
    try:
        validate_profile(data)
    except ProfileError:
        pass
    else:
        accepted.append("company.shareholders[0].jurisdiction")
    assert accepted == [], f"null accepted for {accepted}"


# -- parsing text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"schema_version": "1",}',
            "invalid JSON at line 1 column 24: Expecting property name enclosed in double quotes",
        ),
        (
            '{\n  "schema_version": "1"\n  "company": {}\n}',
            "invalid JSON at line 3 column 3: Expecting ',' delimiter",
        ),
        ("[1, 2", "invalid JSON at line 1 column 6: Expecting ',' delimiter"),
    ],
)
def test_invalid_json_names_line_and_column(text: str, message: str) -> None:
    with pytest.raises(ProfileError) as info:
        parse_profile_text(text, source="p.json")
    assert [(p.path, p.code, p.message) for p in info.value.problems] == [("", "json_invalid", message)]
    assert str(info.value) == f"p.json: (profile): {message}"


def test_json_only_source_does_not_fall_back_to_yaml() -> None:
    with pytest.raises(ProfileError) as info:
        parse_profile_text("schema_version: '1'", source="p.json", yaml_allowed=False)
    assert info.value.problems[0].code == "json_invalid"
    assert info.value.problems[0].message == "invalid JSON at line 1 column 1: Expecting value"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("company: [1", "invalid YAML at line 1 column 12: expected ',' or ']', but got '<stream end>'"),
        ("a: 1\n b: 2\n", "invalid YAML at line 2 column 3: mapping values are not allowed here"),
    ],
)
def test_invalid_yaml_names_line_and_column(text: str, message: str) -> None:
    with pytest.raises(ProfileError) as info:
        parse_profile_text(text, source="p.yaml")
    assert [(p.path, p.code, p.message) for p in info.value.problems] == [("", "yaml_invalid", message)]


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as info:
        load_profile(tmp_path / "nope.json")
    assert [(p.code, p.message) for p in info.value.problems] == [
        ("file_missing", "file not found / 文件不存在")
    ]
    assert info.value.source == str(tmp_path / "nope.json")


def test_load_json_file_with_yaml_content_is_a_json_error(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('schema_version: "1"\ncompany: {name: x}\n', encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert info.value.problems[0].code == "json_invalid"


def test_load_file_with_a_violation_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"schema_version": "1", "company": {"name": "x", "staff_total": "3"}}', encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert str(info.value) == f"{path}: company.staff_total: Input should be a valid integer / 应为整数"


# -- contradictions and formats the schema cannot express (issue 10 item 10) -----------------------

AS_OF = date(2026, 12, 3)


def problems_on(data: Any, as_of: date = AS_OF) -> list[tuple[str, str, str]]:
    with pytest.raises(ProfileError) as info:
        validate_profile(data, as_of=as_of)
    return [(p.path, p.code, p.message) for p in info.value.problems]


def test_founding_date_after_the_as_of_date_is_refused() -> None:
    assert problems_on(profile(company={"established_on": "2030-01-01"})) == [
        (
            "company.established_on",
            "date_after_as_of",
            "the founding date 2030-01-01 is after the as-of date 2026-12-03 / "
            "成立日期 2030-01-01 晚于检查基准日 2026-12-03",
        )
    ]
    # the as-of date decides: founded on the day itself is fine, and on an earlier as-of date it is not
    validate_profile(profile(company={"established_on": "2026-12-03"}), as_of=AS_OF)
    assert problems_on(profile(company={"established_on": "2021-03-15"}), as_of=date(2020, 1, 1))[0][:2] == (
        "company.established_on",
        "date_after_as_of",
    )


def test_founding_date_defaults_to_today_in_china() -> None:
    with pytest.raises(ProfileError) as info:
        validate_profile(profile(company={"established_on": "2999-01-01"}))
    assert [p.path for p in info.value.problems] == ["company.established_on"]


def test_more_technical_staff_than_staff_is_refused() -> None:
    assert problems_on(profile(company={"staff_total": 3, "technical_staff": 5})) == [
        (
            "company.technical_staff",
            "technical_staff_above_total",
            "5 technical staff is more than the 3 staff in total / 专业技术人员 5 人多于员工总数 3 人",
        )
    ]
    validate_profile(profile(company={"staff_total": 3, "technical_staff": 3}), as_of=AS_OF)


def test_shares_above_100_percent_are_refused() -> None:
    holders = [{"name": "甲", "share_pct": 70}, {"name": "乙", "share_pct": 40.5}]
    assert problems_on(profile(company={"shareholders": holders})) == [
        (
            "company.shareholders",
            "shares_above_100",
            "the shareholders' shares add up to 110.5 %, more than 100 % / "
            "各股东持股比例合计 110.5%，超过 100%",
        )
    ]
    holders[1]["share_pct"] = 30
    validate_profile(profile(company={"shareholders": holders}), as_of=AS_OF)


def test_contradictions_are_reported_together() -> None:
    data = profile(
        company={
            "staff_total": 1,
            "technical_staff": 2,
            "shareholders": [{"name": "甲", "share_pct": 100}, {"name": "乙", "share_pct": 1}],
        }
    )
    assert [p[0] for p in problems_on(data)] == ["company.technical_staff", "company.shareholders"]


def test_contradictions_come_with_the_other_violations() -> None:
    data = profile(company={"established_on": "2030-01-01", "staff_total": 3, "technical_staff": 5})
    assert [p[:2] for p in problems_on(data)] == [
        ("company.established_on", "date_after_as_of"),
        ("company.technical_staff", "technical_staff_above_total"),
    ]


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("粤ICP备2024ABC号", "icp_filing.format"),
        ("粤ICP备123号", "icp_filing.serial"),
        ("川ICP备12345678号", "icp_filing.province"),
    ],
)
def test_malformed_icp_filing_number_is_refused(number: str, code: str) -> None:
    data = profile(service={"websites": [{"domain": "example.cn", "icp_filing_number": number}]})
    [(path, got, message)] = problems_on(data)
    assert (path, got) == ("service.websites[0].icp_filing_number", code)
    assert " / " in message  # bilingual


def test_malformed_icp_filing_message() -> None:
    data = profile(service={"websites": [{"domain": "example.cn", "icp_filing_number": "粤ICP备2024ABC号"}]})
    assert problems_on(data)[0][2] == (
        "'粤ICP备2024ABC号' is not an ICP filing number; expected a form like 粤ICP备12345678号-1 or "
        "京ICP备2021123456号 / “粤ICP备2024ABC号”不是有效的 ICP 备案号，"
        "应形如 粤ICP备12345678号-1 或 京ICP备2021123456号"
    )


def test_valid_icp_filing_number_is_kept() -> None:
    data = profile(
        service={"websites": [{"domain": "example.cn", "icp_filing_number": "粤ICP备2021123456号-1"}]}
    )
    site = validate_profile(data, as_of=AS_OF).to_contract()["service"]["websites"][0]
    assert site["icp_filing_number"] == "粤ICP备2021123456号-1"


@pytest.mark.parametrize("mobile", ["1380013800", "12800138000", "138001380001", "0755-12345678"])
def test_malformed_mobile_is_refused(mobile: str) -> None:
    data = profile(company={"legal_representative": {"name": "陈志远", "mobile": mobile}})
    assert problems_on(data) == [
        (
            "company.legal_representative.mobile",
            "mobile.format",
            f"'{mobile}' is not a mobile number; expected 11 digits starting with 13–19, such as "
            f"13800138000 / “{mobile}”不是有效的手机号码，应为以 13–19 开头的 11 位数字，如 13800138000",
        )
    ]


def test_mobile_is_normalised() -> None:
    data = profile(company={"legal_representative": {"name": "陈志远", "mobile": "+86 138 0013 8000"}})
    company = validate_profile(data, as_of=AS_OF).to_contract()["company"]
    assert company["legal_representative"]["mobile"] == "13800138000"
