"""Validators and parsers for the identifiers met in Chinese licence applications.

Covered (domain-facts §1.8 and §3): the Unified Social Credit Code (USCC, GB 32100-2015), the resident
identity number (GB 11643-1999, incl. HK/Macau/Taiwan residence permits), VATS licence numbers
(粤B2-20180001 …) and ICP filing numbers (粤ICP备12345678号-1 …).

Why this module exists rather than calling python-stdnum directly: stdnum supplies the check-character
arithmetic (used here, never re-implemented), but its errors carry no reason a clerk can act on, its
USCC format check rejects the legal letter authorities A/N/Y in position 1, and its resident-ID check
needs a county table that does not know residence permits. Here every failure is an `IdentifierError`
with a stable machine `code` and a message in Chinese and English that names exactly what is wrong.

Input is normalised before checking (NFKC, so full-width ５ and － typed in Chinese forms become 5 and -;
all whitespace removed; upper-cased), and every function returns the normalised form.

Licence and filing formats come from public website footers, not an official spec, so those parsers
are deliberately *soft* on structure and strict only where the facts are [S]-grade.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc

from licensedesk.core.provinces import (
    Province,
    all_provinces,
    province_by_filing_char,
    province_by_gb2260,
    province_by_license_prefix,
)

__all__ = [
    "IcpFilingNumber",
    "IdentifierError",
    "LicenseNumber",
    "ResidentId",
    "parse_icp_filing",
    "parse_license_number",
    "parse_resident_id",
    "validate_mobile",
    "validate_phone",
    "validate_resident_id",
    "validate_uscc",
]


class IdentifierError(ValueError):
    """An identifier failed validation.

    `code` is stable ('uscc.checksum', 'resident_id.birth_date', …) so callers and UIs can branch and
    translate on it; the two messages are ready to show to a Chinese- or English-speaking user.
    """

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_en} / {message_zh}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

    def __str__(self) -> str:
        return f"{self.message_en} / {self.message_zh}"

    def __repr__(self) -> str:
        return f"IdentifierError({self.code!r}, {self.message_zh!r}, {self.message_en!r})"

    def __reduce__(self) -> tuple[type[IdentifierError], tuple[str, str, str]]:
        # ValueError would pickle only the joined message and fail to rebuild; keep the three parts.
        return (type(self), (self.code, self.message_zh, self.message_en))


# --------------------------------------------------------------------------- shared helpers

_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−", "-"))


def _normalise(value: object, kind: str, what_zh: str, what_en: str) -> str:
    """NFKC + no whitespace + upper case, so copy-pasted or full-width input compares equal."""
    if not isinstance(value, str):
        raise IdentifierError(
            f"{kind}.type",
            f"{what_zh}必须是文本，实际为 {type(value).__name__}",
            f"{what_en} must be text, got {type(value).__name__}",
        )
    text = unicodedata.normalize("NFKC", value).translate(_DASHES)
    return "".join(text.split()).upper()


def _show(text: str, limit: int = 40) -> str:
    """Make user input safe to quote in a message: no control characters, bounded length."""
    shown = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text[:limit])
    return shown + ("…" if len(text) > limit else "")


def _today(today: date | None) -> date:
    return today if today is not None else date.today()


# --------------------------------------------------------------------------- USCC (§3.1)

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_FORBIDDEN = "IOSVZ"
_USCC_LENGTH = 18


def validate_uscc(value: str) -> str:
    """Return the normalised USCC or raise IdentifierError naming the first thing that is wrong.

    Checks, in the order a person fixes them: length, characters (I O S V Z are excluded from the
    31-symbol alphabet), division code (positions 3–8 digits), check character (via stdnum).
    Positions 1–2 may be letters (authorities A, N, Y), which stdnum's own validate() would refuse.
    """
    code = _normalise(value, "uscc", "统一社会信用代码", "USCC")
    _check_uscc_length(code)
    _check_uscc_characters(code)
    _check_uscc_division(code)
    _check_uscc_check_char(code)
    return code


def _check_uscc_length(code: str) -> None:
    if len(code) != _USCC_LENGTH:
        raise IdentifierError(
            "uscc.length",
            f"统一社会信用代码应为 18 位，实际为 {len(code)} 位",
            f"USCC must have 18 characters, got {len(code)}",
        )


def _check_uscc_characters(code: str) -> None:
    for position, ch in enumerate(code, start=1):
        if ch in _USCC_FORBIDDEN:
            raise IdentifierError(
                "uscc.forbidden_letter",
                f"统一社会信用代码第 {position} 位为字母 {ch}，该代码不使用 I、O、S、V、Z",
                f"USCC has the letter '{ch}' at position {position}; I, O, S, V and Z are never used",
            )
        if ch not in _USCC_ALPHABET:
            raise IdentifierError(
                "uscc.format",
                f"统一社会信用代码第 {position} 位的字符“{_show(ch)}”无效，"
                "只允许数字和大写字母（不含 I、O、S、V、Z）",
                f"USCC has the invalid character '{_show(ch)}' at position {position}; "
                "only digits and upper-case letters except I, O, S, V, Z are allowed",
            )


def _check_uscc_division(code: str) -> None:
    division = code[2:8]
    if not division.isdigit():
        raise IdentifierError(
            "uscc.division_code",
            f"统一社会信用代码第 3–8 位（登记管理机关行政区划码）应全为数字，实际为 {division}",
            f"USCC positions 3–8 (administrative division code) must be digits, got '{division}'",
        )


def _check_uscc_check_char(code: str) -> None:
    expected = _uscc.calc_check_digit(code[:17])
    if code[17] != expected:
        raise IdentifierError(
            "uscc.checksum",
            f"统一社会信用代码校验位应为 {expected}，实际为 {code[17]}",
            f"USCC check character is '{code[17]}', expected '{expected}'",
        )


# --------------------------------------------------------------------------- resident ID (§3.2, §3.3)

_RESIDENT_ID_RE = re.compile(r"[0-9]{17}[0-9X]")
# First two digits that are not mainland provinces but legitimately start an 18-digit ID-format number:
# 71 = Taiwan in GB/T 2260; 81/82/83 = HK/Macau/Taiwan residence permits (810000/820000/830000).
_NON_MAINLAND_REGIONS = {"71": "taiwan", "81": "hong_kong", "82": "macau", "83": "taiwan"}


@dataclass(frozen=True)
class ResidentId:
    """A checked resident ID; `region` is 'mainland', 'hong_kong', 'macau' or 'taiwan'.

    `province` is None exactly when the number is not a mainland one (residence permits), because
    callers deciding province-specific rules must not guess a province for those.
    """

    number: str
    birth_date: date
    sex: str
    province: Province | None
    region: str

    @property
    def is_mainland(self) -> bool:
        return self.region == "mainland"


def parse_resident_id(value: str, *, today: date | None = None) -> ResidentId:
    """Validate an 18-character resident ID / residence-permit number and return its parts.

    Order: length, format, birth date (real, not after `today`), region, checksum – the checksum last
    so that a wrong month or region is reported as such instead of as a generic checksum failure.
    """
    number = _normalise(value, "resident_id", "身份证号码", "Resident ID number")
    _check_resident_id_shape(number)
    birth_date = _resident_birth_date(number, _today(today))
    province, region = _resident_region(number)
    _check_resident_checksum(number)
    sex = "male" if int(number[14:17]) % 2 else "female"
    return ResidentId(number=number, birth_date=birth_date, sex=sex, province=province, region=region)


def validate_resident_id(value: str, *, today: date | None = None) -> str:
    """Return the normalised number (lower-case x → X) or raise IdentifierError."""
    return parse_resident_id(value, today=today).number


def _check_resident_id_shape(number: str) -> None:
    if len(number) != 18:
        raise IdentifierError(
            "resident_id.length",
            f"身份证号码应为 18 位，实际为 {len(number)} 位",
            f"Resident ID number must have 18 characters, got {len(number)}",
        )
    if not _RESIDENT_ID_RE.fullmatch(number):
        raise IdentifierError(
            "resident_id.format",
            f"身份证号码应为 17 位数字加 1 位数字或 X，实际为 {_show(number)}",
            f"Resident ID number must be 17 digits followed by a digit or X, got '{_show(number)}'",
        )


def _resident_birth_date(number: str, today: date) -> date:
    raw = number[6:14]
    try:
        born = date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise IdentifierError(
            "resident_id.birth_date",
            f"身份证号码中的出生日期 {raw} 不是有效日期",
            f"Resident ID birth date {raw} is not a real date",
        ) from None
    if born > today:
        raise IdentifierError(
            "resident_id.birth_date",
            f"身份证号码中的出生日期 {born.isoformat()} 晚于今天（{today.isoformat()}）",
            f"Resident ID birth date {born.isoformat()} is in the future (today is {today.isoformat()})",
        )
    return born


def _resident_region(number: str) -> tuple[Province | None, str]:
    prefix = number[:2]
    province = province_by_gb2260(prefix)
    if province is not None:
        return province, "mainland"
    if prefix in _NON_MAINLAND_REGIONS:
        return None, _NON_MAINLAND_REGIONS[prefix]
    raise IdentifierError(
        "resident_id.region",
        f"身份证号码前两位 {prefix} 不是已知的省级行政区划代码",
        f"Resident ID starts with {prefix}, which is not a known provincial division code",
    )


def _check_resident_checksum(number: str) -> None:
    expected = _ric.calc_check_digit(number)
    if number[17] != expected:
        raise IdentifierError(
            "resident_id.checksum",
            f"身份证号码校验位应为 {expected}，实际为 {number[17]}",
            f"Resident ID check character is '{number[17]}', expected '{expected}'",
        )


# --------------------------------------------------------------------------- VATS licence number (§1.8)

_LICENSE_RE = re.compile(
    r"(?P<foreign>合字)?(?P<prefix>[^\x00-\x7f])?"
    r"(?P<categories>[AB][12](?:\.[AB][12])*)-(?P<year>[0-9]{4})(?P<serial>[0-9]{4})"
    r"(?:-(?P<site>[1-9][0-9]{0,5}))?"
)
_LEGACY_BEIJING_RE = re.compile(r"京ICP证(?P<yy>[0-9]{2})(?P<serial>[0-9]{4})号")
_FIRST_LICENSE_YEAR = 2000


@dataclass(frozen=True)
class LicenseNumber:
    """A VATS licence number. `province` None means issued by MIIT (cross-regional / 合字)."""

    number: str
    province: Province | None
    categories: tuple[str, ...]
    foreign_invested: bool
    year: int
    serial: str
    site_serial: int | None
    legacy_beijing: bool


def parse_license_number(value: str, *, today: date | None = None) -> LicenseNumber:
    """Parse 粤B2-20180001, B2-20200123, A2.B1.B2-20090003, 合字B1.B2-20130004, 黔B2-20090050-4 or
    京ICP证090015号 (legacy Beijing display form).

    No official format spec exists (formats are observed on footers, §1.8), so structure is checked
    softly; the province character and the year are checked strictly because they are what a
    mistyped or invented number most often gets wrong.
    """
    number = _normalise(value, "license_number", "许可证编号", "Licence number")
    legacy = _LEGACY_BEIJING_RE.fullmatch(number)
    if legacy:
        return _legacy_beijing_license(number, legacy, _today(today))
    match = _LICENSE_RE.fullmatch(number)
    if not match:
        raise _license_format_error(number)
    return LicenseNumber(
        number=number,
        province=_license_province(match["prefix"]),
        categories=_license_categories(match["categories"]),
        foreign_invested=match["foreign"] is not None,
        year=_license_year(int(match["year"]), _today(today)),
        serial=match["serial"],
        site_serial=int(match["site"]) if match["site"] else None,
        legacy_beijing=False,
    )


def _legacy_beijing_license(number: str, match: re.Match[str], today: date) -> LicenseNumber:
    """京ICP证YYNNNN号 is Beijing's old display form of the ICP (B2) licence; YY is 20YY."""
    return LicenseNumber(
        number=number,
        province=province_by_license_prefix("京"),
        categories=("B2",),
        foreign_invested=False,
        year=_license_year(2000 + int(match["yy"]), today),
        serial=match["serial"],
        site_serial=None,
        legacy_beijing=True,
    )


