"""Checking a DOCX template before it is used: an agency's own version of a document is accepted only
if everything in it is a placeholder, a filter or a construct licensedesk knows to be harmless.

Why an allow-list over Jinja's syntax tree: a document template is code the server runs, uploaded by
an agency admin. Checking only what looks like a placeholder (names rooted in the context) let
``''.__class__.__mro__[1].__subclasses__()`` and ``cycler.__init__.__globals__`` through, which run
commands on the server. So every node of the parsed template must be one of:

- a placeholder path known to the context (:func:`~licensedesk.core.documents.context.known_paths`),
  a loop variable bound to a known list (``{% for s in company.shareholders %}`` makes ``s.name`` read
  ``company.shareholders[].name``) or ``loop.index``-style loop counters;
- a document filter (:data:`~licensedesk.core.documents.context.FILTERS`) on such a value, with
  constant arguments the filter accepts;
- a constant printed, compared or passed to a filter; comparisons, ``and`` / ``or`` / ``not``,
  ``a if b else c``, ``~``; arithmetic on small numbers and loop counters (docxtpl's ``{% hm %}``
  emits ``{{ 2 * loop.length }}``);
- the statements ``if`` / ``elif`` / ``else`` and ``for`` (over a known list), which is also all that
  docxtpl's own tags (``{%p``, ``{%tr``, ``{%tc``, ``{%r``, ``{{r``, ``vm``, ``hm``, ``colspan``,
  ``cellbg``) become once patched.

Everything else is refused by name with the place it is in: calls, ``_``-prefixed names, attributes
and keys, attribute or item access on a literal or a computed value, computed keys, Jinja's own
filters (``attr``, ``format`` …), tests (``is …``), globals (``range``, ``cycler``, ``joiner``,
``namespace``, ``lipsum``, ``dict``, ``self``, ``request``, ``config`` …), ``%`` string formatting,
``**``, list and dict literals outside an ``in`` comparison, and the statements ``set``, ``with``,
``macro``, ``call``, ``filter``, ``block``, ``extends``, ``include``, ``import``, ``from``,
``autoescape``. Unknown placeholders and unknown filters keep their own codes.

The check reads exactly what rendering compiles: the body, headers, footers, footnotes and the core
properties docxtpl renders (title, subject, author …), each patched by docxtpl as for rendering. Line
numbers are those of the patched XML with one paragraph a line, as in docxtpl's own errors. Rendering
happens in a sandbox (:func:`~licensedesk.core.documents.context.environment`) in any case.
"""

from __future__ import annotations

import inspect
import io
import re
import zipfile
from dataclasses import dataclass, field
from functools import cache

import jinja2.filters
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError, nodes
from jinja2.exceptions import TemplateAssertionError

from licensedesk.core.documents.context import FILTERS, ROOTS, TESTS, environment, known_paths
from licensedesk.core.documents.errors import TemplateInvalid

# The core properties docxtpl renders as templates (DocxTemplate.render_properties).
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"

# loop.* attributes a template may read: counters and flags (previtem/nextitem, cycle and changed are not)
LOOP_ATTRIBUTES = frozenset({"index", "index0", "revindex", "revindex0", "first", "last", "length"})
# Names refused by name, with what they are: Jinja's globals and what other template engines expose.
FORBIDDEN_NAMES = frozenset(
    {"range", "cycler", "joiner", "namespace", "lipsum", "dict", "self", "caller", "varargs", "kwargs"}
    | {"request", "config", "settings", "session", "g", "url_for", "get_flashed_messages", "os", "sys"}
)
_MAX_NUMBER = 1_000_000
_STATEMENTS: dict[type[nodes.Node], str] = {
    nodes.Assign: "set",
    nodes.AssignBlock: "set",
    nodes.With: "with",
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.FilterBlock: "filter",
    nodes.Block: "block",
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from … import",
    nodes.ExprStmt: "do",
    nodes.Scope: "scope",
    nodes.ScopedEvalContextModifier: "autoescape",
    nodes.EvalContextModifier: "autoescape",
    nodes.Continue: "continue",
    nodes.Break: "break",
}
_ARITHMETIC = (nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod)

