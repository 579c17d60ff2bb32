"""Compile validated rule trees into Python functions, once, when the catalog loads.

Why generate Python rather than walk the tree for every profile: bulk screening runs the same ten
conditions over hundreds of thousands of profiles, and a tree interpreter pays a function call per node.
The generated code is straight-line statements close to what one would write by hand.

Why this is safe: the generator only emits code shapes written in this module. Values from a rule file
reach the source solely through ``repr()`` of validated JSON scalars, and paths and names only after
matching the whitelists in :mod:`licensedesk.core.rules.vocabulary`. Rule text is never executed, and
the generated module runs with a namespace whose builtins are limited to ``len``, ``sum`` and ``any``.

Three-valued logic: an absent profile field is *unknown*, not false. Unknown propagates through every
operator (``and`` is false if any operand is false, else unknown if any is unknown, and so on). Two
variants are generated from the same tree: a *verdict* function that uses a single unknown sentinel and
stops at the first unmet condition, and per-unit *explain* functions whose unknown values carry the
profile paths that caused them, so a result can name its ``missing_fields``.
"""

from __future__ import annotations

import calendar
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from licensedesk.core.rules.vocabulary import QUANTIFIERS, unary_shorthand

VERDICT_ELIGIBLE, VERDICT_INCOMPLETE, VERDICT_NOT_ELIGIBLE = 0, 1, 2
VERDICT_NAMES = ("eligible", "incomplete", "not_eligible")

MET, UNMET, UNKNOWN, NOT_APPLICABLE = "met", "unmet", "unknown", "not_applicable"


class Unknown:
    """A value that cannot be known from the profile; ``paths`` names the absent fields behind it."""

    __slots__ = ("paths",)

    def __init__(self, paths: tuple[str, ...] = ()) -> None:
        self.paths = paths

    def __repr__(self) -> str:
        return f"Unknown({', '.join(self.paths)})"


UNKNOWN_VALUE = Unknown()


def _exact_sum(values: Iterable[float]) -> float:
    """Sum without binary rounding drift: shares of 20.1 + 12.3 + 17.6 must make exactly 50, not
    50.00000000000001 (which would read as over a 50 % cap)."""
    return round(math.fsum(values), 9)


def _identifier(path: str) -> str:
    """A profile path as part of a Python name: dots become ``__`` and hyphens ``_H_`` (paths are lower
    case, so no two paths share a name)."""
    return path.replace(".", "__").replace("-", "_H_")


def _add_years(day: str | date, years: int) -> str:
    """The ISO date ``years`` years after ``day`` (an ISO date, as profile dates are): the same day of
    the month, or the month's last day when that day does not exist (29 February → 28 February), as
    民法典 第二百零二条 counts a period in years. ISO dates compare like dates, so the result can be
    compared with ``as_of`` and other profile dates."""
    start = day if isinstance(day, date) else date.fromisoformat(day)
    year = start.year + years
    if not date.min.year <= year <= date.max.year:  # beyond what a date can hold: the end of time
        return (date.max if years > 0 else date.min).isoformat()
    last = calendar.monthrange(year, start.month)[1]
    return start.replace(year=year, day=min(start.day, last)).isoformat()


def _merge(*values: Any) -> Unknown:
    paths: dict[str, None] = {}
    for value in values:
        if value.__class__ is Unknown:
            paths.update(dict.fromkeys(value.paths))
    return Unknown(tuple(paths))


