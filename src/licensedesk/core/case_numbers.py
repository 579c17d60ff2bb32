"""Case-number formats (``PC-{year}-{seq:04d}``): parsed by hand, never through ``str.format`` or eval,
because the format is typed by an agency admin and ``format`` on arbitrary input reads attributes.

Only two placeholders exist: ``{year}`` (four digits) and ``{seq}`` / ``{seq:0Nd}`` (the sequence within
the agency and year, zero-padded to N digits, N from 1 to 9). ``{seq}`` is required, so two cases of one
year never share a number. ``{{`` and ``}}`` stand for literal braces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_FORMAT = "{year}-{seq:04d}"
MAX_LENGTH = 60

_PLACEHOLDER = re.compile(r"\{(year|seq(?::0([1-9])d)?)\}")


class CaseNumberFormatError(ValueError):
    """A format that cannot be used; ``message_zh`` is the Chinese wording shown at the field."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message_zh = message_zh


@dataclass(frozen=True)
class CaseNumberFormat:
    """A parsed format: literal text and placeholders in order (``("lit", text)``, ``("year", 0)``,
    ``("seq", width)``)."""

    text: str
    parts: tuple[tuple[str, str | int], ...]

    def render(self, *, year: int, seq: int) -> str:
        out: list[str] = []
        for kind, value in self.parts:
            if kind == "lit":
                out.append(str(value))
            elif kind == "year":
                out.append(f"{year:04d}")
            else:
                out.append(str(seq).zfill(int(value)))
        return "".join(out)


def parse_case_number_format(text: str) -> CaseNumberFormat:
    """Parse ``text`` or raise :class:`CaseNumberFormatError` saying what is wrong, in both languages."""
    text = (text or "").strip()
    if not text:
        raise CaseNumberFormatError("Enter a case-number format.", "请填写案件编号格式。")
    if len(text) > MAX_LENGTH:
        raise CaseNumberFormatError(
            f"A case-number format has at most {MAX_LENGTH} characters.",
            f"案件编号格式最多 {MAX_LENGTH} 个字符。",
        )
    parts: list[tuple[str, str | int]] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if text.startswith("{{", i) or text.startswith("}}", i):
            literal.append(ch)
            i += 2
            continue
        if ch == "{":
            match = _PLACEHOLDER.match(text, i)
            if match is None:
                end = text.find("}", i)
                shown = text[i : end + 1] if end != -1 else text[i:]
                raise CaseNumberFormatError(
                    f"Unknown placeholder {shown}: use only {{year}}, {{seq}} or {{seq:04d}}.",
                    f"无法识别的占位符 {shown}：只能使用 {{year}}、{{seq}} 或 {{seq:04d}}。",
                )
            if literal:
                parts.append(("lit", "".join(literal)))
                literal = []
            if match.group(1) == "year":
                parts.append(("year", 0))
            else:
                parts.append(("seq", int(match.group(2) or 1)))
            i = match.end()
            continue
        if ch == "}":
            raise CaseNumberFormatError(
                "A closing brace without an opening one: write }} for a literal brace.",
                "多余的右花括号：如需字面花括号请写 }}。",
            )
        if not ch.isprintable():
            raise CaseNumberFormatError(
                "The format contains a control character.", "案件编号格式含有不可见的控制字符。"
            )
        literal.append(ch)
        i += 1
    if literal:
        parts.append(("lit", "".join(literal)))
    if sum(1 for kind, _ in parts if kind == "seq") != 1:
        raise CaseNumberFormatError(
            "The format needs exactly one {seq} placeholder (the running number).",
            "案件编号格式须包含且仅包含一个 {seq}（流水号）占位符。",
        )
    if sum(1 for kind, _ in parts if kind == "year") > 1:
        raise CaseNumberFormatError(
            "The format may contain {year} only once.", "案件编号格式中 {year} 最多出现一次。"
        )
    return CaseNumberFormat(text=text, parts=tuple(parts))


def format_case_number(text: str, *, year: int, seq: int) -> str:
    """The number of the ``seq``-th case of ``year`` under format ``text``."""
    return parse_case_number_format(text).render(year=year, seq=seq)
