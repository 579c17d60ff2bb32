"""The Django admin for agency admins: scoped, and its writes go through the audited services."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from django.urls import reverse

from licensedesk.web.accounts.models import Agency, Role, User
from licensedesk.web.admin_scoping import AgencyScopedAdmin, AgencyScopedReadOnlyAdmin
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.models import (
    Case,
    CaseCheck,
    ClientCompany,
    GuardOverride,
    LicenseRecord,
    Note,
    Task,
)
from licensedesk.web.cases.services import (
    case_override_eligibility,
    case_run_check,
    note_create,
    task_create,
)

from . import factories as f

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _admin_client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def test_agency_admin_adds_a_user_in_their_agency(tenant: Any) -> None:
    client = _admin_client(tenant.admin)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new.consultant",
            "display_name": "新顾问",
            "email": "",
            "role": Role.CONSULTANT,
            "company": "",
            "password": "Strong-Pass-2026",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new.consultant")
    assert (user.agency_id, user.role, user.is_staff) == (tenant.agency.pk, Role.CONSULTANT, False)
    assert user.check_password("Strong-Pass-2026")
    assert AuditEvent.objects.get(action="user.created").actor == tenant.admin


def test_agency_admin_changes_a_role_through_the_service(tenant: Any) -> None:
    client = _admin_client(tenant.admin)
    user = tenant.consultant
    response = client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {
            "username": user.username,
            "display_name": "改名",
            "email": "",
            "role": Role.AGENCY_ADMIN,
            "company": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert (user.role, user.is_staff, user.display_name) == (Role.AGENCY_ADMIN, True, "改名")
    assert AuditEvent.objects.get(action="user.role_changed").after["role"] == Role.AGENCY_ADMIN


def test_company_profile_edit_is_validated_and_audited(tenant: Any) -> None:
    client = _admin_client(tenant.admin)
    url = reverse("admin:cases_clientcompany_change", args=[tenant.company.pk])
    bad = dict(tenant.company.profile, company={**tenant.company.profile["company"], "uscc": "123"})
    response = client.post(url, {"profile": json.dumps(bad)})
    assert response.status_code == 200 and "company.uscc" in response.content.decode()
    good = dict(tenant.company.profile, company={**tenant.company.profile["company"], "staff_total": 99})
    response = client.post(url, {"profile": json.dumps(good)})
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="company.profile_updated").after == {"company.staff_total": 99}


def test_consultants_and_clients_have_no_admin(tenant: Any) -> None:
    for user in (tenant.consultant, tenant.client):
        response = _admin_client(user).get(reverse("admin:index"))
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_admin_changelists_are_scoped(tenant: Any, other_tenant: Any) -> None:
    client = _admin_client(tenant.admin)
    body = client.get(reverse("admin:cases_clientcompany_changelist")).content.decode()
    assert tenant.company.name in body and other_tenant.company.name not in body
    body = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert tenant.consultant.username in body and other_tenant.admin.username not in body


# -- every admin screen shows only the admin's own agency --------------------------------------------


@dataclass
class Seeded:
    """One agency with one of every admin model, every name carrying the agency's marker."""

    agency: Any
    admin: Any
    consultant: Any
    client: Any
    company: Any
    case: Any
    names: list[str]  # what must never appear on the other agency's admin pages
    ids: dict[type, set[int]]  # model → ids of this agency's rows


def _seed(marker: str, letter: str) -> Seeded:
    agency = f.AgencyFactory(name=f"{marker}企业管理咨询有限公司")
    admin_user = f.AdminFactory(agency=agency, username=f"{letter}-admin", display_name=f"{marker}管理员")
    consultant = f.ConsultantFactory(
        agency=agency, username=f"{letter}-consultant", display_name=f"{marker}顾问张伟"
    )
    company = f.ClientCompanyFactory(agency=agency, company_name=f"{marker}客户网络科技有限公司")
    client_user = f.ClientUserFactory(
        company=company, username=f"{letter}-client", display_name=f"{marker}客户联系人"
    )
    case = f.CaseFactory(company=company, consultant=consultant)
    check = case_run_check(case=case, actor=consultant)
    override = case_override_eligibility(case=case, actor=admin_user, reason=f"{marker}豁免理由")
    note = note_create(case=case, author=consultant, body=f"{marker}备注")
    task = task_create(case=case, actor=consultant, title=f"{marker}任务", assignee=consultant)
    licensed = f.CaseFactory(
        company=f.ClientCompanyFactory(agency=agency, company_name=f"{marker}已领证网络科技有限公司"),
        stage="approved",
        consultant=admin_user,
    )
    record = LicenseRecord.objects.create(
        case=licensed,
        agency_id=licensed.agency_id,
        company_id=licensed.company_id,
        license_id=licensed.license_id,
        number=f"粤B2-2026{letter.encode().hex()[:4]}",
        issued_on=licensed.opened_on,
        expires_on=licensed.opened_on.replace(year=licensed.opened_on.year + 5),
        recorded_by=admin_user,
    )
    del check, override, note, task, record
    users = [admin_user, consultant, client_user]
    companies = list(ClientCompany.objects.filter(agency=agency))
    ids: dict[type, set[int]] = {
        model: set(model._default_manager.filter(**{path: agency.pk}).values_list("pk", flat=True))
        for model, path in (
            (Agency, "pk"),
            (User, "agency"),
            (ClientCompany, "agency"),
            (Case, "agency"),
            (CaseCheck, "case__agency"),
            (GuardOverride, "case__agency"),
            (Note, "case__agency"),
            (Task, "case__agency"),
            (LicenseRecord, "agency"),
            (AuditEvent, "agency"),
        )
    }
    names = [agency.name, *(u.username for u in users), *(u.display_name for u in users)]
    names += [c.name for c in companies] + [c.uscc for c in companies]
    return Seeded(agency, admin_user, consultant, client_user, company, case, names, ids)


