"""Screening baselines for the licenses beside the ICP license: generated profiles and hand-written verdicts.

For each of ``icp-filing``, ``edi-b21``, ``labour-dispatch`` and ``travel-agency`` this module holds

* a deterministic profile generator (contract dicts, absent fields left out) whose figures cluster at the
  license's boundaries (CNY 299,999 / 300,000, 1,999,999 / 2,000,000, 1 year 364 days / 2 years holding
  the license, 50 % / 100 % foreign shares, leases ending the day before / on the as-of date) and leave
  fields out so every verdict occurs;
* a hand-written verdict function: the license's conditions written directly in Python with None as
  unknown and three-valued and/or, the practical speed limit the engine's verdict-only route is
  compared with.

The hand-written functions hard-code the license's figures as of :data:`AS_OF`; :func:`baseline_problems`
compares them with the evaluator's resolved parameters so they cannot silently go stale, and
``bench/screen.py`` refuses to time a baseline that decides differently from the engine on any profile.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from licensedesk.core.eligibility import Evaluator

AS_OF = date(2026, 11, 28)
AS_OF_ISO = AS_OF.isoformat()
ELIGIBLE, INCOMPLETE, NOT_ELIGIBLE = "eligible", "incomplete", "not_eligible"
_EMPTY: Mapping[str, Any] = MappingProxyType({})

# -- the figures the hand-written functions hard-code (as of AS_OF) -----------------------------------

LABOUR_CAPITAL_MIN = 2_000_000
TRAVEL_CAPITAL_MIN = 300_000
TRAVEL_OUTBOUND_YEARS = 2
TELECOM_CAPITAL_MIN = {"provincial": 1_000_000, "national": 10_000_000}
EDI_FOREIGN_CAP = {"general": 50, "ecommerce": 100}
PILOT_ZONES = {"CN-BJ": None, "CN-SH": ("临港", "浦东"), "CN-HI": None, "CN-GD": ("深圳", "Shenzhen")}
COMPANY_TYPES = frozenset({"limited_company", "joint_stock_company"})
FILERS = frozenset(
    {
        "limited_company", "joint_stock_company", "partnership", "sole_proprietorship", "individual_business",
        "public_institution", "social_organization", "natural_person",
    }
)  # fmt: skip
COMMERCIAL = frozenset(
    {
        "online_advertising", "paid_information", "platform_for_third_parties", "online_application_services",
        "membership_fees", "online_data_processing", "call_center", "idc_hosting", "cdn", "internet_access",
    }
)  # fmt: skip
FILING_PRE_APPROVAL_AREAS = frozenset(
    {"news", "publishing", "healthcare", "drugs_medical_devices", "culture_entertainment", "audio_video"}
)


def baseline_problems(license_id: str, ev: Evaluator) -> list[str]:
    """Differences between the hand-written function's figures and the evaluator's (empty = in sync)."""
    params = ev.params
    checks: dict[str, tuple[Any, Any]] = {"as_of": (ev.as_of, AS_OF)}
    if license_id == "labour-dispatch":
        checks["registered_capital_min"] = (params["registered_capital_min"], LABOUR_CAPITAL_MIN)
        checks["paid_in_capital_min"] = (params["paid_in_capital_min"], LABOUR_CAPITAL_MIN)
    elif license_id == "travel-agency":
        checks["registered_capital_min"] = (params["registered_capital_min"], TRAVEL_CAPITAL_MIN)
        checks["outbound_min_years_held"] = (params["outbound_min_years_held"], TRAVEL_OUTBOUND_YEARS)
    elif license_id == "edi-b21":
        checks["registered_capital_min"] = (params["registered_capital_min"], TELECOM_CAPITAL_MIN)
        checks["foreign_share_max_pct"] = (params["foreign_share_max_pct"], EDI_FOREIGN_CAP)
        zones = {
            z["province"]: tuple(z["keywords"]) if z["keywords"] is not None else None
            for z in params["foreign_equity_pilot"]["zones"]
        }
        checks["foreign_equity_pilot.zones"] = (zones, PILOT_ZONES)
    elif license_id == "icp-filing":
        checks["commercial_activities"] = (frozenset(params["commercial_activities"]), COMMERCIAL)
        checks["pre_approval_areas"] = (frozenset(params["pre_approval_areas"]), FILING_PRE_APPROVAL_AREAS)
    conditions = [c.id for c in ev.compiled.version.conditions]
    checks["conditions"] = (conditions, list(CONDITIONS[license_id]))
    return [
        f"{name}: engine {got!r}, baseline {want!r}" for name, (got, want) in checks.items() if got != want
    ]


# -- three-valued helpers (None = unknown) ------------------------------------------------------------


def _and(*values: bool | None) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(*values: bool | None) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _at_least(value: float | None, minimum: float) -> bool | None:
    return None if value is None else value >= minimum


def _foreign_share(company: Mapping[str, Any]) -> float | None:
    """Declared, else the sum of the non-mainland shareholders' shares (unknown if any jurisdiction is)."""
    share = company.get("foreign_ownership_pct")
    if share is not None:
        return share
    holders = company.get("shareholders")
    if holders is None:
        return None
    foreign = []
    for h in holders:
        j = h.get("jurisdiction")
        if j is None:
            return None
        if j != "CN":
            foreign.append(h["share_pct"])
    return round(sum(foreign), 9)


