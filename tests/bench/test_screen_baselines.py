"""The screening benchmark's baselines must decide exactly like the engine, or their timings mean nothing.

On 3,000 generated profiles the hand-written function and the JsonLogic rules give the engine's verdict
(``ev.verdict`` and ``ev.check``), and the JsonLogic rules give every condition's status. The generator
is deterministic, valid against the contract and produces every verdict and condition status. A few
hand-built boundary profiles pin the semantics independently of all three implementations.
No timing assertions.
"""

from __future__ import annotations

import copy
import json
import sys
from collections import Counter
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` lives at the repository root, next to src/
    sys.path.insert(0, str(ROOT))

from bench.profiles import generate_profiles  # noqa: E402
from bench.screen import (  # noqa: E402
    AS_OF,
    JSONLOGIC_RULES,
    LICENSE_ID,
    baseline_problems,
    hand_verdict,
    jsonlogic_statuses,
    jsonlogic_verdict,
)

from licensedesk.core.eligibility import Evaluator, evaluator_for  # noqa: E402
from licensedesk.core.profile import validate_profile  # noqa: E402

N_PROFILES = 3_000
SCHEMA_PATH = ROOT / "src" / "licensedesk" / "contracts" / "company-profile.schema.json"


@cache
def _ev() -> Evaluator:
    return evaluator_for(LICENSE_ID, AS_OF)


@cache
def _profiles() -> tuple[dict[str, Any], ...]:
    return tuple(generate_profiles(N_PROFILES, seed=42))


@cache
def _checks() -> tuple[dict[str, Any], ...]:
    return tuple(_ev().check(p) for p in _profiles())


def test_baseline_parameters_match_the_rules() -> None:
    assert baseline_problems(_ev()) == []


def test_generator_is_deterministic() -> None:
    first = generate_profiles(400, seed=7)
    assert first == generate_profiles(400, seed=7)
    assert json.dumps(first, ensure_ascii=False) == json.dumps(
        generate_profiles(400, seed=7), ensure_ascii=False
    )
    assert first != generate_profiles(400, seed=8)
    assert generate_profiles(50, seed=42) == list(_profiles()[:50])  # a prefix does not depend on n


def test_generated_profiles_meet_the_contract() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    for p in _profiles()[:500]:
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(p)]
        assert errors == [], json.dumps(p, ensure_ascii=False)
        validate_profile(p)  # pydantic models + USCC / resident-ID checks; raises ProfileError


def test_generated_profiles_cover_every_verdict_and_status() -> None:
    verdicts = Counter(r["verdict"] for r in _checks())
    assert set(verdicts) == {"eligible", "incomplete", "not_eligible"}
    assert min(verdicts.values()) >= N_PROFILES // 10, verdicts
    statuses: dict[str, Counter[str]] = {}
    for result in _checks():
        for cond in result["conditions"]:
            statuses.setdefault(cond["id"], Counter())[cond["status"]] += 1
    for cid, counter in statuses.items():
        expected = {"met", "unmet", "unknown"} | ({"not_applicable"} if cid == "pre_approval" else set())
        assert set(counter) == expected, (cid, counter)
    provinces = {p["company"].get("province") for p in _profiles()} - {None}
    assert len(provinces) == 31


def test_hand_written_agrees_with_engine_on_every_profile() -> None:
    ev = _ev()
    wrong = [
        (i, engine, check["verdict"], hand)
        for i, (p, check) in enumerate(zip(_profiles(), _checks(), strict=True))
        if not ((engine := ev.verdict(p)) == check["verdict"] == (hand := hand_verdict(p)))
    ]
    assert wrong == []


def test_jsonlogic_agrees_with_engine_on_every_profile() -> None:
    ev = _ev()
    wrong = []
    for i, (p, check) in enumerate(zip(_profiles(), _checks(), strict=True)):
        engine_statuses = {c["id"]: c["status"] for c in check["conditions"]}
        jl_statuses = jsonlogic_statuses(p)
        verdict = jsonlogic_verdict(p)
        if not (ev.verdict(p) == check["verdict"] == verdict) or jl_statuses != engine_statuses:
            diff = {k: (engine_statuses[k], s) for k, s in jl_statuses.items() if engine_statuses[k] != s}
            wrong.append((i, check["verdict"], verdict, diff))
    assert wrong == []


def test_routes_do_not_mutate_profiles() -> None:
    profiles = [copy.deepcopy(p) for p in _profiles()[:300]]
    for p in profiles:
        hand_verdict(p)
        jsonlogic_verdict(p)
    assert profiles == list(_profiles()[:300])


def test_jsonlogic_rules_are_plain_json() -> None:
    assert json.loads(json.dumps(JSONLOGIC_RULES)) == JSONLOGIC_RULES
    assert list(JSONLOGIC_RULES) == [c.id for c in _ev().compiled.version.conditions]


# -- boundary profiles with the verdict the semantics call for, independent of the three implementations ---

_READY = {
    "business_plan": True,
    "technical_solution": True,
    "premises_and_facilities": True,
    "long_term_service_capability": True,
    "security": {
        "website_security_measures": True,
        "confidentiality_management_system": True,
        "user_information_security_system": True,
    },
}


_ABSENT = object()  # a field to leave out of the base profile


def _profile(
    company: dict[str, Any] | None = None, service: dict[str, Any] | None = None, **extra: Any
) -> dict:
    base_company = {
        "name": "杭州云帆信息科技有限公司",
        "entity_type": "limited_company",
        "registered_capital_cny": 1_000_000,
        "province": "CN-ZJ",
        "registered_address": "浙江省杭州市西湖区文三路90号",
        "shareholders": [{"name": "王丽", "kind": "person", "jurisdiction": "CN", "share_pct": 100}],
        "staff_total": 5,
        "technical_staff": 2,
        "on_telecom_dishonesty_list": False,
    }
    base_service = {"coverage": "provincial", "content_areas": ["none"]}
    profile = {
        "schema_version": "1",
        "company": {**base_company, **(company or {})},
        "service": {**base_service, **(service or {})},
        "readiness": copy.deepcopy(_READY),
    }
    profile.update(extra)
    for part in ("company", "service"):
        profile[part] = {k: v for k, v in profile[part].items() if v is not _ABSENT}
    return profile


def _holders(*shares: tuple[str | None, float]) -> list[dict[str, Any]]:
    out = []
    for i, (jurisdiction, pct) in enumerate(shares):
        holder: dict[str, Any] = {"name": f"股东{i + 1}", "share_pct": pct}
        if jurisdiction is not None:
            holder["jurisdiction"] = jurisdiction
        out.append(holder)
    return out


_AS_OF = AS_OF.isoformat()
_DAY_BEFORE = (AS_OF - timedelta(days=1)).isoformat()
BOUNDARY_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("capital exactly the provincial floor", _profile(), "eligible"),
    ("capital one yuan short", _profile({"registered_capital_cny": 999_999}), "not_eligible"),
    ("absent coverage counts as provincial", _profile(service={"coverage": _ABSENT}), "eligible"),
    ("national needs 10 million", _profile(service={"coverage": "national"}), "not_eligible"),
    (
        "national at exactly 10 million",
        _profile({"registered_capital_cny": 10_000_000}, {"coverage": "national"}),
        "eligible",
    ),
    (
        "foreign share exactly 50, derived",
        _profile({"shareholders": _holders(("CN", 50), ("HK", 50))}),
        "eligible",
    ),
    (
        "foreign 50.5 outside the pilot",
        _profile({"shareholders": _holders(("CN", 49.5), ("TW", 50.5))}),
        "not_eligible",
    ),
    ("declared share wins over holders", _profile({"foreign_ownership_pct": 60}), "not_eligible"),
    (
        "holder without jurisdiction",
        _profile({"shareholders": _holders(("CN", 60), (None, 40))}),
        "incomplete",
    ),
    (
        "holder without jurisdiction, share declared",
        _profile({"shareholders": _holders(("CN", 60), (None, 40)), "foreign_ownership_pct": 40}),
        "eligible",
    ),
    (
        "majority foreign in Beijing (pilot, no keywords)",
        _profile(
            {
                "province": "CN-BJ",
                "registered_address": "北京市海淀区中关村大街1号",
                "foreign_ownership_pct": 80,
            }
        ),
        "eligible",
    ),
    (
        "majority foreign in Pudong",
        _profile(
            {
                "province": "CN-SH",
                "registered_address": "上海市浦东新区世纪大道100号",
                "foreign_ownership_pct": 80,
            }
        ),
        "eligible",
    ),
    (
        "majority foreign in Xuhui (Shanghai outside the zone)",
        _profile(
            {
                "province": "CN-SH",
                "registered_address": "上海市徐汇区漕溪北路1号",
                "foreign_ownership_pct": 80,
            }
        ),
        "not_eligible",
    ),
    (
        "majority foreign in Shanghai, address unknown",
        _profile({"province": "CN-SH", "registered_address": _ABSENT, "foreign_ownership_pct": 80}),
        "incomplete",
    ),
    (
        "majority foreign in Shenzhen but a closed area (news)",
        _profile(
            {
                "province": "CN-GD",
                "registered_address": "深圳市南山区科苑路15号",
                "foreign_ownership_pct": 80,
            },
            {"content_areas": ["news"], "pre_approvals": [{"area": "news", "valid_until": None}]},
        ),
        "not_eligible",
    ),
    (
        "majority foreign, province unknown",
        _profile({"province": _ABSENT, "foreign_ownership_pct": 80}),
        "incomplete",
    ),
    (
        "majority foreign, province unknown, closed area: false and unknown = false",
        _profile({"province": _ABSENT, "foreign_ownership_pct": 80}, {"content_areas": ["online_games"]}),
        "not_eligible",
    ),
    (
        "share unknown but the pilot applies: unknown or true = true",
        _profile(
            {
                "province": "CN-HI",
                "registered_address": "海南省海口市龙华区滨海大道1号",
                "shareholders": _ABSENT,
            }
        ),
        "eligible",
    ),
    (
        "pre-approval valid until the as-of date",
        _profile(
            service={
                "content_areas": ["publishing"],
                "pre_approvals": [{"area": "publishing", "valid_until": _AS_OF}],
            }
        ),
        "eligible",
    ),
    (
        "pre-approval expired the day before",
        _profile(
            service={
                "content_areas": ["publishing"],
                "pre_approvals": [{"area": "publishing", "valid_until": _DAY_BEFORE}],
            }
        ),
        "not_eligible",
    ),
    (
        "pre-approval long-term (null)",
        _profile(
            service={
                "content_areas": ["healthcare"],
                "pre_approvals": [{"area": "healthcare", "valid_until": None}],
            }
        ),
        "eligible",
    ),
    (
        "pre-approval without a date is unknown",
        _profile(service={"content_areas": ["healthcare"], "pre_approvals": [{"area": "healthcare"}]}),
        "incomplete",
    ),
    (
        "expired and renewed approval of the same area",
        _profile(
            service={
                "content_areas": ["drugs_medical_devices"],
                "pre_approvals": [
                    {"area": "drugs_medical_devices", "valid_until": "2025-06-30"},
                    {"area": "drugs_medical_devices", "valid_until": "2030-06-30"},
                ],
            }
        ),
        "eligible",
    ),
    (
        "one area approved, the other lacking",
        _profile(
            service={
                "content_areas": ["news", "publishing"],
                "pre_approvals": [{"area": "news", "valid_until": None}],
            }
        ),
        "not_eligible",
    ),
    ("pre-approvals not given", _profile(service={"content_areas": ["publishing"]}), "incomplete"),
    ("no pre-approval area", _profile(service={"content_areas": ["bulletin_board", "finance"]}), "eligible"),
    ("empty content areas", _profile(service={"content_areas": []}), "eligible"),
    ("content areas unknown", _profile(service={"content_areas": _ABSENT}), "incomplete"),
    ("no technical staff", _profile({"technical_staff": 0}), "not_eligible"),
    ("on the dishonesty list", _profile({"on_telecom_dishonesty_list": True}), "not_eligible"),
    ("entity type unknown", _profile({"entity_type": _ABSENT}), "incomplete"),
    ("a partnership", _profile({"entity_type": "partnership"}), "not_eligible"),
    ("service not given at all", {**_profile(), "service": {}}, "incomplete"),
]


@pytest.mark.parametrize(
    ("profile", "expected"), [c[1:] for c in BOUNDARY_CASES], ids=[c[0] for c in BOUNDARY_CASES]
)
def test_boundary_profiles(profile: dict[str, Any], expected: str) -> None:
    validate_profile(profile)
    ev = _ev()
    assert {
        "ev.verdict": ev.verdict(profile),
        "ev.check": ev.check(profile)["verdict"],
        "hand": hand_verdict(profile),
        "jsonlogic": jsonlogic_verdict(profile),
    } == dict.fromkeys(("ev.verdict", "ev.check", "hand", "jsonlogic"), expected)


def test_foreign_share_of_exactly_50_percent_in_decimals() -> None:
    """20.1 + 12.3 + 17.6 is 50.00000000000001 in plain float addition; the engine sums exactly."""
    profile = _profile({"shareholders": _holders(("CN", 50), ("HK", 20.1), ("TW", 12.3), ("US", 17.6))})
    validate_profile(profile)
    assert _ev().verdict(profile) == "eligible"
    assert _ev().check(profile)["verdict"] == "eligible"
