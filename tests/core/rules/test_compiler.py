"""The rule compiler: generated verdict and explain functions against a reference tree-walking interpreter.

The reference below is written independently of the compiler and is as plain as possible: it evaluates
every operand (no short-circuits) and says what each operator means in three-valued logic, with
:data:`UNK` for a value that cannot be known from the profile.
"""

from __future__ import annotations

import ast
import operator
import re
import warnings
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from licensedesk.core.rules.compiler import (
    NOT_APPLICABLE,
    VERDICT_NAMES,
    CompiledRules,
    Outcome,
    Unit,
    Unknown,
    compile_units,
)

AS_OF = "2026-11-28"
PARAMS: dict[str, Any] = {"p": {"n": 3, "tags": ["a", "c"]}, "zones": ["b"]}
STATUS_VERDICT = {
    "met": "eligible",
    NOT_APPLICABLE: "eligible",
    "unknown": "incomplete",
    "unmet": "not_eligible",
}


def compile_one(test: Any, **unit: Any) -> CompiledRules:
    return compile_units([Unit("t", test=test, **unit)], name="t")


def outcome(test: Any, profile: dict[str, Any], **unit: Any) -> Outcome:
    """Explain one unit, checking that the verdict function agrees with the explained status."""
    rules = compile_one(test, **unit)
    result = rules.explain[0](profile, PARAMS, AS_OF)
    assert VERDICT_NAMES[rules.verdict(profile, PARAMS, AS_OF)] == STATUS_VERDICT[result.status]
    return result


def status(test: Any, profile: dict[str, Any], **unit: Any) -> str:
    return outcome(test, profile, **unit).status


def xs(**fields: Any) -> dict[str, Any]:
    """A profile whose ``x`` object holds ``fields``; a field given as ABSENT is left out."""
    return {"x": {k: v for k, v in fields.items() if v is not ABSENT}}


ABSENT = object()
A, B = {"var": "x.a"}, {"var": "x.b"}
T, F, U = True, False, ABSENT
TRUTH = {T: "met", F: "unmet", U: "unknown"}


# -- three-valued logic -----------------------------------------------------------------------------

AND_TABLE = [
    (T, T, "met"), (T, F, "unmet"), (T, U, "unknown"),
    (F, T, "unmet"), (F, F, "unmet"), (F, U, "unmet"),
    (U, T, "unknown"), (U, F, "unmet"), (U, U, "unknown"),
]  # fmt: skip
OR_TABLE = [
    (T, T, "met"), (T, F, "met"), (T, U, "met"),
    (F, T, "met"), (F, F, "unmet"), (F, U, "unknown"),
    (U, T, "met"), (U, F, "unknown"), (U, U, "unknown"),
]  # fmt: skip


@pytest.mark.parametrize(("a", "b", "expected"), AND_TABLE)
def test_and_is_three_valued(a: Any, b: Any, expected: str) -> None:
    assert status({"and": [A, B]}, xs(a=a, b=b)) == expected


@pytest.mark.parametrize(("a", "b", "expected"), OR_TABLE)
def test_or_is_three_valued(a: Any, b: Any, expected: str) -> None:
    assert status({"or": [A, B]}, xs(a=a, b=b)) == expected


def test_and_with_three_operands_is_false_when_the_last_is_false_after_an_unknown() -> None:
    test = {"and": [A, B, {"var": "x.c"}]}
    assert status(test, xs(a=True, c=False)) == "unmet"
    assert status(test, xs(a=True, c=True)) == "unknown"


def test_or_with_three_operands_is_true_when_the_last_is_true_after_an_unknown() -> None:
    test = {"or": [A, B, {"var": "x.c"}]}
    assert status(test, xs(a=False, c=True)) == "met"
    assert status(test, xs(a=False, c=False)) == "unknown"


def test_unknown_and_names_every_unknown_operand() -> None:
    result = outcome({"and": [A, B]}, xs())
    assert result.status == "unknown"
    assert result.missing == ("x.a", "x.b")


def test_false_and_unknown_names_nothing() -> None:
    result = outcome({"and": [A, B]}, xs(a=False))
    assert (result.status, result.missing) == ("unmet", ())


@pytest.mark.parametrize(("a", "expected"), [(T, "unmet"), (F, "met"), (U, "unknown")])
def test_not(a: Any, expected: str) -> None:
    assert status({"not": A}, xs(a=a)) == expected
    assert status({"not": [A]}, xs(a=a)) == expected


def test_not_of_unknown_keeps_the_missing_path() -> None:
    assert outcome({"not": [A]}, xs()).missing == ("x.a",)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(T, T, "met"), (T, F, "unmet"), (T, U, "unknown"), (F, U, "unmet"), (F, T, "unmet"), (U, T, "unknown")],
)
def test_if(a: Any, b: Any, expected: str) -> None:
    assert status({"if": [A, B, False]}, xs(a=a, b=b)) == expected


def test_if_with_unknown_condition_names_the_condition() -> None:
    assert outcome({"if": [A, True, True]}, xs()).missing == ("x.a",)


def test_if_only_evaluates_the_branch_taken() -> None:
    assert status({"if": [A, True, B]}, xs(a=True)) == "met"
    assert status({"if": [A, B, True]}, xs(a=False)) == "met"


