"""Identifier validators: domain-facts §1.8 / §3 vectors, exact error codes and messages, properties."""

from __future__ import annotations

import pickle
import string
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from licensedesk.core.identifiers import (
    IcpFilingNumber,
    IdentifierError,
    LicenseNumber,
    ResidentId,
    parse_icp_filing,
    parse_license_number,
    parse_resident_id,
    validate_resident_id,
    validate_uscc,
)
from licensedesk.core.provinces import all_provinces, province_by_code

TODAY = date(2025, 6, 30)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
PROVINCES = all_provinces()


def _error(call: object, *args: object, **kwargs: object) -> IdentifierError:
    """Run a validator that must fail and return its error for inspection."""
    with pytest.raises(IdentifierError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value


def _resident_id(first17: str) -> str:
    """Complete 17 digits with the check character computed by stdnum (not by the code under test)."""
    return first17 + ric.calc_check_digit(first17 + "0")


# --------------------------------------------------------------------------- IdentifierError


def test_identifier_error_is_a_value_error_with_both_languages() -> None:
    err = IdentifierError("x.y", "中文说明", "English text")
    assert isinstance(err, ValueError)
    assert (err.code, err.message_zh, err.message_en) == ("x.y", "中文说明", "English text")
    assert str(err) == "English text / 中文说明"
    assert "x.y" in repr(err)


def test_identifier_error_survives_pickling() -> None:
    err = _error(validate_uscc, "91310115MA1G4L1WXK")
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.code, copy.message_zh, copy.message_en) == (err.code, err.message_zh, err.message_en)


@pytest.mark.parametrize(
    ("parser", "kind"),
    [
        (validate_uscc, "uscc"),
        (validate_resident_id, "resident_id"),
        (parse_resident_id, "resident_id"),
        (parse_license_number, "license_number"),
        (parse_icp_filing, "icp_filing"),
    ],
)
@pytest.mark.parametrize("value", [None, 91512081, b"91512081MA62K0260E", ["x"]])
def test_non_text_input_is_an_identifier_error(parser: object, kind: str, value: object) -> None:
    assert _error(parser, value).code == f"{kind}.type"


# --------------------------------------------------------------------------- USCC (§3.1)


@pytest.mark.parametrize("code", ["91512081MA62K0260E", "9144030071526726XG"])
def test_uscc_valid_vectors(code: str) -> None:
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    "raw",
    [
        " 91512081ma62k0260e ",
        "9151 2081 MA62 K026 0E",
        "９１５１２０８１ＭＡ６２Ｋ０２６０Ｅ",
        "91512081MA62K0260E\n",
    ],
)
def test_uscc_is_normalised(raw: str) -> None:
    assert validate_uscc(raw) == "91512081MA62K0260E"


def test_uscc_known_invalid_vector_names_expected_check_char() -> None:
    err = _error(validate_uscc, "91310115MA1G4L1WXK")
    assert err.code == "uscc.checksum"
    assert err.message_en == "USCC check character is 'K', expected '7'"
    assert err.message_zh == "统一社会信用代码校验位应为 7，实际为 K"
    assert validate_uscc("91310115MA1G4L1WX7") == "91310115MA1G4L1WX7"


@pytest.mark.parametrize(("raw", "length"), [("", 0), ("9151208", 7), ("91512081MA62K0260E1", 19)])
def test_uscc_length(raw: str, length: int) -> None:
    err = _error(validate_uscc, raw)
    assert err.code == "uscc.length"
    assert err.message_en == f"USCC must have 18 characters, got {length}"
    assert err.message_zh == f"统一社会信用代码应为 18 位，实际为 {length} 位"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z", "o"])
def test_uscc_forbidden_letters(letter: str) -> None:
    err = _error(validate_uscc, "91512081M" + letter + "62K0260E")
    assert err.code == "uscc.forbidden_letter"
    shown = letter.upper()
    assert err.message_en == (
        f"USCC has the letter '{shown}' at position 10; I, O, S, V and Z are never used"
    )
    assert err.message_zh == f"统一社会信用代码第 10 位为字母 {shown}，该代码不使用 I、O、S、V、Z"