# What each kind of refusal is called (English, Chinese); {x} is the construct as written.
_KINDS: dict[str, tuple[str, str]] = {
    "statement": ("the {{% {x} %}} statement", "{{% {x} %}} 语句"),
    "call": ("calling {x}", "调用 {x}"),
    "internal": ("the internal name {x} (starting with _)", "内部名称 {x}（以 _ 开头）"),
    "literal_access": ("attribute or item access on a literal: {x}", "对字面量取属性或下标：{x}"),
    "value_access": ("attribute or item access on a computed value: {x}", "对计算结果取属性或下标：{x}"),
    "computed_key": ("item access with a computed key: {x}", "用计算得出的键取下标：{x}"),
    "name": ("the name {x}", "名称 {x}"),
    "filter": ("the Jinja filter {x} (only document filters)", "Jinja 过滤器 {x}（只能用文件过滤器）"),
    "filter_arguments": ("these arguments to the filter {x}", "过滤器 {x} 的这些参数"),
    "filter_on_literal": ("a filter on a literal: {x}", "对字面量使用过滤器：{x}"),
    "test": ("the test is {x}", "测试 is {x}"),
    "operator": ("the operator {x}", "运算符 {x}"),
    "string_format": ("string formatting with %: {x}", "用 % 格式化字符串：{x}"),
    "arithmetic": ("arithmetic on {x} (only on numbers)", "对 {x} 做运算（只能对数字）"),
    "number": ("the number {x} (too large)", "数字 {x}（过大）"),
    "literal": ("the literal {x}", "字面量 {x}"),
    "loop": ("{x} (loop has index, first, last, length …)", "{x}（loop 只有 index、first、last、length 等）"),
    "loop_target": ("the loop {x} (only over a list of the data)", "循环 {x}（只能循环数据中的列表）"),
    "expression": ("the expression {x}", "表达式 {x}"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TemplateReport:
    """What a valid template reads: its top-level names and its dotted paths."""

    names: frozenset[str]
    paths: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Part:
    """Where in the DOCX a template source comes from, to say where a refused construct is."""

    en: str
    zh: str
    numbered: bool = True

    def at(self, line: int) -> tuple[str, str]:
        if not self.numbered:
            return self.en, self.zh
        prefix_en, prefix_zh = (f"{self.en}, " if self.en else ""), self.zh
        return f"{prefix_en}line {line}", f"{prefix_zh}第 {line} 行"


@dataclass(frozen=True, slots=True)
class _Problem:
    where_en: str
    where_zh: str
    line: int
    kind: str
    construct: str

    @property
    def en(self) -> str:
        return f"{self.where_en}: {_KINDS[self.kind][0].format(x=self.construct)}"

    @property
    def zh(self) -> str:
        return f"{self.where_zh}：{_KINDS[self.kind][1].format(x=self.construct)}"


# What an expression is, for the node above it: a placeholder path, the loop object, a number (constant,
# loop counter or arithmetic on them), another constant, another harmless value, or refused already.
_PATH, _LOOP, _NUMBER, _CONST, _VALUE, _BAD = "path", "loop", "number", "const", "value", "bad"
_LOOP_VARIABLE = "\0loop"  # scope marker of the ``loop`` object inside a for


def _text(node: nodes.Node) -> str:
    """The construct as written (near enough), to name it in a refusal."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Const):
        return repr(node.value)
    if isinstance(node, nodes.Getattr):
        return f"{_text(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{_text(node.node)}[{_text(node.arg)}]"
    if isinstance(node, nodes.Slice):
        return ":".join(_text(n) if n is not None else "" for n in (node.start, node.stop))
    if isinstance(node, nodes.Call):
        return f"{_text(node.node)}(…)"
    if isinstance(node, nodes.Filter):
        return f"{_text(node.node) if node.node is not None else ''}|{node.name}"
    if isinstance(node, nodes.Test):
        return f"{_text(node.node)} is {node.name}"
    if isinstance(node, nodes.Concat):
        return " ~ ".join(_text(n) for n in node.nodes)
    if isinstance(node, nodes.BinExpr):
        return f"{_text(node.left)} {node.operator} {_text(node.right)}"
    if isinstance(node, nodes.UnaryExpr):
        return f"{node.operator}{_text(node.node)}"
    if isinstance(node, nodes.List):
        return "[…]"
    if isinstance(node, nodes.Tuple):
        return "(…)"
    if isinstance(node, nodes.Dict):
        return "{…}"
    return "…"


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@cache
def _filter_accepts(name: str, count: int) -> bool:
    """Whether the document filter ``name`` takes ``count`` arguments after the value."""
    try:
        inspect.signature(FILTERS[name]).bind(None, *([None] * count))
    except TypeError:
        return False
    return True


@dataclass
class _Walk:
    """One pass over a template's syntax trees, collecting what is refused, unknown and read."""

    known: frozenset[str]
    problems: list[_Problem] = field(default_factory=list)
    unknown_names: set[str] = field(default_factory=set)
    unknown_paths: set[str] = field(default_factory=set)
    unknown_filters: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    paths: set[str] = field(default_factory=set)
    part: _Part = field(default_factory=lambda: _Part("", ""))

    def refuse(self, node: nodes.Node, kind: str, construct: str | None = None) -> str:
        where_en, where_zh = self.part.at(node.lineno)
        text = _shorten(construct if construct is not None else _text(node))
        problem = _Problem(where_en, where_zh, node.lineno, kind, text)
        if problem not in self.problems:
            self.problems.append(problem)
        return _BAD

    # -- statements -----------------------------------------------------------------------------------

    def statements(self, body: list[nodes.Node], scope: dict[str, str | None]) -> None:
        for node in body:
            self.statement(node, scope)

    def statement(self, node: nodes.Node, scope: dict[str, str | None]) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    self.value(child, scope)
        elif isinstance(node, nodes.If):
            self.value(node.test, scope)
            self.statements(node.body, scope)
            self.statements(list(node.elif_), scope)
            self.statements(node.else_, scope)
        elif isinstance(node, nodes.For):
            self.loop(node, scope)
        elif type(node) in _STATEMENTS:
            # refused whole: what is inside a refused statement does not matter
            self.refuse(node, "statement", _STATEMENTS[type(node)])
        else:
            self.refuse(node, "statement", type(node).__name__.lower())

    def loop(self, node: nodes.For, scope: dict[str, str | None]) -> None:
        item: str | None = None
        kind, path = self.reference(node.iter, scope)
        if kind == _PATH and path is not None:
            if path not in self.known:
                self.unknown(path)
            elif f"{path}[]" in self.known:
                self.paths.add(path)
                item = f"{path}[]"
            else:
                self.refuse(node, "loop_target", f"for … in {_text(node.iter)}")
        elif kind != _BAD:
            self.refuse(node, "loop_target", f"for … in {_shorten(_text(node.iter))}")
        if node.recursive:
            self.refuse(node, "loop_target", "for … recursive")
        inner = dict(scope)
        if isinstance(node.target, nodes.Name) and not node.target.name.startswith("_"):
            inner[node.target.name] = item
        else:
            self.refuse(node, "loop_target", f"for {_text(node.target)} in …")
            for name in node.target.find_all(nodes.Name):
                inner[name.name] = None
        if node.test is not None:
            self.value(node.test, inner)  # the loop filter: no ``loop`` yet
        inner["loop"] = _LOOP_VARIABLE
        self.statements(node.body, inner)
        self.statements(node.else_, scope)

    # -- expressions ----------------------------------------------------------------------------------

    def value(self, node: nodes.Node, scope: dict[str, str | None]) -> str:
        """An expression printed or tested: anything allowed but the bare ``loop`` object."""
        kind = self.expr(node, scope)
        if kind == _LOOP:
            return self.refuse(node, "loop")
        return kind

    def unknown(self, path: str) -> None:
        if "." in path or "[" in path:
            self.unknown_paths.add(path)
        else:
            self.unknown_names.add(path)

    def expr(self, node: nodes.Node, scope: dict[str, str | None]) -> str:
        if isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem):
            kind, path = self.reference(node, scope)
            if kind == _PATH and path is not None:
                if path in self.known:
                    self.paths.add(path)
                else:
                    self.unknown(path)
            return kind
        if isinstance(node, nodes.Const):
            value = node.value
            if isinstance(value, bool) or value is None or isinstance(value, str):
                return _CONST
            if isinstance(value, int | float):
                return _NUMBER if abs(value) <= _MAX_NUMBER else self.refuse(node, "number")
            return self.refuse(node, "literal")
        if isinstance(node, nodes.Filter):
            return self.filter(node, scope)
        if isinstance(node, nodes.Test):
            self.value(node.node, scope)
            if node.name not in TESTS:
                return self.refuse(node, "test", node.name)
            return self.arguments(node, scope) or _VALUE
        if isinstance(node, nodes.Compare):
            for operand in [node.expr, *(op.expr for op in node.ops)]:
                self.operand(operand, scope)
            return _VALUE
        if isinstance(node, nodes.And | nodes.Or):
            self.value(node.left, scope)
            self.value(node.right, scope)
            return _VALUE
        if isinstance(node, nodes.Not):
            self.value(node.node, scope)
            return _VALUE
        if isinstance(node, nodes.CondExpr):
            for child in (node.test, node.expr1, node.expr2):
                if child is not None:
                    self.value(child, scope)
            return _VALUE
        if isinstance(node, nodes.Concat):
            for child in node.nodes:
                self.value(child, scope)
            return _VALUE
        if isinstance(node, nodes.Pow):
            return self.refuse(node, "operator", "**")
        if (
            isinstance(node, nodes.Mod)
            and isinstance(node.left, nodes.Const)
            and isinstance(node.left.value, str)
        ):
            return self.refuse(node, "string_format")
        if isinstance(node, _ARITHMETIC):
            kinds = [self.expr(node.left, scope), self.expr(node.right, scope)]
            if _BAD in kinds:
                return _BAD
            if any(k != _NUMBER for k in kinds):
                return self.refuse(node, "arithmetic")
            return _NUMBER
        if isinstance(node, nodes.Neg | nodes.Pos):
            kind = self.expr(node.node, scope)
            if kind not in (_NUMBER, _BAD):
                return self.refuse(node, "arithmetic")
            return kind
        if isinstance(node, nodes.Call):
            return self.refuse(node, "call")
        if isinstance(node, nodes.List | nodes.Tuple | nodes.Dict):
            return self.refuse(node, "literal")
        return self.refuse(node, "expression")

    def operand(self, node: nodes.Node, scope: dict[str, str | None]) -> None:
        """A comparison operand: a value, or a list of constants (``x in ['a', 'b']``)."""
        if isinstance(node, nodes.List | nodes.Tuple):
            for item in node.items:
                if not isinstance(item, nodes.Const):
                    self.refuse(item, "literal", _text(node))
                    return
                self.expr(item, scope)
            return
        self.value(node, scope)

    def reference(self, node: nodes.Node, scope: dict[str, str | None]) -> tuple[str, str | None]:
        """A name, attribute or item: its kind and, for a placeholder, its path (not yet checked)."""
        if isinstance(node, nodes.Name):
            name = node.name
            if name.startswith("_"):
                return self.refuse(node, "internal"), None
            if name in scope:
                bound = scope[name]
                if bound == _LOOP_VARIABLE:
                    return _LOOP, None
                return (_PATH, bound) if bound is not None else (_BAD, None)
            if name in ROOTS:
                self.names.add(name)
                return _PATH, name
            if name in FORBIDDEN_NAMES or name == "loop":
                return self.refuse(node, "name"), None
            self.unknown_names.add(name)
            return _BAD, None
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            if isinstance(node, nodes.Getattr):
                key: str | int = node.attr
            elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str | int):
                key = node.arg.value
            else:
                return self.refuse(node, "computed_key"), None
            if isinstance(key, str) and key.startswith("_"):
                return self.refuse(node, "internal"), None
            base = node.node
            if isinstance(base, nodes.Name | nodes.Getattr | nodes.Getitem):
                kind, path = self.reference(base, scope)
            else:
                kind, path = self.expr(base, scope), None
            if kind == _PATH and path is not None:
                if isinstance(key, bool):
                    return self.refuse(node, "computed_key"), None
                return _PATH, f"{path}[]" if isinstance(key, int) else f"{path}.{key}"
            if kind == _LOOP:
                if isinstance(node, nodes.Getattr) and key in LOOP_ATTRIBUTES:
                    return _NUMBER, None
                return self.refuse(node, "loop"), None
            if kind == _BAD:
                return _BAD, None
            if kind in (_CONST, _NUMBER) and isinstance(base, nodes.Const | nodes.TemplateData):
                return self.refuse(node, "literal_access"), None
            return self.refuse(node, "value_access"), None
        return self.expr(node, scope), None

    def filter(self, node: nodes.Filter, scope: dict[str, str | None]) -> str:
        if node.name not in FILTERS:
            if node.name in jinja2.filters.FILTERS:
                return self.refuse(node, "filter", node.name)
            if node.name not in self.unknown_filters:
                self.unknown_filters.append(node.name)
            return _BAD
        if node.node is None:  # only inside {% filter %}, refused as a statement
            return _BAD
        if isinstance(node.node, nodes.Const):
            return self.refuse(node, "filter_on_literal")
        if self.value(node.node, scope) == _BAD:
            return _BAD
        if self.arguments(node, scope) == _BAD:
            return _BAD
        if not _filter_accepts(node.name, len(node.args)):
            return self.refuse(node, "filter_arguments", node.name)
        return _VALUE

    def arguments(self, node: nodes.Filter | nodes.Test, scope: dict[str, str | None]) -> str | None:
        """Arguments of a filter or test: constants only, by position."""
        if node.kwargs or node.dyn_args is not None or node.dyn_kwargs is not None:
            return self.refuse(node, "filter_arguments", node.name)
        for arg in node.args:
            if not isinstance(arg, nodes.Const):
                return self.refuse(node, "filter_arguments", node.name)
            if self.expr(arg, scope) == _BAD:
                return _BAD
        return None