# -- coalesce, missing, present ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"n": 1}, "met"),
        ({"m": 1}, "met"),
        ({"n": 2, "m": 1}, "unmet"),
        ({"n": 1, "m": 2}, "met"),
        ({}, "unknown"),
    ],
)
def test_coalesce_takes_the_first_known_value(fields: dict[str, Any], expected: str) -> None:
    assert status({"==": [{"coalesce": [{"var": "x.n"}, {"var": "x.m"}]}, 1]}, xs(**fields)) == expected


def test_coalesce_of_unknowns_names_all_of_them() -> None:
    result = outcome({"==": [{"coalesce": [{"var": "x.n"}, {"var": "x.m"}]}, 1]}, xs())
    assert result.missing == ("x.n", "x.m")


def test_coalesce_with_a_literal_default_is_never_unknown() -> None:
    test = {"==": [{"coalesce": [{"var": "x.s"}, "provincial"]}, "provincial"]}
    assert status(test, xs()) == "met"
    assert status(test, xs(s="national")) == "unmet"


def test_coalesce_keeps_a_present_null() -> None:
    assert status({"==": [{"coalesce": [{"var": "x.s"}, "d"]}, None]}, xs(s=None)) == "met"


@pytest.mark.parametrize(("fields", "missing", "present"), [({}, "met", "unmet"), ({"a": 0}, "unmet", "met")])
def test_missing_and_present_are_never_unknown(fields: dict[str, Any], missing: str, present: str) -> None:
    assert status({"missing": "x.a"}, xs(**fields)) == missing
    assert status({"present": "x.a"}, xs(**fields)) == present


def test_present_null_is_present() -> None:
    assert status({"present": "x.a"}, xs(a=None)) == "met"


def test_missing_parent_object() -> None:
    assert status({"missing": "x.a"}, {}) == "met"
    assert outcome({"==": [A, 1]}, {}).missing == ("x.a",)


# -- comparisons ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "a", "expected"),
    [
        ("==", 1, "met"), ("==", 2, "unmet"), ("!=", 2, "met"), ("!=", 1, "unmet"),
        ("<", 0, "met"), ("<", 1, "unmet"), ("<=", 1, "met"), ("<=", 2, "unmet"),
        (">", 2, "met"), (">", 1, "unmet"), (">=", 1, "met"), (">=", 0.99, "unmet"),
    ],
)  # fmt: skip
def test_comparisons(op: str, a: Any, expected: str) -> None:
    assert status({op: [A, 1]}, xs(a=a)) == expected


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_comparison_with_an_absent_operand_is_unknown(op: str) -> None:
    result = outcome({op: [A, B]}, xs(b=1))
    assert (result.status, result.missing) == ("unknown", ("x.a",))
    result = outcome({op: [A, B]}, xs(a=1))
    assert (result.status, result.missing) == ("unknown", ("x.b",))


@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
def test_ordering_with_a_null_field_is_unknown(op: str) -> None:
    assert status({op: [A, 1]}, xs(a=None)) == "unknown"
    assert status({op: [1, A]}, xs(a=None)) == "unknown"


def test_equality_with_null_is_known() -> None:
    assert status({"==": [A, None]}, xs(a=None)) == "met"
    assert status({"==": [A, None]}, xs(a="2027-01-01")) == "unmet"
    assert status({"!=": [A, None]}, xs(a=None)) == "unmet"


def test_dates_compare_as_iso_strings_against_as_of() -> None:
    test = {">=": [A, {"ctx": "as_of"}]}
    assert status(test, xs(a="2026-11-28")) == "met"
    assert status(test, xs(a="2026-11-27")) == "unmet"


@pytest.mark.parametrize(
    ("test", "profile"),
    [
        # a null date with a far-future default: coalesce keeps the null, and the comparison must not crash
        ({">=": [{"coalesce": [A, "9999-12-31"]}, {"ctx": "as_of"}]}, xs(a=None)),
        # a null inside a list iterated over
        ({"some": {"over": A, "as": "n", "where": {">": [{"ref": "n"}, 1]}}}, xs(a=[None, 0])),
    ],
    ids=["coalesce-with-default", "iteration-item"],
)
def test_ordering_with_null_is_unknown_whatever_the_operand(test: Any, profile: dict[str, Any]) -> None:
    assert status(test, profile) == "unknown"


@pytest.mark.parametrize(("a", "expected"), [("a", "met"), ("c", "unmet"), (ABSENT, "unknown")])
def test_in_a_literal_list(a: Any, expected: str) -> None:
    assert status({"in": [A, ["a", "b"]]}, xs(a=a)) == expected


@pytest.mark.parametrize(("tags", "expected"), [(["x", "a"], "met"), ([], "unmet"), (ABSENT, "unknown")])
def test_in_a_profile_list(tags: Any, expected: str) -> None:
    assert status({"in": ["a", {"var": "x.tags"}]}, xs(tags=tags)) == expected


def test_in_a_parameter_list() -> None:
    assert status({"in": [A, {"param": "p.tags"}]}, xs(a="c")) == "met"
    assert status({"in": [A, {"param": "p.tags"}]}, xs(a="b")) == "unmet"


