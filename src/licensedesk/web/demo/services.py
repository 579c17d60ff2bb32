"""Demo data: one agency, its admin, two consultants, five client companies with realistic Chinese data
at different stages of an ICP (B25) application, and one client user per company; one of them (金石)
also has a labour-dispatch case, checked and with its contract signed, to show a second license.

``demo_load()`` is idempotent: it looks everything up by its natural key (agency name, username, USCC,
company × license) and creates only what is missing; a case's scripted history (checks, moves, an
override) is played only when the case is created. Everything goes through the services, so the demo
data is audited like real work. :data:`DEMO_LOGINS` lists the sign-ins (callers print them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric, uscc

from licensedesk.web.accounts.models import Agency, Role, User
from licensedesk.web.accounts.services import agency_create, agency_settings_update, user_create
from licensedesk.web.cases.models import Case, ClientCompany
from licensedesk.web.cases.services import (
    case_create,
    case_override_eligibility,
    case_run_check,
    case_transition,
    company_create,
    company_profile_update,
    note_create,
    task_create,
)
from licensedesk.web.inbox.models import InboxItem

DEMO_AGENCY = "深圳市鹏程企业管理咨询有限公司"
DEMO_LICENSE = "icp-b25"
#: the second license the demo shows, and the company (by its index in demo_profiles) that applies for it
SECOND_LICENSE = "labour-dispatch"
SECOND_LICENSE_COMPANY = 2


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    name: str
    company: str = ""  # the client company's name, for client users


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("demo-admin", "Pengcheng-Admin-2026", Role.AGENCY_ADMIN, "李静"),
    DemoLogin("demo-wang", "Pengcheng-Wang-2026", Role.CONSULTANT, "王磊"),
    DemoLogin("demo-chen", "Pengcheng-Chen-2026", Role.CONSULTANT, "陈晓燕"),
    DemoLogin("demo-yunfan", "Yunfan-Client-2026", Role.CLIENT_USER, "陈志远", "深圳市云帆信息科技有限公司"),
    DemoLogin("demo-haina", "Haina-Client-2026", Role.CLIENT_USER, "黄海宁", "广州海纳网络科技有限公司"),
    DemoLogin("demo-jinshi", "Jinshi-Client-2026", Role.CLIENT_USER, "周晓明", "杭州金石数据服务有限公司"),
    DemoLogin("demo-lanxin", "Lanxin-Client-2026", Role.CLIENT_USER, "刘芳", "成都蓝信互动科技有限公司"),
    DemoLogin("demo-boyuan", "Boyuan-Client-2026", Role.CLIENT_USER, "郑博远", "东莞博远电子商务有限公司"),
)


def make_uscc(first17: str) -> str:
    """A valid USCC from its first 17 characters (stdnum computes the check character)."""
    return first17 + uscc.calc_check_digit(first17)


def make_resident_id(first17: str) -> str:
    """A valid resident ID from its first 17 digits (stdnum wants the full number, check char included)."""
    return first17 + ric.calc_check_digit(first17 + "X")


def _profile(
    *,
    name: str,
    name_en: str,
    uscc17: str,
    province: str,
    city: str,
    address: str,
    legal_rep: str,
    id17: str,
    mobile: str,
    domain: str,
    filing: str,
    capital: float | None = 1_000_000,
    established: str = "2020-05-18",
    statement_on: date,
    staff: tuple[int, int] | None = (12, 5),
    foreign_pct: float | None = None,
    readiness: bool = True,
    partner: str = "林晓梅",
    second_license: bool = False,
) -> dict[str, Any]:
    code = make_uscc(uscc17)
    company: dict[str, Any] = {
        "name": name,
        "name_en": name_en,
        "uscc": code,
        "entity_type": "limited_company",
        "established_on": established,
        "province": province,
        "city": city,
        "registered_address": address,
        "business_scope": "计算机软硬件技术开发；信息技术咨询服务；第二类增值电信业务",
        "legal_representative": {
            "name": legal_rep,
            "id_type": "resident_id",
            "id_number": make_resident_id(id17),
            "mobile": mobile,
        },
        "shareholders": [
            {"name": legal_rep, "kind": "person", "jurisdiction": "CN", "share_pct": 70},
            {"name": partner, "kind": "person", "jurisdiction": "CN", "share_pct": 30},
        ],
        "on_telecom_dishonesty_list": False,
        "financials": {"latest_statement_date": statement_on.isoformat(), "audited": True},
    }
    if capital is not None:
        company["registered_capital_cny"] = capital
    if staff is not None:
        company["staff_total"], company["technical_staff"] = staff
    if foreign_pct is not None:
        company["foreign_ownership_pct"] = foreign_pct
    profile: dict[str, Any] = {
        "schema_version": "1",
        "company": company,
        "service": {
            "coverage": "provincial",
            "activities": ["online_advertising", "membership_fees"],
            "content_areas": ["none"],
            "websites": [{"domain": domain, "owner_uscc": code, "icp_filing_number": filing}],
            "hosting": "mainland",
        },
    }
    if readiness:
        profile["readiness"] = {
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
    else:
        profile["readiness"] = {"business_plan": True, "technical_solution": True}
    if second_license:
        # what the labour-dispatch license asks beyond the common facts: capital paid in, its own section
        company["paid_in_capital_cny"] = capital
        profile["extensions"] = {SECOND_LICENSE: demo_labour_dispatch_facts(statement_on)}
    return profile


def demo_labour_dispatch_facts(statement_on: date) -> dict[str, Any]:
    """金石's labour-dispatch facts (the license's profile section): leased premises, all in place."""
    return {
        "premises_ready": True,
        "premises_owned": False,
        "premises_lease_until": date(statement_on.year + 3, 12, 31).isoformat(),
        "facilities_ready": True,
        "dispatch_rules_ready": True,
    }


def demo_profiles(today: date) -> list[dict[str, Any]]:
    """The five client companies' profiles (in the order of the client logins)."""
    statement = date(today.year - 1, 12, 31)
    return [
        _profile(
            name="深圳市云帆信息科技有限公司",
            name_en="Shenzhen Yunfan Information Technology Co., Ltd.",
            uscc17="91440300MA5FXK2Q1",
            province="CN-GD",
            city="深圳市",
            address="广东省深圳市南山区粤海街道科技园中区科苑路15号",
            legal_rep="陈志远",
            id17="44030519880612351",
            mobile="13800138000",
            domain="yunfan-tech.cn",
            filing="粤ICP备2021123456号-1",
            statement_on=statement,
        ),
        _profile(
            name="广州海纳网络科技有限公司",
            name_en="Guangzhou Haina Network Technology Co., Ltd.",
            uscc17="91440106MA59C3TG7",
            province="CN-GD",
            city="广州市",
            address="广东省广州市天河区天河北路233号中信广场28楼",
            legal_rep="黄海宁",
            id17="44010619850321462",
            mobile="13922001234",
            domain="hainanet.com.cn",
            filing="粤ICP备2019087654号-1",
            capital=2_000_000,
            established="2019-08-02",
            statement_on=statement,
            staff=None,
            partner="苏晴",
        ),
        _profile(
            name="杭州金石数据服务有限公司",
            name_en="Hangzhou Jinshi Data Services Co., Ltd.",
            uscc17="91330106MA2KD8R35",
            province="CN-ZJ",
            city="杭州市",
            address="浙江省杭州市西湖区文三路478号华星时代广场A座9楼",
            legal_rep="周晓明",
            id17="33010619900714281",
            mobile="13735002468",
            domain="jinshidata.cn",
            filing="浙ICP备2022045678号-1",
            capital=3_000_000,
            established="2021-11-09",
            statement_on=statement,
            staff=(20, 9),
            partner="吴婷",
            second_license=True,
        ),
        _profile(
            name="成都蓝信互动科技有限公司",
            name_en="Chengdu Lanxin Interactive Technology Co., Ltd.",
            uscc17="91510107MA6C4NP82",
            province="CN-SC",
            city="成都市",
            address="四川省成都市武侯区天府大道中段688号大源国际中心2栋",
            legal_rep="刘芳",
            id17="51010719920205302",
            mobile="18628005566",
            domain="lanxin-hd.cn",
            filing="蜀ICP备2023012345号-1",
            capital=None,
            established="2023-02-20",
            statement_on=statement,
            staff=(6, 2),
            readiness=False,
            partner="何军",
        ),
        _profile(
            name="东莞博远电子商务有限公司",
            name_en="Dongguan Boyuan E-commerce Co., Ltd.",
            uscc17="91441900MA4W7LQ63",
            province="CN-GD",
            city="东莞市",
            address="广东省东莞市南城街道鸿福路106号南峰中心15楼",
            legal_rep="郑博远",
            id17="44190019870930211",
            mobile="13650007788",
            domain="boyuan-eshop.cn",
            filing="粤ICP备2020098765号-1",
            capital=300_000,
            established="2020-09-30",
            statement_on=statement,
            partner="郑雅文",
        ),
    ]


