"""The rule vocabulary: which rule trees are allowed, and the exact problem reported for each mistake."""

from __future__ import annotations

from typing import Any

import pytest

from licensedesk.core.rules.vocabulary import (
    OPERATORS,
    Names,
    RuleProblem,
    check_node,
    is_literal,
    unary_shorthand,
)

KNOWN_OPERATORS = (
    "!=, <, <=, ==, >, >=, add_years, all, and, coalesce, contains_any, count, ctx, empty, filter, if, in, "
    "intersect, map, missing, nonempty, not, or, param, present, ref, some, sum, var"
)


def names(**overrides: Any) -> Names:
    base: dict[str, Any] = {
        "locals": frozenset({"capital", "zone"}),
        "params": frozenset({"registered_capital_min", "registered_capital_min.provincial", "pilot.zones"}),
        "profile_paths": frozenset(
            {"company.registered_capital_cny", "company.province", "service.content_areas"}
        ),
    }
    return Names(**{**base, **overrides})


def problems(node: Any, scope: Names | None = None) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in check_node(node, "rule", scope or names())]


def test_operator_list_is_what_the_messages_name() -> None:
    assert ", ".join(sorted(OPERATORS)) == KNOWN_OPERATORS


@pytest.mark.parametrize(
    "node",
    [
        None,
        True,
        0,
        1.5,
        "national",
        [],
        ["limited_company", "joint_stock_company"],
        [1, None, True],
        {"var": "company.registered_capital_cny"},
        {"missing": "company.province"},
        {"present": "service.content_areas"},
        {"ref": "capital"},
        {"ref": "zone.keywords"},
        {"param": "registered_capital_min.provincial"},
        {"ctx": "as_of"},
        {">=": [{"ref": "capital"}, {"param": "registered_capital_min.provincial"}]},
        {"not": {"ref": "capital"}},
        {"not": [{"ref": "capital"}]},
        {"and": [True, False, {"ref": "capital"}]},
        {"coalesce": [{"var": "company.province"}, "CN-BJ"]},
        {"if": [True, 1, 2]},
        {"sum": {"ref": "capital"}},
        {"intersect": [{"var": "service.content_areas"}, ["news"]]},
        {"contains_any": ["深圳市", ["深圳"]]},
        {
            "all": {
                "over": {"param": "pilot.zones"},
                "as": "z",
                "where": {"==": [{"ref": "z.province"}, "CN-BJ"]},
            }
        },
        {"filter": {"over": [1, 2], "as": "n", "where": {">": [{"ref": "n"}, 1]}, "unknown": "skip"}},
        {"filter": {"over": [1, 2], "as": "n", "where": True, "unknown": "propagate"}},
        {"map": {"over": [1, 2], "as": "n", "to": {"ref": "n"}}},
    ],
)
def test_valid_nodes_have_no_problems(node: Any) -> None:
    assert problems(node) == []


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({}, [("rule", "a rule node is a literal or a mapping with exactly one operator")]),
        (
            {"and": [1, 2], "or": [1, 2]},
            [("rule", "a rule node is a literal or a mapping with exactly one operator")],
        ),
        (
            [{"var": "company.province"}],
            [("rule", "a rule node is a literal or a mapping with exactly one operator")],
        ),
        ([[1]], [("rule", "a rule node is a literal or a mapping with exactly one operator")]),
        ({"foo": 1}, [("rule.foo", f"unknown operator 'foo'; known: {KNOWN_OPERATORS}")]),
        ({"AND": [1, 2]}, [("rule.AND", f"unknown operator 'AND'; known: {KNOWN_OPERATORS}")]),
        (
            {"var": "Company.name"},
            [("rule.var", "expects a dotted path of lower-case names, got 'Company.name'")],
        ),
        (
            {"var": "company..name"},
            [("rule.var", "expects a dotted path of lower-case names, got 'company..name'")],
        ),
        ({"var": 5}, [("rule.var", "expects a dotted path of lower-case names, got 5")]),
        ({"ref": "a-b"}, [("rule.ref", "expects a dotted path of lower-case names, got 'a-b'")]),
        ({"param": "a-b.c"}, [("rule.param", "expects a dotted path of lower-case names, got 'a-b.c'")]),
        ({"var": "x.-a"}, [("rule.var", "expects a dotted path of lower-case names, got 'x.-a'")]),
        ({"var": "x.a-"}, [("rule.var", "expects a dotted path of lower-case names, got 'x.a-'")]),
        ({"param": "x['y']"}, [("rule.param", "expects a dotted path of lower-case names, got \"x['y']\"")]),
        (
            {"var": "company.nope"},
            [("rule.var", "'company.nope' is not a field of the company profile contract")],
        ),
        (
            {"missing": "company.nope"},
            [("rule.missing", "'company.nope' is not a field of the company profile contract")],
        ),
        ({"present": "nope"}, [("rule.present", "'nope' is not a field of the company profile contract")]),
        ({"ref": "minimum"}, [("rule.ref", "'minimum' is not a let binding or iteration variable in scope")]),
        (
            {"ref": "minimum.x"},
            [("rule.ref", "'minimum' is not a let binding or iteration variable in scope")],
        ),
        (
            {"param": "registered_capital_min.national"},
            [("rule.param", "unknown parameter 'registered_capital_min.national'")],
        ),
        ({"ctx": "today"}, [("rule.ctx", "unknown context value 'today'; known: as_of")]),
        ({"and": 5}, [("rule.and", "expects a list of arguments")]),
        ({"==": "a"}, [("rule.==", "expects a list of arguments")]),
        ({"and": [True]}, [("rule.and", "expects at least two arguments")]),
        ({"coalesce": []}, [("rule.coalesce", "expects at least two arguments")]),
        ({"==": [1]}, [("rule.==", "expects 2 argument(s), got 1")]),
        ({"if": [True, 1]}, [("rule.if", "expects 3 argument(s), got 2")]),
        ({"not": [True, False]}, [("rule.not", "expects 1 argument(s), got 2")]),
        ({"sum": [1, 2, 3]}, [("rule.sum", "expects 1 argument(s), got 3")]),
        ({"all": {"over": [], "as": "x"}}, [("rule.all", "expects a mapping with keys over, as, where")]),
        ({"some": [1, 2]}, [("rule.some", "expects a mapping with keys over, as, where")]),
        (
            {"map": {"over": [], "as": "x", "where": 1}},
            [("rule.map", "expects a mapping with keys over, as, to")],
        ),
        (
            {"all": {"over": [], "as": "x", "where": True, "unknown": "skip"}},
            [("rule.all", "expects a mapping with keys over, as, where")],
        ),
        (
            {"filter": {"over": [], "as": "x", "where": True, "extra": 1}},
            [("rule.filter", "expects a mapping with keys over, as, where")],
        ),
        (
            {"all": {"over": [], "as": "X", "where": True}},
            [("rule.all.as", "expects a lower-case name, got 'X'")],
        ),
        (
            {"all": {"over": [], "as": 3, "where": True}},
            [("rule.all.as", "expects a lower-case name, got 3")],
        ),
        (
            {"filter": {"over": [], "as": "x", "where": True, "unknown": "drop"}},
            [("rule.filter.unknown", "expects 'propagate' or 'skip'")],
        ),
    ],
)
def test_problem_messages_and_paths(node: Any, expected: list[tuple[str, str]]) -> None:
    assert problems(node) == expected


