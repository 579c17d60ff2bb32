"""A check result as a bilingual text report for the terminal: verdict first, then each condition with
its reason, legal basis and remedy (unmet) or what to find out (unknown), then the material checklist."""

from __future__ import annotations

from typing import Any

from licensedesk.core.labels import status_label, verdict_label

_MARK = {"met": "✔", "unmet": "✘", "unknown": "?", "not_applicable": "–"}


def _indent(text: str, prefix: str = "      ") -> str:
    return prefix + text


def render_check_text(result: dict[str, Any], company_name: str | None = None) -> str:
    lines: list[str] = []
    title = result.get("license_name_zh", result["license"])
    lines.append(f"{title}（{result['license']}）" + (f" — {company_name}" if company_name else ""))
    verdict = result["verdict"]
    lines.append(f"结论 Verdict: {verdict_label(verdict, 'zh')} / {verdict_label(verdict, 'en')}")
    lines.append(f"规则版本 Rules: {result['ruleset_version']}    判断日期 As of: {result['as_of']}")
    authority = result["authority"]
    en = f" ({authority['name_en']})" if authority.get("name_en") else ""
    lines.append(f"受理机关 Authority: {authority['name_zh']}{en}")
    lines.append("")
    lines.append("申请条件 Conditions")
    for cond in result["conditions"]:
        status = cond["status"]
        head = f"  {_MARK[status]} [{status_label(status, 'zh')} {status_label(status, 'en')}] "
        lines.append(head + f"{cond.get('title_zh', cond['id'])} / {cond.get('title_en', cond['id'])}")
        lines.append(_indent(cond["reason"]))
        if cond.get("reason_en"):
            lines.append(_indent(cond["reason_en"]))
        if cond.get("missing_fields"):
            lines.append(_indent("缺少字段 Missing: " + ", ".join(cond["missing_fields"])))
        if cond.get("citation"):
            lines.append(_indent("依据 Basis: " + cond["citation"]))
        if cond.get("find_out"):
            lines.append(_indent("待查明 Find out: " + cond["find_out"]))
            if cond.get("find_out_en"):
                lines.append(_indent("                 " + cond["find_out_en"]))
        if cond.get("remedy"):
            lines.append(_indent("建议 Remedy: " + cond["remedy"]))
            if cond.get("remedy_en"):
                lines.append(_indent("             " + cond["remedy_en"]))
    warnings = result.get("warnings") or []
    if warnings:
        lines.append("")
        lines.append("提示 Warnings")
        for zh, en in zip(warnings, result.get("warnings_en") or [""] * len(warnings), strict=False):
            lines.append(f"  ! {zh}")
            if en:
                lines.append(f"    {en}")
    required = [m for m in result["materials"] if m["required"]]
    lines.append("")
    lines.append(
        f"材料清单 Materials ({len(required)} 项必需 required, {len(result['materials'])} 项 in all)"
    )
    for material in result["materials"]:
        mark = "[必需 required]" if material["required"] else "[非必需 optional]"
        lines.append(f"  {mark} {material['title_zh']} ({material['id']})")
        if material.get("because"):
            lines.append(_indent(material["because"], "        "))
    return "\n".join(lines) + "\n"
