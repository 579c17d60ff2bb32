"""Chinese typography for documents: dates, amounts, full-width punctuation, labels.

These are the Jinja filters of the document templates (registered in :mod:`.context`); they are plain
functions so the PDF pages (table of contents, separators) use the same forms as the documents.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from licensedesk.core.labels import label as _label

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")

# ASCII punctuation next to a Chinese character becomes its full-width form: "云帆(深圳)" → "云帆（深圳）",
# while "9:00" or "example.com" are left alone.
_FULL_WIDTH = {"(": "（", ")": "）", ",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_PUNCT_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[(),;:?!]|[(),;:?!](?=[{_CJK}])")
_OPEN_PAREN_BEFORE_CJK = re.compile(rf"\((?=[^()]*[{_CJK}][^()]*\))")
_CLOSE_PAREN_AFTER_CJK = re.compile(r"(?<=（)([^()（）]*)\)")

# A few investor jurisdictions as the forms write them; other codes are shown as they are.
_JURISDICTIONS = {
    "CN": "中国", "HK": "中国香港", "MO": "中国澳门", "TW": "中国台湾", "US": "美国", "GB": "英国",
    "SG": "新加坡", "JP": "日本", "KR": "韩国", "DE": "德国", "FR": "法国", "VG": "英属维尔京群岛",
    "KY": "开曼群岛", "BM": "百慕大",
}  # fmt: skip


def has_cjk(text: str) -> bool:
    return re.search(f"[{_CJK}]", text) is not None


def full_width_punctuation(text: str) -> str:
    """ASCII punctuation that touches Chinese text becomes full-width (parentheses as a pair)."""
    if not has_cjk(text):
        return text
    text = _OPEN_PAREN_BEFORE_CJK.sub("（", text)
    text = _CLOSE_PAREN_AFTER_CJK.sub(r"\1）", text)
    return _PUNCT_NEAR_CJK.sub(lambda m: _FULL_WIDTH[m.group(0)], text)


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def cn_date(value: date | datetime | str) -> str:
    """2026-11-28 → 2026年11月28日 (no leading zeros, as official documents write dates)."""
    day = _as_date(value)
    return f"{day.year}年{day.month}月{day.day}日"


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _plain(amount: Decimal) -> str:
    text = format(amount.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def wan_number(value: Any) -> str:
    """An amount in yuan as a figure of 万元, exact: 1000000 → 100, 1234567 → 123.4567."""
    return _plain(_decimal(value) / 10_000)


def wan(value: Any) -> str:
    """1000000 → 100万元."""
    return f"{wan_number(value)}万元"


def yuan(value: Any) -> str:
    """30000 → 30,000元; 30000.5 → 30,000.50元."""
    amount = _decimal(value)
    return f"{amount:,.0f}元" if amount == amount.to_integral_value() else f"{amount:,.2f}元"


def _four_digits(n: int) -> str:
    out, zero = "", False
    for position in range(3, -1, -1):
        digit = n // 10**position % 10
        if digit:
            if zero and out:
                out += "零"
            out += _DIGITS[digit] + _SMALL_UNITS[position]
            zero = False
        else:
            zero = True
    return out


def rmb_upper(value: Any) -> str:
    """The amount in capital numerals, as contracts write it next to the figure: 30000 → 叁万元整,
    1050.5 → 壹仟零伍拾元伍角; amounts of a trillion yuan and more are refused."""
    amount = _decimal(value).quantize(Decimal("0.01"))
    if amount < 0 or amount >= Decimal(10) ** 16:
        raise ValueError(f"amount out of range for capital numerals: {value}")
    yuan_part = int(amount)
    fen_total = int((amount - yuan_part) * 100)
    jiao, fen = divmod(fen_total, 10)
    groups = []
    n = yuan_part
    while n:
        groups.append(n % 10_000)
        n //= 10_000
    text = ""
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(text)
            continue
        if text and (need_zero or group < 1000):
            text += "零"
        text += _four_digits(group) + _BIG_UNITS[index]
        need_zero = False
    if text:
        text += "元"
    if not jiao and not fen:
        return (text or "零元") + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    return text


def pct(value: Any) -> str:
    """70 → 70%; 33.33 → 33.33%."""
    return f"{_plain(_decimal(value))}%"


def label_zh(value: Any) -> str:
    """The Chinese label of a contract value (entity type, activity, id type …)."""
    return _label(value, "zh")


def labels_zh(values: Any) -> str:
    """Labels of a list joined with 、 (the Chinese enumeration comma)."""
    return "、".join(_label(v, "zh") for v in values)


def jurisdiction_zh(code: str) -> str:
    return _JURISDICTIONS.get(code, code)
