"""Where ``/`` leads, the sign-in page, and the page frame (base.html) every screen shares."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from licensedesk.web.accounts.models import User

from .factories import PASSWORD

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def test_an_anonymous_visitor_gets_the_chinese_sign_in_page(db: Any) -> None:
    client = Client()
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == reverse("login")
    page = client.get(home["Location"])
    html = page.content.decode()
    assert "<title>登录 · 许可证办理台</title>" in html
    assert (
        '<label for="id_username">用户名</label>' in html and '<label for="id_password">密码</label>' in html
    )
    for testid in ("login-username", "login-password", "login-submit"):
        assert f'data-testid="{testid}"' in html


def test_a_wrong_password_is_refused_in_chinese(tenant: Any) -> None:
    response = Client().post(reverse("login"), {"username": tenant.consultant.username, "password": "wrong"})
    assert response.status_code == 200 and "用户名或密码不正确。" in response.content.decode()


def test_staff_land_on_the_board_and_clients_in_the_portal(tenant: Any) -> None:
    for user, target in (
        (tenant.admin, reverse("cases:board")),
        (tenant.consultant, reverse("cases:board")),
        (tenant.client, reverse("portal:home")),
    ):
        client = Client()
        signed_in = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
        assert signed_in["Location"] == reverse("home")
        assert client.get(signed_in["Location"])["Location"] == target, user.role


def test_a_platform_operator_lands_in_the_admin(db: Any) -> None:
    operator = User.objects.create_superuser("operator", password="Operator-Password-1")
    assert _client(operator).get("/")["Location"] == reverse("admin:index")


def test_the_frame_has_landmarks_navigation_by_role_and_a_post_sign_out(tenant: Any) -> None:
    consultant = _client(tenant.consultant).get(reverse("cases:board")).content.decode()
    assert '<a class="skip-link" href="#main">跳到主要内容</a>' in consultant
    assert '<main id="main" tabindex="-1">' in consultant
    assert "许可证办理台" in consultant and "licensedesk" in consultant
    nav = consultant[consultant.index('id="site-nav"') : consultant.index("</nav>")]
    assert [re.sub(r"<[^>]+>", "", a) for a in re.findall(r"<a [^>]*>.*?</a>", nav)] == [
        "看板",
        "案件",
        "我的任务",
        "收件箱",  # no unread items: no count
        "截止日期",
        "企业",
        "许可导航",
        "许可证台账",
        "报表",
    ]
    assert 'aria-current="page">看板' in nav
    assert re.search(r'<form class="inline-form" method="post" action="/accounts/logout/">', consultant)
    admin = _client(tenant.admin).get(reverse("cases:board")).content.decode()
    assert f'<a href="{reverse("admin:index")}" data-testid="nav-admin">管理</a>' in admin


def test_pages_need_no_inline_script_or_style(tenant: Any) -> None:
    """The Content-Security-Policy allows scripts and styles from the site only."""
    client = _client(tenant.admin)
    for url in (
        reverse("cases:board"),
        reverse("cases:list"),
        reverse("cases:detail", kwargs={"pk": tenant.case.pk}),
        reverse("cases:company_profile", kwargs={"pk": tenant.company.pk}),
        reverse("reports:page"),
        reverse("login"),
    ):
        html = (Client() if url == reverse("login") else client).get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html), url
        assert '<script src="/static/licensedesk/htmx.min.js" defer></script>' in html


def test_static_files_are_served_from_the_site(tenant: Any) -> None:
    from django.contrib.staticfiles import finders

    for name in ("licensedesk/app.css", "licensedesk/app.js", "licensedesk/htmx.min.js"):
        assert finders.find(name), name
    with open(finders.find("licensedesk/htmx.min.js"), encoding="utf-8") as handle:
        assert handle.read(20).startswith("var htmx=function")
