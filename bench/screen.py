"""Bulk screening benchmark: generated profiles through the ICP (B25) rules in one process.

    python bench/screen.py [--n 100000] [--seed 42] [--check-n 20000] [--runs 3]

Profiles are generated first (not timed). Then every route is checked against the engine's verdicts on
every profile (a baseline that decides differently measures nothing: the run stops with exit status 1
if any verdict differs), and then timed, best of ``--runs`` runs, ``gc.collect()`` between runs:

* engine, verdict only  — ``Evaluator.verdict`` (generated verdict function, no explanations);
* engine, check         — ``Evaluator.check`` (explanations, citations, materials, trace);
* hand-written Python   — :func:`hand_verdict`, the ten conditions written directly (the practical limit);
* JsonLogic             — :data:`JSONLOGIC_RULES`, one rule per condition as JSON data, evaluated with
  ``json_logic.jsonLogic`` (panzi-json-logic), combined into a verdict in Python.

Then every other license of the catalog with a baseline in :mod:`bench.licenses` (ICP filing, EDI,
labour dispatch, travel agency): ``--other-n`` profiles of its own generator, the engine's verdict-only
rate beside its hand-written function's, after the same equivalence check, against the same goals.

Both baselines are bound to the same date and parameters as the evaluator; :func:`baseline_problems`
compares their constants with the evaluator's resolved parameters so they cannot silently go stale.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository root importable for ``bench``
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from json_logic import jsonLogic

from bench import licenses as other_licenses
from bench.profiles import REFERENCE_DATE, generate_profiles
from licensedesk.core.eligibility import Evaluator, evaluator_for

LICENSE_ID = "icp-b25"
AS_OF: date = REFERENCE_DATE
AS_OF_ISO = AS_OF.isoformat()

GOAL_VERDICT_PER_S = 50_000
GOAL_CHECK_PER_S = 10_000
GOAL_MAX_VS_HAND = 3.0

ELIGIBLE, INCOMPLETE, NOT_ELIGIBLE = "eligible", "incomplete", "not_eligible"

# -- the parameters both baselines hard-code (as of AS_OF), checked against the evaluator ----------------

CAPITAL_MIN_PROVINCIAL = 1_000_000
CAPITAL_MIN_NATIONAL = 10_000_000
FOREIGN_SHARE_MAX = 50
ENTITY_TYPES = ("limited_company", "joint_stock_company")
PILOT_ZONES = {"CN-BJ": None, "CN-SH": ("临港", "浦东"), "CN-HI": None, "CN-GD": ("深圳", "Shenzhen")}
PILOT_CLOSED_AREAS = (
    "news",
    "publishing",
    "audio_video",
    "culture_entertainment",
    "online_games",
    "live_streaming",
)
PRE_APPROVAL_AREAS = (
    "news",
    "publishing",
    "healthcare",
    "drugs_medical_devices",
)  # education: none since 2016


def baseline_problems(ev: Evaluator) -> list[str]:
    """Differences between the baselines' hard-coded parameters and the evaluator's (empty = in sync)."""
    params = ev.params
    pilot = params["foreign_equity_pilot"]
    checks = {
        "as_of": (ev.as_of, AS_OF),
        "registered_capital_min": (
            params["registered_capital_min"],
            {"provincial": CAPITAL_MIN_PROVINCIAL, "national": CAPITAL_MIN_NATIONAL},
        ),
        "foreign_share_max_pct": (params["foreign_share_max_pct"], FOREIGN_SHARE_MAX),
        "foreign_equity_pilot.zones": (
            {
                z["province"]: tuple(z["keywords"]) if z["keywords"] is not None else None
                for z in pilot["zones"]
            },
            PILOT_ZONES,
        ),
        "foreign_equity_pilot.closed_areas": (sorted(pilot["closed_areas"]), sorted(PILOT_CLOSED_AREAS)),
        "pre_approval_areas": (sorted(params["pre_approval_areas"]), sorted(PRE_APPROVAL_AREAS)),
        "conditions": (
            [c.id for c in ev.compiled.version.conditions],
            list(JSONLOGIC_RULES),
        ),
    }
    return [
        f"{name}: engine {got!r}, baseline {want!r}" for name, (got, want) in checks.items() if got != want
    ]


# -- (a) hand-written plain Python ----------------------------------------------------------------------

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_ENTITY_OK = frozenset(ENTITY_TYPES)
_PILOT_OPEN = frozenset(p for p, keywords in PILOT_ZONES.items() if keywords is None)
_PILOT_KEYWORDS = {p: keywords for p, keywords in PILOT_ZONES.items() if keywords is not None}
_PILOT_CLOSED = frozenset(PILOT_CLOSED_AREAS)
_PRE_AREAS = frozenset(PRE_APPROVAL_AREAS)


def hand_verdict(p: Mapping[str, Any], as_of: str = AS_OF_ISO) -> str:
    """The ten ICP conditions written by hand: None is unknown, three-valued and/or, stop at first unmet."""
    c = p["company"]
    s = p.get("service", _EMPTY)
    r = p.get("readiness", _EMPTY)
    unknown = False

    # legal_entity
    v = c.get("entity_type")
    if v is None:
        unknown = True
    elif v not in _ENTITY_OK:
        return NOT_ELIGIBLE

    # registered_capital (absent coverage counts as provincial)
    v = c.get("registered_capital_cny")
    if v is None:
        unknown = True
    elif v < (CAPITAL_MIN_NATIONAL if s.get("coverage") == "national" else CAPITAL_MIN_PROVINCIAL):
        return NOT_ELIGIBLE

    # foreign_ownership: declared share, else derived from the shareholders' jurisdictions
    share = c.get("foreign_ownership_pct")
    if share is None:
        holders = c.get("shareholders")
        if holders is not None:
            foreign = []
            for h in holders:
                j = h.get("jurisdiction")
                if j is None:
                    break
                if j != "CN":
                    foreign.append(h["share_pct"])
            else:
                share = sum(foreign)  # sum(), like the engine: the same float result on every Python
    if share is None or share > FOREIGN_SHARE_MAX:
        areas = s.get("content_areas")
        pilot = None if areas is None else not any(a in _PILOT_CLOSED for a in areas)
        if pilot is not False:
            province = c.get("province")
            if province is None:
                zone = None
            elif province in _PILOT_OPEN:
                zone = True
            else:
                keywords = _PILOT_KEYWORDS.get(province)
                if keywords is None:
                    zone = False
                else:
                    address = c.get("registered_address")
                    zone = None if address is None else any(k in address for k in keywords)
            if zone is False:
                pilot = False
            elif pilot:
                pilot = zone
        if pilot is False:
            if share is not None:
                return NOT_ELIGIBLE
            unknown = True
        elif pilot is None:
            unknown = True

    # funds_and_staff
    a, b = c.get("staff_total"), c.get("technical_staff")
    if (a is not None and a < 1) or (b is not None and b < 1):
        return NOT_ELIGIBLE
    if a is None or b is None:
        unknown = True

    # business_plan
    a, b = r.get("business_plan"), r.get("technical_solution")
    if a is False or b is False:
        return NOT_ELIGIBLE
    if a is None or b is None:
        unknown = True

    # premises_and_facilities, long_term_service
    for v in (r.get("premises_and_facilities"), r.get("long_term_service_capability")):
        if v is None:
            unknown = True
        elif not v:
            return NOT_ELIGIBLE

    # pre_approval: each pre-approval area needs an approval valid on as_of (null = long-term)
    areas = s.get("content_areas")
    if areas is None:
        unknown = True
    else:
        needed = [a for a in areas if a in _PRE_AREAS]
        if needed:
            approvals = s.get("pre_approvals")
            if approvals is None:
                unknown = True
            else:
                for area in needed:
                    found: bool | None = False
                    for ap in approvals:
                        if ap["area"] == area:
                            if "valid_until" not in ap:
                                found = None  # undated: maybe valid
                            else:
                                until = ap["valid_until"]
                                if until is None or until >= as_of:
                                    found = True
                                    break
                    if found is False:
                        return NOT_ELIGIBLE
                    if found is None:
                        unknown = True

    # security_measures
    sec = r.get("security", _EMPTY)
    a = sec.get("website_security_measures")
    b = sec.get("confidentiality_management_system")
    v = sec.get("user_information_security_system")
    if a is False or b is False or v is False:
        return NOT_ELIGIBLE
    if a is None or b is None or v is None:
        unknown = True

    # clean_record
    v = c.get("on_telecom_dishonesty_list")
    if v is None:
        unknown = True
    elif v:
        return NOT_ELIGIBLE

    return INCOMPLETE if unknown else ELIGIBLE


# -- (b) JsonLogic ---------------------------------------------------------------------------------------
#
# One rule per condition, each answering "met" / "unmet" / "unknown" (/ "not_applicable"). JsonLogic has
# no unknown value, no let bindings and no access to outer data inside some/all/filter, so a JsonLogic
# author writes: explicit `missing` tests for unknown; repeated sub-expressions (the foreign share is
# computed twice, the pilot zone test up to twice); the pilot zones and the five pre-approval areas
# unrolled into the rule; the as-of date as a literal.
#
# Pre-processing in plain Python (timed as part of the route): panzi-json-logic's `var` and `missing`
# cannot tell an explicit null from an absent key, but the contract gives them different meanings for a
# pre-approval's valid_until (null = long-term, absent = not known yet). `jsonlogic_data` therefore
# rewrites valid_until: null to LONG_TERM (a date string after every as-of date) before evaluation.

LONG_TERM = "9999-12-31"

_JL_DECLARED = {"!": {"missing": ["company.foreign_ownership_pct"]}}
_JL_SHARE_KNOWN = {
    "or": [
        _JL_DECLARED,
        {
            "and": [
                {"!": {"missing": ["company.shareholders"]}},
                {"none": [{"var": "company.shareholders"}, {"missing": ["jurisdiction"]}]},
            ]
        },
    ]
}
_JL_SHARE = {
    "if": [
        _JL_DECLARED,
        {"var": "company.foreign_ownership_pct"},
        {
            "reduce": [
                {"filter": [{"var": "company.shareholders"}, {"!=": [{"var": "jurisdiction"}, "CN"]}]},
                {"+": [{"var": "accumulator"}, {"var": "current.share_pct"}]},
                0,
            ]
        },
    ]
}
_JL_ZONE_TRUE = {
    "or": [
        {"in": [{"var": "company.province"}, ["CN-BJ", "CN-HI"]]},
        {
            "and": [
                {"==": [{"var": "company.province"}, "CN-SH"]},
                {
                    "or": [
                        {"in": ["临港", {"var": "company.registered_address"}]},
                        {"in": ["浦东", {"var": "company.registered_address"}]},
                    ]
                },
            ]
        },
        {
            "and": [
                {"==": [{"var": "company.province"}, "CN-GD"]},
                {
                    "or": [
                        {"in": ["深圳", {"var": "company.registered_address"}]},
                        {"in": ["Shenzhen", {"var": "company.registered_address"}]},
                    ]
                },
            ]
        },
    ]
}
_JL_ZONE_FALSE = {
    "and": [
        {"!": {"missing": ["company.province"]}},
        {"!": {"in": [{"var": "company.province"}, ["CN-BJ", "CN-HI"]]}},
        {
            "or": [
                {"!": {"in": [{"var": "company.province"}, ["CN-SH", "CN-GD"]]}},
                {"and": [{"!": {"missing": ["company.registered_address"]}}, {"!": _JL_ZONE_TRUE}]},
            ]
        },
    ]
}
_JL_CLOSED_AREA = {
    "some": [
        {"var": "service.content_areas"},
        {"in": [{"var": ""}, ["news", "publishing", "audio_video", "culture_entertainment", "online_games",
                              "live_streaming"]]},
    ]
}  # fmt: skip
_JL_PILOT_TRUE = {
    "and": [{"!": {"missing": ["service.content_areas"]}}, {"!": _JL_CLOSED_AREA}, _JL_ZONE_TRUE]
}
_JL_PILOT_FALSE = {"or": [_JL_CLOSED_AREA, _JL_ZONE_FALSE]}


def _jl_needs(area: str) -> dict:
    return {"in": [area, {"var": "service.content_areas"}]}


def _jl_approval(area: str, *, undated_counts: bool) -> dict:
    """Some pre-approval of ``area`` valid on the as-of date (or, if ``undated_counts``, undated)."""
    dated_valid = {">=": [{"var": "valid_until"}, AS_OF_ISO]}
    validity = (
        {"or": [{"missing": ["valid_until"]}, dated_valid]}
        if undated_counts
        else {"and": [{"!": {"missing": ["valid_until"]}}, dated_valid]}
    )
    return {
        "some": [
            {"var": "service.pre_approvals"},
            {"and": [{"==": [{"var": "area"}, area]}, validity]},
        ]
    }


JSONLOGIC_RULES: dict[str, Any] = {
    "legal_entity": {
        "if": [
            {"missing": ["company.entity_type"]}, "unknown",
            {"in": [{"var": "company.entity_type"}, ["limited_company", "joint_stock_company"]]}, "met",
            "unmet",
        ]
    },
    "registered_capital": {
        "if": [
            {"missing": ["company.registered_capital_cny"]}, "unknown",
            {">=": [
                {"var": "company.registered_capital_cny"},
                {"if": [{"==": [{"var": "service.coverage"}, "national"]}, 10_000_000, 1_000_000]},
            ]}, "met",
            "unmet",
        ]
    },
    "foreign_ownership": {
        "if": [
            {"and": [_JL_SHARE_KNOWN, {"<=": [_JL_SHARE, 50]}]}, "met",
            _JL_PILOT_TRUE, "met",
            {"and": [_JL_SHARE_KNOWN, _JL_PILOT_FALSE]}, "unmet",
            "unknown",
        ]
    },
    "funds_and_staff": {
        "if": [
            {"or": [
                {"and": [{"!": {"missing": ["company.staff_total"]}},
                         {"<": [{"var": "company.staff_total"}, 1]}]},
                {"and": [{"!": {"missing": ["company.technical_staff"]}},
                         {"<": [{"var": "company.technical_staff"}, 1]}]},
            ]}, "unmet",
            {"missing": ["company.staff_total", "company.technical_staff"]}, "unknown",
            "met",
        ]
    },
    "business_plan": {
        "if": [
            {"or": [
                {"===": [{"var": "readiness.business_plan"}, False]},
                {"===": [{"var": "readiness.technical_solution"}, False]},
            ]}, "unmet",
            {"missing": ["readiness.business_plan", "readiness.technical_solution"]}, "unknown",
            "met",
        ]
    },
    "premises_and_facilities": {
        "if": [
            {"missing": ["readiness.premises_and_facilities"]}, "unknown",
            {"var": "readiness.premises_and_facilities"}, "met",
            "unmet",
        ]
    },
    "long_term_service": {
        "if": [
            {"missing": ["readiness.long_term_service_capability"]}, "unknown",
            {"var": "readiness.long_term_service_capability"}, "met",
            "unmet",
        ]
    },
    "pre_approval": {
        "if": [
            {"missing": ["service.content_areas"]}, "unknown",
            {"!": {"or": [_jl_needs(a) for a in PRE_APPROVAL_AREAS]}}, "not_applicable",
            {"missing": ["service.pre_approvals"]}, "unknown",
            {"or": [{"and": [_jl_needs(a), {"!": _jl_approval(a, undated_counts=True)}]}
                    for a in PRE_APPROVAL_AREAS]}, "unmet",
            {"or": [{"and": [_jl_needs(a), {"!": _jl_approval(a, undated_counts=False)}]}
                    for a in PRE_APPROVAL_AREAS]}, "unknown",
            "met",
        ]
    },
    "security_measures": {
        "if": [
            {"or": [
                {"===": [{"var": "readiness.security.website_security_measures"}, False]},
                {"===": [{"var": "readiness.security.confidentiality_management_system"}, False]},
                {"===": [{"var": "readiness.security.user_information_security_system"}, False]},
            ]}, "unmet",
            {"missing": [
                "readiness.security.website_security_measures",
                "readiness.security.confidentiality_management_system",
                "readiness.security.user_information_security_system",
            ]}, "unknown",
            "met",
        ]
    },
    "clean_record": {
        "if": [
            {"missing": ["company.on_telecom_dishonesty_list"]}, "unknown",
            {"var": "company.on_telecom_dishonesty_list"}, "unmet",
            "met",
        ]
    },
}  # fmt: skip
# Plain JSON from here on: a round trip proves the rules are data (and drops shared sub-dicts).
JSONLOGIC_RULES = json.loads(json.dumps(JSONLOGIC_RULES, ensure_ascii=False))
_JL_RULES = tuple(JSONLOGIC_RULES.values())


def jsonlogic_data(p: Mapping[str, Any]) -> Mapping[str, Any]:
    """The one pre-processing step (plain Python): valid_until null → LONG_TERM, see the note above."""
    service = p.get("service")
    if service is None:
        return p
    approvals = service.get("pre_approvals")
    if not approvals:
        return p
    for ap in approvals:
        if "valid_until" in ap and ap["valid_until"] is None:
            break
    else:
        return p
    approvals = [
        {**ap, "valid_until": LONG_TERM} if "valid_until" in ap and ap["valid_until"] is None else ap
        for ap in approvals
    ]
    return {**p, "service": {**service, "pre_approvals": approvals}}


def jsonlogic_statuses(p: Mapping[str, Any]) -> dict[str, str]:
    """Every condition's status by its JsonLogic rule (for cross-checking against ``Evaluator.check``)."""
    data = jsonlogic_data(p)
    return {cid: jsonLogic(rule, data) for cid, rule in JSONLOGIC_RULES.items()}