@pytest.mark.parametrize(("bad", "shown"), [("#", "#"), ("中", "中"), ("\x00", "\\u0000")])
def test_uscc_invalid_character(bad: str, shown: str) -> None:
    err = _error(validate_uscc, "91512081MA62K026" + bad + "E")
    assert err.code == "uscc.format"
    assert f"'{shown}' at position 17" in err.message_en
    assert f"第 17 位的字符“{shown}”无效" in err.message_zh


def test_uscc_division_code_must_be_digits() -> None:
    err = _error(validate_uscc, "9151A081MA62K0260E")
    assert err.code == "uscc.division_code"
    assert err.message_en == "USCC positions 3–8 (administrative division code) must be digits, got '51A081'"
    assert "51A081" in err.message_zh


def test_uscc_letter_authority_in_position_1_is_allowed() -> None:
    # Authorities A/N/Y exist (§3.1); stdnum.validate would reject them, ours must not.
    body = "N2440300MA5ABCDE1"
    code = body + uscc.calc_check_digit(body)
    assert validate_uscc(code) == code


@st.composite
def valid_usccs(draw: st.DrawFn) -> str:
    head = draw(st.text(USCC_ALPHABET, min_size=2, max_size=2))
    division = draw(st.text(string.digits, min_size=6, max_size=6))
    entity = draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
    body = head + division + entity
    return body + uscc.calc_check_digit(body)


@given(valid_usccs())
def test_generated_usccs_validate_and_round_trip(code: str) -> None:
    assert validate_uscc(code) == code
    assert validate_uscc(code.lower()) == code
    assert validate_uscc(f" {code[:9]} {code[9:]} ") == code
    assert validate_uscc(validate_uscc(code)) == code


@given(valid_usccs(), st.integers(0, 17), st.sampled_from(string.digits + string.ascii_uppercase + "#-. "))
def test_any_single_character_change_is_rejected(code: str, position: int, replacement: str) -> None:
    assume(code[position] != replacement)
    mutated = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(IdentifierError):
        validate_uscc(mutated)


# --------------------------------------------------------------------------- resident ID (§3.2, §3.3)


@pytest.mark.parametrize(
    ("number", "born", "sex", "province"),
    [
        ("11010519491231002X", date(1949, 12, 31), "female", "CN-BJ"),
        ("440524188001010014", date(1880, 1, 1), "male", "CN-GD"),
        ("370101190102039973", date(1901, 2, 3), "male", "CN-SD"),
    ],
)
def test_resident_id_vectors(number: str, born: date, sex: str, province: str) -> None:
    parsed = parse_resident_id(number, today=TODAY)
    assert parsed == ResidentId(number, born, sex, province_by_code(province), "mainland")
    assert parsed.is_mainland
    assert validate_resident_id(number, today=TODAY) == number


def test_resident_id_lower_case_x_is_normalised() -> None:
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"
    assert validate_resident_id(" 110105 19491231 002x ") == "11010519491231002X"


def test_resident_id_checksum() -> None:
    err = _error(validate_resident_id, "110105194912310021")
    assert err.code == "resident_id.checksum"
    assert err.message_en == "Resident ID check character is '1', expected 'X'"
    assert err.message_zh == "身份证号码校验位应为 X，实际为 1"


@pytest.mark.parametrize(("raw", "length"), [("", 0), ("11010519491231002", 17), ("1" * 19, 19)])
def test_resident_id_length(raw: str, length: int) -> None:
    err = _error(validate_resident_id, raw)
    assert err.code == "resident_id.length"
    assert err.message_en == f"Resident ID number must have 18 characters, got {length}"
    assert err.message_zh == f"身份证号码应为 18 位，实际为 {length} 位"