# -- lists ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nums", "expected"), [([1, 2, 3], "met"), ([6], "met"), ([], "unmet"), ([1], "unmet")]
)
def test_sum(nums: list[int], expected: str) -> None:
    assert status({"==": [{"sum": {"var": "x.nums"}}, 6]}, xs(nums=nums)) == expected


def test_sum_of_empty_list_is_zero() -> None:
    assert status({"==": [{"sum": [{"var": "x.nums"}]}, 0]}, xs(nums=[])) == "met"


@pytest.mark.parametrize("op", ["sum", "count", "empty", "nonempty"])
def test_list_operators_on_an_absent_list_are_unknown(op: str) -> None:
    result = outcome({"==": [{op: {"var": "x.nums"}}, 0]}, xs())
    assert (result.status, result.missing) == ("unknown", ("x.nums",))


def test_count() -> None:
    assert status({"==": [{"count": {"var": "x.tags"}}, 2]}, xs(tags=["a", "b"])) == "met"
    assert status({"==": [{"count": {"var": "x.tags"}}, 2]}, xs(tags=["a"])) == "unmet"


@pytest.mark.parametrize(("tags", "empty", "nonempty"), [([], "met", "unmet"), (["a"], "unmet", "met")])
def test_empty_and_nonempty(tags: list[str], empty: str, nonempty: str) -> None:
    assert status({"empty": {"var": "x.tags"}}, xs(tags=tags)) == empty
    assert status({"nonempty": [{"var": "x.tags"}]}, xs(tags=tags)) == nonempty


def test_intersect_with_a_parameter_keeps_the_order_of_the_first_list() -> None:
    let = (("common", {"intersect": [{"var": "x.tags"}, {"param": "p.tags"}]}),)
    result = outcome({"nonempty": {"ref": "common"}}, xs(tags=["c", "b", "a"]), let=let)
    assert result.status == "met"
    assert result.bindings == {"common": ["c", "a"]}
    assert status({"nonempty": {"ref": "common"}}, xs(tags=["b"]), let=let) == "unmet"


def test_intersect_with_an_unknown_side_is_unknown() -> None:
    test = {"nonempty": {"intersect": [{"var": "x.tags"}, {"var": "x.other"}]}}
    assert outcome(test, xs(tags=["a"])).missing == ("x.other",)
    assert outcome(test, xs(other=["a"])).missing == ("x.tags",)
    assert status(test, xs(tags=["a"], other=["b", "a"])) == "met"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("深圳市南山区", "met"),
        ("15 Keyuan Road, Shenzhen", "met"),
        ("广州市天河区", "unmet"),
        (ABSENT, "unknown"),
    ],
)
def test_contains_any(address: Any, expected: str) -> None:
    assert status({"contains_any": [A, ["深圳", "Shenzhen"]]}, xs(a=address)) == expected


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # see test_generated_code_compiles_cleanly
def test_contains_any_with_unknown_keywords() -> None:
    result = outcome({"contains_any": ["深圳市", {"var": "x.keywords"}]}, xs())
    assert (result.status, result.missing) == ("unknown", ("x.keywords",))


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("2024-11-29", "unmet"),  # 1 year 364 days before 2026-11-28
        ("2024-11-28", "met"),  # exactly 2 years
        ("2020-01-01", "met"),
        (None, "unknown"),
        (ABSENT, "unknown"),
    ],
)
def test_add_years_compares_with_the_as_of_date(since: Any, expected: str) -> None:
    test = {"<=": [{"add_years": [A, 2]}, {"ctx": "as_of"}]}
    assert status(test, xs(a=since)) == expected


def test_add_years_from_29_february_ends_on_28_february() -> None:
    let = (("until", {"add_years": [A, 1]}),)
    result = outcome({"<=": [{"ref": "until"}, {"ctx": "as_of"}]}, xs(a="2024-02-29"), let=let)
    assert result.bindings == {"until": "2025-02-28"}
    assert outcome({"==": [{"add_years": [A, 4]}, "2028-02-29"]}, xs(a="2024-02-29")).status == "met"


def test_add_years_past_the_last_representable_year_is_the_last_day() -> None:
    assert outcome({"==": [{"add_years": [A, 2]}, "9999-12-31"]}, xs(a="9999-06-01")).status == "met"
    assert status({"<=": [{"add_years": [A, 2]}, {"ctx": "as_of"}]}, xs(a="9998-12-31")) == "unmet"


def test_add_years_names_the_absent_date() -> None:
    assert outcome({"<=": [{"add_years": [A, 2]}, {"ctx": "as_of"}]}, xs()).missing == ("x.a",)


def test_a_path_through_a_hyphenated_key_reads_the_license_section() -> None:
    test = {"and": [{"var": "extensions.labour-dispatch.ready"}, {"var": "extensions.labour_dispatch.ready"}]}
    profile = {"extensions": {"labour-dispatch": {"ready": True}, "labour_dispatch": {"ready": False}}}
    assert status(test, profile) == "unmet"
    assert outcome({"var": "extensions.labour-dispatch.ready"}, {}).missing == (
        "extensions.labour-dispatch.ready",
    )
    assert status({"var": "extensions.labour-dispatch.ready"}, profile) == "met"


# -- quantifiers ------------------------------------------------------------------------------------