def _premises(x: Mapping[str, Any], as_of: str) -> bool | None:
    until = x.get("premises_lease_until")
    lease_ok = None if until is None else until >= as_of
    return _and(x.get("premises_ready"), _or(x.get("premises_owned"), lease_ok))


def _add_years(day: str, years: int) -> str:
    start = date.fromisoformat(day)
    try:
        return start.replace(year=start.year + years).isoformat()
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28).isoformat()


# -- hand-written verdicts ----------------------------------------------------------------------------
#
# Written the way one would by hand for speed (like bench/screen.py's ICP function): each condition inline,
# None is unknown, return at the first unmet condition.


def labour_verdict(p: Mapping[str, Any], as_of: str = AS_OF_ISO) -> str:
    c = p["company"]
    x = p.get("extensions", _EMPTY).get("labour-dispatch", _EMPTY)
    unknown = False
    for v in (c.get("registered_capital_cny"), c.get("paid_in_capital_cny")):
        if v is None:
            unknown = True
        elif v < LABOUR_CAPITAL_MIN:
            return NOT_ELIGIBLE
    premises = _premises(x, as_of)
    if premises is False:
        return NOT_ELIGIBLE
    for v in (premises, x.get("facilities_ready"), x.get("dispatch_rules_ready")):
        if v is None:
            unknown = True
        elif not v:
            return NOT_ELIGIBLE
    return INCOMPLETE if unknown else ELIGIBLE


def travel_verdict(p: Mapping[str, Any], as_of: str = AS_OF_ISO) -> str:
    c = p["company"]
    x = p.get("extensions", _EMPTY).get("travel-agency", _EMPTY)
    unknown = False
    v = c.get("entity_type")
    if v is None:
        unknown = True
    elif v not in COMPANY_TYPES:
        return NOT_ELIGIBLE
    v = c.get("registered_capital_cny")
    if v is None:
        unknown = True
    elif v < TRAVEL_CAPITAL_MIN:
        return NOT_ELIGIBLE
    for v in (_premises(x, as_of), x.get("facilities_ready")):
        if v is None:
            unknown = True
        elif not v:
            return NOT_ELIGIBLE
    tier = x.get("tier")
    if tier is None:
        return INCOMPLETE  # every outbound condition is unknown; none can be unmet
    if tier == "outbound":
        since = x.get("license_held_since")
        if since is None:
            unknown = True
        elif _add_years(since, TRAVEL_OUTBOUND_YEARS) > as_of:
            return NOT_ELIGIBLE
        v = x.get("penalized_for_harming_tourists")
        if v is None:
            unknown = True
        elif v:
            return NOT_ELIGIBLE
        share = _foreign_share(c)
        if share is None:
            unknown = True
        elif share > 0:
            return NOT_ELIGIBLE
    return INCOMPLETE if unknown else ELIGIBLE


def _in_pilot_zone(c: Mapping[str, Any]) -> bool | None:
    province = c.get("province")
    if province is None:
        return None  # the zones without keywords cannot be ruled out
    if province not in PILOT_ZONES:
        return False
    keywords = PILOT_ZONES[province]
    if keywords is None:
        return True
    address = c.get("registered_address")
    return None if address is None else any(k in address for k in keywords)