def _license_format_error(number: str) -> IdentifierError:
    return IdentifierError(
        "license_number.format",
        f"“{_show(number)}”不是有效的增值电信业务经营许可证编号，"
        "应形如 粤B2-20180001、B2-20200123、A2.B1.B2-20090003、合字B1.B2-20130004 或 京ICP证090015号",
        f"'{_show(number)}' is not a VATS licence number; expected a form like 粤B2-20180001, "
        "B2-20200123, A2.B1.B2-20090003, 合字B1.B2-20130004 or 京ICP证090015号",
    )


def _license_province(prefix: str | None) -> Province | None:
    if prefix is None:
        return None
    province = province_by_license_prefix(prefix)
    if province is None:
        hint_zh, hint_en = _prefix_hint(prefix, lambda p: "、".join(p.license_prefixes))
        raise IdentifierError(
            "license_number.province",
            f"许可证编号开头的“{_show(prefix)}”不是省级通信管理局使用的简称{hint_zh}",
            f"'{_show(prefix)}' at the start of the licence number is not a province prefix{hint_en}",
        )
    return province


def _prefix_hint(ch: str, expected: Callable[[Province], str]) -> tuple[str, str]:
    """If `ch` is some province's other abbreviation (蜀 vs 川), say which character that province uses."""
    for province in all_provinces():
        if ch in (province.abbr, province.filing_char, *province.license_prefixes):
            used = expected(province)
            return f"（{province.name_zh}应使用 {used}）", f" ({province.name_en} uses {used})"
    return "", ""


