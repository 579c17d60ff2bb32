"""The navigator's rules file (``data/rules.yaml``): its shape, its checks, and its compilation.

The rules are data for the same reason the catalog is: a consultant's knowledge of which business needs
which license changes with the law, and a change should be a reviewed edit of a YAML file, not of code.
``when`` trees use the catalog's rule vocabulary over the answers' paths and are compiled once, when the
file loads, by the catalog's compiler (:mod:`licensedesk.core.rules.compiler`); nothing is evaluated
from text. Loading checks everything a reader could get wrong and reports every problem at once:
unknown operators or answer paths, citations of unknown legal bases, placeholders without a figure,
figures naming unknown parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from licensedesk.core.catalog.models import Certainty, Text
from licensedesk.core.navigator.answers import Answers
from licensedesk.core.rules.compiler import CompiledRules, Unit, compile_units
from licensedesk.core.rules.templates import placeholder_problems
from licensedesk.core.rules.vocabulary import Names, check_node

Kind = Literal["license", "filing", "approval", "registration"]
RULES_FILE = "rules.yaml"
#: facts the navigator computes from the catalog before the rules run (see navigate.derived_facts)
DERIVED_PATHS = frozenset({"derived", "derived.vats_pilot_zone"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(_Model):
    basis: str
    article: str | None = None


class LegalBasis(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    title_en: str
    instrument: str | None = None
    url: str | None = None
    kind: Literal["law", "practice"] = "law"
    certainty: Certainty


class FigureSource(_Model):
    """Where a figure comes from: a parameter of a catalog license (``license`` set) or of this file."""

    license: str | None = None
    parameter: str = Field(pattern=r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")


class Parameter(_Model):
    title: Text
    value: Any
    citations: tuple[Citation, ...] = ()
    certainty: Certainty


class Need(_Model):
    when: Any
    why: Text
    tier: str | None = None
    tier_title: Text | None = None
    #: a variant may be of another kind than the license's usual one (an ODI approval instead of a filing)
    kind: Kind | None = None
    figures: dict[str, tuple[FigureSource, ...]] = {}
    citations: tuple[Citation, ...] = Field(min_length=1)
    certainty: Certainty


class Note(_Model):
    when: Any
    text: Text
    figures: dict[str, tuple[FigureSource, ...]] = {}
    citations: tuple[Citation, ...] = ()
    certainty: Certainty


class NotNeeded(_Model):
    when: Any = True
    why: Text
    certainty: Certainty = "S"


class LicenseRule(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    kind: Kind
    names: Text
    needs: tuple[Need, ...] = ()
    notes: tuple[Note, ...] = ()
    not_needed: tuple[NotNeeded, ...] = ()


class RulesFile(_Model):
    legal_bases: tuple[LegalBasis, ...] = Field(min_length=1)
    parameters: dict[str, Parameter] = {}
    licenses: tuple[LicenseRule, ...] = Field(min_length=1)

    @field_validator("licenses")
    @classmethod
    def _unique_ids(cls, licenses: tuple[LicenseRule, ...]) -> tuple[LicenseRule, ...]:
        ids = [lic.id for lic in licenses]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"license ids listed twice: {', '.join(twice)}")
        return licenses


class NavigatorRulesError(Exception):
    """The rules file cannot be used; ``problems`` lists every reason, each with its path in the file."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class CompiledNavigator:
    """The rules file and one compiled rule set holding every ``when`` of it, in file order.

    ``units`` maps (license index, part, item index) to the index of the explain function: part is
    ``needs``, ``notes`` or ``not_needed``.
    """

    rules: RulesFile
    compiled: CompiledRules
    units: dict[tuple[int, str, int], int]
    parameters: dict[str, Any]

    def basis(self, basis_id: str) -> LegalBasis:
        return next(b for b in self.rules.legal_bases if b.id == basis_id)


def answer_paths() -> frozenset[str]:
    """Every dotted path of the answers (objects included), plus the derived facts."""
    schema = Answers.model_json_schema()
    defs = schema.get("$defs", {})

    def walk(node: dict[str, Any], prefix: str) -> set[str]:
        found: set[str] = set()
        for key, sub in node.get("properties", {}).items():
            path = f"{prefix}{key}"
            found.add(path)
            for option in [sub, *sub.get("anyOf", [])]:
                ref = option.get("$ref")
                if ref:
                    found |= walk(defs[ref.rsplit("/", 1)[-1]], path + ".")
        return found

    return frozenset(walk(schema, "")) | DERIVED_PATHS