@dataclass(frozen=True)
class Unit:
    """One thing to decide: a condition, a material's requirement, an authority route.

    ``let`` bindings are evaluated in order and are what explanation templates can name; ``applies_when``
    (optional) makes the unit not applicable when false; ``warnings`` are ``when`` trees reported when true.
    """

    id: str
    test: Any
    let: tuple[tuple[str, Any], ...] = ()
    applies_when: Any = None
    warnings: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What one unit decided for one profile, with what it saw."""

    status: str
    bindings: dict[str, Any]
    missing: tuple[str, ...]
    warnings: tuple[int, ...]


ExplainFn = Callable[[dict, dict, str], Outcome]
VerdictFn = Callable[[dict, dict, str], int]


@dataclass(frozen=True)
class CompiledRules:
    verdict: VerdictFn
    explain: tuple[ExplainFn, ...]
    source: str


@dataclass(frozen=True)
class _Expr:
    """A generated expression; ``origin`` is the profile path its value (or items) came from."""

    code: str
    maybe_unknown: bool
    origin: str | None = None
    literal: bool = False


_KNOWN_TRUE = _Expr("True", False)


class _Emitter:
    """Writes the statements of one generated function."""

    def __init__(self, explain: bool, consts: dict[str, Any], prefix: str) -> None:
        self.explain = explain
        self.consts = consts
        self.prefix = prefix
        self.lines: list[str] = []
        self.count = 0
        self.reads: dict[str, str] = {}
        self.sections: dict[str, str] = {}

    def tmp(self) -> str:
        self.count += 1
        return f"{self.prefix}{self.count}"

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def is_unknown(self, expr: _Expr) -> str:
        return f"{expr.code}.__class__ is _K" if self.explain else f"{expr.code} is _U"

    def any_unknown(self, exprs: Iterable[_Expr]) -> str:
        return " or ".join(self.is_unknown(e) for e in exprs if e.maybe_unknown)

    def unknown_of(self, *exprs: _Expr) -> str:
        if not self.explain:
            return "_U"
        return f"_m({', '.join(e.code for e in exprs)})"

    def unknown_const(self, path: str) -> str:
        if not self.explain:
            return "_U"
        name = f"_k{len(self.consts)}"
        self.consts[name] = Unknown((path,))
        return name

    # -- reads ------------------------------------------------------------------------------------

    def read(self, path: str, indent: int) -> str:
        """Hoist a profile read into a local (once per function) and return the local's name."""
        if path not in self.reads:
            local = f"v_{_identifier(path)}"
            *parents, leaf = path.split(".")
            parent = self.section(parents, indent)
            self.emit(indent, f"{local} = {parent}.get({leaf!r}, {self.unknown_const(path)})")
            self.reads[path] = local
        return self.reads[path]

    def section(self, parts: list[str], indent: int) -> str:
        """The local holding a profile object (``company``, ``readiness.security``), read once."""
        if not parts:
            return "p"
        key = ".".join(parts)
        if key not in self.sections:
            local = f"s_{_identifier(key)}"
            self.emit(indent, f"{local} = {self.section(parts[:-1], indent)}.get({parts[-1]!r}, _E)")
            self.sections[key] = local
        return self.sections[key]

    # -- nodes ------------------------------------------------------------------------------------

    def node(self, node: Any, indent: int, scope: dict[str, tuple[_Expr, str]]) -> _Expr:
        if not isinstance(node, dict):
            value = tuple(node) if isinstance(node, list) else node
            return _Expr(repr(value), False, literal=True)
        ((op, arg),) = node.items()
        handler = _HANDLERS.get(op)
        arg = unary_shorthand(op, arg)
        if handler is not None:
            return handler(self, arg, indent, scope)
        if op in QUANTIFIERS:
            return self.quantifier(op, arg, indent, scope)
        return self.compare(op, arg, indent, scope)

    def leaf_var(self, path: str, indent: int, scope: dict) -> _Expr:
        return _Expr(self.read(path, indent), True, origin=path)

    def leaf_missing(self, path: str, indent: int, scope: dict) -> _Expr:
        return _Expr(f"({self.is_unknown(_Expr(self.read(path, indent), True))})", False)

    def leaf_present(self, path: str, indent: int, scope: dict) -> _Expr:
        return _Expr(f"(not ({self.is_unknown(_Expr(self.read(path, indent), True))}))", False)

    def leaf_param(self, path: str, indent: int, scope: dict) -> _Expr:
        return _Expr("P" + "".join(f"[{part!r}]" for part in path.split(".")), False)

    def leaf_ctx(self, name: str, indent: int, scope: dict) -> _Expr:
        return _Expr(name, False)

    def leaf_ref(self, path: str, indent: int, scope: dict) -> _Expr:
        name, *fields = path.split(".")
        entry = scope[name]
        if isinstance(entry, _Deferred):
            # a let used once: computed here, where it is needed, so a short-circuit can skip it
            expr = self.node(entry.tree, indent, entry.scope)
            origin = expr.origin or name
        else:
            expr, origin = entry
        expr = _Expr(expr.code, expr.maybe_unknown, origin)
        for field in fields:
            origin = f"{origin}.{field}"
            out = self.tmp()
            default = self.unknown_const(origin)
            if expr.maybe_unknown:
                self.emit(
                    indent,
                    f"{out} = {expr.code} if {self.is_unknown(expr)} else "
                    f"{expr.code}.get({field!r}, {default})",
                )
            else:
                self.emit(indent, f"{out} = {expr.code}.get({field!r}, {default})")
            expr = _Expr(out, True, origin)
        return expr

    def compare(self, op: str, args: list, indent: int, scope: dict) -> _Expr:
        """Comparisons; ordering against ``null`` is unknown rather than a TypeError."""
        return self.binary_on_values(
            args,
            indent,
            scope,
            lambda a, b: f"({a.code} {op} {b.code})",
            none_is_unknown=op in ("<", "<=", ">", ">="),
        )

    def op_not(self, args: list, indent: int, scope: dict) -> _Expr:
        a = self.node(args[0], indent, scope)
        out = self.tmp()
        if a.maybe_unknown:
            self.emit(indent, f"{out} = {a.code} if {self.is_unknown(a)} else (not {a.code})")
        else:
            self.emit(indent, f"{out} = not {a.code}")
        return _Expr(out, a.maybe_unknown)

    def logical(self, args: list, indent: int, scope: dict, decisive: bool) -> _Expr:
        """``and`` (decisive False) / ``or`` (decisive True), short-circuiting, three-valued.

        Evaluation stops only at a decisive operand: after an unknown one the rest still runs, since
        ``unknown and false`` is false.
        """
        out = self.tmp()
        self.emit(indent, f"{out} = {not decisive}")
        maybe_unknown = False
        level = indent
        for arg in args:
            a = self.node(arg, level, scope)
            test = f"{a.code}" if decisive else f"not {a.code}"
            if a.maybe_unknown:
                test = f"not ({self.is_unknown(a)}) and {test}"
            self.emit(level, f"if {test}:")
            self.emit(level + 1, f"{out} = {decisive}")
            self.emit(level, "else:")
            if a.maybe_unknown:
                maybe_unknown = True
                merged = f"_m({out}, {a.code})" if self.explain else "_U"
                self.emit(level + 1, f"if {self.is_unknown(a)}:")
                self.emit(level + 2, f"{out} = {merged}")
            level += 1
        self.emit(level, "pass")
        return _Expr(out, maybe_unknown)

    def op_and(self, args: list, indent: int, scope: dict) -> _Expr:
        return self.logical(args, indent, scope, decisive=False)

    def op_or(self, args: list, indent: int, scope: dict) -> _Expr:
        return self.logical(args, indent, scope, decisive=True)

    def op_if(self, args: list, indent: int, scope: dict) -> _Expr:
        out = self.tmp()
        cond = self.node(args[0], indent, scope)
        level = indent
        if cond.maybe_unknown:
            self.emit(indent, f"if {self.is_unknown(cond)}:")
            self.emit(indent + 1, f"{out} = {cond.code}")
            self.emit(indent, "else:")
            level = indent + 1
        self.emit(level, f"if {cond.code}:")
        then = self.node(args[1], level + 1, scope)
        self.emit(level + 1, f"{out} = {then.code}")
        self.emit(level, "else:")
        other = self.node(args[2], level + 1, scope)
        self.emit(level + 1, f"{out} = {other.code}")
        return _Expr(out, cond.maybe_unknown or then.maybe_unknown or other.maybe_unknown)

    def op_coalesce(self, args: list, indent: int, scope: dict) -> _Expr:
        out = self.tmp()
        level = indent
        seen: list[_Expr] = []
        for i, arg in enumerate(args):
            a = self.node(arg, level, scope)
            if not a.maybe_unknown:
                self.emit(level, f"{out} = {a.code}")
                return _Expr(out, False)
            seen.append(a)
            if i == len(args) - 1:
                self.emit(level, f"{out} = {self.unknown_of(*seen)} if {self.is_unknown(a)} else {a.code}")
            else:
                self.emit(level, f"if not ({self.is_unknown(a)}):")
                self.emit(level + 1, f"{out} = {a.code}")
                self.emit(level, "else:")
                level += 1
        return _Expr(out, True)

    def unary_on_value(self, args: list, indent: int, scope: dict, template: str) -> _Expr:
        a = self.node(args[0], indent, scope)
        out = self.tmp()
        value = template.format(a.code)
        if a.maybe_unknown:
            self.emit(indent, f"{out} = {a.code} if {self.is_unknown(a)} else {value}")
        else:
            self.emit(indent, f"{out} = {value}")
        return _Expr(out, a.maybe_unknown)

    def op_sum(self, args: list, indent: int, scope: dict) -> _Expr:
        return self.unary_on_value(args, indent, scope, "_sum({})")

    def op_count(self, args: list, indent: int, scope: dict) -> _Expr:
        return self.unary_on_value(args, indent, scope, "len({})")

    def op_empty(self, args: list, indent: int, scope: dict) -> _Expr:
        return self.unary_on_value(args, indent, scope, "(len({}) == 0)")

    def op_nonempty(self, args: list, indent: int, scope: dict) -> _Expr:
        return self.unary_on_value(args, indent, scope, "(len({}) > 0)")

    def binary_on_values(
        self,
        args: list,
        indent: int,
        scope: dict,
        template: Callable[[_Expr, _Expr], str],
        none_is_unknown: bool = False,
    ) -> _Expr:
        a = self.node(args[0], indent, scope)
        b = self.node(args[1], indent, scope)
        out = self.tmp()
        value = template(a, b)
        unknowns = [e for e in (a, b) if e.maybe_unknown]
        nullable = [e for e in (a, b) if not e.literal]
        if none_is_unknown and nullable:
            nones = " or ".join(f"{e.code} is None" for e in nullable)
            value = f"({self.unknown_of()} if ({nones}) else {value})"
        if unknowns:
            self.emit(
                indent, f"{out} = {self.unknown_of(*unknowns)} if ({self.any_unknown(unknowns)}) else {value}"
            )
        else:
            self.emit(indent, f"{out} = {value}")
        return _Expr(out, bool(unknowns) or (none_is_unknown and bool(nullable)))

    def op_intersect(self, args: list, indent: int, scope: dict) -> _Expr:
        if isinstance(args[1], dict) and "param" in args[1]:
            # bind the parameter once instead of looking it up for every element
            local = self.tmp()
            self.emit(indent, f"{local} = {self.node(args[1], indent, scope).code}")
            args = [args[0], {"ref": local}]
            scope = {**scope, local: (_Expr(local, False), local)}
        return self.binary_on_values(
            args, indent, scope, lambda a, b: f"[x_ for x_ in {a.code} if x_ in {b.code}]"
        )

    def op_add_years(self, args: list, indent: int, scope: dict) -> _Expr:
        """``{"add_years": [date, n]}``: the ISO date n years later; a null date is unknown."""
        return self.binary_on_values(
            args, indent, scope, lambda a, b: f"_add_years({a.code}, {b.code})", none_is_unknown=True
        )

    def op_contains_any(self, args: list, indent: int, scope: dict) -> _Expr:
        def template(a: _Expr, b: _Expr) -> str:
            found = f"any(k_ in {a.code} for k_ in {b.code})"
            return found if a.literal else f"({a.code} is not None and {found})"

        return self.binary_on_values(args, indent, scope, template)

    def quantifier(self, op: str, arg: dict, indent: int, scope: dict) -> _Expr:
        over = self.node(arg["over"], indent, scope)
        out = self.tmp()
        item = self.tmp()
        origin = f"{over.origin}[*]" if over.origin else arg["as"]
        inner_scope = {**scope, arg["as"]: (_Expr(item, False), origin)}
        level = indent
        if over.maybe_unknown:
            self.emit(indent, f"if {self.is_unknown(over)}:")
            self.emit(indent + 1, f"{out} = {over.code}")
            self.emit(indent, "else:")
            level = indent + 1
        start = {"all": "True", "some": "False"}.get(op, "[]")
        self.emit(level, f"{out} = {start}")
        self.emit(level, f"for {item} in {over.code}:")
        body = self.node(arg[QUANTIFIERS[op]], level + 1, inner_scope)
        self._quantifier_step(op, arg, out, item, body, level + 1)
        return _Expr(out, over.maybe_unknown or body.maybe_unknown, over.origin if op == "filter" else None)

    def _quantifier_step(self, op: str, arg: dict, out: str, item: str, body: _Expr, level: int) -> None:
        if body.maybe_unknown:
            keep = f"_m({out}, {body.code})" if self.explain else "_U"
            if op in ("all", "some"):
                self.emit(level, f"if {self.is_unknown(body)}:")
                self.emit(level + 1, f"{out} = {keep}")
                self.emit(level, f"elif {'not ' if op == 'all' else ''}{body.code}:")
                self.emit(level + 1, f"{out} = {op == 'some'}")
                self.emit(level + 1, "break")
                return
            self.emit(level, f"if {self.is_unknown(body)}:")
            if op == "filter" and arg.get("unknown") == "skip":
                self.emit(level + 1, "continue")
            else:
                self.emit(level + 1, f"{out} = {body.code}")
                self.emit(level + 1, "break")
        elif op in ("all", "some"):
            self.emit(level, f"if {'not ' if op == 'all' else ''}{body.code}:")
            self.emit(level + 1, f"{out} = {op == 'some'}")
            self.emit(level + 1, "break")
            return
        if op == "filter":
            self.emit(level, f"if {body.code}:")
            self.emit(level + 1, f"{out}.append({item})")
        else:
            self.emit(level, f"{out}.append({body.code})")