@pytest.mark.parametrize("raw", ["1101051949123100X2", "11010519491231A02X", "X10105194912310021"])
def test_resident_id_format(raw: str) -> None:
    err = _error(validate_resident_id, raw)
    assert err.code == "resident_id.format"
    assert "17 digits followed by a digit or X" in err.message_en
    assert "17 位数字加 1 位数字或 X" in err.message_zh


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490000", "00000101"])
def test_resident_id_birth_date_must_be_real(birth: str) -> None:
    err = _error(validate_resident_id, _resident_id("110105" + birth + "002"))
    assert err.code == "resident_id.birth_date"
    assert err.message_en == f"Resident ID birth date {birth} is not a real date"
    assert err.message_zh == f"身份证号码中的出生日期 {birth} 不是有效日期"


def test_resident_id_birth_date_not_in_future() -> None:
    number = _resident_id("11010520250701002")
    err = _error(validate_resident_id, number, today=TODAY)
    assert err.code == "resident_id.birth_date"
    assert err.message_en == "Resident ID birth date 2025-07-01 is in the future (today is 2025-06-30)"
    assert "晚于今天" in err.message_zh
    assert parse_resident_id(number, today=date(2025, 7, 1)).birth_date == date(2025, 7, 1)


@pytest.mark.parametrize("prefix", ["00", "10", "16", "29", "47", "66", "80", "84", "99"])
def test_resident_id_region_must_be_known(prefix: str) -> None:
    err = _error(validate_resident_id, _resident_id(prefix + "010519491231002"))
    assert err.code == "resident_id.region"
    assert err.message_en == (
        f"Resident ID starts with {prefix}, which is not a known provincial division code"
    )
    assert prefix in err.message_zh


@pytest.mark.parametrize(
    ("address", "region"),
    [("810000", "hong_kong"), ("820000", "macau"), ("830000", "taiwan"), ("710000", "taiwan")],
)
def test_residence_permits_are_accepted_and_marked(address: str, region: str) -> None:
    parsed = parse_resident_id(_resident_id(address + "19900101001"), today=TODAY)
    assert parsed.region == region
    assert parsed.province is None
    assert not parsed.is_mainland
    assert parsed.sex == "male"


@given(
    st.sampled_from(PROVINCES),
    st.text(string.digits, min_size=4, max_size=4),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.integers(0, 999),
)
def test_generated_resident_ids_parse_back(province: object, county: str, born: date, sequence: int) -> None:
    first17 = f"{province.gb2260}{county}{born:%Y%m%d}{sequence:03d}"  # type: ignore[attr-defined]
    number = _resident_id(first17)
    parsed = parse_resident_id(number.lower(), today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date == born
    assert parsed.sex == ("male" if sequence % 2 else "female")
    assert parsed.province is province
    assert parsed.region == "mainland"


# --------------------------------------------------------------------------- VATS licence number (§1.8)

GD = province_by_code("CN-GD")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("粤B2-20180001", LicenseNumber("粤B2-20180001", GD, ("B2",), False, 2018, "0001", None, False)),
        ("B2-20200123", LicenseNumber("B2-20200123", None, ("B2",), False, 2020, "0123", None, False)),
        (
            "A2.B1.B2-20090003",
            LicenseNumber("A2.B1.B2-20090003", None, ("A2", "B1", "B2"), False, 2009, "0003", None, False),
        ),
        (
            "合字B1.B2-20130004",
            LicenseNumber("合字B1.B2-20130004", None, ("B1", "B2"), True, 2013, "0004", None, False),
        ),
        (
            "黔B2-20090050-4",
            LicenseNumber(
                "黔B2-20090050-4", province_by_code("CN-GZ"), ("B2",), False, 2009, "0050", 4, False
            ),
        ),
        (
            "京ICP证090015号",
            LicenseNumber(
                "京ICP证090015号", province_by_code("CN-BJ"), ("B2",), False, 2009, "0015", None, True
            ),
        ),
        (" 粤b2－20180001 ", LicenseNumber("粤B2-20180001", GD, ("B2",), False, 2018, "0001", None, False)),
        ("粤B2–20180001", LicenseNumber("粤B2-20180001", GD, ("B2",), False, 2018, "0001", None, False)),
    ],
)
def test_license_number_examples(raw: str, expected: LicenseNumber) -> None:
    assert parse_license_number(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "province"),
    [
        ("粤B2-20190762", "CN-GD"),
        ("粤B2-20150286", "CN-GD"),
        ("川B2-20170282", "CN-SC"),
        ("滇B2-20160011", "CN-YN"),
        ("黔B2-20160068", "CN-GZ"),
        ("京B2-20212732", "CN-BJ"),
        ("甘B2-20200001", "CN-GS"),
        ("陇B2-20200001", "CN-GS"),
        ("B2-20233776", None),
        ("B2-20080207", None),
        ("A2.B1.B2-20090001", None),
        ("京ICP证110507号", "CN-BJ"),
        ("京ICP证161336号", "CN-BJ"),
    ],
)
def test_license_numbers_seen_on_footers(raw: str, province: str | None) -> None:
    parsed = parse_license_number(raw, today=TODAY)
    assert parsed.number == raw
    assert parsed.province == (province_by_code(province) if province else None)