ITEMS = {"var": "x.items"}
V_POSITIVE = {">=": [{"ref": "i.v"}, 1]}


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], "met"),
        ([{"v": 1}, {"v": 2}], "met"),
        ([{"v": 1}, {"v": 0}], "unmet"),
        ([{}, {"v": 0}], "unmet"),  # unknown and false is false
        ([{"v": 1}, {}], "unknown"),
        (ABSENT, "unknown"),
    ],
)
def test_all(items: Any, expected: str) -> None:
    assert status({"all": {"over": ITEMS, "as": "i", "where": V_POSITIVE}}, xs(items=items)) == expected


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], "unmet"),
        ([{"v": 0}, {"v": 2}], "met"),
        ([{}, {"v": 2}], "met"),  # unknown or true is true
        ([{}, {"v": 0}], "unknown"),
        ([{"v": 0}], "unmet"),
        (ABSENT, "unknown"),
    ],
)
def test_some(items: Any, expected: str) -> None:
    assert status({"some": {"over": ITEMS, "as": "i", "where": V_POSITIVE}}, xs(items=items)) == expected


def test_quantifier_missing_paths_name_the_item_field() -> None:
    result = outcome({"all": {"over": ITEMS, "as": "i", "where": V_POSITIVE}}, xs(items=[{"v": 1}, {}]))
    assert result.missing == ("x.items[*].v",)
    result = outcome({"all": {"over": ITEMS, "as": "i", "where": V_POSITIVE}}, xs())
    assert result.missing == ("x.items",)


def count_filter(unknown: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"over": ITEMS, "as": "i", "where": V_POSITIVE}
    if unknown is not None:
        spec["unknown"] = unknown
    return {"count": {"filter": spec}}


@pytest.mark.parametrize(
    ("unknown", "items", "expected"),
    [
        ("skip", [{"v": 2}, {}, {"v": 0}], "met"),
        ("skip", [{}, {}], "unmet"),
        ("propagate", [{"v": 2}, {}, {"v": 0}], "unknown"),
        (None, [{"v": 2}, {}, {"v": 0}], "unknown"),  # propagate is the default
        ("propagate", [{"v": 2}, {"v": 0}], "met"),
        ("skip", ABSENT, "unknown"),
    ],
)
def test_filter_unknown_skip_or_propagate(unknown: str | None, items: Any, expected: str) -> None:
    assert status({"==": [count_filter(unknown), 1]}, xs(items=items)) == expected


def test_filter_keeps_the_matching_items() -> None:
    let = (("kept", {"filter": {"over": ITEMS, "as": "i", "where": V_POSITIVE, "unknown": "skip"}}),)
    result = outcome({"nonempty": {"ref": "kept"}}, xs(items=[{"v": 2, "k": "a"}, {}, {"v": 0}]), let=let)
    assert result.bindings == {"kept": [{"v": 2, "k": "a"}]}


@pytest.mark.parametrize(
    ("items", "expected"), [([{"v": 1}, {"v": 2}], "met"), ([{"v": 1}], "unmet"), ([{"v": 1}, {}], "unknown")]
)
def test_map(items: list[dict[str, Any]], expected: str) -> None:
    total = {"sum": {"map": {"over": ITEMS, "as": "i", "to": {"ref": "i.v"}}}}
    assert status({"==": [total, 3]}, xs(items=items)) == expected


def test_map_binding_and_unknown_path() -> None:
    let = (("values", {"map": {"over": ITEMS, "as": "i", "to": {"ref": "i.v"}}}),)
    assert outcome({"nonempty": {"ref": "values"}}, xs(items=[{"v": 1}, {"v": 2}]), let=let).bindings == {
        "values": [1, 2]
    }
    result = outcome({"nonempty": {"ref": "values"}}, xs(items=[{"v": 1}, {}]), let=let)
    assert result.missing == ("x.items[*].v",)
    assert isinstance(result.bindings["values"], Unknown)


def test_map_over_a_filtered_list_names_the_profile_path_of_a_missing_field() -> None:
    filtered = {"filter": {"over": ITEMS, "as": "i", "where": {"!=": [{"ref": "i.k"}, "cn"]}}}
    total = {"sum": {"map": {"over": filtered, "as": "j", "to": {"ref": "j.v"}}}}
    result = outcome({">": [total, 50]}, xs(items=[{"k": "hk"}]))
    assert result.missing == ("x.items[*].v",)


def test_nested_quantifiers_see_the_outer_variable() -> None:
    test = {
        "all": {
            "over": {"var": "x.tags"},
            "as": "t",
            "where": {"some": {"over": ITEMS, "as": "i", "where": {"==": [{"ref": "i.k"}, {"ref": "t"}]}}},
        }
    }
    assert status(test, xs(tags=["a", "b"], items=[{"k": "b"}, {"k": "a"}])) == "met"
    assert status(test, xs(tags=["a", "c"], items=[{"k": "b"}, {"k": "a"}])) == "unmet"
    assert status(test, xs(tags=["a"], items=[{}])) == "unknown"


# -- units: let, applies_when, warnings, verdict ---------------------------------------------------