def _license_categories(text: str) -> tuple[str, ...]:
    categories = tuple(text.split("."))
    if len(set(categories)) != len(categories):
        raise IdentifierError(
            "license_number.categories",
            f"许可证编号中的业务类别 {text} 有重复",
            f"Licence number repeats a service category in '{text}'",
        )
    return categories


def _license_year(year: int, today: date) -> int:
    if not _FIRST_LICENSE_YEAR <= year <= today.year:
        raise IdentifierError(
            "license_number.year",
            f"许可证编号中的年份 {year} 不合理，应在 {_FIRST_LICENSE_YEAR} 至 {today.year} 之间",
            f"Licence number year {year} is implausible; expected {_FIRST_LICENSE_YEAR}–{today.year}",
        )
    return year


# --------------------------------------------------------------------------- ICP filing number (§1.8)

_FILING_RE = re.compile(r"(?P<char>[^\x00-\x7f])ICP备(?P<serial>[0-9]+)号(?:-(?P<site>[1-9][0-9]{0,5}))?")
# §1.8: 8 digits (YY…, to ≈2020), 10 digits (YYYY…, from ≈2021), 4–7 digits (very old). 9 never seen.
_FILING_SERIAL_LENGTHS = frozenset({4, 5, 6, 7, 8, 10})