def _related_model(model: type, param: str) -> type | None:
    """The model a filter's query parameter (``consultant__id__exact``) or a form field refers to."""
    path = param.split("__")
    for end in range(len(path), 0, -1):
        try:
            fields = get_fields_from_path(model, "__".join(path[:end]))
        except Exception:
            continue
        return fields[-1].related_model if fields[-1].is_relation else None
    return None


class Leaks:
    """What one agency admin's walk found of the other agency (empty = scoped)."""

    def __init__(self, other: Seeded) -> None:
        self.other = other
        self.found: list[str] = []

    def text(self, where: str, body: str) -> None:
        self.found += [f"{where}: {name!r}" for name in self.other.names if name in body]

    def ids(self, where: str, related: type | None, values: Any) -> None:
        if related is None:
            return
        own = self.other.ids.get(related, set())
        for value in values:
            if str(value).isdigit() and int(value) in own:
                self.found.append(f"{where}: {related.__name__} id {value}")


def _filter_links(model: type, body: str) -> list[str]:
    """The query strings of every choice of every list filter (all expanded, as rendered)."""
    tree = lxml.html.fromstring(body)
    return [a.get("href") for a in tree.xpath('//*[@id="changelist-filter"]//a[@href]')]


def _check_filters(model: type, url: str, body: str, leaks: Leaks) -> list[str]:
    links = _filter_links(model, body)
    for href in links:
        for param, values in parse_qs(urlsplit(href).query).items():
            leaks.ids(f"{url} filter {param}", _related_model(model, param), values)
    return links


def _check_selects(model: type, url: str, body: str, leaks: Leaks) -> None:
    tree = lxml.html.fromstring(body)
    for select in tree.xpath("//select[@name]"):
        related = _related_model(model, select.get("name"))
        leaks.ids(f"{url} select {select.get('name')}", related, select.xpath(".//option/@value"))
    for widget in tree.xpath("//input[@name and contains(@class, 'vForeignKeyRawIdAdminField')]"):
        leaks.ids(
            f"{url} raw id {widget.get('name')}", _related_model(model, widget.get("name")), [widget.value]
        )


def _walk_admin(viewer: Seeded, other: Seeded) -> Leaks:
    client = _admin_client(viewer.admin)
    leaks = Leaks(other)
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = client.get(changelist)
        assert response.status_code == 200, changelist
        body = response.content.decode()
        leaks.text(changelist, body)
        for href in _check_filters(model, changelist, body, leaks):  # each filter choice applied
            filtered = client.get(changelist + href)
            assert filtered.status_code == 200, (changelist, href)
            leaks.text(changelist + href, filtered.content.decode())
        for name in other.names:  # search for the other agency by name, USCC, username
            searched = client.get(changelist, {"q": name})
            if searched.status_code == 200:
                leaks.text(f"{changelist}?q=", searched.content.decode().replace(name, ""))
        if model_admin.has_add_permission(_request(viewer.admin)):
            add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
            body = client.get(add).content.decode()
            leaks.text(add, body)
            _check_selects(model, add, body, leaks)
        own = model._default_manager.filter(pk__in=viewer.ids[model]).order_by("pk").first()
        assert own is not None, meta.label
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[own.pk])
        response = client.get(change)
        assert response.status_code == 200, change
        body = response.content.decode()
        leaks.text(change, body)
        _check_selects(model, change, body, leaks)
        # the autocomplete endpoint answers for any relation of any model, declared or not
        for db_field in meta.get_fields():
            if not (db_field.is_relation and db_field.concrete) or db_field.related_model not in viewer.ids:
                continue
            params = {"app_label": meta.app_label, "model_name": meta.model_name, "field_name": db_field.name}
            response = client.get(reverse("admin:autocomplete"), {**params, "term": ""})
            where = f"autocomplete {meta.label}.{db_field.name}"
            if db_field.name in model_admin.autocomplete_fields:
                assert response.status_code == 200, where
            if response.status_code == 200:
                results = response.json()["results"]
                leaks.text(where, json.dumps(results, ensure_ascii=False))
                leaks.ids(where, db_field.related_model, [r["id"] for r in results])
    return leaks


