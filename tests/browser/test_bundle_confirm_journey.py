"""Issue 10, item 11 in real Chromium: a consultant who builds the submission bundle while required
materials have no file is asked first, in Chinese, naming them; the bundle is built only on confirmation."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from licensedesk.web.cases.services import case_run_check
from licensedesk.web.documents.models import GenerationJob
from web import factories as f
from web.documents.conftest import make_ready

from .conftest import screenshot
from .steps import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_bundle_with_missing_materials_asks_for_confirmation(new_page: Any) -> None:
    agency = f.AgencyFactory(name="深圳启航企业管理咨询有限公司")
    consultant = f.ConsultantFactory(agency=agency, display_name="李顾问")
    company = f.ClientCompanyFactory(agency=agency, company_name="深圳市云帆信息科技有限公司")
    case = make_ready(f.CaseFactory(company=company, consultant=consultant), consultant)
    case_run_check(case=case, actor=consultant)

    page = new_page()
    sign_in(page, consultant.username)
    page.goto(reverse("cases:detail", kwargs={"pk": case.pk}) + "#documents")
    page.get_by_test_id("documents-build-bundle").click()
    question = page.get_by_test_id("bundle-confirm")
    expect(question).to_be_visible()
    expect(question).to_contain_text("以下必需材料尚无文件：营业执照副本复印件（或名称预先核准通知书）")
    expect(question).to_contain_text("仍要生成提交材料包吗？目录中将把这些材料标注为“缺”。")
    expect(question.get_by_test_id("bundle-confirm-build")).to_have_text("仍然生成提交材料包")
    question.scroll_into_view_if_needed()
    screenshot(page, "P5-bundle-confirm-consultant")
    assert not GenerationJob.objects.filter(case=case).exists()  # nothing queued before the answer

    question.get_by_test_id("bundle-confirm-build").click()
    expect(page.get_by_test_id("bundle-confirm")).to_have_count(0)
    assert GenerationJob.objects.filter(case=case, bundle=True).count() == 1