@dataclass(frozen=True)
class IcpFilingNumber:
    """An ICP filing number; `first_year` is derived from 8-/10-digit serials, None for shorter ones."""

    number: str
    province: Province
    entity_serial: str
    site_serial: int | None
    first_year: int | None

    @property
    def entity_number(self) -> str:
        """The entity's filing number without the website suffix: one per entity, shared by its sites."""
        return f"{self.province.filing_char}ICP备{self.entity_serial}号"


def parse_icp_filing(value: str, *, today: date | None = None) -> IcpFilingNumber:
    """Parse 粤ICP备12345678号-1, 京ICP备2021123456号, 蜀ICP备1338号 (domain-facts §1.8).

    The leading character must be a province's *filing* character, which differs from the licence
    prefix for Sichuan (蜀 vs 川); a wrong one is reported with the character that province uses.
    """
    number = _normalise(value, "icp_filing", "ICP备案号", "ICP filing number")
    match = _FILING_RE.fullmatch(number)
    if not match:
        raise _filing_format_error(number)
    serial = match["serial"]
    return IcpFilingNumber(
        number=number,
        province=_filing_province(match["char"]),
        entity_serial=_filing_serial(serial),
        site_serial=int(match["site"]) if match["site"] else None,
        first_year=_filing_first_year(serial, _today(today)),
    )


def _filing_format_error(number: str) -> IdentifierError:
    return IdentifierError(
        "icp_filing.format",
        f"“{_show(number)}”不是有效的 ICP 备案号，应形如 粤ICP备12345678号-1 或 京ICP备2021123456号",
        f"'{_show(number)}' is not an ICP filing number; expected a form like 粤ICP备12345678号-1 "
        "or 京ICP备2021123456号",
    )