@pytest.mark.parametrize(
    "raw",
    [
        "京D3-20250002",
        "B3-20200001",
        "B2-2020001",
        "B2-202000011",
        "B2 20200001",
        "粤B2-20180001号",
        "京ICP证090015",
        "京ICP证0900155号",
        "粤B2-20180001-0",
        "B2-",
        "粤粤B2-20180001",
        "B2.-20200001",
    ],
)
def test_license_number_format_errors(raw: str) -> None:
    err = _error(parse_license_number, raw, today=TODAY)
    assert err.code == "license_number.format"
    assert "is not a VATS licence number" in err.message_en
    assert "不是有效的增值电信业务经营许可证编号" in err.message_zh


@pytest.mark.parametrize(
    ("prefix", "hint_en", "hint_zh"),
    [
        ("蜀", "Sichuan uses 川", "四川省应使用 川"),
        ("云", "Yunnan uses 滇", "云南省应使用 滇"),
        ("港", None, None),
    ],
)
def test_license_number_unknown_province_prefix(
    prefix: str, hint_en: str | None, hint_zh: str | None
) -> None:
    err = _error(parse_license_number, prefix + "B2-20170282", today=TODAY)
    assert err.code == "license_number.province"
    assert f"'{prefix}' at the start of the licence number is not a province prefix" in err.message_en
    assert f"许可证编号开头的“{prefix}”不是省级通信管理局使用的简称" in err.message_zh
    if hint_en:
        assert hint_en in err.message_en
        assert hint_zh in err.message_zh
    else:
        assert "(" not in err.message_en


@pytest.mark.parametrize("raw", ["粤B2-19990001", "B2-20260001", "京ICP证260001号", "B2-00000001"])
def test_license_number_year_must_be_plausible(raw: str) -> None:
    err = _error(parse_license_number, raw, today=TODAY)
    assert err.code == "license_number.year"
    assert err.message_en.endswith("is implausible; expected 2000–2025")
    assert "应在 2000 至 2025 之间" in err.message_zh


def test_license_number_default_today_accepts_recent_years() -> None:
    assert parse_license_number(f"B2-{date.today().year}0001").year == date.today().year


def test_license_number_repeated_category() -> None:
    err = _error(parse_license_number, "B2.B2-20200001", today=TODAY)
    assert err.code == "license_number.categories"
    assert "B2.B2" in err.message_en
    assert "重复" in err.message_zh


@st.composite
def license_numbers(draw: st.DrawFn) -> tuple[str, LicenseNumber]:
    province = draw(st.one_of(st.none(), st.sampled_from(PROVINCES)))
    prefix = draw(st.sampled_from(province.license_prefixes)) if province else ""
    foreign = draw(st.booleans())
    categories = tuple(draw(st.lists(st.sampled_from(["A1", "A2", "B1", "B2"]), min_size=1, unique=True)))
    year = draw(st.integers(2000, TODAY.year))
    serial = draw(st.text(string.digits, min_size=4, max_size=4))
    site = draw(st.one_of(st.none(), st.integers(1, 999_999)))
    text = f"{'合字' if foreign else ''}{prefix}{'.'.join(categories)}-{year}{serial}"
    text += f"-{site}" if site is not None else ""
    return text, LicenseNumber(text, province, categories, foreign, year, serial, site, False)