def _dict_paths(value: Any, prefix: str) -> set[str]:
    found = {prefix}
    if isinstance(value, dict):
        for key, sub in value.items():
            found |= _dict_paths(sub, f"{prefix}.{key}")
    return found


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problems(rules: RulesFile) -> list[str]:
    problems: list[str] = []
    bases = {b.id for b in rules.legal_bases}
    own_params = set().union(*(_dict_paths(p.value, name) for name, p in rules.parameters.items()))
    names = Names(params=frozenset(own_params), profile_paths=answer_paths())

    def cites(citations: tuple[Citation, ...], where: str) -> None:
        for i, cite in enumerate(citations):
            if cite.basis not in bases:
                problems.append(f"{where}.citations[{i}].basis: unknown legal basis {cite.basis!r}")

    def tree(node: Any, where: str) -> None:
        for p in check_node(node, where, names):
            problems.append(str(p).replace("of the company profile contract", "of the navigator answers"))

    def texts(text: Text, figures: dict[str, tuple[FigureSource, ...]], where: str) -> None:
        for lang in ("zh", "en"):
            problems.extend(
                f"{where}.{lang}: {m}" for m in placeholder_problems(getattr(text, lang), figures)
            )
        for name, sources in figures.items():
            if not sources:
                problems.append(f"{where}: figure {name!r} names no source")
            for i, source in enumerate(sources):
                if source.license is None and source.parameter not in own_params:
                    problems.append(
                        f"{where}: figure {name!r} source [{i}]: unknown parameter {source.parameter!r}"
                    )

    for name, param in rules.parameters.items():
        cites(param.citations, f"parameters.{name}")
    for li, lic in enumerate(rules.licenses):
        base = f"licenses[{li}]"
        for i, need in enumerate(lic.needs):
            if (need.tier is None) != (need.tier_title is None):
                problems.append(f"{base}.needs[{i}]: tier and tier_title go together")
            tree(need.when, f"{base}.needs[{i}].when")
            texts(need.why, need.figures, f"{base}.needs[{i}].why")
            cites(need.citations, f"{base}.needs[{i}]")
        for i, note in enumerate(lic.notes):
            tree(note.when, f"{base}.notes[{i}].when")
            texts(note.text, note.figures, f"{base}.notes[{i}].text")
            cites(note.citations, f"{base}.notes[{i}]")
        for i, item in enumerate(lic.not_needed):
            tree(item.when, f"{base}.not_needed[{i}].when")
            texts(item.why, {}, f"{base}.not_needed[{i}].why")
        if not lic.needs and not lic.not_needed:
            problems.append(f"{base}: says neither when it is needed nor when it is not")
    return problems


def compile_rules(data: Any) -> CompiledNavigator:
    """Check and compile a parsed rules file; raise :class:`NavigatorRulesError` with every problem."""
    try:
        rules = RulesFile.model_validate(data)
    except ValidationError as exc:
        raise NavigatorRulesError([f"{_loc(tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]) from None
    problems = _problems(rules)
    if problems:
        raise NavigatorRulesError(problems)
    units: list[Unit] = []
    index: dict[tuple[int, str, int], int] = {}
    for li, lic in enumerate(rules.licenses):
        for part, items in (("needs", lic.needs), ("notes", lic.notes), ("not_needed", lic.not_needed)):
            for i, item in enumerate(items):
                index[(li, part, i)] = len(units)
                units.append(Unit(id=f"{lic.id}.{part}[{i}]", test=item.when))
    compiled = compile_units(units, name="navigator")
    parameters = {name: param.value for name, param in rules.parameters.items()}
    return CompiledNavigator(rules, compiled, index, parameters)


def load_rules_text(text: str) -> CompiledNavigator:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise NavigatorRulesError([f"not valid YAML: {exc}"]) from None
    return compile_rules(data)


@cache
def default_rules() -> CompiledNavigator:
    """The shipped rules, checked and compiled once per process."""
    text = (
        resources.files("licensedesk.core.navigator").joinpath("data", RULES_FILE).read_text(encoding="utf-8")
    )
    return load_rules_text(text)
