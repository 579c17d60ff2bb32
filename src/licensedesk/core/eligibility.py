"""Decide whether a company qualifies for a license, and explain why, with the legal basis.

An :class:`Evaluator` is bound to one license and one as-of date: the date picks the rule version in
force and the dated parameters (capital floors, pilot zones), and it is the date against which validity
(of a pre-approval, say) is judged. Binding once lets bulk screening resolve all of that a single time.

Two speeds: :meth:`Evaluator.verdict` runs the generated verdict function only (no explanations, stops
at the first unmet condition); :meth:`Evaluator.check` produces the full check result of the contract
``check-result.schema.json``, with reasons in Chinese and English, citations, remedies, the material
checklist and a trace of every value the rules looked at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from licensedesk.core.catalog.loader import Catalog, CompiledVersion, default_catalog, parameters_on
from licensedesk.core.catalog.models import Citation, Condition, License, Material, Text
from licensedesk.core.labels import field_label, label
from licensedesk.core.profile import CompanyProfile
from licensedesk.core.provinces import province_by_code
from licensedesk.core.rules.compiler import MET, UNKNOWN, UNMET, VERDICT_NAMES, Outcome, Unknown
from licensedesk.core.rules.templates import Template

_BASIS_BECAUSE = {
    "statutory": Text(zh="法定申请材料（{citation}）", en="Statutory material ({citation})"),
    "agency_practice": Text(zh="代办机构实务要求", en="Agency practice"),
    "province_practice": Text(zh="省通信管理局实务要求", en="Provincial administration practice"),
}


def citation_text(lic: License, citations: tuple[Citation, ...]) -> str:
    """Citations as one line, e.g. ``电信业务经营许可管理办法 第六条；中华人民共和国电信条例 第十三条``."""
    parts = []
    for cite in citations:
        title = lic.basis(cite.basis).title
        parts.append(f"{title} {cite.article}" if cite.article else title)
    return "；".join(parts)


def _trace(bindings: Mapping[str, Any]) -> dict[str, Any]:
    """Known values only: a name absent from the trace was unknown (see missing_fields)."""
    return {k: v for k, v in bindings.items() if v.__class__ is not Unknown}


_Pair = tuple[Template, Template]


def _pair(text: Text | None) -> _Pair | None:
    return None if text is None else (Template(text.zh, "zh"), Template(text.en, "en"))


def _render(pair: _Pair, bindings: Mapping[str, Any], item: dict[str, Any], key: str) -> None:
    item[key] = pair[0].render(bindings, label)
    item[f"{key}_en"] = pair[1].render(bindings, label)


def _find_out_from(missing: tuple[str, ...] | list[str]) -> tuple[str, str]:
    """Guidance for an unknown condition without its own ``find_out`` text: the missing fields by label."""
    zh = "、".join(field_label(path, "zh") for path in missing)
    en = ", ".join(field_label(path, "en") for path in missing)
    return f"请查明并填写：{zh}。", f"Find out and fill in: {en}."


class _ConditionView:
    """What a condition shows that does not depend on the profile, prepared once."""

    def __init__(self, lic: License, spec: Condition) -> None:
        self.spec = spec
        self.static = {"id": spec.id, "title_zh": spec.title.zh, "title_en": spec.title.en}
        self.citation = citation_text(lic, spec.citations)
        self.reasons = {
            status: _pair(getattr(spec.explain, status))
            for status in ("met", "unmet", "unknown", "not_applicable")
        }
        self.remedy = _pair(spec.remedy)
        self.find_out = _pair(spec.find_out)
        self.warnings = [_pair(w.text) for w in spec.warnings]


class _MaterialView:
    """A material's fixed fields and its 'because' sentences per outcome, prepared once."""

    def __init__(self, lic: License, spec: Material) -> None:
        citation = citation_text(lic, spec.citations)
        self.static = {
            "id": spec.id,
            "title_zh": spec.title.zh,
            "title_en": spec.title.en,
            "basis": spec.basis,
            "citation": citation,
            "guidance_zh": spec.guidance.zh,
            "guidance_en": spec.guidance.en,
            "supplied_by": spec.supplied_by,  # additive: the contract allows more fields
        }
        self.file_kinds = spec.file_kinds
        default = _BASIS_BECAUSE[spec.basis]
        default = Text(zh=default.zh.format(citation=citation), en=default.en.format(citation=citation))
        because = spec.because
        if isinstance(because, Text) or because is None:
            required, not_required, unknown = because or default, None, None
        else:
            required = because.required or default
            not_required, unknown = because.not_required, because.unknown or because.not_required
        self.because = {MET: _pair(required), UNMET: _pair(not_required), UNKNOWN: _pair(unknown)}


