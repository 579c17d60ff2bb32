"""factory_boy factories for the web models. They write rows directly (no services, no audit events):
use them to arrange a test, and the services for what the test is about."""

from __future__ import annotations

import copy
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory
from stdnum.cn import uscc as stdnum_uscc

from licensedesk.web.accounts.models import Agency, Role, User
from licensedesk.web.cases.models import Case, CaseCheck, ClientCompany
from licensedesk.web.cases.services import profile_hash, validated_profile

PASSWORD = "Correct-Horse-42"
LICENSE = "icp-b25"
RULESET = "2017-09-01"

ELIGIBLE_PROFILE: dict[str, Any] = {
    "schema_version": "1",
    "company": {
        "name": "深圳市云帆信息科技有限公司",
        "uscc": "91440300MA5FXK2Q18",
        "entity_type": "limited_company",
        "registered_capital_cny": 1000000,
        "established_on": "2021-03-15",
        "province": "CN-GD",
        "city": "深圳市",
        "registered_address": "深圳市南山区粤海街道科技园中区科苑路15号",
        "legal_representative": {
            "name": "陈志远",
            "id_type": "resident_id",
            "id_number": "440305198806123517",
        },
        "shareholders": [
            {"name": "陈志远", "kind": "person", "jurisdiction": "CN", "share_pct": 70},
            {"name": "林晓梅", "kind": "person", "jurisdiction": "CN", "share_pct": 30},
        ],
        "staff_total": 12,
        "technical_staff": 5,
        "on_telecom_dishonesty_list": False,
        "financials": {"latest_statement_date": "2025-12-31", "audited": True},
    },
    "service": {"coverage": "provincial", "activities": ["online_advertising"], "content_areas": ["none"]},
    "readiness": {
        "business_plan": True,
        "technical_solution": True,
        "premises_and_facilities": True,
        "long_term_service_capability": True,
        "security": {
            "website_security_measures": True,
            "confidentiality_management_system": True,
            "user_information_security_system": True,
        },
    },
}


def make_uscc(n: int, division: str = "440300") -> str:
    first17 = f"91{division}MA{n:07d}"
    return first17 + stdnum_uscc.calc_check_digit(first17)


def eligible_profile(name: str, uscc: str, **company: Any) -> dict[str, Any]:
    profile = copy.deepcopy(ELIGIBLE_PROFILE)
    profile["company"].update(name=name, uscc=uscc, **company)
    return profile


def not_eligible_profile(name: str, uscc: str) -> dict[str, Any]:
    """Capital below the provincial minimum of 1,000,000 CNY."""
    return eligible_profile(name, uscc, registered_capital_cny=300000)


def incomplete_profile(name: str, uscc: str) -> dict[str, Any]:
    profile = eligible_profile(name, uscc)
    del profile["company"]["registered_capital_cny"]
    return profile


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试{n}号企业管理咨询有限公司")


class ClientCompanyFactory(DjangoModelFactory):
    class Meta:
        model = ClientCompany

    class Params:
        seq = factory.Sequence(lambda n: n + 1)
        company_name = factory.LazyAttribute(lambda o: f"测试客户{o.seq}号网络科技有限公司")
        raw_profile = factory.LazyAttribute(lambda o: eligible_profile(o.company_name, make_uscc(o.seq)))

    agency = factory.SubFactory(AgencyFactory)
    profile = factory.LazyAttribute(lambda o: validated_profile(o.raw_profile))
    name = factory.LazyAttribute(lambda o: o.profile["company"]["name"])
    uscc = factory.LazyAttribute(lambda o: o.profile["company"].get("uscc", ""))
    province = factory.LazyAttribute(lambda o: o.profile["company"].get("province", ""))
    entity_type = factory.LazyAttribute(lambda o: o.profile["company"].get("entity_type", ""))
    profile_hash = factory.LazyAttribute(lambda o: profile_hash(o.profile))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.CONSULTANT
    agency = factory.SubFactory(AgencyFactory)
    company = None
    is_staff = factory.LazyAttribute(lambda o: o.role == Role.AGENCY_ADMIN)
    password = factory.django.Password(PASSWORD)


class AdminFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    role = Role.AGENCY_ADMIN


class ConsultantFactory(UserFactory):
    username = factory.Sequence(lambda n: f"consultant{n}")
    role = Role.CONSULTANT


class ClientUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"client{n}")
    role = Role.CLIENT_USER
    company = factory.SubFactory(ClientCompanyFactory)
    agency = factory.LazyAttribute(lambda o: o.company.agency)


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case

    company = factory.SubFactory(ClientCompanyFactory)
    agency = factory.LazyAttribute(lambda o: o.company.agency)
    number = factory.Sequence(lambda n: f"T-{n + 1:04d}")
    license_id = LICENSE
    ruleset_version = RULESET
    stage = "qualification_review"
    consultant = None
    opened_on = factory.LazyFunction(timezone.localdate)
    stage_entered_at = factory.LazyFunction(timezone.now)


class CaseCheckFactory(DjangoModelFactory):
    """A stored check saying ``verdict`` on the company's current profile (no real evaluation)."""

    class Meta:
        model = CaseCheck

    case = factory.SubFactory(CaseFactory)
    verdict = "eligible"
    license_id = LICENSE
    ruleset_version = RULESET
    as_of = factory.LazyFunction(timezone.localdate)
    profile_hash = factory.LazyAttribute(lambda o: o.case.company.profile_hash)
    profile = factory.LazyAttribute(lambda o: o.case.company.profile)
    run_by = factory.SubFactory(ConsultantFactory, agency=factory.SelfAttribute("..case.agency"))
    result = factory.LazyAttribute(
        lambda o: {
            "license": LICENSE,
            "ruleset_version": RULESET,
            "verdict": o.verdict,
            "conditions": [],
            "materials": [],
        }
    )
