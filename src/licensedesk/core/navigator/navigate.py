"""Which licenses, filings and approvals a company needs, from its answers: the navigator itself.

The rules (:mod:`licensedesk.core.navigator.rules`) say when each license is needed and why; this module
runs them over one company's answers and writes the result: each need with its reasons in Chinese and
English, its legal bases, whether the license is in the catalog (so a case can be opened for it) and
how certain the facts behind it are. A reason resting on agency pages only (W) or on unverified facts
(U) says so in its own words: the consultant reading it must not take it as settled.

Figures in the reasons (a minimum capital, a threshold) come from the catalog's dated parameters on the
as-of date where the license is in the catalog, so the navigator never disagrees with the eligibility
check; from the rules file's own parameters otherwise.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from licensedesk.core.catalog.loader import Catalog, parameters_on
from licensedesk.core.labels import label
from licensedesk.core.navigator.answers import Answers
from licensedesk.core.navigator.rules import (
    CompiledNavigator,
    FigureSource,
    Kind,
    LicenseRule,
    NavigatorRulesError,
)
from licensedesk.core.rules.compiler import MET, UNKNOWN
from licensedesk.core.rules.templates import Template

#: how a reason that rests on weak or unverified facts is marked, per language
UNCERTAIN_MARKS: dict[str, dict[str, str]] = {
    "W": {
        "zh": "（仅见于代办机构资料，未经官方来源核实）",
        "en": " (agency sources only; not confirmed officially)",
    },
    "U": {"zh": "（尚未核实）", "en": " (not verified)"},
}
_CERTAINTY_ORDER = "LSWU"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CitationOut(_Model):
    text: str = Field(description="Title and article, e.g. 互联网信息服务管理办法 第七条")
    title: str
    title_en: str
    article: str | None = None
    instrument: str | None = None
    url: str | None = None
    certainty: Literal["L", "S", "W", "U"]


class NeedOut(_Model):
    license: str = Field(
        description="Catalog id where the license is in the catalog (icp-b25 …), else the navigator's id."
    )
    kind: Kind
    tier: str | None = None
    tier_zh: str | None = None
    tier_en: str | None = None
    name_zh: str
    name_en: str
    why_zh: str
    why_en: str
    citations: list[CitationOut]
    in_catalog: bool = Field(description="A case can be opened for it: the catalog holds the license.")
    certainty: Literal["L", "S", "W", "U"] = Field(
        description="The weakest certainty of the facts in the reason."
    )


class NotNeededOut(_Model):
    license: str
    name_zh: str
    name_en: str
    why_zh: str
    why_en: str


class NavigatorResult(_Model):
    """What ``licensedesk navigate --format json`` prints."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, title="Navigator result v1: the licenses a company needs, with reasons"
    )

    as_of: date
    needs: list[NeedOut]
    not_needed: list[NotNeededOut]


def result_json_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "navigator-result/v1",
        **NavigatorResult.model_json_schema(mode="serialization"),
    }


def _dig(value: Any, path: list[str]) -> Any:
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def derived_facts(answers: Answers, catalog: Catalog, as_of: date) -> dict[str, Any]:
    """Facts the rules read that come from the catalog: whether the domicile is in a pilot area of the
    value-added telecom opening (the ICP license's dated ``foreign_equity_pilot`` parameter)."""
    in_zone = False
    try:
        pilot = parameters_on(catalog.license("icp-b25"), as_of).get("foreign_equity_pilot") or {}
    except LookupError:
        pilot = {}
    for zone in pilot.get("zones", []):
        if zone.get("province") != answers.province:
            continue
        keywords = zone.get("keywords")
        if keywords is None or any(k in (answers.city or "") for k in keywords):
            in_zone = True
    return {"vats_pilot_zone": in_zone}