def _request(user: Any) -> Any:
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_every_admin_screen_shows_only_the_admins_agency() -> None:
    jia, yi = _seed("甲方", "jia"), _seed("乙方", "yi")
    assert _walk_admin(jia, yi).found == []
    assert _walk_admin(yi, jia).found == []


def test_consultant_filter_offers_the_agencys_staff_only() -> None:
    jia, _ = _seed("甲方", "jia"), _seed("乙方", "yi")
    body = _admin_client(jia.admin).get(reverse("admin:cases_case_changelist")).content.decode()
    filters = lxml.html.fromstring(body).xpath('//*[@id="changelist-filter"]')[0].text_content()
    assert "甲方顾问张伟" in filters and "甲方管理员" in filters
    assert "甲方客户联系人" not in filters  # a client is never a consultant
    assert "收集材料" not in filters and "资质审核" in filters  # the stage filter names stages
    assert "qualification_review" not in filters


def test_company_autocomplete_offers_the_agencys_companies() -> None:
    jia, _ = _seed("甲方", "jia"), _seed("乙方", "yi")
    params = {"app_label": "accounts", "model_name": "user", "field_name": "company", "term": "客户"}
    response = _admin_client(jia.admin).get(reverse("admin:autocomplete"), params)
    assert [r["text"] for r in response.json()["results"]] == ["甲方客户网络科技有限公司"]


def test_audit_admin_names_actions_and_stages_in_words() -> None:
    jia = _seed("甲方", "jia")
    client = _admin_client(jia.admin)
    body = client.get(reverse("admin:audit_auditevent_changelist")).content.decode()
    assert "运行资格检查" in body and "豁免门槛" in body
    filters = lxml.html.fromstring(body).xpath('//*[@id="changelist-filter"]')[0].text_content()
    assert "case.check_run" not in filters and "添加备注" in filters
    body = client.get(reverse("admin:cases_case_change", args=[jia.case.pk])).content.decode()
    assert "资质审核" in body and "qualification_review" not in body


def test_an_admin_showing_an_unscoped_relation_is_refused_at_registration() -> None:
    class LeakyCaseAdmin(AgencyScopedReadOnlyAdmin):
        list_filter = ("consultant",)

    with pytest.raises(ImproperlyConfigured, match="consultant"):
        LeakyCaseAdmin(Case, admin.AdminSite(name="leaky"))

    class LeakyTaskAdmin(AgencyScopedAdmin):
        agency_path = "case__agency"
        fields = ("title", "assignee")
        scoped_relations: ClassVar[dict[str, str]] = {"case": "agency"}

    with pytest.raises(ImproperlyConfigured, match="assignee"):
        LeakyTaskAdmin(Task, admin.AdminSite(name="leaky"))


def test_the_audit_trail_has_chinese_model_and_field_names(tenant: Any) -> None:
    """The admin names the audit trail and its columns in Chinese (``verbose_name`` through gettext),
    not ``审计事件 audit event`` nor the field names ``seq`` / ``occurred_at`` / ``actor_label``."""
    case_run_check(case=tenant.case, actor=tenant.consultant)
    client = Client()
    client.force_login(tenant.admin, backend="django.contrib.auth.backends.ModelBackend")
    page = lxml.html.fromstring(client.get(reverse("admin:audit_auditevent_changelist")).content.decode())
    headings = [
        " ".join(th.text_content().split()) for th in page.xpath('//table[@id="result_list"]/thead//th')
    ]
    assert headings[:3] == ["序号", "发生时间", "操作"], headings
    assert "操作人名称" in headings and "案件" in headings
    title = page.findtext(".//title")
    assert "审计事件" in title and "audit event" not in title
    event = AuditEvent.objects.filter(agency=tenant.agency).first()
    change = client.get(reverse("admin:audit_auditevent_change", kwargs={"object_id": event.pk}))
    labels = [
        " ".join(x.text_content().split())
        for x in lxml.html.fromstring(change.content.decode()).xpath(
            "//div[contains(@class, 'form-row')]//label"
        )
    ]
    assert {"序号:", "发生时间:", "操作人:", "变更前:", "变更后:", "详细信息:"} <= set(labels), labels


def test_the_admin_index_names_every_model_in_chinese_only(tenant: Any) -> None:
    """The sidebar and index list the models by their Chinese names (they read ``案件 cases``,
    ``用户 users`` …, half English)."""
    client = Client()
    client.force_login(tenant.admin, backend="django.contrib.auth.backends.ModelBackend")
    page = lxml.html.fromstring(client.get(reverse("admin:index")).content.decode())
    names = {" ".join(a.text_content().split()) for a in page.xpath('//div[@id="content-main"]//th/a')}
    assert {"客户企业", "案件", "资格检查", "备注", "任务", "代办机构", "用户", "审计事件"} <= names, names
    assert not [n for n in names if any("a" <= c.lower() <= "z" for c in n)], names