def edi_verdict(p: Mapping[str, Any], as_of: str = AS_OF_ISO) -> str:
    c = p["company"]
    s = p.get("service", _EMPTY)
    r = p.get("readiness", _EMPTY)
    unknown = False
    v = c.get("entity_type")
    if v is None:
        unknown = True
    elif v not in COMPANY_TYPES:
        return NOT_ELIGIBLE
    v = c.get("registered_capital_cny")
    if v is None:
        unknown = True
    elif v < TELECOM_CAPITAL_MIN["national" if s.get("coverage") == "national" else "provincial"]:
        return NOT_ELIGIBLE
    share = _foreign_share(c)
    if share is None or share > EDI_FOREIGN_CAP["general"]:
        ecommerce = p.get("extensions", _EMPTY).get("edi-b21", _EMPTY).get("ecommerce_only")
        if ecommerce is False or (share is not None and share > EDI_FOREIGN_CAP["ecommerce"]):
            opened: bool | None = False
        elif ecommerce is None or share is None:
            opened = None
        else:
            opened = True
        if opened is not True:
            zone = _in_pilot_zone(c)
            if zone is not True:
                if share is not None and opened is False and zone is False:
                    return NOT_ELIGIBLE  # over 50 %, not e-commerce only, outside the pilot zones
                unknown = True
    a, b = c.get("staff_total"), c.get("technical_staff")
    if (a is not None and a < 1) or (b is not None and b < 1):
        return NOT_ELIGIBLE
    if a is None or b is None:
        unknown = True
    a, b = r.get("business_plan"), r.get("technical_solution")
    if a is False or b is False:
        return NOT_ELIGIBLE
    if a is None or b is None:
        unknown = True
    for v in (r.get("premises_and_facilities"), r.get("long_term_service_capability")):
        if v is None:
            unknown = True
        elif not v:
            return NOT_ELIGIBLE
    sec = r.get("security", _EMPTY)
    a = sec.get("website_security_measures")
    b = sec.get("confidentiality_management_system")
    v = sec.get("user_information_security_system")
    if a is False or b is False or v is False:
        return NOT_ELIGIBLE
    if a is None or b is None or v is None:
        unknown = True
    v = c.get("on_telecom_dishonesty_list")
    if v is None:
        unknown = True
    elif v:
        return NOT_ELIGIBLE
    return INCOMPLETE if unknown else ELIGIBLE


def _pre_approvals(s: Mapping[str, Any], as_of: str) -> bool | None:
    areas = s.get("content_areas")
    if areas is None:
        return None
    needed = [a for a in areas if a in FILING_PRE_APPROVAL_AREAS]
    if not needed:
        return True  # not applicable
    approvals = s.get("pre_approvals")
    if approvals is None:
        return None
    result: bool | None = True
    for area in needed:
        found: bool | None = False
        for ap in approvals:
            if ap["area"] != area:
                continue
            if "valid_until" not in ap:
                found = None
            elif ap["valid_until"] is None or ap["valid_until"] >= as_of:
                found = True
                break
        if found is False:
            return False
        if found is None:
            result = None
    return result


def filing_verdict(p: Mapping[str, Any], as_of: str = AS_OF_ISO) -> str:
    c = p["company"]
    s = p.get("service", _EMPTY)
    unknown = False
    v = c.get("entity_type")
    if v is None:
        unknown = True
    elif v not in FILERS:
        return NOT_ELIGIBLE
    v = s.get("activities")
    if v is None:
        unknown = True
    else:
        for a in v:
            if a in COMMERCIAL:
                return NOT_ELIGIBLE
    websites = s.get("websites")
    if websites is None:
        unknown = True
    elif not websites:
        return NOT_ELIGIBLE
    else:  # every domain held by the filer; an absent USCC or holder is unknown
        known = "uscc" in c
        for w in websites:
            if not known or "owner_uscc" not in w:
                unknown = True
            elif w["owner_uscc"] != c["uscc"]:
                return NOT_ELIGIBLE
    v = _pre_approvals(s, as_of)
    if v is None:
        unknown = True
    elif not v:
        return NOT_ELIGIBLE
    return INCOMPLETE if unknown else ELIGIBLE


CONDITIONS: dict[str, tuple[str, ...]] = {
    "labour-dispatch": ("registered_capital", "paid_in_capital", "premises", "facilities", "dispatch_rules"),
    "travel-agency": (
        "legal_entity", "registered_capital", "premises", "facilities", "outbound_years_held",
        "outbound_no_penalty", "outbound_foreign_investment",
    ),
    "edi-b21": (
        "legal_entity", "registered_capital", "foreign_ownership", "funds_and_staff", "business_plan",
        "premises_and_facilities", "long_term_service", "security_measures", "clean_record",
    ),
    "icp-filing": ("filer_identity", "non_commercial", "domain_holder", "pre_approval"),
}  # fmt: skip

# -- generators ---------------------------------------------------------------------------------------

