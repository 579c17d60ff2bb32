"""Portal pages through HTTP: a client vs staff vs another client, the invitation link from first visit to a
signed-in client who sees their case and nobody else's, the profile sections with drafts that survive bad
submissions, and pinned query counts."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from licensedesk.web.accounts.models import Role, User
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.models import Case, ClientCompany, Note
from licensedesk.web.cases.services import note_create
from licensedesk.web.portal.models import Invitation, ProfileDraft

from ..factories import CaseCheckFactory, CaseFactory
from .conftest import last_token, path_of

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
PASSWORD = "Lanting-Xu-2026!"


def _client(user: Any | None = None, lang: str = "") -> Client:
    """A browser, signed in as ``user``; ``lang`` is a language chosen with the header's switch."""
    client = Client()
    if lang:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    if user is not None:
        client.force_login(user, backend=BACKEND)
    return client


def _text(response: Any) -> str:
    return unescape(response.content.decode())


def _testids(response: Any, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}"', response.content.decode())


# -- the client's home page --------------------------------------------------------------------------


def test_a_client_sees_their_case_with_its_progress_in_chinese(tenant: Any) -> None:
    response = _client(tenant.client).get(reverse("portal:home"))
    assert response.status_code == 200
    body = _text(response)
    assert "我的申请" in body and tenant.company.name in body
    assert len(_testids(response, "portal-case-row")) == 1
    assert re.search(r'data-testid="portal-current-stage">资质审核<', body)
    assert re.search(
        r'data-stage="qualification_review" data-state="current" aria-current="step">资质审核<', body
    )
    assert "您的顾问正在处理这一步，目前无需您操作。" in body
    assert tenant.company2.name not in body


def test_the_licensed_case_shows_the_license_number_and_validity(tenant: Any) -> None:
    from datetime import date

    from licensedesk.web.cases.models import LicenseRecord

    url = reverse("portal:case", args=[tenant.case.pk])
    assert 'data-testid="portal-license"' not in _text(_client(tenant.client).get(url))
    LicenseRecord.objects.create(
        case=tenant.case,
        agency_id=tenant.case.agency_id,
        company_id=tenant.case.company_id,
        license_id=tenant.case.license_id,
        number="粤B2-20263456",
        issued_on=date(2026, 11, 20),
        expires_on=date(2031, 11, 19),
        recorded_by=tenant.consultant,
    )
    body = _text(_client(tenant.client).get(url))
    assert "许可证编号：<strong>粤B2-20263456</strong> · 有效期 2026-11-20 至 2031-11-19" in body
    english = _text(_client(tenant.client, lang="en").get(url))
    assert "License number: <strong>粤B2-20263456</strong> · valid from 2026-11-20 to 2031-11-19" in english


def test_the_portal_speaks_english_when_asked(tenant: Any) -> None:
    body = _text(_client(tenant.client, lang="en").get(reverse("portal:home")))
    assert "My applications" in body and 'data-testid="portal-current-stage">Qualification review<' in body
    assert "Your consultant is working on this step." in body


@pytest.mark.parametrize("role", ["admin", "consultant"])
def test_staff_get_a_403_page_not_the_portal(tenant: Any, role: str) -> None:
    for url in (
        reverse("portal:home"),
        reverse("portal:profile"),
        reverse("portal:case", args=[tenant.case.pk]),
    ):
        response = _client(getattr(tenant, role)).get(url)
        assert response.status_code == 403, url
        assert "客户门户仅供客户用户使用；机构员工请使用案件页面。" in _text(response)
        assert 'data-code="portal.clients_only"' in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(db: Any) -> None:
    response = Client().get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_home_page_counts_the_materials_the_case_page_lists_them(tenant: Any) -> None:
    Case.objects.filter(pk=tenant.case.pk).update(stage="collecting_materials")
    material = {
        "id": "business_license",
        "title_zh": "营业执照",
        "title_en": "Business license",
        "required": True,
        "guidance_zh": "加盖公章的复印件",
        "guidance_en": "A sealed copy",
    }
    CaseCheckFactory(
        case=tenant.case, result={"verdict": "eligible", "conditions": [], "materials": [material]}
    )
    client = _client(tenant.client)
    home = _text(client.get(reverse("portal:home")))
    assert "需提供 1 份材料" in home and "营业执照" not in home
    assert "目前无需您操作" not in home
    page = _text(client.get(reverse("portal:case", args=[tenant.case.pk])))
    assert "营业执照" in page and "加盖公章的复印件" in page
    english = _text(_client(tenant.client, lang="en").get(reverse("portal:home")))
    assert "1 material to provide" in english