class Navigator:
    """The rules and the catalog, ready to answer for any company on one date."""

    def __init__(self, rules: CompiledNavigator, catalog: Catalog, as_of: date) -> None:
        self.rules = rules
        self.catalog = catalog
        self.as_of = as_of
        self.catalog_ids = frozenset(lic.id for lic in catalog.licenses())
        self._params = {lid: parameters_on(catalog.license(lid), as_of) for lid in self.catalog_ids}

    # -- figures and citations --------------------------------------------------------------------

    def figure(self, name: str, sources: tuple[FigureSource, ...], where: str) -> Any:
        for source in sources:
            path = source.parameter.split(".")
            if source.license is None:
                value = _dig(self.rules.parameters, path)
            elif source.license in self._params:
                value = _dig(self._params[source.license], path)
            else:
                continue
            if value is not None:
                return value
        raise NavigatorRulesError([f"{where}: no value for figure {name!r} on {self.as_of.isoformat()}"])

    def figures(self, figures: dict[str, tuple[FigureSource, ...]], where: str) -> dict[str, Any]:
        return {name: self.figure(name, sources, where) for name, sources in figures.items()}

    def citation(self, basis_id: str, article: str | None) -> CitationOut:
        basis = self.rules.basis(basis_id)
        return CitationOut(
            text=f"{basis.title} {article}" if article else basis.title,
            title=basis.title,
            title_en=basis.title_en,
            article=article,
            instrument=basis.instrument,
            url=basis.url,
            certainty=basis.certainty,
        )

    # -- the run ------------------------------------------------------------------------------------

    def run(self, answers: Answers) -> NavigatorResult:
        facts = answers.model_dump(mode="json", exclude_none=True)
        facts["derived"] = derived_facts(answers, self.catalog, self.as_of)
        needs: list[NeedOut] = []
        not_needed: list[NotNeededOut] = []
        for li, lic in enumerate(self.rules.rules.licenses):
            need = self._need(li, lic, facts)
            if need is not None:
                needs.append(need)
                continue
            for i, item in enumerate(lic.not_needed):
                if self._holds(li, "not_needed", i, facts):
                    why = {
                        lang: self._marked(getattr(item.why, lang), item.certainty, lang)
                        for lang in ("zh", "en")
                    }
                    not_needed.append(
                        NotNeededOut(
                            license=lic.id,
                            name_zh=lic.names.zh,
                            name_en=lic.names.en,
                            why_zh=why["zh"],
                            why_en=why["en"],
                        )
                    )
                    break
        return NavigatorResult(as_of=self.as_of, needs=needs, not_needed=not_needed)

    def _holds(self, li: int, part: str, i: int, facts: dict[str, Any]) -> bool:
        unit = self.rules.units[(li, part, i)]
        outcome = self.rules.compiled.explain[unit](facts, self.rules.parameters, self.as_of)
        if outcome.status == UNKNOWN:  # validated answers leave nothing unknown a rule may read
            raise NavigatorRulesError(
                [f"licenses[{li}].{part}[{i}].when: reads an absent answer ({', '.join(outcome.missing)})"]
            )
        return outcome.status == MET

    @staticmethod
    def _marked(text: str, certainty: str, lang: str) -> str:
        mark = UNCERTAIN_MARKS.get(certainty, {}).get(lang, "")
        if not mark:
            return text
        if lang == "zh" and text.endswith("。"):
            return text[:-1] + mark + "。"
        if lang == "en" and text.endswith("."):
            return text[:-1] + mark + "."
        return text + mark

    def _render(self, text: Any, figures: dict[str, Any], certainty: str) -> dict[str, str]:
        return {
            lang: self._marked(Template(getattr(text, lang), lang).render(figures, label), certainty, lang)
            for lang in ("zh", "en")
        }

    def _need(self, li: int, lic: LicenseRule, facts: dict[str, Any]) -> NeedOut | None:
        chosen = next((i for i in range(len(lic.needs)) if self._holds(li, "needs", i, facts)), None)
        if chosen is None:
            return None
        variant = lic.needs[chosen]
        where = f"licenses[{li}].needs[{chosen}]"
        parts = [self._render(variant.why, self.figures(variant.figures, where), variant.certainty)]
        citations = list(variant.citations)
        certainties = [variant.certainty]
        for i, note in enumerate(lic.notes):
            if self._holds(li, "notes", i, facts):
                figures = self.figures(note.figures, f"licenses[{li}].notes[{i}]")
                parts.append(self._render(note.text, figures, note.certainty))
                citations += [c for c in note.citations if c not in citations]
                certainties.append(note.certainty)
        return NeedOut(
            license=lic.id,
            kind=variant.kind or lic.kind,
            tier=variant.tier,
            tier_zh=variant.tier_title.zh if variant.tier_title else None,
            tier_en=variant.tier_title.en if variant.tier_title else None,
            name_zh=lic.names.zh,
            name_en=lic.names.en,
            why_zh="".join(p["zh"] for p in parts),
            why_en=" ".join(p["en"] for p in parts),
            citations=[self.citation(c.basis, c.article) for c in citations],
            in_catalog=lic.id in self.catalog_ids,
            certainty=max(certainties, key=_CERTAINTY_ORDER.index),
        )


def navigate(answers: Answers, *, rules: CompiledNavigator, catalog: Catalog, as_of: date) -> NavigatorResult:
    """The licenses ``answers`` call for on ``as_of``, and the ones checked and found not needed."""
    return Navigator(rules, catalog, as_of).run(answers)


#: what each kind of need is called, for reports and pages
KIND_LABELS: dict[str, dict[str, str]] = {
    "license": {"zh": "许可证", "en": "license"},
    "filing": {"zh": "备案", "en": "filing"},
    "approval": {"zh": "审批", "en": "approval"},
    "registration": {"zh": "登记", "en": "registration"},
}


def render_text(result: NavigatorResult) -> str:
    """A bilingual report for the terminal: what is needed first, each with why and the basis."""
    out = [f"需要办理 Needed ({len(result.needs)})  ·  as of {result.as_of.isoformat()}", ""]
    for number, need in enumerate(result.needs, 1):
        kind = KIND_LABELS[need.kind]
        tier = f" · {need.tier_zh} / {need.tier_en}" if need.tier_zh else ""
        catalog = "" if need.in_catalog else "  （目录中尚无，不能直接开案 not in the catalog yet）"
        out.append(f"{number}. {need.name_zh}（{kind['zh']}）{tier}{catalog}")
        out.append(f"   {need.name_en} ({kind['en']})")
        out.append(f"   原因：{need.why_zh}")
        out.append(f"   Why: {need.why_en}")
        out.append(f"   依据 Basis: {'；'.join(c.text for c in need.citations)}")
        out.append("")
    if not result.needs:
        out += ["  （无 none）", ""]
    out.append(f"不需要 Not needed ({len(result.not_needed)})")
    for item in result.not_needed:
        out.append(f"- {item.name_zh}：{item.why_zh}")
        out.append(f"  {item.name_en}: {item.why_en}")
    return "\n".join(out) + "\n"