_HANDLERS: dict[str, Callable[..., _Expr]] = {
    "var": _Emitter.leaf_var,
    "missing": _Emitter.leaf_missing,
    "present": _Emitter.leaf_present,
    "param": _Emitter.leaf_param,
    "ctx": _Emitter.leaf_ctx,
    "ref": _Emitter.leaf_ref,
    "not": _Emitter.op_not,
    "and": _Emitter.op_and,
    "or": _Emitter.op_or,
    "if": _Emitter.op_if,
    "coalesce": _Emitter.op_coalesce,
    "sum": _Emitter.op_sum,
    "count": _Emitter.op_count,
    "empty": _Emitter.op_empty,
    "nonempty": _Emitter.op_nonempty,
    "intersect": _Emitter.op_intersect,
    "contains_any": _Emitter.op_contains_any,
    "add_years": _Emitter.op_add_years,
}


def refs_in(node: Any) -> set[str]:
    """Names of let bindings a tree refers to (iteration variables included; callers filter)."""
    if isinstance(node, dict):
        ((op, arg),) = node.items()
        if op == "ref":
            return {arg.split(".", 1)[0]}
        if op in QUANTIFIERS:
            return set().union(*(refs_in(v) for v in arg.values()))
        if isinstance(arg, list):
            return set().union(*(refs_in(v) for v in arg))
        return refs_in(arg)
    return set()