_ADDRESSES = {
    "CN-GD": ("广东省深圳市南山区科苑路15号", "广东省广州市天河区体育西路1号"),
    "CN-SH": ("上海市浦东新区张江路1号", "上海市徐汇区漕溪北路1号"),
    "CN-BJ": ("北京市朝阳区建国路1号",),
    "CN-HI": ("海南省海口市龙华区滨海大道1号",),
    "CN-ZJ": ("浙江省杭州市西湖区文三路90号",),
    "CN-SC": ("四川省成都市武侯区天府大道1号",),
}
_USCCS = ("91440300MA5FXK2Q18", "91510100MA6123456W", "91110108MA0123456G")


def _day(offset: int) -> str:
    return (AS_OF + timedelta(days=offset)).isoformat()


def _maybe(rng: random.Random, value: Any, absent: float) -> Any:
    """``value``, or the marker ``_ABSENT`` with probability ``absent``."""
    return _ABSENT if rng.random() < absent else value


_ABSENT = object()


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not _ABSENT:
        target[key] = value


def _company(rng: random.Random, *, capital_floor: int, absent: float) -> dict[str, Any]:
    province = rng.choice(tuple(_ADDRESSES))
    company: dict[str, Any] = {"name": f"示例企业{rng.randrange(10**6)}有限公司"}
    entity = rng.choice(
        ("limited_company",) * 6 + ("joint_stock_company", "partnership", "individual_business")
    )
    _put(company, "entity_type", _maybe(rng, entity, absent))
    capital = rng.choice(
        (capital_floor - 1, capital_floor, capital_floor * 2, capital_floor * 10, capital_floor // 2)
    )
    _put(company, "registered_capital_cny", _maybe(rng, capital, absent))
    _put(company, "province", _maybe(rng, province, absent / 2))
    _put(company, "registered_address", _maybe(rng, rng.choice(_ADDRESSES[province]), absent / 2))
    kind = rng.random()
    if kind < 0.6:
        company["shareholders"] = [{"name": "张三", "kind": "person", "jurisdiction": "CN", "share_pct": 100}]
    elif kind < 0.8:
        share = rng.choice((10, 50, 60, 100))
        jurisdiction = rng.choice(("HK", "SG", "US"))
        holders = [
            {"name": "香港某某有限公司", "kind": "entity", "jurisdiction": jurisdiction, "share_pct": share}
        ]
        if share < 100:
            holders.append({"name": "张三", "kind": "person", "jurisdiction": "CN", "share_pct": 100 - share})
        company["shareholders"] = holders
    elif kind < 0.9:
        company["foreign_ownership_pct"] = rng.choice((0, 50, 50.01, 100))
    return company


def _premises_facts(rng: random.Random, x: dict[str, Any], absent: float) -> None:
    _put(x, "premises_ready", _maybe(rng, rng.random() < 0.9, absent))
    _put(x, "premises_owned", _maybe(rng, rng.random() < 0.2, absent))
    _put(x, "premises_lease_until", _maybe(rng, _day(rng.choice((-1, 0, 1, 400))), absent))
    _put(x, "facilities_ready", _maybe(rng, rng.random() < 0.9, absent))


def labour_profile(rng: random.Random) -> dict[str, Any]:
    absent = rng.choice((0.0, 0.0, 0.1, 0.3))
    company = _company(rng, capital_floor=LABOUR_CAPITAL_MIN, absent=absent)
    registered = company.get("registered_capital_cny", LABOUR_CAPITAL_MIN)
    paid_in = rng.choice((registered, LABOUR_CAPITAL_MIN - 1, LABOUR_CAPITAL_MIN))
    _put(company, "paid_in_capital_cny", _maybe(rng, paid_in, absent))
    x: dict[str, Any] = {}
    _premises_facts(rng, x, absent)
    _put(x, "dispatch_rules_ready", _maybe(rng, rng.random() < 0.9, absent))
    return {"schema_version": "1", "company": company, "extensions": {"labour-dispatch": x}}


def travel_profile(rng: random.Random) -> dict[str, Any]:
    absent = rng.choice((0.0, 0.0, 0.1, 0.3))
    company = _company(rng, capital_floor=TRAVEL_CAPITAL_MIN, absent=absent)
    x: dict[str, Any] = {}
    _put(x, "tier", _maybe(rng, rng.choice(("domestic_inbound", "outbound", "outbound")), absent))
    _premises_facts(rng, x, absent)
    held = rng.choice(("2024-11-28", "2024-11-29", "2020-05-01", "2026-01-01", "2024-02-29"))
    _put(x, "license_held_since", _maybe(rng, held, absent))
    _put(x, "penalized_for_harming_tourists", _maybe(rng, rng.random() < 0.1, absent))
    return {"schema_version": "1", "company": company, "extensions": {"travel-agency": x}}


def edi_profile(rng: random.Random) -> dict[str, Any]:
    absent = rng.choice((0.0, 0.0, 0.1, 0.3))
    company = _company(rng, capital_floor=TELECOM_CAPITAL_MIN["provincial"], absent=absent)
    if rng.random() < 0.3:
        company["registered_capital_cny"] = rng.choice((9_999_999, 10_000_000))
    staff = rng.choice((0, 3, 20))
    _put(company, "staff_total", _maybe(rng, staff, absent))
    _put(company, "technical_staff", _maybe(rng, min(staff, rng.choice((0, 1, 5))), absent))
    _put(company, "on_telecom_dishonesty_list", _maybe(rng, rng.random() < 0.05, absent))
    service: dict[str, Any] = {"activities": ["platform_for_third_parties"]}
    _put(service, "coverage", _maybe(rng, rng.choice(("provincial", "national")), absent))
    readiness: dict[str, Any] = {}
    for key in (
        "business_plan",
        "technical_solution",
        "premises_and_facilities",
        "long_term_service_capability",
    ):
        _put(readiness, key, _maybe(rng, rng.random() < 0.95, absent))
    security: dict[str, Any] = {}
    for key in (
        "website_security_measures",
        "confidentiality_management_system",
        "user_information_security_system",
    ):
        _put(security, key, _maybe(rng, rng.random() < 0.95, absent))
    readiness["security"] = security
    x: dict[str, Any] = {}
    _put(x, "ecommerce_only", _maybe(rng, rng.random() < 0.5, absent))
    return {
        "schema_version": "1",
        "company": company,
        "service": service,
        "readiness": readiness,
        "extensions": {"edi-b21": x},
    }


def filing_profile(rng: random.Random) -> dict[str, Any]:
    absent = rng.choice((0.0, 0.0, 0.1, 0.3))
    company = _company(rng, capital_floor=100_000, absent=absent)
    if rng.random() < 0.1:
        company["entity_type"] = rng.choice(("natural_person", "foreign_company"))
    uscc = rng.choice(_USCCS)
    _put(company, "uscc", _maybe(rng, uscc, absent))
    service: dict[str, Any] = {}
    activities = ("non_commercial_information",) * 4 + (
        "e_commerce_own_goods",
        "online_advertising",
        "membership_fees",
    )
    activity = rng.choice(activities)
    _put(service, "activities", _maybe(rng, [activity], absent))
    area = rng.choice(
        ("none",) * 4 + ("education", "news", "healthcare", "drugs_medical_devices", "bulletin_board")
    )
    _put(service, "content_areas", _maybe(rng, [area], absent))
    if area != "none" and rng.random() < 0.8:
        approval: dict[str, Any] = {"area": area, "number": "示例-001"}
        _put(approval, "valid_until", _maybe(rng, rng.choice((_day(-1), _day(0), _day(365), None)), 0.2))
        service["pre_approvals"] = [approval]
    owner = uscc if rng.random() < 0.85 else rng.choice(_USCCS)
    website: dict[str, Any] = {"domain": f"site{rng.randrange(1000)}.cn"}
    _put(website, "owner_uscc", _maybe(rng, owner, absent))
    _put(service, "websites", _maybe(rng, rng.choice(([website], [website], [])), absent))
    return {"schema_version": "1", "company": company, "service": service}


@dataclass(frozen=True)
class LicenseBaseline:
    license_id: str
    generate: Callable[[random.Random], dict[str, Any]]
    hand_verdict: Callable[[Mapping[str, Any]], str]


BASELINES: tuple[LicenseBaseline, ...] = (
    LicenseBaseline("icp-filing", filing_profile, filing_verdict),
    LicenseBaseline("edi-b21", edi_profile, edi_verdict),
    LicenseBaseline("labour-dispatch", labour_profile, labour_verdict),
    LicenseBaseline("travel-agency", travel_profile, travel_verdict),
)


def generate(baseline: LicenseBaseline, n: int, seed: int = 42) -> list[dict[str, Any]]:
    """``n`` profiles for the license, the same for the same ``(n, seed)``."""
    rng = random.Random(f"{baseline.license_id}:{seed}")
    return [baseline.generate(rng) for _ in range(n)]
