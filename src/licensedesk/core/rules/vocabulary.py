"""The rule vocabulary: a small, closed set of operators over profile paths, written as data.

A rule file never contains code or expressions in a language of its own. A condition is a JSON/YAML tree
in a JsonLogic-like shape (``{">=": [{"ref": "capital"}, {"param": "registered_capital_min.provincial"}]}``),
and this module is the one place that says which shapes are allowed. Validation walks the whole tree and
reports every problem with its path inside the rule, so a catalog author sees all mistakes at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

PATH_RE = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")
#: a profile path's segments may hold inner hyphens: a license's own profile facts sit under its id
#: (``extensions.labour-dispatch.premises_ready``); let names, parameters and context names may not
PROFILE_PATH_RE = re.compile(r"^[a-z_][a-z0-9_]*(-[a-z0-9_]+)*(\.[a-z_][a-z0-9_]*(-[a-z0-9_]+)*)*$")
NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*$")

#: Leaf operators: the argument is a dotted path string.
LEAVES = frozenset({"var", "ref", "param", "ctx", "missing", "present"})
#: Operators taking a fixed number of positional arguments.
FIXED_ARITY: dict[str, int] = {
    "==": 2,
    "!=": 2,
    "<": 2,
    "<=": 2,
    ">": 2,
    ">=": 2,
    "in": 2,
    "not": 1,
    "if": 3,
    "sum": 1,
    "count": 1,
    "empty": 1,
    "nonempty": 1,
    "intersect": 2,
    "contains_any": 2,
    "add_years": 2,
}
#: Operators taking two or more positional arguments.
VARIADIC = frozenset({"and", "or", "coalesce"})
#: Quantifiers: ``{"all": {"over": <node>, "as": "name", "where": <node>}}``.
QUANTIFIERS: dict[str, str] = {"all": "where", "some": "where", "filter": "where", "map": "to"}
CONTEXT_NAMES = frozenset({"as_of"})
OPERATORS = LEAVES | frozenset(FIXED_ARITY) | VARIADIC | frozenset(QUANTIFIERS)


@dataclass
class RuleProblem:
    """One thing wrong with a rule tree, located by its path inside the rule file."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class Names:
    """What a node may refer to: let bindings and iteration variables in scope, and known parameters."""

    locals: frozenset[str] = frozenset()
    params: frozenset[str] = frozenset()
    profile_paths: frozenset[str] | None = None
    found_vars: set[str] = field(default_factory=set)

    def with_local(self, name: str) -> Names:
        return Names(self.locals | {name}, self.params, self.profile_paths, self.found_vars)


def is_literal(node: Any) -> bool:
    """Scalars and lists of scalars are literals; dicts are always operators."""
    if node is None or isinstance(node, bool | int | float | str):
        return True
    return isinstance(node, list) and all(x is None or isinstance(x, bool | int | float | str) for x in node)


def check_node(node: Any, where: str, names: Names) -> Iterator[RuleProblem]:
    """Yield every problem in ``node``; ``names.found_vars`` collects the profile paths it reads."""
    if is_literal(node):
        return
    if not isinstance(node, dict) or len(node) != 1:
        yield RuleProblem(where, "a rule node is a literal or a mapping with exactly one operator")
        return
    ((op, arg),) = node.items()
    here = f"{where}.{op}"
    if op not in OPERATORS:
        yield RuleProblem(here, f"unknown operator {op!r}; known: {', '.join(sorted(OPERATORS))}")
        return
    if op in LEAVES:
        yield from _check_leaf(op, arg, here, names)
    elif op in QUANTIFIERS:
        yield from _check_quantifier(op, arg, here, names)
    else:
        yield from _check_positional(op, arg, here, names)


def _check_leaf(op: str, arg: Any, here: str, names: Names) -> Iterator[RuleProblem]:
    pattern = PROFILE_PATH_RE if op in ("var", "missing", "present") else PATH_RE
    if not isinstance(arg, str) or not pattern.match(arg):
        yield RuleProblem(here, f"expects a dotted path of lower-case names, got {arg!r}")
        return
    if op in ("var", "missing", "present"):
        if names.profile_paths is not None and arg not in names.profile_paths:
            yield RuleProblem(here, f"{arg!r} is not a field of the company profile contract")
        names.found_vars.add(arg)
    elif op == "ref" and arg.split(".", 1)[0] not in names.locals:
        yield RuleProblem(
            here, f"{arg.split('.', 1)[0]!r} is not a let binding or iteration variable in scope"
        )
    elif op == "param" and arg not in names.params:
        yield RuleProblem(here, f"unknown parameter {arg!r}")
    elif op == "ctx" and arg not in CONTEXT_NAMES:
        yield RuleProblem(here, f"unknown context value {arg!r}; known: {', '.join(sorted(CONTEXT_NAMES))}")


def unary_shorthand(op: str, arg: Any) -> Any:
    """``{"not": x}`` is accepted for ``{"not": [x]}``, as JsonLogic does for one-argument operators."""
    return [arg] if FIXED_ARITY.get(op) == 1 and not isinstance(arg, list) else arg


def _check_positional(op: str, arg: Any, here: str, names: Names) -> Iterator[RuleProblem]:
    arg = unary_shorthand(op, arg)
    if not isinstance(arg, list):
        yield RuleProblem(here, "expects a list of arguments")
        return
    if op in VARIADIC and len(arg) < 2:
        yield RuleProblem(here, "expects at least two arguments")
    if op in FIXED_ARITY and len(arg) != FIXED_ARITY[op]:
        yield RuleProblem(here, f"expects {FIXED_ARITY[op]} argument(s), got {len(arg)}")
    for i, sub in enumerate(arg):
        yield from check_node(sub, f"{here}[{i}]", names)


def _check_quantifier(op: str, arg: Any, here: str, names: Names) -> Iterator[RuleProblem]:
    body_key = QUANTIFIERS[op]
    allowed = {"over", "as", body_key} | ({"unknown"} if op == "filter" else set())
    if not isinstance(arg, dict) or not {"over", "as", body_key} <= set(arg) or set(arg) - allowed:
        yield RuleProblem(here, f"expects a mapping with keys over, as, {body_key}")
        return
    if not isinstance(arg["as"], str) or not NAME_RE.match(arg["as"]):
        yield RuleProblem(f"{here}.as", f"expects a lower-case name, got {arg['as']!r}")
        return
    if arg.get("unknown", "propagate") not in ("propagate", "skip"):
        yield RuleProblem(f"{here}.unknown", "expects 'propagate' or 'skip'")
    yield from check_node(arg["over"], f"{here}.over", names)
    yield from check_node(arg[body_key], f"{here}.{body_key}", names.with_local(arg["as"]))