def test_the_home_page_reads_a_fixed_number_of_queries(tenant: Any, django_assert_num_queries: Any) -> None:
    client = _client(tenant.client)
    CaseCheckFactory(case=tenant.case)
    # session, user, the cases (with their latest check's id), the checks, the paths they took, and what
    # is asked (checklists, documents to sign, shared messages)
    with django_assert_num_queries(8):
        assert client.get(reverse("portal:home")).status_code == 200
    for _ in range(3):
        CaseCheckFactory(case=CaseFactory(company=tenant.company, stage="licensed", closed_at=timezone.now()))
    with django_assert_num_queries(8):
        response = client.get(reverse("portal:home"))
    assert len(_testids(response, "portal-case-row")) == 4


# -- a case and its messages -------------------------------------------------------------------------


def test_a_client_reads_shared_messages_only_and_replies(tenant: Any) -> None:
    note_create(case=tenant.case, author=tenant.consultant, body="请补充营业执照副本。", visibility="client")
    note_create(case=tenant.case, author=tenant.consultant, body="内部：客户资金偏紧。")
    client = _client(tenant.client)
    url = reverse("portal:case", args=[tenant.case.pk])
    body = _text(client.get(url))
    assert "请补充营业执照副本。" in body and "内部：客户资金偏紧。" not in body
    response = client.post(reverse("portal:reply", args=[tenant.case.pk]), {"body": "  明天寄出。 "})
    assert response.status_code == 302 and response["Location"] == url + "#messages"
    note = Note.objects.get(body="明天寄出。")
    assert (note.author, note.visibility) == (tenant.client, "client")
    event = AuditEvent.objects.get(action="note.created", object_id=str(note.pk))
    assert event.actor == tenant.client and event.case_id == tenant.case.pk
    body = _text(client.get(url))
    assert "明天寄出。" in body and "您的留言已发送给顾问。" in body
    assert len(_testids(client.get(url), "portal-message")) == 2


def test_an_empty_reply_is_refused_next_to_the_field(tenant: Any) -> None:
    response = _client(tenant.client).post(reverse("portal:reply", args=[tenant.case.pk]), {"body": "   "})
    assert response.status_code == 400
    assert re.search(r'data-testid="portal-field-error">这个字段是必填项。<', _text(response))
    assert not Note.objects.exists()


def test_another_clients_case_is_a_404_and_nothing_is_written(tenant: Any, other_tenant: Any) -> None:
    client = _client(tenant.client)
    for case in (tenant.case2, other_tenant.case):
        assert client.get(reverse("portal:case", args=[case.pk])).status_code == 404
        response = client.post(reverse("portal:reply", args=[case.pk]), {"body": "hello"})
        assert response.status_code == 404 and "未找到该案件。" in _text(response)
    assert not Note.objects.exists()


# -- staff invite ------------------------------------------------------------------------------------


def test_a_consultant_invites_from_the_case(tenant: Any) -> None:
    client = _client(tenant.consultant)
    url = reverse("portal:invite", args=[tenant.case.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"email": "wang.fang@example.cn"})
    assert response.status_code == 302 and response["Location"] == url
    assert len(mail.outbox) == 1
    page = client.get(url)
    assert "邀请已发送至 wang.fang@example.cn。" in _text(page)
    assert re.findall(r'data-testid="invitation-row" data-state="(\w+)"', page.content.decode()) == ["sent"]
    client.post(reverse("portal:invitation_resend", args=[Invitation.objects.get().pk]))
    states = re.findall(r'data-testid="invitation-row" data-state="(\w+)"', client.get(url).content.decode())
    assert states == ["sent", "superseded"] and len(mail.outbox) == 2


