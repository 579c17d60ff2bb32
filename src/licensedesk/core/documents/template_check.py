"""Checking a DOCX template before it is used: an agency's own version of a document is accepted only
if every placeholder and filter in it is one licensedesk knows.

Why check paths and not only names: ``get_undeclared_template_variables`` (docxtpl) reports the top-level
names a template reads (``company``), which catches ``{{ compnay.name }}`` but not ``{{ company.nmae }}``;
the walk over Jinja's syntax tree here resolves loop variables (``{% for s in company.shareholders %}
{{ s.name }}`` reads ``company.shareholders[].name``) and checks every dotted path against
:func:`~licensedesk.core.documents.context.known_paths`. Refusals name the unknown placeholders.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError, nodes
from jinja2.exceptions import TemplateAssertionError

from licensedesk.core.documents.context import ROOTS, environment, known_paths
from licensedesk.core.documents.errors import TemplateInvalid

_LOOP_NAMES = {"loop", "range", "true", "false", "none", "True", "False", "None"}


@dataclass(frozen=True, slots=True)
class TemplateReport:
    """What a valid template reads: its top-level names and its dotted paths."""

    names: frozenset[str]
    paths: frozenset[str]


def _expr_path(node: nodes.Node, scope: dict[str, str]) -> str | None:
    if isinstance(node, nodes.Name):
        return scope.get(node.name, node.name)
    if isinstance(node, nodes.Getattr):
        parent = _expr_path(node.node, scope)
        return f"{parent}.{node.attr}" if parent else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        parent = _expr_path(node.node, scope)
        if parent is None:
            return None
        return f"{parent}[]" if isinstance(node.arg.value, int) else f"{parent}.{node.arg.value}"
    return None


def _paths(node: nodes.Node, scope: dict[str, str]) -> Iterator[tuple[str, int]]:
    if isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem):
        path = _expr_path(node, scope)
        if path is not None:
            yield path, node.lineno
            return
    if isinstance(node, nodes.For):
        yield from _paths(node.iter, scope)
        inner = dict(scope)
        iterated = _expr_path(node.iter, scope)
        targets = (
            [node.target] if isinstance(node.target, nodes.Name) else list(node.target.find_all(nodes.Name))
        )
        for target in targets:
            inner[target.name] = f"{iterated}[]" if iterated else target.name
        for child in [*node.body, *node.else_, *([node.test] if node.test else [])]:
            yield from _paths(child, inner)
        return
    if isinstance(node, nodes.Assign | nodes.With | nodes.Macro):
        raise TemplateInvalid(
            f"line {node.lineno}: set, with and macro are not allowed in document templates",
            code="documents.template_construct",
            message_zh=f"第 {node.lineno} 行：文件模板中不允许使用 set、with 或 macro",
            details={"line": node.lineno},
        )
    for child in node.iter_child_nodes():
        yield from _paths(child, scope)


def check_template(data: bytes, *, name: str = "template") -> TemplateReport:
    """Validate a DOCX template; raise :class:`TemplateInvalid` naming what is wrong.

    Refused: a file that is not a DOCX, Jinja syntax errors (with the line in the document XML),
    unknown filters, top-level names outside the context (``get_undeclared_template_variables``) and
    dotted paths the context does not have."""
    try:
        template = DocxTemplate(io.BytesIO(data))
        template.init_docx()
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TemplateInvalid(
            f"{name}: not a DOCX file ({exc})",
            code="documents.template_not_docx",
            message_zh=f"{name}：不是 DOCX 文件",
            details={"file": name},
        ) from None
    env = environment()
    try:
        names = template.get_undeclared_template_variables(jinja_env=env)
        xml = template.patch_xml(template.get_xml())
        for uri in (template.HEADER_URI, template.FOOTER_URI):
            for _, xml_part in template.get_headers_footers(uri):
                xml += template.patch_xml(template.get_part_xml(xml_part))
        tree = env.parse(xml)
        env.compile(tree)  # unknown filters are refused here
    except TemplateSyntaxError as exc:
        text = exc.message or str(exc)
        if isinstance(exc, TemplateAssertionError) and text.startswith("No filter named"):
            unknown_filter = text.split("'")[1] if "'" in text else text
            raise TemplateInvalid(
                f"{name}: unknown filter {unknown_filter}",
                code="documents.template_unknown_filter",
                message_zh=f"{name}：未知的过滤器 {unknown_filter}",
                details={"file": name, "unknown": [unknown_filter]},
            ) from None
        raise TemplateInvalid(
            f"{name}: template syntax error: {text}",
            code="documents.template_syntax",
            message_zh=f"{name}：模板语法错误：{text}",
            details={"file": name, "error": text},
        ) from None
    unknown_names = sorted(set(names) - set(ROOTS) - _LOOP_NAMES)
    known = known_paths()
    paths = {path for path, _ in _paths(tree, {})}
    unknown_paths = sorted(
        p
        for p in paths
        if p.split(".")[0].split("[")[0] in ROOTS and p not in known and p.split(".")[0] != "loop"
    )
    unknown = unknown_names + [p for p in unknown_paths if p not in unknown_names]
    if unknown:
        listed = ", ".join(unknown)
        raise TemplateInvalid(
            f"{name}: unknown placeholders: {listed}",
            code="documents.template_unknown_placeholder",
            message_zh=f"{name}：模板中有未知的占位符：{listed}",
            details={"file": name, "unknown": unknown},
        )
    return TemplateReport(
        names=frozenset(n for n in names if n in ROOTS),
        paths=frozenset(p for p in paths if p.split(".")[0].split("[")[0] in ROOTS),
    )
