"""What every journey does on the pages: signing in and out through the forms a user sees."""

from __future__ import annotations

from typing import Any

from web import factories as f


def sign_in(page: Any, username: str, password: str = f.PASSWORD) -> None:
    """Sign in from the start page (an anonymous visitor lands on the sign-in form)."""
    page.goto("/")
    assert page.get_by_role("heading", name="登录").is_visible()
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.get_by_test_id("login-error").all_inner_texts()


def sign_out(page: Any) -> None:
    page.get_by_test_id("logout").click()
    page.get_by_test_id("login-username").wait_for()
