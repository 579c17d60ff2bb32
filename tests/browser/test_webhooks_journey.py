"""Issue 13 in real Chromium: an agency admin adds a webhook on its page, an eligibility check sends a
signed event to a local receiver that fails once and then answers, and the delivery log shows both
attempts with their response codes; a consultant is refused the page; the case list offers its exports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from licensedesk.web.cases.services import case_run_check
from licensedesk.web.webhooks import runner
from licensedesk.web.webhooks.models import WebhookSubscription
from licensedesk.web.webhooks.services import deliveries_due_run
from web import factories as f
from web.webhooks.conftest import receiver  # noqa: F401  (the loopback receiver fixture)

from .conftest import screenshot
from .steps import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_subscribes_and_reads_the_delivery_log(new_page: Any, receiver: Any, settings: Any) -> None:  # noqa: F811
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the receiver listens on loopback
    agency = f.AgencyFactory(name="深圳启航企业管理咨询有限公司")
    admin = f.AdminFactory(agency=agency, display_name="周主管")
    consultant = f.ConsultantFactory(agency=agency, display_name="王鹏程")
    company = f.ClientCompanyFactory(agency=agency, company_name="深圳市云帆信息科技有限公司")
    case = f.CaseFactory(company=company, consultant=consultant)

    page = new_page()
    sign_in(page, admin.username)
    page.goto("/agency/settings/")
    page.get_by_test_id("agency-webhooks").click()
    expect(page.get_by_role("heading", name="网络钩子", exact=True)).to_be_visible()
    expect(page.get_by_test_id("webhook-empty")).to_have_text(
        "还没有网络钩子：请在下方添加贵机构系统的接收地址。"
    )
    screenshot(page, "webhooks-empty")
    page.get_by_test_id("webhook-url").fill(receiver.url)
    page.get_by_test_id("webhook-description").fill("客户管理系统")
    page.get_by_label("资格检查完成").check()
    page.get_by_label("案件阶段变更").check()
    page.get_by_test_id("webhook-save").click()
    expect(page.get_by_text("网络钩子已添加。请把签名密钥复制到贵机构的系统中。")).to_be_visible()
    sub = WebhookSubscription.objects.get()
    page.get_by_text("显示密钥").click()
    expect(page.get_by_test_id("webhook-secret")).to_contain_text(sub.secret)

    receiver.script = [500]
    case_run_check(case=case, actor=consultant)  # commits: the in-process queue sends at once
    assert runner.drain(timeout=20)
    runner.forget_waiting()  # the retry waits 10 s in this process: the sweep sends it instead
    deliveries_due_run(now=timezone.now() + timedelta(seconds=11))
    _, second = receiver.requests
    assert Webhook(sub.secret).verify(second.body, second.headers)["type"] == "check.completed"

    page.goto(f"/agency/webhooks/{sub.pk}/")
    row = page.get_by_test_id("delivery-row")
    expect(row.get_by_test_id("delivery-state")).to_have_text("已送达")
    expect(row.get_by_test_id("delivery-code")).to_have_text("204")
    screenshot(page, "webhooks-subscription")
    row.get_by_role("link", name="资格检查完成").click()
    expect(page.get_by_test_id("attempt-code")).to_have_text(["204", "500"])
    expect(page.get_by_test_id("attempt-row").nth(1)).to_contain_text("接收方返回了非 2xx 状态码")
    screenshot(page, "webhooks-delivery")
    page.get_by_test_id("delivery-redeliver").click()
    expect(page.get_by_text("正在重新发送该事件。")).to_be_visible()

    staff = new_page()
    sign_in(staff, consultant.username)
    assert staff.goto("/agency/webhooks/").status == 403
    screenshot(staff, "webhooks-consultant-refused")
    staff.goto("/cases/")
    expect(staff.get_by_test_id("case-exports")).to_contain_text("下载这些案件：")
    with staff.expect_download() as download:
        staff.get_by_test_id("export-cases-csv").click()
    assert download.value.suggested_filename.startswith(
        "案件-"
    ) and download.value.suggested_filename.endswith(".csv")
    screenshot(staff, "case-list-exports")