def vars_in(node: Any) -> list[str]:
    """Profile paths a tree reads, in first-use order."""
    found: dict[str, None] = {}
    if isinstance(node, dict):
        ((op, arg),) = node.items()
        if op in ("var", "missing", "present"):
            return [arg]
        subs = arg.values() if op in QUANTIFIERS else (arg if isinstance(arg, list) else [arg])
        for sub in subs:
            found.update(dict.fromkeys(vars_in(sub)))
    return list(found)


def _hoist_reads(em: _Emitter, trees: Iterable[Any]) -> None:
    """Read every profile field a unit needs at the top level of the function.

    Reads must not happen first inside a loop or branch: a later unit reusing the local would find it
    unassigned when that loop ran zero times.
    """
    for tree in trees:
        for path in vars_in(tree):
            em.read(path, 1)


def _needed_lets(unit: Unit) -> list[tuple[str, Any]]:
    """The let bindings the verdict needs: those the test and applies_when reach, in file order."""
    lets = dict(unit.let)
    need = refs_in(unit.test) | refs_in(unit.applies_when)
    for name, tree in reversed(unit.let):
        if name in need:
            need |= refs_in(tree)
    return [(name, tree) for name, tree in unit.let if name in need and name in lets]


@dataclass(frozen=True)
class _Deferred:
    tree: Any
    scope: dict