@dataclass
class DemoSummary:
    agency: Agency
    created: dict[str, int] = field(default_factory=dict)
    logins: tuple[DemoLogin, ...] = DEMO_LOGINS

    @property
    def created_anything(self) -> bool:
        return any(self.created.values())


def _login(username: str) -> DemoLogin:
    return next(login for login in DEMO_LOGINS if login.username == username)


def _user(agency: Agency, login: DemoLogin, company: ClientCompany | None, summary: DemoSummary) -> User:
    existing = User.objects.filter(username=login.username).first()
    if existing is not None:
        return existing
    summary.created["users"] += 1
    return user_create(
        agency=agency,
        username=login.username,
        password=login.password,
        role=login.role,
        company=company,
        actor=None,
        display_name=login.name,
        email=f"{login.username}@example.cn",
        check_password=False,
    )


def _move(case: Case, actor: User, *stages: str, reason: str = "") -> None:
    for stage in stages:
        case_transition(
            case=case,
            to_stage=stage,
            actor=actor,
            reason=reason,
            expected_version=case.version,
            confirmed=True,  # the demo's withdrawal is meant
        )


def _play(
    index: int, case: Case, admin: User, consultant: User, client: User, company: ClientCompany
) -> None:
    """The scripted history of the demo case of company ``index``."""
    case_run_check(case=case, actor=consultant)
    if index == 0:  # 云帆: eligible, materials collected, now in review (the materials guard holds it there)
        _move(case, consultant, "contract_signed", "collecting_materials", "reviewing_materials")
        note_create(case=case, author=client, body="营业执照副本和公司章程已上传，请查收。")
        task_create(
            case=case, actor=consultant, title="审核上传的营业执照和公司章程", due_on=timezone.localdate()
        )
    elif index == 1:  # 海纳: staff numbers unknown → incomplete; the admin overrides with a reason
        case_override_eligibility(
            case=case, actor=admin, reason="客户已提供社保缴纳名单（12人，其中技术人员5人），档案稍后补录。"
        )
        _move(case, consultant, "contract_signed", "collecting_materials")
        note_create(
            case=case, author=consultant, body="已发送材料清单，请在两周内上传。", visibility="client"
        )
    elif index == 2:  # 金石: eligible, contract just signed
        _move(case, consultant, "contract_signed")
        task_create(case=case, actor=consultant, title="发送委托合同扫描件给客户", due_on=case.opened_on)
    elif index == 3:  # 蓝信: profile incomplete, still in qualification review
        note_create(
            case=case, author=consultant, body="请补充注册资本和安全保障措施的情况。", visibility="client"
        )
    elif index == 4:  # 博远: capital below the minimum; the client withdrew
        note_create(
            case=case, author=consultant, body="注册资本30万元，低于省内经营100万元的要求；客户暂不增资。"
        )
        _move(case, consultant, "withdrawn", reason="客户决定暂不增资，撤回申请。")


