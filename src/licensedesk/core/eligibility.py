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
from licensedesk.core.labels import label
from licensedesk.core.profile import CompanyProfile
from licensedesk.core.provinces import province_by_code
from licensedesk.core.rules.compiler import MET, UNKNOWN, UNMET, VERDICT_NAMES, Outcome, Unknown
from licensedesk.core.rules.templates import render

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


@dataclass(frozen=True)
class _ConditionView:
    spec: Condition
    citation: str


@dataclass(frozen=True)
class _MaterialView:
    spec: Material
    citation: str
    because_required: Text
    because_not_required: Text | None
    because_unknown: Text | None


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
        self._conditions = [_ConditionView(c, citation_text(lic, c.citations)) for c in version.conditions]
        self._materials = [self._material_view(lic, m) for m in version.materials]

    @staticmethod
    def _material_view(lic: License, material: Material) -> _MaterialView:
        citation = citation_text(lic, material.citations)
        because = material.because
        if isinstance(because, Text):
            return _MaterialView(material, citation, because, None, None)
        default = _BASIS_BECAUSE[material.basis]
        default = Text(zh=default.zh.format(citation=citation), en=default.en.format(citation=citation))
        if because is None:
            return _MaterialView(material, citation, default, None, None)
        return _MaterialView(
            material, citation, because.required or default, because.not_required, because.unknown
        )

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
                warnings.add(view.spec.warnings[index].text)
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
        spec = view.spec
        text = getattr(spec.explain, outcome.status)
        bindings = {**outcome.bindings, "as_of": self._as_of_iso}
        item: dict[str, Any] = {
            "id": spec.id,
            "title_zh": spec.title.zh,
            "title_en": spec.title.en,
            "status": outcome.status,
            "reason": render(text.zh, bindings, "zh", label),
            "reason_en": render(text.en, bindings, "en", label),
            "citation": view.citation,
        }
        if outcome.status == UNKNOWN:
            item["missing_fields"] = list(outcome.missing)
        if spec.remedy is not None and outcome.status in (UNMET, UNKNOWN):
            item["remedy"] = render(spec.remedy.zh, bindings, "zh", label)
            item["remedy_en"] = render(spec.remedy.en, bindings, "en", label)
        item["trace"] = _trace(outcome.bindings)
        return item

    def _checklist(self, profile: Mapping[str, Any]) -> list[dict[str, Any]]:
        items = []
        for view, explain in zip(self._materials, self.compiled.materials.explain, strict=True):
            outcome = explain(profile, self.params, self._as_of_iso)
            spec = view.spec
            required = outcome.status == MET
            if required:
                because = view.because_required
            elif outcome.status == UNKNOWN:
                because = view.because_unknown or view.because_not_required
            else:
                because = view.because_not_required
            item: dict[str, Any] = {
                "id": spec.id,
                "required": required,
                "title_zh": spec.title.zh,
                "title_en": spec.title.en,
                "basis": spec.basis,
                "citation": view.citation,
                "guidance_zh": spec.guidance.zh,
                "guidance_en": spec.guidance.en,
                "file_kinds": list(spec.file_kinds),
            }
            if because is not None:
                item["because"] = render(because.zh, outcome.bindings, "zh", label)
                item["because_en"] = render(because.en, outcome.bindings, "en", label)
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
                    zh="未填写注册省份（company.province），无法确定受理的通信管理局。",
                    en="The province (company.province) is not given, so the issuing "
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
        if text.zh not in self.zh:
            self.zh.append(text.zh)
            self.en.append(text.en)


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