def test_let_bindings_are_reported_in_order_with_unknowns() -> None:
    let = (
        ("capital", {"var": "x.capital"}),
        ("floor", {"param": "p.n"}),
        ("ok", {">=": [{"ref": "capital"}, {"ref": "floor"}]}),
    )
    result = outcome({"ref": "ok"}, xs(capital=5), let=let)
    assert result.bindings == {"capital": 5, "floor": 3, "ok": True}
    result = outcome({"ref": "ok"}, xs(), let=let)
    assert list(result.bindings) == ["capital", "floor", "ok"]
    assert result.bindings["floor"] == 3
    assert result.bindings["capital"].paths == ("x.capital",)


@pytest.mark.parametrize(
    ("fields", "expected", "missing"),
    [
        ({"applies": False, "a": False}, "not_applicable", ()),
        ({"applies": True, "a": False}, "unmet", ()),
        ({"applies": True, "a": True}, "met", ()),
        ({"a": False}, "unknown", ("x.applies",)),
        ({"applies": True}, "unknown", ("x.a",)),
    ],
)
def test_applies_when(fields: dict[str, Any], expected: str, missing: tuple[str, ...]) -> None:
    result = outcome(A, xs(**fields), applies_when={"var": "x.applies"})
    assert (result.status, result.missing) == (expected, missing)


@pytest.mark.parametrize(("a", "fired"), [(True, (0,)), (False, ()), (ABSENT, ())])
def test_warnings_fire_only_when_known_true(a: Any, fired: tuple[int, ...]) -> None:
    result = outcome(True, xs(a=a), warnings=({"ref": "flag"}, False), let=(("flag", A),))
    assert result.warnings == fired


def test_warning_on_a_missing_field() -> None:
    assert outcome(True, xs(), warnings=({"missing": "x.coverage"},)).warnings == (0,)
    assert outcome(True, xs(coverage="national"), warnings=({"missing": "x.coverage"},)).warnings == ()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"a": True, "b": True}, "eligible"),
        ({"a": True}, "incomplete"),
        ({"b": True}, "incomplete"),
        ({}, "incomplete"),
        ({"a": False}, "not_eligible"),  # unmet first, unknown second
        ({"b": False}, "not_eligible"),  # unknown first, unmet second
        ({"a": False, "b": True}, "not_eligible"),
    ],
)
def test_verdict_precedence_over_units(fields: dict[str, Any], expected: str) -> None:
    rules = compile_units([Unit("first", test=A), Unit("second", test=B)], name="t")
    assert VERDICT_NAMES[rules.verdict(xs(**fields), PARAMS, AS_OF)] == expected


def test_not_applicable_unit_does_not_block_eligibility() -> None:
    rules = compile_units([Unit("first", test=False, applies_when=A), Unit("second", test=True)], name="t")
    assert VERDICT_NAMES[rules.verdict(xs(a=False), PARAMS, AS_OF)] == "eligible"
    assert VERDICT_NAMES[rules.verdict(xs(a=True), PARAMS, AS_OF)] == "not_eligible"
    assert VERDICT_NAMES[rules.verdict(xs(), PARAMS, AS_OF)] == "incomplete"


# -- generated code ---------------------------------------------------------------------------------


def test_a_field_first_read_in_a_loop_is_usable_by_a_later_unit() -> None:
    """Regression: reading ``x.n`` first inside a loop body left it unassigned when the loop ran 0 times."""
    units = [
        Unit(
            "loop",
            test={"some": {"over": ITEMS, "as": "i", "where": {"==": [{"ref": "i.v"}, {"var": "x.n"}]}}},
        ),
        Unit("later", test={">=": [{"var": "x.n"}, 1]}, warnings=({"present": "x.n"},)),
        Unit("branch", test={"if": [A, {"var": "x.m"}, True]}),
        Unit("again", test={"==": [{"var": "x.m"}, 1]}),
    ]
    rules = compile_units(units, name="t")
    for profile in (xs(items=[], n=2, m=1), xs(n=2), xs(items=[], n=2, a=False, m=1), {}):
        verdict = rules.verdict(profile, PARAMS, AS_OF)
        statuses = [fn(profile, PARAMS, AS_OF).status for fn in rules.explain]
        assert VERDICT_NAMES[verdict] == ref_verdict(statuses)
    assert [fn(xs(items=[], n=2, m=1), PARAMS, AS_OF).status for fn in rules.explain] == [
        "unmet", "met", "unknown", "met",
    ]  # fmt: skip


def test_generated_code_reads_every_field_at_the_top_level_of_each_function() -> None:
    units = [
        Unit(
            "loop", test={"all": {"over": ITEMS, "as": "i", "where": {"<": [{"ref": "i.v"}, {"var": "x.n"}]}}}
        ),
        Unit(
            "nested",
            test={"or": [A, {"and": [B, {"if": [{"var": "x.c"}, {"var": "x.d"}, {"var": "x.e"}]}]}]},
            let=(("unused", {"var": "x.f"}),),
            applies_when={"present": "x.g"},
        ),
        Unit("later", test={"and": [{"var": "x.n"}, {"var": "x.d"}, {"var": "x.f"}]}),
    ]
    tree = ast.parse(compile_units(units, name="t").source)
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert [f.name for f in functions] == ["verdict", "explain_0", "explain_1", "explain_2"]
    for function in functions:
        top_level = {
            target.id
            for statement in function.body
            if isinstance(statement, ast.Assign)
            for target in statement.targets
            if isinstance(target, ast.Name)
        }
        reads = {
            target.id
            for node in ast.walk(function)
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name) and target.id.startswith("v_")
        }
        assert reads, function.name
        assert reads <= top_level, f"{function.name} reads {sorted(reads - top_level)} inside a block"