def test_invitation_links_use_the_address_the_server_is_served_on(tenant: Any, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["192.168.1.20"]
    settings.LICENSEDESK_BASE_URL_SET = False  # not configured: the loopback default must not be used
    client = _client(tenant.consultant)
    client.post(
        reverse("portal:invite", args=[tenant.case.pk]),
        {"email": "wang.fang@example.cn"},
        HTTP_HOST="192.168.1.20:8000",
    )
    client.post(
        reverse("portal:invitation_resend", args=[Invitation.objects.get().pk]), HTTP_HOST="192.168.1.20:8000"
    )
    assert [m.body.count("http://192.168.1.20:8000/portal/join/") for m in mail.outbox] == [2, 2]
    assert not any("127.0.0.1" in m.body for m in mail.outbox)
    settings.LICENSEDESK_BASE_URL, settings.LICENSEDESK_BASE_URL_SET = "https://portal.example.cn", True
    client.post(
        reverse("portal:invite", args=[tenant.case.pk]),
        {"email": "li@example.cn"},
        HTTP_HOST="192.168.1.20:8000",
    )
    assert mail.outbox[-1].body.count("https://portal.example.cn/portal/join/") == 2  # configured: it wins


def test_the_invite_form_shows_the_services_refusal_at_the_field(tenant: Any) -> None:
    response = _client(tenant.consultant).post(
        reverse("portal:invite", args=[tenant.case.pk]), {"email": "x@"}
    )
    assert response.status_code == 400
    assert 'data-for="email">请填写有效的邮箱地址。<' in _text(response)
    english = _client(tenant.consultant, lang="en").post(
        reverse("portal:invite", args=[tenant.case.pk]), {"email": "x@"}
    )
    assert "Enter a valid email address (got &#x27;x@&#x27;)." in english.content.decode()


def test_invite_is_refused_to_clients_and_other_agencies(tenant: Any, other_tenant: Any) -> None:
    url = reverse("portal:invite", args=[tenant.case.pk])
    response = _client(tenant.client).post(url, {"email": "a@example.cn"})
    assert response.status_code == 403 and "只有机构员工可以邀请客户。" in _text(response)
    response = _client(other_tenant.admin).post(url, {"email": "a@example.cn"})
    assert response.status_code == 404 and tenant.company.name not in _text(response)
    assert not Invitation.objects.exists() and not mail.outbox


def test_resend_of_another_agencys_invitation_is_a_404(invited: Any, other_tenant: Any) -> None:
    invitation, _ = invited
    response = _client(other_tenant.admin).post(reverse("portal:invitation_resend", args=[invitation.pk]))
    assert response.status_code == 404 and len(mail.outbox) == 1


# -- the invitation link -----------------------------------------------------------------------------


def test_accepting_the_link_makes_a_client_who_sees_that_case_and_nobody_elses(
    invited: Any, tenant: Any, other_tenant: Any
) -> None:
    invitation, token = invited
    browser = _client()
    page = browser.get(path_of(token))
    assert page.status_code == 200
    body = _text(page)
    assert f"{tenant.agency.name}邀请您查看{tenant.company.name}的申请进度。" in body
    assert Invitation.objects.get(pk=invitation.pk).state() == "opened"
    for testid in ("accept-display-name", "accept-password1", "accept-password2", "accept-submit"):
        assert _testids(page, testid), testid
    response = browser.post(
        path_of(token), {"display_name": "王芳", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "portal:case", args=[tenant.case.pk]
    )
    user = User.objects.get(username="wang.fang@example.cn")
    assert (user.role, user.company_id) == (Role.CLIENT_USER, tenant.company.pk)
    home = _text(browser.get(reverse("portal:home")))  # signed in by the accept page
    assert tenant.company.name in home
    assert tenant.company2.name not in home and other_tenant.company.name not in home
    assert browser.get(reverse("portal:case", args=[tenant.case2.pk])).status_code == 404
    assert browser.get(reverse("portal:case", args=[other_tenant.case.pk])).status_code == 404
    # the link is single-use: its owner is taken to the case, anybody else told it was used
    assert browser.get(path_of(token))["Location"] == reverse("portal:case", args=[tenant.case.pk])
    again = _client().get(path_of(token))
    assert again.status_code == 410 and "该邀请链接已被使用，请直接登录。" in _text(again)


def test_bad_passwords_keep_the_form_and_create_nobody(invited: Any) -> None:
    _, token = invited
    browser = _client()
    response = browser.post(
        path_of(token), {"display_name": "王芳", "password1": PASSWORD, "password2": "other"}
    )
    assert response.status_code == 400 and 'data-for="password2">两次输入的密码不一致。<' in _text(response)
    response = browser.post(
        path_of(token), {"display_name": "王芳", "password1": "12345678", "password2": "12345678"}
    )
    assert response.status_code == 400
    assert 'data-for="password1">此密码太短，至少要包含 10 个字符。<' in _text(response)
    assert 'value="王芳"' in _text(response)  # what was typed is kept
    assert not User.objects.filter(username="wang.fang@example.cn").exists()


@pytest.mark.parametrize(
    ("arrange", "status", "text"),
    [
        ("unknown", 404, "该邀请链接无效，请确认打开的是邮件中的完整链接。"),
        ("expired", 410, "该邀请链接已过期，请联系您的顾问重新发送。"),
        ("resent", 410, "该邀请链接已被新的邀请取代，请使用最新邮件中的链接。"),
    ],
)
def test_a_link_that_no_longer_works_says_why_and_changes_nothing(
    invited: Any, tenant: Any, arrange: str, status: int, text: str
) -> None:
    invitation, token = invited
    if arrange == "unknown":
        token = token[:-4] + "AAAA"
    elif arrange == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    else:
        from licensedesk.web.portal.services import invitation_resend

        invitation_resend(invitation=invitation, actor=tenant.consultant)
    events = AuditEvent.objects.count()
    for response in (
        _client().get(path_of(token)),
        _client().post(
            path_of(token), {"display_name": "王芳", "password1": PASSWORD, "password2": PASSWORD}
        ),
    ):
        assert response.status_code == status and text in _text(response)
        assert tenant.company.name not in _text(response)
    assert AuditEvent.objects.count() == events
    assert not User.objects.filter(username="wang.fang@example.cn").exists()


@pytest.mark.parametrize("who", ["consultant", "client2"])
def test_someone_else_signed_in_cannot_use_or_see_the_link(invited: Any, tenant: Any, who: str) -> None:
    invitation, token = invited
    response = _client(getattr(tenant, who)).get(path_of(token))
    assert response.status_code == 403
    assert tenant.company.name not in _text(response) and "请退出登录后重新打开链接。" in _text(response)
    assert Invitation.objects.get(pk=invitation.pk).opened_at is None


def test_an_address_with_an_account_is_asked_to_sign_in_then_links(tenant: Any) -> None:
    User.objects.filter(pk=tenant.client.pk).update(email="chen@client.cn")
    consultant = _client(tenant.consultant)
    consultant.post(reverse("portal:invite", args=[tenant.case.pk]), {"email": "chen@client.cn"})
    token = last_token()
    page = _client().get(path_of(token))
    assert page.status_code == 200 and _testids(page, "accept-sign-in-first")
    signed_in = _client(tenant.client)
    assert signed_in.post(path_of(token)).status_code == 302
    assert Invitation.objects.get().accepted_by == tenant.client


# -- the profile, section by section -----------------------------------------------------------------


def _section_post(company: ClientCompany, **changes: str) -> dict[str, str]:
    """The company section's inputs as the page shows them, with ``changes`` typed over them."""
    profile = company.profile["company"]
    data = {
        "company.name": profile["name"],
        "company.uscc": profile["uscc"],
        "company.entity_type": profile["entity_type"],
        "company.registered_capital_cny": str(profile["registered_capital_cny"]),
        "company.province": profile["province"],
        "company.staff_total": str(profile["staff_total"]),
        "company.technical_staff": str(profile["technical_staff"]),
        "version": str(company.version),
    }
    data.update(changes)
    return data


def test_the_profile_pages_show_the_sections(tenant: Any) -> None:
    client = _client(tenant.client)
    response = client.get(reverse("portal:profile"))
    assert response.status_code == 200
    assert re.findall(r'data-testid="portal-section" data-section="(\w+)"', response.content.decode()) == [
        "company",
        "service",
        "readiness",
    ]
    page = client.get(reverse("portal:profile_section", args=["company"]))
    assert page.status_code == 200 and f'value="{tenant.company.uscc}"' in page.content.decode()
    assert client.get(reverse("portal:profile_section", args=["extensions"])).status_code == 404


def test_a_bad_submission_keeps_the_draft_and_names_each_field(tenant: Any) -> None:
    company = tenant.company
    client = _client(tenant.client)
    url = reverse("portal:profile_section", args=["company"])
    post = _section_post(company, **{"company.uscc": "91440300MA5FXK2Q19", "company.staff_total": "二十个"})
    post["action"] = "submit"
    response = client.post(url, post)
    assert response.status_code == 400
    body = _text(response)
    assert re.search(r'data-testid="error-company.staff_total">应为整数<', body)
    assert re.search(r'data-testid="error-company.uscc">[^<]*校验', body)
    assert 'value="二十个"' in body and 'value="91440300MA5FXK2Q19"' in body  # as typed
    assert ClientCompany.objects.get(pk=company.pk).version == 1  # the profile is untouched
    draft = ProfileDraft.objects.get()
    assert draft.data["staff_total"] == "二十个" and draft.updated_by == tenant.client
    # the draft survives: the next visit shows it
    again = _text(client.get(url))
    assert 'value="二十个"' in again and 'data-testid="portal-draft-badge"' in again


def test_saving_a_draft_then_submitting_applies_the_section(tenant: Any) -> None:
    company = tenant.company
    client = _client(tenant.client)
    url = reverse("portal:profile_section", args=["company"])
    response = client.post(url, {**_section_post(company, **{"company.staff_total": "30"}), "action": "save"})
    assert response.status_code == 302 and ProfileDraft.objects.get().data["staff_total"] == 30
    assert ClientCompany.objects.get(pk=company.pk).profile["company"]["staff_total"] == 12
    response = client.post(
        url, {**_section_post(company, **{"company.staff_total": "30"}), "action": "submit"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:profile")
    fresh = ClientCompany.objects.get(pk=company.pk)
    assert fresh.profile["company"]["staff_total"] == 30 and fresh.version == 2
    assert fresh.profile["service"] == company.profile["service"]
    assert not ProfileDraft.objects.exists()
    assert AuditEvent.objects.get(action="company.profile_updated").actor == tenant.client


def test_adding_a_row_keeps_what_was_typed(tenant: Any) -> None:
    url = reverse("portal:profile_section", args=["company"])
    post = {
        **_section_post(tenant.company, **{"company.staff_total": "31"}),
        "_row": "add:company.shareholders",
    }
    response = _client(tenant.client).post(url, post)
    assert response.status_code == 200 and 'value="31"' in _text(response)
    assert 'name="company.shareholders[0].name"' in response.content.decode()
    assert ClientCompany.objects.get(pk=tenant.company.pk).version == 1


def test_a_submission_on_a_stale_profile_is_refused_and_kept(tenant: Any) -> None:
    url = reverse("portal:profile_section", args=["company"])
    post = {
        **_section_post(tenant.company, **{"company.staff_total": "31"}),
        "action": "submit",
        "version": "0",
    }
    response = _client(tenant.client).post(url, post)
    assert response.status_code == 409 and "企业档案已被他人修改，请刷新后重新编辑。" in _text(response)
    assert ProfileDraft.objects.get().data["staff_total"] == 31


def test_a_uscc_of_another_client_is_refused_at_the_field(tenant: Any) -> None:
    taken = tenant.company2.uscc
    url = reverse("portal:profile_section", args=["company"])
    post = {**_section_post(tenant.company, **{"company.uscc": taken}), "action": "submit"}
    response = _client(tenant.client).post(url, post)
    assert response.status_code == 400
    # a client is not told that another client of the agency holds the code, nor which one
    neutral = "该统一社会信用代码无法用于此公司，请核对或联系您的顾问。"
    assert f'data-testid="error-company.uscc">{neutral}<' in _text(response)
    assert "本机构已有" not in _text(response) and tenant.company2.name not in _text(response)
    assert ClientCompany.objects.get(pk=tenant.company.pk).uscc == tenant.company.uscc
    assert ProfileDraft.objects.get(company=tenant.company).data["uscc"] == taken  # what was typed is kept
    # the conflict is put on the case timeline for the consultant to resolve
    flag = AuditEvent.objects.get(action="company.uscc_conflict")
    assert (flag.case_id, flag.actor_id, flag.data) == (tenant.case.pk, tenant.client.pk, {"uscc": taken})
    page = _client(tenant.consultant).get(reverse("cases:detail", args=[tenant.case.pk]))
    assert f"客户填写的统一社会信用代码 {taken} 已属于本机构另一客户企业，未能保存。请与客户核对。" in _text(
        page
    )


def test_a_client_may_submit_a_uscc_only_another_agency_holds(tenant: Any, other_tenant: Any) -> None:
    url = reverse("portal:profile_section", args=["company"])
    post = {
        **_section_post(tenant.company, **{"company.uscc": other_tenant.company.uscc}),
        "action": "submit",
    }
    response = _client(tenant.client).post(url, post)
    assert response.status_code == 302
    assert ClientCompany.objects.get(pk=tenant.company.pk).uscc == other_tenant.company.uscc
    assert not AuditEvent.objects.filter(action="company.uscc_conflict").exists()


# -- a body Django could not read is refused, not saved as an empty form --------------------------------

UNREADABLE_ZH = "无法读取提交的表单（内容为空、分块传输或格式不对），未做任何修改。请刷新页面后重新提交。"


def _saved_state(company: ClientCompany) -> tuple[Any, ...]:
    company = ClientCompany.objects.get(pk=company.pk)
    drafts = sorted((d.section, d.data, d.updated_at) for d in ProfileDraft.objects.filter(company=company))
    return company.profile, company.version, drafts, AuditEvent.objects.count()


@pytest.mark.parametrize(
    ("body", "environ"),
    [
        # chunked: the body is there, but without Content-Length Django reads none of it
        ("form", {"HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": ""}),
        ("", {"HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": ""}),
        ("form-as-text", {}),  # a form's bytes, declared as text/plain
        ("", {}),  # an empty form: the section's marker input is missing
    ],
    ids=["chunked", "chunked-empty", "wrong-content-type", "empty-form"],
)
def test_an_unreadable_profile_post_is_refused_and_changes_nothing(
    tenant: Any, body: str, environ: dict[str, str]
) -> None:
    url = reverse("portal:profile_section", args=["company"])
    client = _client(tenant.client)
    client.post(url, _section_post(tenant.company, **{"company.staff_total": "31"}))  # a draft to keep
    before = _saved_state(tenant.company)
    assert before[2] and before[2][0][1]["staff_total"] == 31
    payload = urlencode({**_section_post(tenant.company), "action": "submit"}) if body else ""
    content_type = "text/plain" if body == "form-as-text" else "application/x-www-form-urlencoded"
    response = client.generic("POST", url, payload.encode(), content_type=content_type, **environ)
    assert response.status_code == 400
    assert UNREADABLE_ZH in _text(response)
    assert _saved_state(tenant.company) == before