def test_every_problem_in_a_tree_is_reported_with_its_path() -> None:
    node = {
        "and": [
            {">=": [{"ref": "capitl"}, {"param": "nope"}]},
            {"not": {"var": "company.nope"}},
            {
                "some": {
                    "over": {"var": "company.shareholders"},
                    "as": "s",
                    "where": {"==": [{"ref": "s.jurisdiction"}, {"ref": "t.x"}]},
                }
            },
            {"bogus": []},
        ]
    }
    assert problems(node) == [
        ("rule.and[0].>=[0].ref", "'capitl' is not a let binding or iteration variable in scope"),
        ("rule.and[0].>=[1].param", "unknown parameter 'nope'"),
        ("rule.and[1].not[0].var", "'company.nope' is not a field of the company profile contract"),
        (
            "rule.and[2].some.over.var",
            "'company.shareholders' is not a field of the company profile contract",
        ),
        ("rule.and[2].some.where.==[1].ref", "'t' is not a let binding or iteration variable in scope"),
        ("rule.and[3].bogus", f"unknown operator 'bogus'; known: {KNOWN_OPERATORS}"),
    ]


def test_iteration_variable_is_only_in_scope_inside_the_body() -> None:
    node = {"and": [{"all": {"over": [1], "as": "n", "where": {"ref": "n"}}}, {"ref": "n"}]}
    assert problems(node) == [("rule.and[1].ref", "'n' is not a let binding or iteration variable in scope")]


def test_iteration_variable_is_not_in_scope_in_over() -> None:
    node = {"all": {"over": {"ref": "n"}, "as": "n", "where": True}}
    assert problems(node) == [
        ("rule.all.over.ref", "'n' is not a let binding or iteration variable in scope")
    ]


def test_bad_quantifier_name_stops_checking_the_body() -> None:
    node = {"all": {"over": {"bogus": 1}, "as": "X", "where": {"bogus": 1}}}
    assert problems(node) == [("rule.all.as", "expects a lower-case name, got 'X'")]


def test_profile_paths_are_not_checked_without_a_contract() -> None:
    assert problems({"var": "anything.at_all"}, names(profile_paths=None)) == []


def test_found_vars_collects_profile_reads() -> None:
    scope = names()
    node = {
        "and": [
            {"var": "company.province"},
            {"missing": "service.content_areas"},
            {"present": "company.registered_capital_cny"},
            {"ref": "capital"},
            {"param": "pilot.zones"},
        ]
    }
    assert list(check_node(node, "rule", scope)) == []
    assert scope.found_vars == {"company.province", "service.content_areas", "company.registered_capital_cny"}


def test_with_local_shares_found_vars() -> None:
    scope = names()
    inner = scope.with_local("s")
    assert "s" in inner.locals
    assert "s" not in scope.locals
    inner.found_vars.add("company.province")
    assert scope.found_vars == {"company.province"}


def test_rule_problem_str() -> None:
    assert (
        str(RuleProblem("versions[0].conditions[1].test.var", "bad"))
        == "versions[0].conditions[1].test.var: bad"
    )


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (None, True),
        ("x", True),
        (1, True),
        ([1, "a", None], True),
        ([[1]], False),
        ({"var": "x"}, False),
        ([{}], False),
    ],
)
def test_is_literal(node: Any, expected: bool) -> None:
    assert is_literal(node) is expected


@pytest.mark.parametrize(
    ("op", "arg", "expected"),
    [
        ("not", True, [True]),
        ("not", [True], [True]),
        ("sum", {"var": "x"}, [{"var": "x"}]),
        ("count", [1, 2], [1, 2]),
        ("and", True, True),  # not one-argument: left alone, so the arity check reports it
        ("==", "a", "a"),
    ],
)
def test_unary_shorthand(op: str, arg: Any, expected: Any) -> None:
    assert unary_shorthand(op, arg) == expected