def _sources(template: DocxTemplate) -> list[tuple[_Part, str]]:
    """Every text docxtpl renders as a template, patched as it patches it, with where it comes from."""
    sources = [(_Part("", ""), template.patch_xml(template.get_xml()))]
    for uri, en, zh in ((template.HEADER_URI, "header", "页眉"), (template.FOOTER_URI, "footer", "页脚")):
        for _, part in template.get_headers_footers(uri):
            sources.append((_Part(en, zh), template.patch_xml(template.get_part_xml(part))))
    for part in template.docx.part.package.iter_parts():
        if part.content_type == _FOOTNOTES:
            blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
            sources.append((_Part("footnotes", "脚注"), template.patch_xml(blob)))
    # rendering puts every paragraph on its own line (render_xml_part): so do we, for the same lines
    sources = [(part, re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)) for part, xml in sources]
    properties = template.docx.core_properties
    for prop in _PROPERTIES:
        value = getattr(properties, prop) or ""
        sources.append((_Part(f"document property {prop}", f"文档属性 {prop}", numbered=False), value))
    return sources


def _refusal(name: str, problems: list[_Problem]) -> TemplateInvalid:
    problems = sorted(problems, key=lambda p: (p.where_en != f"line {p.line}", p.line))
    statements_only = all(p.kind == "statement" for p in problems)
    return TemplateInvalid(
        f"{name}: not allowed in a document template: " + "; ".join(p.en for p in problems),
        code="documents.template_construct" if statements_only else "documents.template_forbidden",
        message_zh=f"{name}：文件模板中不允许使用：" + "；".join(p.zh for p in problems),
        details={
            "file": name,
            "forbidden": [
                {"where": p.where_en, "line": p.line, "kind": p.kind, "construct": p.construct}
                for p in problems
            ],
        },
    )