def _ref_uses(node: Any, in_loop: bool = False) -> Counter[str]:
    """How often each name is referred to; a use inside a quantifier body counts as many."""
    uses: Counter[str] = Counter()
    if isinstance(node, dict):
        ((op, arg),) = node.items()
        if op == "ref":
            uses[arg.split(".", 1)[0]] += 2 if in_loop else 1
        elif op in QUANTIFIERS:
            uses += _ref_uses(arg["over"], in_loop)
            uses += _ref_uses(arg[QUANTIFIERS[op]], True)
        else:
            for sub in arg if isinstance(arg, list) else [arg]:
                uses += _ref_uses(sub, in_loop)
    return uses


def _emit_lets(
    em: _Emitter,
    lets: Iterable[tuple[str, Any]],
    indent: int,
    scope: dict,
    defer: frozenset[str] = frozenset(),
) -> None:
    for name, tree in lets:
        if name in defer:
            scope[name] = _Deferred(tree, dict(scope))
            continue
        value = em.node(tree, indent, scope)
        local = f"l_{em.prefix}{name}"
        em.emit(indent, f"{local} = {value.code}")
        scope[name] = (_Expr(local, value.maybe_unknown, value.origin), value.origin or name)


def _verdict_source(units: tuple[Unit, ...], consts: dict[str, Any]) -> str:
    em = _Emitter(explain=False, consts=consts, prefix="t")
    em.emit(0, "def verdict(p, P, as_of):")
    em.emit(1, "u_ = False")
    for index, unit in enumerate(units):
        em.prefix = f"u{index}_"
        em.emit(1, f"# {unit.id}")
        scope: dict = {}
        needed = _needed_lets(unit)
        _hoist_reads(em, [tree for _, tree in needed] + [unit.applies_when, unit.test])
        uses = _ref_uses(unit.test) + _ref_uses(unit.applies_when)
        for _, tree in needed:
            uses += _ref_uses(tree)
        _emit_lets(em, needed, 1, scope, defer=frozenset(n for n, _ in needed if uses[n] == 1))
        level = 1
        if unit.applies_when is not None:
            applies = em.node(unit.applies_when, 1, scope)
            if applies.maybe_unknown:
                em.emit(1, f"if {em.is_unknown(applies)}:")
                em.emit(2, "u_ = True")
                em.emit(1, f"elif {applies.code}:")
            else:
                em.emit(1, f"if {applies.code}:")
            level = 2
        test = em.node(unit.test, level, scope)
        if test.maybe_unknown:
            em.emit(level, f"if {em.is_unknown(test)}:")
            em.emit(level + 1, "u_ = True")
            em.emit(level, f"elif not {test.code}:")
        else:
            em.emit(level, f"if not {test.code}:")
        em.emit(level + 1, f"return {VERDICT_NOT_ELIGIBLE}")
    em.emit(1, f"return {VERDICT_INCOMPLETE} if u_ else {VERDICT_ELIGIBLE}")
    return "\n".join(em.lines)