def demo_load(*, today: date | None = None) -> DemoSummary:
    """Load (or complete) the demo data; returns what was created this time. Idempotent."""
    today = today or timezone.localdate()
    with transaction.atomic():
        agency = Agency.objects.filter(name=DEMO_AGENCY).first()
        summary = DemoSummary(agency=agency, created={"agencies": 0, "users": 0, "companies": 0, "cases": 0})  # type: ignore[arg-type]
        if agency is None:
            agency = agency_create(name=DEMO_AGENCY)
            summary.agency = agency
            summary.created["agencies"] = 1
        admin = _user(agency, _login("demo-admin"), None, summary)
        if not agency.uscc:  # databases loaded before the agency had settings get them too
            agency = agency_settings_update(
                agency=agency, actor=admin, expected_version=agency.version, **demo_agency_settings()
            )
        consultants = [_user(agency, _login(u), None, summary) for u in ("demo-wang", "demo-chen")]
        clients = [login for login in DEMO_LOGINS if login.role == Role.CLIENT_USER]
        for index, (profile, login) in enumerate(zip(demo_profiles(today), clients, strict=True)):
            company = ClientCompany.objects.filter(agency=agency, uscc=profile["company"]["uscc"]).first()
            if company is None:
                company = company_create(agency=agency, profile=profile, actor=admin)
                summary.created["companies"] += 1
            client = _user(agency, login, company, summary)
            existing = Case.objects.filter(company=company, license_id=DEMO_LICENSE).first()
            if existing is not None:
                if index == 0:  # databases loaded before the demo had uploads get them too
                    _materials(existing, client, consultants[0], today)
                    _document_data(existing, consultants[0], today)
                continue
            consultant = consultants[index % 2]
            case = case_create(
                company=company, license_id=DEMO_LICENSE, actor=admin, consultant=consultant, opened_on=today
            )
            summary.created["cases"] += 1
            _play(index, case, admin, consultant, client, company)
            if index == 0:
                _materials(case, client, consultant, today)
                _document_data(case, consultant, today)
        _second_license(agency, admin, consultants[0], today, summary)
        # The demo's uploads and messages are in the consultants' inbox, but nobody is emailed about
        # events that were made up (their addresses are not real).
        InboxItem.objects.filter(agency=agency, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return summary


def _second_license(agency: Agency, admin: User, consultant: User, today: date, summary: DemoSummary) -> None:
    """金石's labour-dispatch case: checked (eligible) and moved to "contract signed", so the board
    and the case page show a second license with its own check and checklist. A database loaded before
    the demo had it gets it too, its profile completed with the license's facts first."""
    profile = demo_profiles(today)[SECOND_LICENSE_COMPANY]
    company = ClientCompany.objects.filter(agency=agency, uscc=profile["company"]["uscc"]).first()
    if company is None or Case.objects.filter(company=company, license_id=SECOND_LICENSE).exists():
        return
    if SECOND_LICENSE not in (company.profile.get("extensions") or {}):
        stored = {**company.profile, "extensions": profile["extensions"]}
        stored["company"] = {
            **stored["company"],
            "paid_in_capital_cny": profile["company"]["paid_in_capital_cny"],
        }
        company = company_profile_update(company=company, profile=stored, actor=admin)
    case = case_create(
        company=company, license_id=SECOND_LICENSE, actor=admin, consultant=consultant, opened_on=today
    )
    summary.created["cases"] += 1
    case_run_check(case=case, actor=consultant)
    _move(case, consultant, "contract_signed")


def demo_agency_settings() -> dict[str, object]:
    """The demo agency's own facts (its settings page), which every case's documents use."""
    return {
        "name": DEMO_AGENCY,
        "uscc": make_uscc("91440300MA5GPC001"),
        "address": "深圳市福田区福华三路88号财富大厦2306室",
        "legal_representative": "李静",
        "contact_person": "王磊",
        "phone": "0755-83216688",
        "email": "service@pengcheng-zx.cn",
        "default_fee_cny": Decimal("30000"),
        "case_number_format": "PC-{year}-{seq:04d}",
    }


def demo_document_data(today: date) -> dict[str, object]:
    """What 云帆's application documents need beyond its profile and the agency settings: the
    contract, the site, the people."""
    return {
        "application_date": today.isoformat(),
        "contract.signed_on": today.isoformat(),
        "contract.fee_cny": 30000,
        "contract.payment_terms": (
            "甲方于本合同签订之日起5个工作日内支付50%，于取得经营许可证之日起5个工作日内支付其余50%。"
        ),
        "contract.timeline_working_days": 20,
        "contact.name": "陈志远",
        "contact.phone": "13800138000",
        "contact.email": "chenzy@yunfan-tech.cn",
        "service_name": "云帆资讯",
        "service_description": (
            "网站提供软件开发与信息技术领域的行业资讯和在线课程目录，向注册会员收取会员费，并发布网络广告。"
        ),
        "premises.address": "深圳市南山区粤海街道科技园中区科苑路15号科兴科学园B栋1203室",
        "premises.area_m2": 260,
        "facilities.provider": "阿里云计算有限公司",
        "facilities.location": "广东省深圳市",
        "facilities.description": (
            "云服务器4台（应用2台、数据库1台、备份1台），带宽100Mbps，部署Web应用防火墙。"
        ),
        "security_officer.name": "赵磊",
        "security_officer.phone": "13812345678",
        "customer_service.phone": "400-820-1234",
        "customer_service.email": "support@yunfan-tech.cn",
        "customer_service.hours": "工作日 9:00–18:00",
    }


def _document_data(case: Case, actor: User, today: date) -> None:
    """Document data on 云帆's case, so "generate" works in the demo (kept if already there)."""
    from licensedesk.web.documents.models import CaseDocumentData
    from licensedesk.web.documents.services import case_document_data_save

    if not CaseDocumentData.objects.filter(case=case).exists():
        case_document_data_save(
            case=case, actor=actor, values=demo_document_data(today), expected_version=None
        )


def _materials(case: Case, client: User, reviewer: User, today: date) -> None:
    """A few uploads on 云帆's case (in material review), three of them accepted."""
    from licensedesk.web.demo.materials import upload_demo_materials

    case.refresh_from_db()
    upload_demo_materials(
        case=case, client=client, reviewer=reviewer, statement_on=date(today.year - 1, 12, 31)
    )