def check_template(data: bytes, *, name: str = "template") -> TemplateReport:
    """Validate a DOCX template; raise :class:`TemplateInvalid` naming what is wrong.

    Refused, in this order: a file that is not a DOCX (``documents.template_not_docx``), Jinja syntax
    errors (``documents.template_syntax``), constructs outside the allow-list
    (``documents.template_forbidden``; ``documents.template_construct`` when all of them are
    statements such as ``{% set %}``), unknown filters (``documents.template_unknown_filter``) and
    unknown placeholders, top-level names and dotted paths alike
    (``documents.template_unknown_placeholder``)."""
    try:
        template = DocxTemplate(io.BytesIO(data))
        template.init_docx()
        sources = _sources(template)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TemplateInvalid(
            f"{name}: not a DOCX file ({exc})",
            code="documents.template_not_docx",
            message_zh=f"{name}：不是 DOCX 文件",
            details={"file": name},
        ) from None
    env = environment()
    walk = _Walk(known_paths())
    trees = []
    for part, source in sources:
        try:
            trees.append((part, env.parse(source)))
        except TemplateSyntaxError as exc:
            text = exc.message or str(exc)
            where_en, where_zh = part.at(exc.lineno)
            raise TemplateInvalid(
                f"{name}: template syntax error: {text} ({where_en})",
                code="documents.template_syntax",
                message_zh=f"{name}：模板语法错误：{text}（{where_zh}）",
                details={"file": name, "error": text, "where": where_en},
            ) from None
    for part, tree in trees:
        walk.part = part
        walk.statements(tree.body, {})
    if walk.problems:
        raise _refusal(name, walk.problems)
    if walk.unknown_filters:
        listed = ", ".join(walk.unknown_filters)
        raise TemplateInvalid(
            f"{name}: unknown filter {listed}",
            code="documents.template_unknown_filter",
            message_zh=f"{name}：未知的过滤器 {listed}",
            details={"file": name, "unknown": list(walk.unknown_filters)},
        )
    unknown = sorted(walk.unknown_names) + sorted(walk.unknown_paths - walk.unknown_names)
    if unknown:
        listed = ", ".join(unknown)
        raise TemplateInvalid(
            f"{name}: unknown placeholders: {listed}",
            code="documents.template_unknown_placeholder",
            message_zh=f"{name}：模板中有未知的占位符：{listed}",
            details={"file": name, "unknown": unknown},
        )
    for part, tree in trees:
        try:
            env.compile(tree)  # a last guard: whatever Jinja itself would refuse at render
        except TemplateAssertionError as exc:
            text = exc.message or str(exc)
            raise TemplateInvalid(
                f"{name}: template syntax error: {text} ({part.at(exc.lineno or 0)[0]})",
                code="documents.template_syntax",
                message_zh=f"{name}：模板语法错误：{text}（{part.at(exc.lineno or 0)[1]}）",
                details={"file": name, "error": text},
            ) from None
    return TemplateReport(names=frozenset(walk.names), paths=frozenset(walk.paths))