@given(license_numbers())
def test_generated_license_numbers_round_trip(case: tuple[str, LicenseNumber]) -> None:
    text, expected = case
    assert parse_license_number(text, today=TODAY) == expected
    assert parse_license_number(f" {text.lower()} ", today=TODAY) == expected


@given(st.integers(0, TODAY.year - 2000), st.text(string.digits, min_size=4, max_size=4))
def test_generated_legacy_beijing_numbers_round_trip(yy: int, serial: str) -> None:
    text = f"京ICP证{yy:02d}{serial}号"
    parsed = parse_license_number(text, today=TODAY)
    assert parsed == LicenseNumber(
        text, province_by_code("CN-BJ"), ("B2",), False, 2000 + yy, serial, None, True
    )


# --------------------------------------------------------------------------- ICP filing number (§1.8)


@pytest.mark.parametrize(
    ("raw", "code", "serial", "site", "year"),
    [
        ("粤ICP备12345678号-1", "CN-GD", "12345678", 1, 2012),
        ("京ICP备2021123456号", "CN-BJ", "2021123456", None, 2021),
        ("蜀ICP备1338号", "CN-SC", "1338", None, None),
        ("京ICP备16059763号-1", "CN-BJ", "16059763", 1, 2016),
        ("京ICP备20018813号-3", "CN-BJ", "20018813", 3, 2020),
        ("陇ICP备2021003158号-1", "CN-GS", "2021003158", 1, 2021),
        ("蜀ICP备2025156360号-2", "CN-SC", "2025156360", 2, 2025),
        ("黔ICP备16006408号-1", "CN-GZ", "16006408", 1, 2016),
        ("蜀ICP备15025833号", "CN-SC", "15025833", None, 2015),
        ("沪ICP备98123456号", "CN-SH", "98123456", None, 1998),
    ],
)
def test_icp_filing_examples(raw: str, code: str, serial: str, site: int | None, year: int | None) -> None:
    parsed = parse_icp_filing(raw, today=TODAY)
    assert parsed == IcpFilingNumber(raw, province_by_code(code), serial, site, year)
    assert parsed.entity_number == raw.split("-")[0]


def test_icp_filing_is_normalised() -> None:
    parsed = parse_icp_filing(" 粤icp备１２３４５６７８号－1 ", today=TODAY)
    assert parsed.number == "粤ICP备12345678号-1"


def test_icp_filing_wrong_province_char_names_the_right_one() -> None:
    err = _error(parse_icp_filing, "川ICP备15025833号", today=TODAY)
    assert err.code == "icp_filing.province"
    assert err.message_en == (
        "'川' at the start of the ICP filing number is not a province filing character (Sichuan uses 蜀)"
    )
    assert err.message_zh == "ICP 备案号开头的“川”不是省级通信管理局使用的备案简称（四川省应使用 蜀）"


def test_icp_filing_unknown_char() -> None:
    err = _error(parse_icp_filing, "港ICP备12345678号", today=TODAY)
    assert err.code == "icp_filing.province"
    assert "(" not in err.message_en


@pytest.mark.parametrize("digits", [1, 3, 9, 11, 14])
def test_icp_filing_serial_length(digits: int) -> None:
    err = _error(parse_icp_filing, "粤ICP备" + "2" * digits + "号", today=TODAY)
    assert err.code == "icp_filing.serial"
    assert err.message_en == f"ICP filing entity serial must have 4–8 or 10 digits, got {digits}"
    assert err.message_zh == f"ICP 备案号主体编号应为 4–8 位或 10 位数字，实际为 {digits} 位"


@pytest.mark.parametrize("serial", ["1999123456", "2026000001", "0000123456"])
def test_icp_filing_ten_digit_year_must_be_plausible(serial: str) -> None:
    err = _error(parse_icp_filing, f"京ICP备{serial}号", today=TODAY)
    assert err.code == "icp_filing.year"
    assert f"got {int(serial[:4])}" in err.message_en