def _explain_source(index: int, unit: Unit, consts: dict[str, Any]) -> str:
    em = _Emitter(explain=True, consts=consts, prefix="t")
    em.emit(0, f"def explain_{index}(p, P, as_of):")
    em.emit(1, f"# {unit.id}")
    scope: dict = {}
    _hoist_reads(em, [tree for _, tree in unit.let] + [unit.applies_when, unit.test, *unit.warnings])
    _emit_lets(em, unit.let, 1, scope)
    em.emit(1, "w_ = []")
    for number, when in enumerate(unit.warnings):
        fired = em.node(when, 1, scope)
        em.emit(1, f"if {fired.code} is True:")
        em.emit(2, f"w_.append({number})")
    bindings = "{" + ", ".join(f"{name!r}: {scope[name][0].code}" for name, _ in unit.let) + "}"
    level = 1
    if unit.applies_when is not None:
        applies = em.node(unit.applies_when, 1, scope)
        if applies.maybe_unknown:
            em.emit(1, f"if {em.is_unknown(applies)}:")
            em.emit(2, f"return _O({UNKNOWN!r}, {bindings}, {applies.code}.paths, tuple(w_))")
        em.emit(1, f"if not {applies.code}:")
        em.emit(2, f"return _O({NOT_APPLICABLE!r}, {bindings}, (), tuple(w_))")
    test = em.node(unit.test, level, scope)
    if test.maybe_unknown:
        em.emit(1, f"if {em.is_unknown(test)}:")
        em.emit(2, f"return _O({UNKNOWN!r}, {bindings}, {test.code}.paths, tuple(w_))")
    em.emit(1, f"return _O({MET!r} if {test.code} else {UNMET!r}, {bindings}, (), tuple(w_))")
    return "\n".join(em.lines)


def compile_units(units: Iterable[Unit], *, name: str) -> CompiledRules:
    """Generate and compile the verdict function and one explain function per unit."""
    units = tuple(units)
    consts: dict[str, Any] = {}
    parts = [_verdict_source(units, consts)]
    parts += [_explain_source(i, unit, consts) for i, unit in enumerate(units)]
    source = "\n\n".join(parts) + "\n"
    namespace: dict[str, Any] = {
        "__builtins__": {"len": len, "sum": sum, "any": any, "tuple": tuple},
        "_U": UNKNOWN_VALUE,
        "_K": Unknown,
        "_E": MappingProxyType({}),
        "_m": _merge,
        "_sum": _exact_sum,
        "_add_years": _add_years,
        "_O": Outcome,
        **consts,
    }
    # reviewed (bandit B102): the source is generated from validated rules and runs with limited builtins
    exec(compile(source, f"<rules {name}>", "exec"), namespace)  # nosec B102
    explain = tuple(namespace[f"explain_{i}"] for i in range(len(units)))
    return CompiledRules(verdict=namespace["verdict"], explain=explain, source=source)
