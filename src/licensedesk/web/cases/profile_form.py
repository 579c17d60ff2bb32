"""The company-profile editor: contract JSON ⇄ HTML form fields, as plain Python (no Django).

Why derived, not hand-written: the fields come from the contract's pydantic models
(:mod:`licensedesk.core.profile`) and their names and value labels from ``core/data/labels.yaml``, so
the editor, the CLI and the API cannot drift apart, and a new contract field shows up in the editor.

Input names are the contract paths (``company.shareholders[1].uscc``), so the path of a validation
problem names its input. Values arrive as strings; a value that does not parse (``abc`` in a number
field) is passed on as the string, and the contract validation reports it at its path with the CLI's
own message: the web validates exactly as the CLI does, and the form can be shown again with what was
typed.

Absent means "not known yet", so an empty input leaves its field out. Where the contract tells more
answers apart, so does the form: booleans are yes / no / not known; a field whose ``null`` means
something (no USCC yet, a long-term business license) has a checkbox for it; a list has a "none"
checkbox for an explicit empty list (no pre-approvals is an answer, not knowing is another).

A license's own facts (``extensions.<license-id>``) are inputs too, derived the same way from the
license's section in the catalog (:mod:`licensedesk.core.catalog.sections`): a new license's section
shows up in the editor and the portal with no template of its own. Extension facts the form does not
show (another license's, or keys no catalog section describes) travel in one hidden input
(:data:`KEPT_EXTENSIONS`) so that saving the form never drops them.
"""

from __future__ import annotations

import json
import math
import re
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.catalog.sections import ProfileSection as LicenseSection
from licensedesk.core.labels import enum_labels, field_info
from licensedesk.core.profile import CompanyProfile
from licensedesk.core.provinces import province_by_code
from licensedesk.web.cases.countries import country_codes, country_name

Kind = Literal["text", "textarea", "number", "integer", "date", "bool", "choice", "multi", "strings", "json"]
FormData = Mapping[str, Sequence[str]]

SCHEMA_VERSION = "1"
NULL_SUFFIX = ":null"  # the checkbox meaning the contract's null (long-term, not issued yet …)
NONE_SUFFIX = ":none"  # the checkbox meaning an explicit empty list
ROW_ACTION = "_row"  # the submit buttons that add or remove a row instead of saving
_MISSING: Any = object()
_LAST_SEGMENT = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")
_STRING_LIST_SEPARATORS = re.compile(r"[;；\n]")
COUNTRY_PATHS = frozenset({"company.shareholders[].jurisdiction"})  # ISO 3166-1 alpha-2 in the contract
EXTENSIONS = "extensions"
#: hidden input: the extension facts not shown on the form, as JSON, put back when the form is read
KEPT_EXTENSIONS = "extensions:kept"
SECTION_ENUM = "section:"  # a choice of a license's section: ``section:<license-id>:<key>``
_SECTION_KINDS: dict[str, Kind] = {
    "text": "text", "textarea": "textarea", "integer": "integer", "number": "number", "boolean": "bool",
    "date": "date", "choice": "choice", "choices": "multi",
}  # fmt: skip


# -- the shape, from the contract ---------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One input: ``path`` is the contract path with ``[]`` for list items."""

    key: str
    path: str
    kind: Kind
    required: bool = False
    nullable: bool = False
    choices: tuple[str, ...] = ()
    enum: str = ""


@dataclass(frozen=True)
class GroupSpec:
    """A nested object (``repeated``: a list of them, edited as rows)."""

    key: str
    path: str
    children: tuple[FieldSpec | GroupSpec, ...]
    repeated: bool = False
    required: bool = False


Spec = FieldSpec | GroupSpec