def _filing_province(ch: str) -> Province:
    province = province_by_filing_char(ch)
    if province is None:
        hint_zh, hint_en = _prefix_hint(ch, lambda p: p.filing_char)
        raise IdentifierError(
            "icp_filing.province",
            f"ICP 备案号开头的“{_show(ch)}”不是省级通信管理局使用的备案简称{hint_zh}",
            f"'{_show(ch)}' at the start of the ICP filing number is not a province filing character"
            f"{hint_en}",
        )
    return province


def _filing_serial(serial: str) -> str:
    if len(serial) not in _FILING_SERIAL_LENGTHS:
        raise IdentifierError(
            "icp_filing.serial",
            f"ICP 备案号主体编号应为 4–8 位或 10 位数字，实际为 {len(serial)} 位",
            f"ICP filing entity serial must have 4–8 or 10 digits, got {len(serial)}",
        )
    return serial


def _filing_first_year(serial: str, today: date) -> int | None:
    """8 digits → 20YY (19YY if that would be in the future); 10 digits → YYYY, which must be plausible."""
    if len(serial) == 8:
        year = 2000 + int(serial[:2])
        return year if year <= today.year else year - 100
    if len(serial) != 10:
        return None
    year = int(serial[:4])
    if not _FIRST_LICENSE_YEAR <= year <= today.year:
        raise IdentifierError(
            "icp_filing.year",
            f"10 位 ICP 备案号前四位应为年份（{_FIRST_LICENSE_YEAR}–{today.year}），实际为 {year}",
            f"A 10-digit ICP filing serial starts with its year "
            f"({_FIRST_LICENSE_YEAR}–{today.year}), got {year}",
        )
    return year


# --------------------------------------------------------------------------- telephone numbers

_MOBILE_RE = re.compile(r"(?:\+?86-?)?(?P<number>1[3-9][0-9]{9})")
# Area code 0 + 2–3 digits, subscriber 7–8 digits, optional extension (转 / ext / - / #).
_LANDLINE_RE = re.compile(
    r"(?P<area>0[1-9][0-9]{1,2})-?(?P<subscriber>[1-9][0-9]{6,7})(?:(?:-|转|EXT\.?|#)(?P<ext>[0-9]{1,6}))?"
)
# 400/800 service numbers, as printed on customer-service pages: 400-820-1234.
_SERVICE_RE = re.compile(r"(?P<prefix>[48]00)-?(?P<a>[0-9]{3})-?(?P<b>[0-9]{4})")


def _phone_text(value: object, kind: str, what_zh: str, what_en: str) -> str:
    text = _normalise(value, kind, what_zh, what_en)
    return text.replace("(", "").replace(")", "")


def validate_mobile(value: str) -> str:
    """A mainland mobile number: 11 digits starting 13–19 (an optional +86 is dropped).

    Why a check at all: a 10-digit number saved in the profile ends up on the application form and the
    administration cannot call back; the typo is cheap to catch when it is typed.
    """
    number = _phone_text(value, "mobile", "手机号码", "mobile number")
    match = _MOBILE_RE.fullmatch(number)
    if not match:
        raise IdentifierError(
            "mobile.format",
            f"“{_show(number)}”不是有效的手机号码，应为以 13–19 开头的 11 位数字，如 13800138000",
            f"'{_show(number)}' is not a mobile number; expected 11 digits starting with 13–19, "
            "such as 13800138000",
        )
    return match["number"]


def validate_phone(value: str) -> str:
    """A mobile number, a landline with its area code (0755-12345678, optionally 转 or - and an
    extension) or a 400/800 service number; returned in one written form (0755-12345678-801)."""
    number = _phone_text(value, "phone", "电话号码", "phone number")
    if mobile := _MOBILE_RE.fullmatch(number):
        return mobile["number"]
    if landline := _LANDLINE_RE.fullmatch(number):
        ext = f"-{landline['ext']}" if landline["ext"] else ""
        return f"{landline['area']}-{landline['subscriber']}{ext}"
    if service := _SERVICE_RE.fullmatch(number):
        return f"{service['prefix']}-{service['a']}-{service['b']}"
    raise IdentifierError(
        "phone.format",
        f"“{_show(number)}”不是有效的电话号码，应为 11 位手机号码或带区号的固定电话，"
        "如 13800138000、0755-12345678 或 0755-12345678-801",
        f"'{_show(number)}' is not a phone number; expected an 11-digit mobile number or a landline "
        "with its area code, such as 13800138000, 0755-12345678 or 0755-12345678-801",
    )