@pytest.mark.parametrize(
    "raw",
    [
        "粤ICP备12345678",
        "粤ICP12345678号",
        "ICP备12345678号",
        "粤ICP备12345678号-0",
        "粤ICP备号",
        "粤ICP备12345678号-",
        "粤ICP证12345678号",
        "粤ICP备12345678号-1-2",
        "粤ICP备A2345678号",
    ],
)
def test_icp_filing_format_errors(raw: str) -> None:
    err = _error(parse_icp_filing, raw, today=TODAY)
    assert err.code == "icp_filing.format"
    assert "is not an ICP filing number" in err.message_en
    assert "不是有效的 ICP 备案号" in err.message_zh


@st.composite
def filing_numbers(draw: st.DrawFn) -> tuple[str, IcpFilingNumber]:
    province = draw(st.sampled_from(PROVINCES))
    kind = draw(st.sampled_from(["old", "eight", "ten"]))
    if kind == "ten":
        year: int | None = draw(st.integers(2000, TODAY.year))
        serial = f"{year}{draw(st.integers(0, 999_999)):06d}"
    elif kind == "eight":
        serial = draw(st.text(string.digits, min_size=8, max_size=8))
        year = 2000 + int(serial[:2]) if 2000 + int(serial[:2]) <= TODAY.year else 1900 + int(serial[:2])
    else:
        serial, year = draw(st.text(string.digits, min_size=4, max_size=7)), None
    site = draw(st.one_of(st.none(), st.integers(1, 999_999)))
    text = f"{province.filing_char}ICP备{serial}号" + (f"-{site}" if site is not None else "")
    return text, IcpFilingNumber(text, province, serial, site, year)


@given(filing_numbers())
def test_generated_filing_numbers_round_trip(case: tuple[str, IcpFilingNumber]) -> None:
    text, expected = case
    assert parse_icp_filing(text, today=TODAY) == expected
    assert parse_icp_filing(text.replace("ICP", "icp"), today=TODAY) == expected


# --------------------------------------------------------------------------- junk never escapes

_NEAR_MISS_ALPHABET = (
    string.digits
    + "ABXIOSVZabx-.# "
    + "ICP备证号合字"
    + "".join(p.filing_char + p.abbr for p in PROVINCES)
    + "－５\u3000"
)
PARSERS = [validate_uscc, validate_resident_id, parse_license_number, parse_icp_filing]


@pytest.mark.parametrize("parser", PARSERS)
@given(st.one_of(st.text(), st.text(_NEAR_MISS_ALPHABET, max_size=30)))
def test_junk_only_ever_raises_identifier_error(parser: object, junk: str) -> None:
    try:
        parser(junk)  # type: ignore[operator]
    except IdentifierError as err:
        assert err.code.split(".")[0] in {"uscc", "resident_id", "license_number", "icp_filing"}
        assert err.message_zh and err.message_en


def test_huge_digit_runs_do_not_hit_int_limits() -> None:
    digits = "9" * 5000
    for raw in (f"B2-2020{digits}", f"粤ICP备{digits}号", f"粤ICP备12345678号-{digits}", digits):
        for parser in PARSERS:
            with pytest.raises(IdentifierError):
                parser(raw)


# -- telephone numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0755-12345678", "0755-12345678"),
        ("0755 8321 6688", "0755-83216688"),
        ("010-1234567转801", "010-1234567-801"),
        ("0755-12345678-801", "0755-12345678-801"),
        ("400-820-1234", "400-820-1234"),
    ],
)
def test_phone_numbers_accepted(value: str, expected: str) -> None:
    from licensedesk.core.identifiers import validate_phone

    assert validate_phone(value) == expected


@pytest.mark.parametrize("value", ["1380013800", "12800138000", "0755-1234", "12345678", "电话"])
def test_phone_numbers_refused(value: str) -> None:
    from licensedesk.core.identifiers import IdentifierError, validate_phone

    with pytest.raises(IdentifierError) as info:
        validate_phone(value)
    assert info.value.code == "phone.format"
    assert "0755-12345678" in info.value.message_zh