def _without_none(annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _field_spec(key: str, path: str, annotation: Any, required: bool) -> Spec:
    annotation, nullable = _without_none(annotation)
    info = field_info(path)
    origin = get_origin(annotation)
    if _is_model(annotation):
        return GroupSpec(key, path, _model_specs(annotation, path), required=required)
    if origin is list:
        (item,) = get_args(annotation)
        if _is_model(item):
            return GroupSpec(key, path, _model_specs(item, path + "[]"), repeated=True, required=required)
        if get_origin(item) is Literal:
            return FieldSpec(key, path, "multi", required, nullable, get_args(item), info.get("enum", ""))
        return FieldSpec(key, path, "strings", required, nullable)
    if origin is Literal:
        choices = get_args(annotation)
        if info.get("enum") == "province":  # GB/T 2260's administrative order, not ISO code order
            choices = tuple(sorted(choices, key=_province_order))
        return FieldSpec(key, path, "choice", required, nullable, choices, info.get("enum", ""))
    if path in COUNTRY_PATHS:  # picked by name (「美国」), stored as the contract's alpha-2 code
        return FieldSpec(key, path, "choice", required, nullable, country_codes(), "country")
    kinds: dict[Any, Kind] = {bool: "bool", int: "integer", float: "number", date: "date"}
    if annotation in kinds:
        return FieldSpec(key, path, kinds[annotation], required, nullable)
    if origin is dict or annotation is dict:
        return FieldSpec(key, path, "json", required, nullable)
    kind: Kind = "textarea" if info.get("widget") == "textarea" else "text"
    return FieldSpec(key, path, kind, required, nullable)


def _province_order(code: str) -> tuple[str, str]:
    try:
        return province_by_code(code).gb2260, code
    except KeyError:
        return "99", code


def _model_specs(model: type[BaseModel], prefix: str) -> tuple[Spec, ...]:
    return tuple(
        _field_spec(key, f"{prefix}.{key}" if prefix else key, info.annotation, info.is_required())
        for key, info in model.model_fields.items()
    )


def _license_group(license_id: str, section: LicenseSection) -> GroupSpec:
    base = f"{EXTENSIONS}.{license_id}"
    children = tuple(
        FieldSpec(
            f.key,
            f"{base}.{f.key}",
            _SECTION_KINDS[f.type],
            choices=tuple(c.value for c in f.choices),
            enum=f"{SECTION_ENUM}{license_id}:{f.key}" if f.choices else "",
        )
        for f in section.fields
    )
    return GroupSpec(license_id, base, children)


def extension_specs(licenses: Sequence[str] | None = None) -> GroupSpec | None:
    """The license sections as one group (``extensions``), in catalog order: every license that has a
    section, or only those of ``licenses``; None when there is none to show."""
    catalog = default_catalog()
    groups = []
    for lic in catalog.licenses():
        section = catalog.section(lic.id)
        if section is not None and (licenses is None or lic.id in licenses):
            groups.append(_license_group(lic.id, section))
    return GroupSpec(EXTENSIONS, EXTENSIONS, tuple(groups)) if groups else None


def profile_specs(licenses: Sequence[str] | None = None) -> tuple[Spec, ...]:
    """The editable parts of the profile, in contract order (``schema_version`` is fixed), the license
    sections (all, or those of ``licenses``) last."""
    specs = [s for s in _model_specs(CompanyProfile, "") if s.key not in ("schema_version", EXTENSIONS)]
    extensions = extension_specs(licenses)
    return tuple([*specs, extensions] if extensions else specs)


def _kept_extensions(profile: Mapping[str, Any], specs: Sequence[Spec]) -> dict[str, Any]:
    """The extension facts ``specs`` show no input for."""
    stored = profile.get(EXTENSIONS)
    if not isinstance(stored, Mapping):
        return {}
    shown = next((s for s in specs if s.key == EXTENSIONS), None)
    keys = {g.key for g in shown.children} if isinstance(shown, GroupSpec) else set()
    return {k: v for k, v in stored.items() if k not in keys}


# -- profile → form data ------------------------------------------------------------------------------


def _name(prefix: str, key: str) -> str:
    """The input name of ``key`` inside the object named ``prefix`` (names are concrete paths)."""
    return f"{prefix}.{key}" if prefix else key


def _number_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _field_to_form(spec: FieldSpec, name: str, value: Any, out: dict[str, list[str]]) -> None:
    if value is None:
        out[name + NULL_SUFFIX] = ["1"]
    elif spec.kind == "bool" and isinstance(value, bool):
        out[name] = ["true" if value else "false"]
    elif spec.kind in ("number", "integer"):
        out[name] = [_number_text(value)]
    elif spec.kind == "multi" and isinstance(value, list):
        if value:
            out[name] = [str(v) for v in value]
        else:
            out[name + NONE_SUFFIX] = ["1"]
    elif spec.kind == "strings" and isinstance(value, list):
        out[name] = ["; ".join(str(v) for v in value)]
    elif spec.kind == "json" and not isinstance(value, str):
        out[name] = [json.dumps(value, ensure_ascii=False, indent=2)]
    else:
        out[name] = [str(value)]


def _to_form(specs: Sequence[Spec], obj: Mapping[str, Any], prefix: str, out: dict[str, list[str]]) -> None:
    for spec in specs:
        if spec.key not in obj:
            continue
        value, name = obj[spec.key], _name(prefix, spec.key)
        if isinstance(spec, FieldSpec):
            _field_to_form(spec, name, value, out)
        elif spec.repeated and isinstance(value, list):
            if not value:
                out[name + NONE_SUFFIX] = ["1"]
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    _to_form(spec.children, item, f"{name}[{index}]", out)
        elif isinstance(value, Mapping):
            _to_form(spec.children, value, name, out)


def profile_to_form(
    profile: Mapping[str, Any], licenses: Sequence[str] | None = None
) -> dict[str, list[str]]:
    """The form data (input name → values) that shows ``profile`` (with the sections of ``licenses``
    only, if given: the other extension facts go into :data:`KEPT_EXTENSIONS`)."""
    out: dict[str, list[str]] = {"schema_version": [str(profile.get("schema_version", SCHEMA_VERSION))]}
    specs = profile_specs(licenses)
    _to_form(specs, profile, "", out)
    kept = _kept_extensions(profile, specs)
    if kept:
        out[KEPT_EXTENSIONS] = [json.dumps(kept, ensure_ascii=False, sort_keys=True)]
    if isinstance(profile.get(EXTENSIONS), str):  # a value the contract refuses: shown so it can be fixed
        out[KEPT_EXTENSIONS] = [str(profile[EXTENSIONS])]
    return out


# -- form data → profile ------------------------------------------------------------------------------


def _parse_number(text: str, *, integer: bool) -> Any:
    cleaned = re.sub(r"[\s,，_]", "", text)
    if re.fullmatch(r"[+-]?\d+", cleaned):
        return int(cleaned)
    try:
        number = float(cleaned)
    except ValueError:
        return text  # the contract says what is wrong with it, at this field's path
    if not math.isfinite(number):
        return text
    return int(number) if integer and number.is_integer() else number


def _field_from_form(spec: FieldSpec, name: str, data: FormData) -> Any:
    values = [v for v in data.get(name, ()) if isinstance(v, str)]
    if spec.kind == "multi":
        chosen = [v for v in values if v.strip()]
        if chosen:
            return chosen
        return [] if _checked(data, name + NONE_SUFFIX) else _MISSING
    text = values[0] if values else ""
    if not text.strip():
        return None if spec.nullable and _checked(data, name + NULL_SUFFIX) else _MISSING
    if spec.kind == "bool":
        return {"true": True, "false": False}.get(text, text)
    if spec.kind in ("number", "integer"):
        return _parse_number(text, integer=spec.kind == "integer")
    if spec.kind == "strings":
        items = [item.strip() for item in _STRING_LIST_SEPARATORS.split(text)]
        return [item for item in items if item] or _MISSING
    if spec.kind == "json":
        try:
            return json.loads(text)
        except ValueError:
            return text
    if spec.kind == "textarea":
        return text.replace("\r\n", "\n")
    return text


def _restore_kept(profile: dict[str, Any], data: FormData) -> None:
    """Put the extension facts the form did not show back (a fact shown on the form wins)."""
    text = next((v for v in data.get(KEPT_EXTENSIONS, ()) if isinstance(v, str) and v.strip()), "")
    if not text:
        return
    try:
        kept = json.loads(text)
    except ValueError:
        kept = None
    if not isinstance(kept, dict):
        profile[EXTENSIONS] = text  # the contract validation names it at ``extensions``
        return
    shown = profile.get(EXTENSIONS) if isinstance(profile.get(EXTENSIONS), dict) else {}
    profile[EXTENSIONS] = {**kept, **shown}


def _checked(data: FormData, name: str) -> bool:
    return any(v for v in data.get(name, ()))


def _row_indexes(name: str, data: FormData) -> list[int]:
    pattern = re.compile(re.escape(name) + r"\[(\d+)\]")
    return sorted({int(m.group(1)) for key in data if (m := pattern.match(key))})


def _from_form(specs: Sequence[Spec], prefix: str, data: FormData, blank_rows: dict[str, int]) -> dict:
    obj: dict[str, Any] = {}
    for spec in specs:
        name = _name(prefix, spec.key)
        if isinstance(spec, FieldSpec):
            value = _field_from_form(spec, name, data)
        elif spec.repeated:
            rows = []
            for index in _row_indexes(name, data):
                row = _from_form(spec.children, f"{name}[{index}]", data, blank_rows)
                if row:
                    rows.append(row)
                else:
                    blank_rows[name] = blank_rows.get(name, 0) + 1
            value = rows if rows else ([] if _checked(data, name + NONE_SUFFIX) else _MISSING)
        else:
            value = _from_form(spec.children, name, data, blank_rows) or _MISSING
        if value is not _MISSING:
            obj[spec.key] = value
    return obj


@dataclass(frozen=True)
class ParsedForm:
    """What a submitted editor holds: the profile (to validate and save, or to show again), the
    blank rows to show again, and the row button pressed (``add:<list>`` / ``remove:<row>``), if any."""

    profile: dict[str, Any]
    blank_rows: dict[str, int] = field(default_factory=dict)
    row_action: str = ""


def form_to_profile(data: FormData) -> ParsedForm:
    """Read submitted form data. Never fails: what does not parse is kept as text for the contract
    validation to name. A "remove row" button drops that row before reading; "add row" asks for one
    more blank row on the next rendering."""
    action = next((v for v in data.get(ROW_ACTION, ()) if v), "")
    if action.startswith("remove:"):
        row = action.removeprefix("remove:")
        data = {k: v for k, v in data.items() if not (k == row or k.startswith((row + ".", row + ":")))}
    blank_rows: dict[str, int] = {}
    versions = [v for v in data.get("schema_version", ()) if v]
    profile = {"schema_version": versions[0] if versions else SCHEMA_VERSION}
    profile.update(_from_form(profile_specs(), "", data, blank_rows))
    _restore_kept(profile, data)
    if action.startswith("add:"):
        target = action.removeprefix("add:")
        blank_rows[target] = blank_rows.get(target, 0) + 1
    return ParsedForm(profile=profile, blank_rows=blank_rows, row_action=action)


# -- the form to render -------------------------------------------------------------------------------


def choice_label(enum: str, value: str, lang: str) -> str:
    """The label of one value of a choice field (``enum`` names its labels table)."""
    if enum == "province":
        try:
            found = province_by_code(value)
        except KeyError:
            return value
        return found.name_zh if lang == "zh" else found.name_en
    if enum == "country":
        return country_name(value, lang)
    if enum.startswith(SECTION_ENUM):
        license_id, _, key = enum.removeprefix(SECTION_ENUM).partition(":")
        section = default_catalog().section(license_id)
        return section.field(key).label_of(value, lang) if section is not None else value
    entry = enum_labels(enum).get(value) if enum else None
    return entry[lang] if entry else value


def _choices(spec: FieldSpec, current: str, lang: str) -> list[tuple[str, str]]:
    """The options of a select; a stored value the list does not hold stays offered (and selected), so
    saving the form does not silently drop it."""
    choices = [(c, choice_label(spec.enum, c, lang)) for c in spec.choices]
    if current and current not in spec.choices:
        choices.insert(0, (current, current))
    return choices


def problem_text(message: str, lang: str) -> str:
    """The contract's messages read ``English / 中文``: the part in ``lang``."""
    english, sep, chinese = message.rpartition(" / ")
    if not sep:
        return message
    return chinese if lang == "zh" else english


def _dom_id(name: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")


@dataclass
class BoundField:
    spec: FieldSpec
    name: str
    label: str
    hint: str
    null_label: str
    value: str
    values: tuple[str, ...]
    null_checked: bool
    none_checked: bool
    choices: list[tuple[str, str]]
    errors: list[str] = field(default_factory=list)
    autofocus: bool = False  # the first input of a row just added: the page opens there

    kind = property(lambda self: self.spec.kind)
    required = property(lambda self: self.spec.required)
    id = property(lambda self: _dom_id(self.name))
    is_group = False
    is_rows = False

    @property
    def shown(self) -> bool:
        """Has an answer (a value, its null meaning or an explicit empty list)."""
        return bool(self.value.strip() or self.values or self.null_checked or self.none_checked)

    @property
    def display(self) -> str:
        """The answer as text for summaries (booleans are left to the template's words)."""
        if self.kind == "multi":
            labels = dict(self.choices)
            return "、".join(labels.get(v, v) for v in self.values)
        if self.kind == "choice":
            return dict(self.choices).get(self.value, self.value)
        return self.value


@dataclass
class BoundGroup:
    spec: GroupSpec
    name: str
    label: str
    items: list[BoundField | BoundGroup | BoundRows]
    errors: list[str] = field(default_factory=list)
    index: int | None = None  # the row number, for a row of a list
    hint: str = ""  # what the group is about (a license section's help)

    is_group = True
    is_rows = False
    id = property(lambda self: _dom_id(self.name))

    @property
    def shown(self) -> bool:
        return any(item.shown for item in self.items)

    @property
    def is_license_section(self) -> bool:
        """A license's own facts (``extensions.<license-id>``): a summary of top-level facts shows them
        too, since they are what that license is judged on."""
        return self.name.startswith(f"{EXTENSIONS}.") and self.name.count(".") == 1


@dataclass
class BoundRows:
    spec: GroupSpec
    name: str
    label: str
    rows: list[BoundGroup]
    none_checked: bool
    errors: list[str] = field(default_factory=list)

    is_group = False
    is_rows = True
    id = property(lambda self: _dom_id(self.name))

    @property
    def shown(self) -> bool:
        return self.none_checked or any(row.shown for row in self.rows)

    @property
    def filled_rows(self) -> list[BoundGroup]:
        return [row for row in self.rows if row.shown]


@dataclass
class ProfileForm:
    """What the editor template renders: sections of bound fields with their errors."""

    sections: list[BoundGroup]
    errors: list[str]  # problems that name no input
    data: dict[str, list[str]]
    #: the hidden input's value: extension facts the form does not show (JSON), "" when there are none
    kept_extensions: str = ""
    _index: dict[str, BoundField | BoundGroup | BoundRows] = field(default_factory=dict, repr=False)

    def field(self, name: str) -> BoundField | BoundGroup | BoundRows:
        return self._index[name]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(_has_errors(section) for section in self.sections)


def _has_errors(item: BoundField | BoundGroup | BoundRows) -> bool:
    if item.errors:
        return True
    if isinstance(item, BoundGroup):
        return any(_has_errors(child) for child in item.items)
    if isinstance(item, BoundRows):
        return any(_has_errors(row) for row in item.rows)
    return False


class _Binder:
    def __init__(self, data: FormData, lang: str, blank_rows: Mapping[str, int]) -> None:
        self.data, self.lang, self.blank_rows = data, lang, blank_rows
        self.index: dict[str, BoundField | BoundGroup | BoundRows] = {}

    def _text(self, path: str, key: str = "") -> str:
        entry = field_info(path)
        entry = entry.get(key, {}) if key else entry
        return entry.get(self.lang, "") if isinstance(entry, dict) else ""

    def field(self, spec: FieldSpec, name: str) -> BoundField:
        values = tuple(v for v in self.data.get(name, ()) if isinstance(v, str))
        bound = BoundField(
            spec=spec,
            name=name,
            label=self._text(spec.path) or spec.key,
            hint=self._text(spec.path, "hint"),
            null_label=self._text(spec.path, "null_means"),
            value=values[0] if values and spec.kind != "multi" else "",
            values=values if spec.kind == "multi" else (),
            null_checked=_checked(self.data, name + NULL_SUFFIX),
            none_checked=_checked(self.data, name + NONE_SUFFIX),
            choices=_choices(spec, values[0] if values and spec.kind == "choice" else "", self.lang),
        )
        self.index[name] = bound
        return bound

    def items(self, specs: Sequence[Spec], prefix: str) -> list[BoundField | BoundGroup | BoundRows]:
        out: list[BoundField | BoundGroup | BoundRows] = []
        for spec in specs:
            name = _name(prefix, spec.key)
            if isinstance(spec, FieldSpec):
                out.append(self.field(spec, name))
            elif spec.repeated:
                out.append(self.rows(spec, name))
            else:
                out.append(self.group(spec, name))
        return out

    def group(self, spec: GroupSpec, name: str, index: int | None = None) -> BoundGroup:
        label = self._text(spec.path) or spec.key
        group = BoundGroup(
            spec,
            name,
            label,
            self.items(spec.children, name),
            index=index,
            hint=self._text(spec.path, "hint"),
        )
        self.index[name] = group
        return group

    def rows(self, spec: GroupSpec, name: str) -> BoundRows:
        indexes = _row_indexes(name, self.data)
        count = (max(indexes) + 1 if indexes else 0) + self.blank_rows.get(name, 0)
        rows = [self.group(spec, f"{name}[{i}]", index=i) for i in range(count)]
        bound = BoundRows(
            spec, name, self._text(spec.path) or spec.key, rows, _checked(self.data, name + NONE_SUFFIX)
        )
        self.index[name] = bound
        return bound


def _owner(path: str, index: Mapping[str, Any]) -> str:
    """The input (or group, or row) a problem path belongs to: the path itself, else its nearest parent
    that is an input (``service.activities[2]`` → ``service.activities``); "" if none is."""
    while path:
        if path in index:
            return path
        shorter = _LAST_SEGMENT.sub("", path)
        if shorter == path:
            return ""
        path = shorter
    return ""


def build_form(
    profile: Mapping[str, Any],
    *,
    lang: str,
    problems: Sequence[Mapping[str, Any]] = (),
    blank_rows: Mapping[str, int] | None = None,
    row_action: str = "",
    licenses: Sequence[str] | None = None,
) -> ProfileForm:
    """The editor showing ``profile`` in ``lang`` ('zh' or 'en'), each problem (``{"path", "message"}``,
    as ``company_profile_update`` reports them) next to its input, and ``blank_rows`` empty rows
    appended to the lists they name. After ``row_action`` ``add:<list>`` the new (last) row's first
    input has ``autofocus``: the user stays at the row they added, not at the top of a long form.
    ``licenses``: show the sections of these licenses only (default: every license's section)."""
    if licenses is not None:  # a license whose facts are already there is shown, never hidden away
        stored = profile.get(EXTENSIONS)
        licenses = [*licenses, *(stored if isinstance(stored, Mapping) else ())]
    data = profile_to_form(profile, licenses)
    binder = _Binder(data, lang, blank_rows or {})
    sections: list[BoundGroup] = []
    loose: list[BoundField | BoundGroup | BoundRows] = []
    specs = profile_specs(licenses)
    for item, spec in zip(binder.items(specs, ""), specs, strict=True):
        if isinstance(item, BoundGroup) and not spec_is_repeated(spec):
            sections.append(item)
        else:
            loose.append(item)
    if loose:  # top-level fields outside company/service/readiness (extensions)
        other = GroupSpec("other", "", ())
        sections.append(BoundGroup(other, "", "", loose))
    kept = data.get(KEPT_EXTENSIONS, [""])[0]
    form = ProfileForm(sections=sections, errors=[], data=data, kept_extensions=kept, _index=binder.index)
    _focus_new_row(
        binder.index.get(row_action.removeprefix("add:")) if row_action.startswith("add:") else None
    )
    for problem in problems:
        text = problem_text(str(problem.get("message", "")), lang)
        owner = _owner(str(problem.get("path", "")), binder.index)
        if owner and problem_text(str(problem.get("message", "")), "zh") == _REQUIRED_ZH:
            text = _required_text(binder.index[owner], lang)
        (binder.index[owner].errors if owner else form.errors).append(text)
    return form


def _focus_new_row(rows: Any) -> None:
    if not isinstance(rows, BoundRows) or not rows.rows:
        return
    pending: list[Any] = list(rows.rows[-1].items)
    while pending:  # depth first, in page order
        item = pending.pop(0)
        if isinstance(item, BoundField):
            item.autofocus = True
            return
        pending[:0] = item.items if isinstance(item, BoundGroup) else []


_REQUIRED_ZH = "缺少必填字段"  # core.profile's text for pydantic's "missing"


def _required_text(owner: BoundField | BoundGroup | BoundRows, lang: str) -> str:
    """「请填写“姓名”」 rather than 「缺少必填字段」: the message is read in a list of errors, or by a
    screen reader away from the label, and must say which field it is about."""
    label = getattr(owner, "label", "")
    if not label:
        return "缺少必填字段" if lang == "zh" else "Field required"
    return f"请填写“{label}”" if lang == "zh" else f"Please fill in “{label}”"


def spec_is_repeated(spec: Spec) -> bool:
    return isinstance(spec, GroupSpec) and spec.repeated


__all__ = [
    "KEPT_EXTENSIONS",
    "NONE_SUFFIX",
    "NULL_SUFFIX",
    "ROW_ACTION",
    "BoundField",
    "BoundGroup",
    "BoundRows",
    "FieldSpec",
    "GroupSpec",
    "ParsedForm",
    "ProfileForm",
    "build_form",
    "choice_label",
    "form_to_profile",
    "problem_text",
    "profile_specs",
    "profile_to_form",
]