def test_generated_namespace_has_only_four_builtins() -> None:
    rules = compile_one({"var": "x.a"})
    for fn in (rules.verdict, *rules.explain):
        builtins = fn.__globals__["__builtins__"]
        assert set(builtins) == {"len", "sum", "any", "tuple"}
        with pytest.raises(NameError):
            eval("open", fn.__globals__)
        with pytest.raises(NameError):
            eval("__import__", fn.__globals__)


@pytest.mark.parametrize(
    "text", ["__import__('os')", "open('/etc/passwd').read()", "'); import os; ('", "\n"]
)
def test_rule_strings_are_literals_not_code(text: str) -> None:
    rules = compile_one(text, let=(("s", text),))
    result = rules.explain[0]({}, PARAMS, AS_OF)
    assert result.status == "met"  # a non-empty string literal is truthy
    assert result.bindings == {"s": text}
    assert repr(text) in rules.source
    assert VERDICT_NAMES[rules.verdict({}, PARAMS, AS_OF)] == "eligible"


def test_rule_string_compared_with_a_profile_value() -> None:
    assert status({"==": [A, "__import__('os')"]}, xs(a="__import__('os')")) == "met"
    assert status({"==": [A, "__import__('os')"]}, xs(a="os")) == "unmet"


@pytest.mark.parametrize(
    "test",
    [
        {"contains_any": ["深圳市南山区", {"var": "x.keywords"}]},
        {"contains_any": ["深圳市南山区", ["深圳"]]},
        {"in": ["a", ["a", "b"]]},
        {"<": [1, 2]},
        {"and": [True, {"not": False}]},
    ],
)
def test_generated_code_compiles_cleanly(test: Any) -> None:
    """Literal operands must not produce code such as ``'x' is not None`` (a SyntaxWarning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile_one(test)


def test_empty_string_literal_is_falsy() -> None:
    assert status("", {}) == "unmet"


# -- the reference interpreter ---------------------------------------------------------------------


class _Unk:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNK"


UNK = _Unk()
UNARY = {"not", "sum", "count", "empty", "nonempty"}
COMPARE = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def lookup(value: Any, parts: list[str]) -> Any:
    for part in parts:
        if value is UNK:
            return UNK
        value = value.get(part, UNK)
    return value


def ref_eval(node: Any, profile: dict[str, Any], scope: dict[str, Any]) -> Any:
    if not isinstance(node, dict):
        return node
    ((op, arg),) = node.items()
    if op in UNARY and not isinstance(arg, list):
        arg = [arg]

    def sub(n: Any) -> Any:
        return ref_eval(n, profile, scope)

    if op == "var":
        parents, last = arg.split(".")[:-1], arg.split(".")[-1]
        container = profile
        for part in parents:
            container = container.get(part, {})
        return container.get(last, UNK)
    if op == "missing":
        return ref_eval({"var": arg}, profile, scope) is UNK
    if op == "present":
        return ref_eval({"var": arg}, profile, scope) is not UNK
    if op == "ref":
        name, *fields = arg.split(".")
        return lookup(scope[name], fields)
    if op == "param":
        return lookup(PARAMS, arg.split("."))
    if op == "ctx":
        return AS_OF
    values = [sub(a) for a in arg] if isinstance(arg, list) else None
    if op in COMPARE:
        a, b = values
        if a is UNK or b is UNK:
            return UNK
        if op not in ("==", "!=") and (a is None or b is None):
            return UNK
        return COMPARE[op](a, b)
    if op == "in":
        a, b = values
        return UNK if UNK in (a, b) else a in b
    if op == "not":
        return UNK if values[0] is UNK else not values[0]
    if op == "and":
        if any(v is not UNK and not v for v in values):
            return False
        return UNK if any(v is UNK for v in values) else True
    if op == "or":
        if any(v is not UNK and v for v in values):
            return True
        return UNK if any(v is UNK for v in values) else False
    if op == "if":
        cond, then, other = values
        return UNK if cond is UNK else (then if cond else other)
    if op == "coalesce":
        return next((v for v in values if v is not UNK), UNK)
    if op in ("sum", "count", "empty", "nonempty"):
        (a,) = values
        if a is UNK:
            return UNK
        return {"sum": sum, "count": len, "empty": lambda x: len(x) == 0, "nonempty": lambda x: len(x) > 0}[
            op
        ](a)
    if op == "intersect":
        a, b = values
        return UNK if UNK in (a, b) else [x for x in a if x in b]
    if op == "contains_any":
        a, b = values
        return UNK if UNK in (a, b) else any(k in a for k in b)
    # quantifiers
    over = sub(arg["over"])
    if over is UNK:
        return UNK
    body_key = "to" if op == "map" else "where"
    results = [(item, ref_eval(arg[body_key], profile, {**scope, arg["as"]: item})) for item in over]
    if op == "all":
        if any(r is not UNK and not r for _, r in results):
            return False
        return UNK if any(r is UNK for _, r in results) else True
    if op == "some":
        if any(r is not UNK and r for _, r in results):
            return True
        return UNK if any(r is UNK for _, r in results) else False
    if op == "map":
        return UNK if any(r is UNK for _, r in results) else [r for _, r in results]
    assert op == "filter", op
    if arg.get("unknown", "propagate") == "propagate" and any(r is UNK for _, r in results):
        return UNK
    return [item for item, r in results if r is not UNK and r]


def ref_unit(unit: Unit, profile: dict[str, Any]) -> tuple[str, dict[str, Any], tuple[int, ...]]:
    scope: dict[str, Any] = {}
    for name, tree in unit.let:
        scope[name] = ref_eval(tree, profile, scope)
    fired = tuple(i for i, when in enumerate(unit.warnings) if ref_eval(when, profile, scope) is True)
    if unit.applies_when is not None:
        applies = ref_eval(unit.applies_when, profile, scope)
        if applies is UNK:
            return "unknown", scope, fired
        if not applies:
            return NOT_APPLICABLE, scope, fired
    value = ref_eval(unit.test, profile, scope)
    return ("unknown" if value is UNK else "met" if value else "unmet"), scope, fired


def ref_verdict(statuses: list[str]) -> str:
    if "unmet" in statuses:
        return "not_eligible"
    return "incomplete" if "unknown" in statuses else "eligible"


def test_reference_interpreter_follows_the_tables() -> None:
    for a, b, expected in AND_TABLE:
        value = ref_eval({"and": [A, B]}, xs(a=a, b=b), {})
        assert {True: "met", False: "unmet"}.get(value, "unknown") == expected
    for a, b, expected in OR_TABLE:
        value = ref_eval({"or": [A, B]}, xs(a=a, b=b), {})
        assert {True: "met", False: "unmet"}.get(value, "unknown") == expected


# -- random rule trees ------------------------------------------------------------------------------

#: Profile paths the random trees read, with the kind of value each holds.
PATHS = {
    "x.n1": "num", "x.n2": "num", "y.n": "num", "x.b1": "bool", "x.b2": "bool", "x.s": "str",
    "x.tags": "strs", "x.items": "items",
}  # fmt: skip
Env = tuple[tuple[str, str], ...]  # (kind, ref path) pairs in scope


def refs(env: Env, kind: str) -> list[dict[str, str]]:
    return [{"ref": path} for k, path in env if k == kind]


def leaf(kind: str, env: Env) -> st.SearchStrategy[Any]:
    variables = [{"var": p} for p, k in PATHS.items() if k == kind]
    options: list[st.SearchStrategy[Any]] = []
    if kind == "bool":
        options += [
            st.booleans(),
            st.sampled_from([{"missing": p} for p in PATHS] + [{"present": p} for p in PATHS]),
        ]
    elif kind == "num":
        options += [st.integers(-1, 4), st.just({"param": "p.n"})]
    elif kind == "str":
        options += [st.sampled_from(["a", "b", "c", "ab", ""]), st.just({"ctx": "as_of"})]
    elif kind == "strs":
        options += [st.lists(st.sampled_from(["a", "b", "c"]), max_size=3), st.just({"param": "p.tags"})]
    options += [st.sampled_from(variables + refs(env, kind))] if variables or refs(env, kind) else []
    return st.one_of(options)


def quantified(
    op: str, body_kind: str, depth: int, env: Env, over_kind: str | None = None
) -> st.SearchStrategy:
    """``{op: {over, as, where|to}}`` over a list of items or of strings."""
    body_key = "to" if op == "map" else "where"

    def build(over_kind: str) -> st.SearchStrategy[Any]:
        name = f"i{depth}" if over_kind == "items" else f"t{depth}"
        inner = (("str", f"{name}.k"), ("num", f"{name}.v")) if over_kind == "items" else (("str", name),)
        unknown = (
            st.sampled_from([{}, {"unknown": "skip"}, {"unknown": "propagate"}])
            if op == "filter"
            else st.just({})
        )
        # half of the bodies look at the item directly, so that missing item fields matter often
        own = [{"ref": path} for k, path in inner if k == body_kind]
        if body_kind == "bool":
            own = [{op: [{"ref": path}, value]} for k, path in inner for op, value in (("==", "a"), (">=", 1))
                   if (k, value) in (("str", "a"), ("num", 1))]  # fmt: skip
        body = expr(body_kind, depth - 1, env + inner)
        return st.builds(
            lambda over, body, extra: {op: {"over": over, "as": name, body_key: body, **extra}},
            expr(over_kind, depth - 1, env),
            st.one_of(st.sampled_from(own), body) if own else body,
            unknown,
        )

    return build(over_kind) if over_kind else st.one_of(build("items"), build("strs"))


def unary(op: str, arg: Any) -> st.SearchStrategy[dict[str, Any]]:
    """``{op: arg}`` (the one-argument shorthand) or ``{op: [arg]}``; a literal list needs the long form."""
    if isinstance(arg, dict):
        return st.sampled_from([{op: arg}, {op: [arg]}])
    return st.just({op: [arg]})


@cache
def expr(kind: str, depth: int, env: Env) -> st.SearchStrategy[Any]:
    if kind == "items":
        base = st.just({"var": "x.items"})
        if depth <= 0:
            return base
        return st.one_of(base, quantified("filter", "bool", depth, env, "items"))
    if depth <= 0:
        return leaf(kind, env)

    def e(k: str) -> st.SearchStrategy[Any]:
        return expr(k, depth - 1, env)

    def args(*kinds: str) -> st.SearchStrategy[list[Any]]:
        return st.tuples(*(e(k) for k in kinds)).map(list)

    generic = [
        st.builds(lambda a: {"if": a}, args("bool", kind, kind)),
        st.builds(lambda a: {"coalesce": a}, args(kind, kind)),
    ]
    if kind == "bool":
        composite = [
            e("bool").flatmap(lambda a: unary("not", a)),
            st.lists(e("bool"), min_size=2, max_size=3).flatmap(
                lambda a: st.sampled_from([{"and": a}, {"or": a}])
            ),
            st.sampled_from(list(COMPARE)).flatmap(lambda op: args("num", "num").map(lambda a: {op: a})),
            st.sampled_from(["==", "!=", "<", ">="]).flatmap(
                lambda op: args("str", "str").map(lambda a: {op: a})
            ),
            args("bool", "bool").map(lambda a: {"==": a}),
            args("str", "strs").map(lambda a: {"in": a}),
            args("str", "strs").map(lambda a: {"contains_any": a}),
            st.tuples(st.sampled_from(["empty", "nonempty"]), st.one_of(e("strs"), e("items"))).flatmap(
                lambda pair: unary(*pair)
            ),
            st.sampled_from(["all", "some"]).flatmap(lambda op: quantified(op, "bool", depth, env)),
        ]
    elif kind == "num":
        composite = [
            quantified("map", "num", depth, env).flatmap(lambda a: unary("sum", a)),
            st.one_of(e("strs"), e("items")).flatmap(lambda a: unary("count", a)),
        ]
    elif kind == "str":
        composite = []
    else:  # strs
        composite = [
            args("strs", "strs").map(lambda a: {"intersect": a}),
            quantified("filter", "bool", depth, env, "strs"),
            quantified("map", "str", depth, env, "items"),
        ]
    return st.one_of(leaf(kind, env), *generic, *composite)


@st.composite
def units(draw: st.DrawFn, index: int) -> Unit:
    env: Env = ()
    lets = []
    for j in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["bool", "num", "str", "strs"]))
        lets.append((f"l{j}", draw(expr(kind, 2, env))))
        env += ((kind, f"l{j}"),)
    return Unit(
        id=f"u{index}",
        test=draw(expr("bool", 3, env)),
        let=tuple(lets),
        applies_when=draw(st.one_of(st.none(), expr("bool", 1, env))),
        warnings=tuple(draw(st.lists(expr("bool", 2, env), max_size=2))),
    )


ITEM = st.fixed_dictionaries({}, optional={"k": st.sampled_from(["a", "b", "c"]), "v": st.integers(-1, 4)})
PROFILES = st.fixed_dictionaries(
    {},
    optional={
        "x": st.fixed_dictionaries(
            {},
            optional={
                "n1": st.integers(-1, 4) | st.sampled_from([0.5, 2.5]),
                "n2": st.integers(-1, 4),
                "b1": st.booleans(),
                "b2": st.booleans(),
                "s": st.sampled_from(["a", "b", "c", "ab", "", "2026-11-28", "2030-01-01"]),
                "tags": st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
                "items": st.lists(ITEM, max_size=4),
            },
        ),
        "y": st.fixed_dictionaries({}, optional={"n": st.integers(-1, 4)}),
    },
)
UNIT_LISTS = st.integers(1, 4).flatmap(lambda n: st.tuples(*(units(i) for i in range(n))))
ITERATION_PATH = re.compile(r"^[it]\d\.[kv]$")


def same_value(compiled: Any, reference: Any) -> bool:
    if isinstance(compiled, Unknown) or reference is UNK:
        return isinstance(compiled, Unknown) and reference is UNK
    if isinstance(compiled, tuple | list) and isinstance(reference, tuple | list):
        return list(compiled) == list(reference)
    return compiled == reference


# a literal first operand of contains_any compiles with a SyntaxWarning (test_generated_code_compiles_cleanly)
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(unit_list=UNIT_LISTS, profiles=st.lists(PROFILES, min_size=1, max_size=6))
def test_compiled_rules_agree_with_the_reference(unit_list: tuple[Unit, ...], profiles: list[dict]) -> None:
    rules = compile_units(unit_list, name="random")
    item_paths = {"x.items[*].k", "x.items[*].v"}
    for profile in profiles:
        expected = [ref_unit(unit, profile) for unit in unit_list]
        for unit, explain, (status_, scope, fired) in zip(unit_list, rules.explain, expected, strict=True):
            got = explain(profile, PARAMS, AS_OF)
            assert got.status == status_, (unit, profile)
            assert got.warnings == fired, (unit, profile)
            assert list(got.bindings) == [name for name, _ in unit.let]
            for name, value in got.bindings.items():
                assert same_value(value, scope[name]), (name, value, scope[name])
            if got.status == "unknown":
                assert got.missing, (unit, profile)
                for path in got.missing:
                    assert path in PATHS or path in item_paths or ITERATION_PATH.match(path), path
            else:
                assert got.missing == ()
        verdict = VERDICT_NAMES[rules.verdict(profile, PARAMS, AS_OF)]
        assert verdict == ref_verdict([s for s, _, _ in expected]), (unit_list, profile)
