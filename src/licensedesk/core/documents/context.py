"""What a document template sees, and which of it is missing.

The context has fixed roots: ``company``, ``service``, ``readiness`` (the profile contract), ``case``
(the case file), ``authority`` and ``license`` (from the eligibility check), ``computed`` (values derived
for the forms: coverage in words, the domains), ``document``, and the license's own facts
(``extensions.<license-id>`` of the profile, described by its catalog section): ``facts.<key>`` is one
fact as a person reads it (its choice label, 是/否, an amount in 万元, a date in Chinese), and
``facts_list`` the facts known, each with its ``label`` and ``value``, in the section's order.
:func:`known_paths` lists every path a template may use; the template check refuses others by name.

Absent data is never rendered as a blank. Before rendering, the definition's required paths are checked
(:func:`missing_paths`); while rendering, any other absent value a template prints is recorded with its
full path by :class:`_RecordingUndefined`, and the render fails with all of them named. An absent value
used only in a test (``{% if company.name_en %}``) is simply false.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from functools import cache, wraps
from typing import Any

from jinja2 import ChainableUndefined, Environment, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from pydantic import BaseModel

from licensedesk.core.catalog.sections import SectionField
from licensedesk.core.documents import typography
from licensedesk.core.documents.case import CaseData
from licensedesk.core.labels import unit_label
from licensedesk.core.profile import CompanyProfile
from licensedesk.core.provinces import province_by_code
from licensedesk.core.value_text import amount_text, number_text, value_text

ROOTS = (
    "company",
    "service",
    "readiness",
    "case",
    "authority",
    "license",
    "computed",
    "document",
    "facts",
    "facts_list",
)
_FACT_ROW = ("label", "value")
_STATIC_TREES: dict[str, tuple[str, ...]] = {
    "authority": ("id", "name_zh", "name_en"),
    "license": ("id", "name_zh", "name_en", "category", "ruleset_version"),
    "computed": ("coverage_zh", "domains"),
    "document": ("id", "title_zh", "title_en"),
}
_COMPUTED_SOURCES = {
    "coverage_zh": ("service.coverage", "company.province"),
    "domains": ("service.websites",),
}

_recorded: ContextVar[list[str] | None] = ContextVar("licensedesk_documents_missing", default=None)


class _Node(dict):
    """A mapping that knows its path in the context, so an absent key can be named in full."""

    __slots__ = ("path",)


class _Seq(list):
    __slots__ = ("path",)


def _wrap(value: Any, path: str) -> Any:
    if isinstance(value, Mapping):
        # null is left out like absence: printing it names the path instead of writing "None"
        node = _Node((k, _wrap(v, f"{path}.{k}")) for k, v in value.items() if v is not None)
        node.path = path
        return node
    if isinstance(value, list | tuple):
        seq = _Seq(_wrap(v, f"{path}[{i}]") for i, v in enumerate(value))
        seq.path = path
        return seq
    if isinstance(value, str):
        return typography.full_width_punctuation(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 260.0 m² reads 260
    return value


class _Missing:
    """A derived value whose sources are absent: printing it records those source paths."""

    __slots__ = ("sources",)

    def __init__(self, sources: tuple[str, ...]) -> None:
        self.sources = sources

    def __str__(self) -> str:
        _record(*self.sources)
        return ""

    def __bool__(self) -> bool:
        return False


def _record(*paths: str) -> None:
    sink = _recorded.get()
    if sink is not None:
        sink.extend(paths)


class _RecordingUndefined(ChainableUndefined):
    """Absent context value: false in tests, empty when iterated, *recorded by path* when printed."""

    __slots__ = ()

    def _full_path(self) -> str:
        parent = getattr(self._undefined_obj, "path", None)
        name = self._undefined_name or "?"
        return f"{parent}.{name}" if parent else name

    def __str__(self) -> str:
        _record(self._full_path())
        return ""

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__":
            raise AttributeError(name)
        return _RecordingUndefined(name=f"{self._undefined_name}.{name}", obj=self._undefined_obj)

    __getitem__ = __getattr__


def _passes_absent(fn: Callable[..., str]) -> Callable[..., Any]:
    """A filter applied to an absent value returns it unchanged, so printing it still names the path."""

    @wraps(fn)
    def wrapper(value: Any, *args: Any) -> Any:
        if isinstance(value, Undefined | _Missing):
            return value
        return fn(value, *args)

    return wrapper


FILTERS: dict[str, Callable[[Any], Any]] = {
    "cn_date": typography.cn_date,
    "wan": typography.wan,
    "wan_number": typography.wan_number,
    "yuan": typography.yuan,
    "rmb_upper": typography.rmb_upper,
    "pct": typography.pct,
    "label": typography.label_zh,
    "labels": typography.labels_zh,
    "jurisdiction": typography.jurisdiction_zh,
}


# Jinja's tests (``is defined``, ``is odd`` …): none of the shipped templates uses one, so none is
# offered; the template check refuses ``is`` by name.
TESTS: dict[str, Callable[..., bool]] = {}

# A string or list repeated by ``*`` may grow to this many items, no more (``'x' * 10**9`` is a
# denial of service, not a document).
_MAX_REPEAT = 10_000


class _DocumentSandbox(ImmutableSandboxedEnvironment):
    """The sandbox document templates render in.

    Why a sandbox when every agency template is checked first (:mod:`.template_check`): the check is
    an allow-list over the syntax tree, and the sandbox is the second wall if a template ever reaches
    rendering without it (a code path that forgets to check, a check with a gap). Beyond Jinja's own
    sandbox (no ``_``-prefixed or internal attributes, no mutation of lists and dicts) it refuses
    *loudly*: an unsafe attribute raises :class:`SecurityError` at once instead of becoming an absent
    value, every call raises (templates never need one: filters are not calls), ``**`` raises and
    ``*`` / ``%`` may not build huge strings or format strings.

    docxtpl compiles the template's XML with ``from_string`` on every render; the XML of a template
    is the same each time, so the compiled template is kept (a bounded number of them)."""

    intercepted_binops = frozenset({"**", "*", "%"})
    _limit = 256

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._compiled: dict[str, Any] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        template = self._compiled.get(source)
        if template is None:
            template = super().from_string(source)
            if len(self._compiled) >= self._limit:
                self._compiled.pop(next(iter(self._compiled)))
            self._compiled[source] = template
        return template

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(
            f"access to attribute {attribute!r} of a {type(obj).__name__!r} value is not allowed"
        )

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        name = getattr(obj, "__name__", type(obj).__name__)
        raise SecurityError(f"calling {name!r} is not allowed in a document template")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("the power operator ** is not allowed in a document template")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("string formatting with % is not allowed in a document template")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(count, int)
                    and len(seq) * count > _MAX_REPEAT
                ):
                    raise SecurityError("repeating a value this many times is not allowed")
        return super().call_binop(context, operator, left, right)


@cache
def environment() -> Environment:
    """The one Jinja environment of document templates: sandboxed (:class:`_DocumentSandbox`),
    autoescaped (the templates are XML), absent values recorded, and nothing but the document filters:
    no Jinja filters (``attr``, ``format``, ``map`` reach attributes or build strings), no tests, no
    globals (``range``, ``cycler``, ``joiner``, ``namespace``, ``lipsum``, ``dict``: none of the
    templates needs one, and the first five are the classic ways out of a template)."""
    env = _DocumentSandbox(autoescape=True, undefined=_RecordingUndefined, keep_trailing_newline=True)
    env.filters = {name: _passes_absent(fn) for name, fn in FILTERS.items()}
    env.tests = dict(TESTS)
    env.globals = {}
    return env


class Recorder:
    """Collects the paths of absent values printed while rendering (``with Recorder() as missing:``)."""

    def __enter__(self) -> list[str]:
        self._missing: list[str] = []
        self._token = _recorded.set(self._missing)
        return self._missing

    def __exit__(self, *exc: object) -> None:
        _recorded.reset(self._token)


def _computed(profile: dict[str, Any]) -> dict[str, Any]:
    company, service = profile.get("company", {}), profile.get("service", {})
    coverage = service.get("coverage")
    if coverage == "national":
        coverage_zh: Any = "全国"
    elif coverage == "provincial" and company.get("province"):
        coverage_zh = province_by_code(company["province"]).name_zh
    else:
        coverage_zh = _Missing(tuple(p for p in _COMPUTED_SOURCES["coverage_zh"] if _absent(profile, p)))
    websites = service.get("websites") or []
    domains = "、".join(w["domain"] for w in websites) if websites else _Missing(_COMPUTED_SOURCES["domains"])
    return {"coverage_zh": coverage_zh, "domains": domains}


def _fact_text(license_id: str, spec: SectionField, value: Any) -> str:
    """One license fact as the profile's other values read (:func:`value_text`), dates as documents write
    them, a number with its unit."""
    if spec.type == "date" and isinstance(value, str):
        try:
            return typography.cn_date(value)
        except ValueError:
            return value
    if spec.type in ("integer", "number") and spec.unit and not isinstance(value, bool):
        if spec.unit == "CNY":
            return amount_text(value, "zh")
        return f"{number_text(value)} {unit_label(spec.unit, 'zh')}"
    return value_text(f"extensions.{license_id}.{spec.key}", value, "zh")


def _facts(license_id: str, data: Mapping[str, Any]) -> tuple[_Node, _Seq]:
    """The license's own facts (``extensions.<license-id>``), as text; absent facts are left out, so
    printing one names its profile path (``extensions.travel-agency.tier``)."""
    from licensedesk.core.catalog.loader import default_catalog

    path = f"extensions.{license_id}"
    try:
        section = default_catalog().section(license_id)
    except LookupError:
        section = None
    stored = (data.get("extensions") or {}).get(license_id) or {}
    facts, rows = _Node(), _Seq()
    facts.path, rows.path = path, "facts_list"
    for spec in section.fields if section is not None else ():
        value = stored.get(spec.key)
        if value is None or value == "" or value == []:
            continue
        text = typography.full_width_punctuation(_fact_text(license_id, spec, value))
        facts[spec.key] = text
        row = _Node(label=typography.full_width_punctuation(spec.label.zh), value=text)
        row.path = f"{path}.{spec.key}"
        rows.append(row)
    return facts, rows


def build_context(
    profile: CompanyProfile,
    case: CaseData,
    check_result: Mapping[str, Any],
    *,
    document: Mapping[str, str],
) -> dict[str, Any]:
    """The template context of one document for one case."""
    data = profile.to_contract()
    authority = dict(check_result["authority"])
    context: dict[str, Any] = {
        "company": data.get("company", {}),
        "service": data.get("service", {}),
        "readiness": data.get("readiness", {}),
        "case": case.to_context(),
        "license": {
            "id": check_result["license"],
            "name_zh": check_result["license_name_zh"],
            "name_en": check_result["license_name_en"],
            "ruleset_version": check_result["ruleset_version"],
        },
        "document": dict(document),
    }
    if authority.get("id") != "UNKNOWN":
        context["authority"] = authority
    wrapped = {key: _wrap(value, key) for key, value in context.items()}
    if "authority" not in wrapped:
        wrapped["authority"] = _Node()
        wrapped["authority"].path = "company.province"  # the administration follows from the province
    wrapped["computed"] = _Node(_computed(data))
    wrapped["computed"].path = "computed"
    wrapped["facts"], wrapped["facts_list"] = _facts(check_result["license"], data)
    return wrapped


def _lookup(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _absent(data: Mapping[str, Any], path: str) -> bool:
    value = _lookup(data, path)
    return value is None or value == "" or (isinstance(value, list | tuple | dict) and not value)


def missing_paths(context: Mapping[str, Any], required: tuple[str, ...]) -> list[str]:
    """The required paths that are absent (or empty) in ``context``; derived values name their sources."""
    missing = []
    for path in required:
        root, _, rest = path.partition(".")
        if root == "computed":
            value = context["computed"].get(rest)
            if isinstance(value, _Missing):
                missing.extend(value.sources)
        elif root == "facts":
            if _absent(context, path):
                missing.append(f"{context['facts'].path}.{rest}")  # the profile path, to be filled there
        elif _absent(context, path):
            missing.append(path)
    return list(dict.fromkeys(missing))


# -- the paths a template may use ------------------------------------------------------------------


def _model_paths(model: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}"
        yield path
        yield from _annotation_paths(field.annotation, path)


def _annotation_paths(annotation: Any, path: str) -> Iterator[str]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation)[: 1 if origin is typing.Annotated else None]:
            yield from _annotation_paths(arg, path)
    elif origin in (list, tuple):
        item = f"{path}[]"
        yield item
        for arg in typing.get_args(annotation)[:1]:
            yield from _annotation_paths(arg, item)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _model_paths(annotation, path)


@cache
def known_paths() -> frozenset[str]:
    """Every path a template may read, lists marked ``[]`` (``company.shareholders[].name``)."""
    paths: set[str] = set(ROOTS)
    for root in ("company", "service", "readiness"):
        field = CompanyProfile.model_fields[root]
        paths.update(_annotation_paths(field.annotation, root))
    paths.update(
        p for p in _model_paths(CaseData, "case") if p not in ("case.schema_version", "case.license")
    )
    paths.discard("case.generated_at")
    for root, leaves in _STATIC_TREES.items():
        paths.update(f"{root}.{leaf}" for leaf in leaves)
    paths.update(_fact_paths())
    return frozenset(paths)


def _fact_paths() -> Iterator[str]:
    """``facts.<key>`` for every key of every license's section (an agency template is checked without
    knowing its license; a key the case's license lacks is absent, and named, at render), and the rows."""
    from licensedesk.core.catalog.loader import default_catalog

    catalog = default_catalog()
    for lic in catalog.licenses():
        section = catalog.section(lic.id)
        for spec in section.fields if section is not None else ():
            yield f"facts.{spec.key}"
    yield "facts_list[]"
    yield from (f"facts_list[].{leaf}" for leaf in _FACT_ROW)