@dataclass
class Evaluator:
    """Evaluates profiles (contract dicts, absent fields left out) for one license on one date."""

    compiled: CompiledVersion
    as_of: date
    params: dict[str, Any] = field(init=False)
    _as_of_iso: str = field(init=False)
    _conditions: list[_ConditionView] = field(init=False)
    _materials: list[_MaterialView] = field(init=False)

    def __post_init__(self) -> None:
        lic = self.compiled.license
        self.params = parameters_on(lic, self.as_of)
        self._as_of_iso = self.as_of.isoformat()
        version = self.compiled.version
        self._conditions = [_ConditionView(lic, c) for c in version.conditions]
        self._materials = [_MaterialView(lic, m) for m in version.materials]

    @property
    def license_id(self) -> str:
        return self.compiled.license.id

    @property
    def ruleset_version(self) -> str:
        return self.compiled.version.id

    def verdict(self, profile: Mapping[str, Any]) -> str:
        """The verdict alone, as fast as the rules allow."""
        return VERDICT_NAMES[self.compiled.conditions.verdict(profile, self.params, self._as_of_iso)]

    def check(self, profile: Mapping[str, Any] | CompanyProfile) -> dict[str, Any]:
        """The full check result (check-result.schema.json, with additive fields)."""
        if isinstance(profile, CompanyProfile):
            profile = profile.to_contract()
        conditions, warnings = [], _Warnings()
        worst = 0
        for view, explain in zip(self._conditions, self.compiled.conditions.explain, strict=True):
            outcome = explain(profile, self.params, self._as_of_iso)
            conditions.append(self._condition(view, outcome))
            for index in outcome.warnings:
                pair = view.warnings[index]
                warnings.add_text(
                    pair[0].render(outcome.bindings, label), pair[1].render(outcome.bindings, label)
                )
            worst = max(worst, {UNMET: 2, UNKNOWN: 1}.get(outcome.status, 0))
        result: dict[str, Any] = {
            "license": self.license_id,
            "license_name_zh": self.compiled.license.names.zh,
            "license_name_en": self.compiled.license.names.en,
            "ruleset_version": self.ruleset_version,
            "as_of": self._as_of_iso,
            "verdict": ("eligible", "incomplete", "not_eligible")[worst],
            "authority": self._authority(profile, warnings),
            "conditions": conditions,
            "materials": self._checklist(profile),
        }
        result["warnings"] = warnings.zh
        result["warnings_en"] = warnings.en
        return result

    def _condition(self, view: _ConditionView, outcome: Outcome) -> dict[str, Any]:
        status = outcome.status
        bindings = outcome.bindings
        bindings["as_of"] = self._as_of_iso
        item = dict(view.static)
        item["status"] = status
        _render(view.reasons[status], bindings, item, "reason")
        item["citation"] = view.citation
        if status == UNKNOWN:
            item["missing_fields"] = list(outcome.missing)
            # An unknown is not a failure: say what to find out, never the remedy of an unmet condition.
            if view.find_out is not None:
                _render(view.find_out, bindings, item, "find_out")
            else:
                item["find_out"], item["find_out_en"] = _find_out_from(outcome.missing)
        if view.remedy is not None and status == UNMET:
            _render(view.remedy, bindings, item, "remedy")
        del bindings["as_of"]
        item["trace"] = _trace(bindings)
        return item

    def _checklist(self, profile: Mapping[str, Any]) -> list[dict[str, Any]]:
        items = []
        for view, explain in zip(self._materials, self.compiled.materials.explain, strict=True):
            outcome = explain(profile, self.params, self._as_of_iso)
            item = dict(view.static)
            item["required"] = outcome.status == MET
            item["file_kinds"] = list(view.file_kinds)
            because = view.because[outcome.status]
            if because is not None:
                _render(because, outcome.bindings, item, "because")
            if outcome.status == UNKNOWN:
                item["depends_on"] = list(outcome.missing)
            items.append(item)
        return items

    def _authority(self, profile: Mapping[str, Any], warnings: _Warnings) -> dict[str, str]:
        route = self.compiled.version.authority
        outcome = self.compiled.authority.explain[0](profile, self.params, self._as_of_iso)
        if outcome.status == MET:
            return route.national.model_dump()
        code = profile.get("company", {}).get("province")
        if code is None:
            warnings.add(
                Text(
                    zh="企业档案未填写注册省份，无法确定受理的通信管理局。",
                    en="The province of registration is not given in the company profile, so the issuing "
                    "administration cannot be named.",
                )
            )
            return {"id": "UNKNOWN", "name_zh": "待定（须填写注册省份）", "name_en": "to be determined"}
        province = province_by_code(code)
        return {
            "id": province.code,
            "name_zh": province.name_zh + route.provincial_suffix.zh,
            "name_en": f"{province.name_en} {route.provincial_suffix.en}",
        }


class _Warnings:
    """Warnings in both languages, each once, in the order they arose."""

    def __init__(self) -> None:
        self.zh: list[str] = []
        self.en: list[str] = []

    def add(self, text: Text) -> None:
        self.add_text(text.zh, text.en)

    def add_text(self, zh: str, en: str) -> None:
        if zh not in self.zh:
            self.zh.append(zh)
            self.en.append(en)


def evaluator_for(license_id: str, as_of: date, catalog: Catalog | None = None) -> Evaluator:
    """An evaluator for the rule version of ``license_id`` in force on ``as_of``."""
    catalog = catalog or default_catalog()
    return Evaluator(catalog.version_on(license_id, as_of), as_of)


def check_profile(
    profile: CompanyProfile | Mapping[str, Any],
    *,
    license_id: str,
    as_of: date,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """One-off check: the full result for one profile."""
    return evaluator_for(license_id, as_of, catalog).check(profile)