def jsonlogic_verdict(p: Mapping[str, Any]) -> str:
    """The verdict from the JsonLogic rules, stopping at the first unmet condition like the engine."""
    data = jsonlogic_data(p)
    unknown = False
    for rule in _JL_RULES:
        status = jsonLogic(rule, data)
        if status == "unmet":
            return NOT_ELIGIBLE
        if status == "unknown":
            unknown = True
    return INCOMPLETE if unknown else ELIGIBLE


# -- the benchmark ---------------------------------------------------------------------------------------


def best_time(fn: Callable[[Any], Any], items: Sequence[Any], runs: int) -> float:
    """Best wall time (perf_counter) of ``runs`` passes of ``fn`` over ``items``, gc.collect() between."""
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - start)
    return best


def disagreements(
    profiles: Sequence[Mapping[str, Any]], expected: Sequence[str], fn: Callable[[Any], str]
) -> list[tuple[int, str, str]]:
    """(index, engine verdict, route verdict) for every profile on which ``fn`` decides differently."""
    return [
        (i, want, got)
        for i, (p, want) in enumerate(zip(profiles, expected, strict=True))
        if (got := fn(p)) != want
    ]


def _mix(counter: Counter[str], total: int, keys: Sequence[str]) -> str:
    return "  ".join(f"{k} {counter[k]:,} ({100 * counter[k] / total:.1f} %)" for k in keys if counter[k])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="profiles to screen (default 100000)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument(
        "--check-n", type=int, default=20_000,
        help="profiles for the explanations-on route, the first N of the same set (default 20000; 0 = all)",
    )  # fmt: skip
    parser.add_argument("--runs", type=int, default=3, help="timed runs per route, best kept (default 3)")
    parser.add_argument("--dump-jsonlogic", action="store_true", help="print the JsonLogic rules and exit")
    parser.add_argument(
        "--other-n", type=int, default=50_000,
        help="profiles per other license (ICP filing, EDI, labour dispatch, travel agency; 0 = skip them)",
    )  # fmt: skip
    args = parser.parse_args(argv)

    if args.dump_jsonlogic:
        print(json.dumps(JSONLOGIC_RULES, ensure_ascii=False, indent=2))
        return 0

    ev = evaluator_for(LICENSE_ID, AS_OF)
    problems = baseline_problems(ev)
    if problems:
        print("Baselines are out of date with the rules:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1

    print(f"licensedesk screening benchmark: {LICENSE_ID} rules {ev.ruleset_version}, as of {AS_OF_ISO}")
    print(f"Python {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}")

    start = time.perf_counter()
    profiles = generate_profiles(args.n, args.seed)
    took = time.perf_counter() - start
    print(f"Generated {len(profiles):,} profiles (seed {args.seed}) in {took:.1f} s, not timed.")
    check_n = len(profiles) if args.check_n <= 0 else min(args.check_n, len(profiles))
    check_profiles = profiles[:check_n]

    # -- equivalence first: every route must decide exactly like the engine ----------------------------
    verdict = ev.verdict
    engine = [verdict(p) for p in profiles]
    mix = Counter(engine)
    print(f"Verdict mix: {_mix(mix, len(profiles), (ELIGIBLE, INCOMPLETE, NOT_ELIGIBLE))}")

    statuses: dict[str, Counter[str]] = {}
    check_disagree = []
    for i, p in enumerate(check_profiles):
        result = ev.check(p)
        if result["verdict"] != engine[i]:
            check_disagree.append((i, engine[i], result["verdict"]))
        for cond in result["conditions"]:
            statuses.setdefault(cond["id"], Counter())[cond["status"]] += 1
    print(f"Condition statuses (engine check, first {check_n:,} profiles):")
    for cid, counter in statuses.items():
        print(f"  {cid:<24} {_mix(counter, check_n, ('met', 'unmet', 'unknown', 'not_applicable'))}")

    hand_disagree = disagreements(profiles, engine, hand_verdict)
    jl_disagree = disagreements(profiles, engine, jsonlogic_verdict)
    print("Disagreements with ev.verdict (must all be 0):")
    print(f"  ev.check(p)['verdict']  {len(check_disagree):>6,} of {check_n:,}")
    print(f"  hand-written Python     {len(hand_disagree):>6,} of {len(profiles):,}")
    print(f"  JsonLogic               {len(jl_disagree):>6,} of {len(profiles):,}")
    if check_disagree or hand_disagree or jl_disagree:
        for name, found in (
            ("ev.check", check_disagree),
            ("hand-written", hand_disagree),
            ("JsonLogic", jl_disagree),
        ):
            for i, want, got in found[:3]:
                print(f"  {name}: profile #{i}: engine {want}, route {got}\n    "
                      + json.dumps(profiles[i], ensure_ascii=False))  # fmt: skip
        print("A baseline that decides differently measures nothing: no timings.", file=sys.stderr)
        return 1

    # -- timings ----------------------------------------------------------------------------------------
    print(f"Timing: best of {args.runs} runs per route, time.perf_counter, gc.collect() between runs ...")
    n = len(profiles)
    routes = [
        ("engine verdict-only (ev.verdict)", n, best_time(verdict, profiles, args.runs)),
        ("engine explanations on (ev.check)", check_n, best_time(ev.check, check_profiles, args.runs)),
        ("hand-written Python", n, best_time(hand_verdict, profiles, args.runs)),
        ("JsonLogic (panzi-json-logic)", n, best_time(jsonlogic_verdict, profiles, args.runs)),
    ]
    us = {name: 1e6 * seconds / count for name, count, seconds in routes}
    base = us[routes[0][0]]
    print()
    print(f"{'route':<36} {'profiles':>9} {'profiles/s':>12} {'µs/profile':>11} {'time vs verdict-only':>21}")
    for name, count, _seconds in routes:
        print(f"{name:<36} {count:>9,} {1e6 / us[name]:>12,.0f} {us[name]:>11.2f} {us[name] / base:>20.2f}×")
    if check_n < n:
        print(f"(ev.check timed on the first {check_n:,} of the {n:,} profiles, a random sample since")
        print(" profiles are drawn independently; per-profile figures are compared. --check-n 0 times all.)")
    print("JsonLogic: one rule per condition, verdict combined in Python (stops at the first unmet, like the")
    print(" engine). Pre-processing in Python, timed with it: valid_until null → '9999-12-31' because")
    print(" JsonLogic's var/missing cannot tell null (long-term) from absent (unknown).")

    v_rate = 1e6 / us[routes[0][0]]
    c_rate = 1e6 / us[routes[1][0]]
    vs_jl = us[routes[3][0]] / base
    vs_hand = base / us[routes[2][0]]
    goals = [
        (v_rate >= GOAL_VERDICT_PER_S, f"verdict-only ≥ {GOAL_VERDICT_PER_S:,} profiles/s: {v_rate:,.0f}/s"),
        (c_rate >= GOAL_CHECK_PER_S, f"explanations on ≥ {GOAL_CHECK_PER_S:,} profiles/s: {c_rate:,.0f}/s"),
        (vs_jl > 1, f"faster than JsonLogic (verdict-only): {vs_jl:.1f}× faster"),
        (vs_hand <= GOAL_MAX_VS_HAND,
         f"verdict-only ≤ {GOAL_MAX_VS_HAND:g}× the hand-written function's time: {vs_hand:.2f}×"),
    ]  # fmt: skip
    print()
    print("Goals:")
    for ok, text in goals:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    c_vs_jl = us[routes[3][0]] / us[routes[1][0]]
    relation = f"{c_vs_jl:.2f}× faster" if c_vs_jl >= 1 else f"{1 / c_vs_jl:.2f}× slower"
    print(f"  info  explanations on (ev.check) vs JsonLogic verdict-only: {relation}")
    if args.other_n > 0:
        return other_license_rates(args.other_n, args.seed, args.runs)
    return 0


def other_license_rates(n: int, seed: int, runs: int) -> int:
    """Each other license: the engine's verdict-only rate beside its hand-written function's, after
    checking that both decide alike on every profile (exit status 1 otherwise: no timings)."""
    print()
    print(
        f"Other licenses: {n:,} generated profiles each (bench/licenses.py), as of {other_licenses.AS_OF_ISO}"
    )
    print(
        f"{'license':<16} {'mix (eligible/incomplete/not)':<30} {'verdict-only/s':>15} "
        f"{'hand-written/s':>15} {'vs hand':>8}"
    )
    failed = False
    rows = []
    for baseline in other_licenses.BASELINES:
        ev = evaluator_for(baseline.license_id, other_licenses.AS_OF)
        problems = other_licenses.baseline_problems(baseline.license_id, ev)
        profiles = other_licenses.generate(baseline, n, seed)
        engine = [ev.verdict(p) for p in profiles]
        differ = disagreements(profiles, engine, baseline.hand_verdict)
        if problems or differ:
            failed = True
            print(f"{baseline.license_id}: baseline out of date or deciding differently: {problems}")
            for i, want, got in differ[:3]:
                print(f"  profile #{i}: engine {want}, hand-written {got}\n    "
                      + json.dumps(profiles[i], ensure_ascii=False))  # fmt: skip
            continue
        mix = Counter(engine)
        shares = "/".join(f"{100 * mix[k] / n:.0f}%" for k in (ELIGIBLE, INCOMPLETE, NOT_ELIGIBLE))
        v_us = 1e6 * best_time(ev.verdict, profiles, runs) / n
        h_us = 1e6 * best_time(baseline.hand_verdict, profiles, runs) / n
        rows.append((baseline.license_id, 1e6 / v_us, v_us / h_us))
        print(
            f"{baseline.license_id:<16} {shares:<30} {1e6 / v_us:>15,.0f} {1e6 / h_us:>15,.0f} "
            f"{v_us / h_us:>7.2f}×"
        )
    if failed:
        print("A baseline that decides differently measures nothing.", file=sys.stderr)
        return 1
    print()
    print("Goals (each license):")
    for license_id, rate, vs_hand in rows:
        ok = rate >= GOAL_VERDICT_PER_S and vs_hand <= GOAL_MAX_VS_HAND
        print(
            f"  {'PASS' if ok else 'FAIL'}  {license_id}: verdict-only {rate:,.0f}/s "
            f"(≥ {GOAL_VERDICT_PER_S:,}), "
            f"{vs_hand:.2f}× the hand-written function's time (≤ {GOAL_MAX_VS_HAND:g}×)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
