"""The documents block through HTTP: on the case page, its progress polled while a job runs, the
missing fields offered for filling, the data form, downloads per role and tenant (with the Chinese file
name), the client's documents to sign in the portal, and query counts."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from licensedesk.core.documents.bundle import verify_bundle
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.services import case_run_check
from licensedesk.web.documents.models import CaseDocumentData, GeneratedDocument, GenerationJob
from licensedesk.web.documents.services import generation_job_run

from .conftest import generate_now, make_ready

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _text(response: Any) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def _download(kind: str, document: GeneratedDocument) -> str:
    return reverse("documents:download", kwargs={"pk": document.pk, "fmt": kind})


# -- the case page -------------------------------------------------------------------------------------


def test_the_case_page_lists_every_document_with_its_actions(tenant: Any) -> None:
    response = _client(tenant.consultant).get(reverse("cases:detail", kwargs={"pk": tenant.case.pk}))
    text = _text(response)
    assert "申请文件" in text and "生成全部文件" in text and "生成提交材料包" in text
    assert "书面申请（法定代表人签署） 需签字" in text and "委托办理合同" in text
    assert 'data-testid="generate-commission_contract"' in response.content.decode()
    assert 'hx-trigger="every 1s"' not in response.content.decode()  # nothing running: no polling


def test_generate_shows_progress_polls_while_running_and_the_files_when_done(tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant)
    client = _client(tenant.consultant)
    url = reverse("documents:generate", kwargs={"case_id": case.pk})
    queued = client.post(url, HTTP_HX_REQUEST="true")
    html = queued.content.decode()
    assert queued.status_code == 200 and 'hx-trigger="every 1s"' in html
    assert "排队中：即将开始生成。" in _text(queued)
    job = GenerationJob.objects.get(case=case)
    job.status, job.done_count = "running", 4  # as the worker leaves it half-way
    job.save(update_fields=["status", "done_count"])
    panel_url = reverse("documents:panel", kwargs={"case_id": case.pk})
    running = client.get(panel_url, HTTP_HX_REQUEST="true")
    assert "正在生成：已完成 4 / 10" in _text(running) and 'hx-trigger="every 1s"' in running.content.decode()
    job.status = "queued"
    job.save(update_fields=["status"])
    generation_job_run(job_id=job.pk)
    done = client.get(panel_url, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' not in done.content.decode()
    letter = GeneratedDocument.objects.get(case=case, document_id="application_letter")
    assert (
        _download("docx", letter) in done.content.decode()
        and _download("pdf", letter) in done.content.decode()
    )


def test_a_second_request_while_one_runs_is_refused_on_the_panel(tenant: Any) -> None:
    client = _client(tenant.consultant)
    url = reverse("documents:generate", kwargs={"case_id": tenant.case.pk})
    client.post(url, HTTP_HX_REQUEST="true")
    refused = client.post(url, {"document": "application_form"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 409
    assert "本案件的文件正在生成中，请等待完成后再试。" in _text(refused)
    assert GenerationJob.objects.count() == 1


def test_missing_fields_are_named_in_chinese_and_offered_for_filling(tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant, leave_out=("service_name", "contract.fee_cny"))
    generate_now(case, tenant.consultant)
    client = _client(tenant.consultant)
    page = client.get(reverse("cases:detail", kwargs={"pk": case.pk}))
    text = _text(page)
    assert "生成失败。" in text and "生成文件还需要 2 项，全部列在下面：" in text
    assert "网站（业务）名称" in text and "服务费（元）" in text
    assert "case.service_name" not in text and "case.contract.fee_cny" not in text  # names, never paths
    html = page.content.decode()
    assert 'data-testid="documents-fill-form"' in html
    assert 'name="service_name"' in html and 'name="contract__fee_cny"' in html
    assert 'name="contact__name"' not in html  # only what is missing
    data_url = reverse("documents:data", kwargs={"case_id": case.pk})
    version = CaseDocumentData.objects.get(case=case).version
    fields = {"fields": ["service_name", "contract.fee_cny"], "version": version}
    bad = client.post(
        data_url, {**fields, "service_name": "知行", "contract__fee_cny": "三万"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 400
    assert re.findall(r'data-for="contract__fee_cny">([^<]+)<', bad.content.decode()) == ["输入一个数字。"]
    assert 'value="知行"' in bad.content.decode()  # what was typed is kept
    ok = client.post(
        data_url,
        {**fields, "service_name": "云帆资讯", "contract__fee_cny": "30000"},
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 200 and "文件数据已保存。" in _text(ok)
    data = CaseDocumentData.objects.get(case=case).data
    assert data["service_name"] == "云帆资讯" and data["contract"]["fee_cny"] == 30000
    assert data["contact"]["name"] == "林晓梅"  # the fields not in the form are kept
    assert generate_now(case, tenant.consultant).status == "done"


def test_profile_gaps_link_to_the_profile_editor(tenant: Any) -> None:
    from licensedesk.web.documents.services import case_document_data_save

    from .conftest import example_case_data

    case_document_data_save(
        case=tenant.case, actor=tenant.admin, values=example_case_data(), expected_version=None
    )
    generate_now(tenant.case, tenant.admin, only=["company_profile"])
    page = _client(tenant.admin).get(reverse("documents:panel", kwargs={"case_id": tenant.case.pk}))
    text = _text(page)
    assert "企业档案 经营范围" in text and "company.business_scope" not in text
    profile_url = reverse("cases:company_profile", kwargs={"pk": tenant.company.pk})
    assert f'href="{profile_url}#f-company-business_scope"' in page.content.decode()  # at the field


# -- the data form -------------------------------------------------------------------------------------


def test_the_data_form_saves_and_shows_errors_at_their_field(tenant: Any) -> None:
    client = _client(tenant.consultant)
    url = reverse("documents:data", kwargs={"case_id": tenant.case.pk})
    page = client.get(url)
    assert page.status_code == 200 and "办公场所面积（平方米）" in _text(page)
    assert "代办机构统一社会信用代码" not in _text(page)  # the agency's facts are its settings
    bad = client.post(url, {"premises__area_m2": "-5", "service_name": "知行", "version": ""})
    assert bad.status_code == 400
    [error] = re.findall(r'data-for="premises__area_m2">([^<]+)<', bad.content.decode())
    assert unescape(error)
    assert 'value="知行"' in bad.content.decode()
    assert not CaseDocumentData.objects.exists()
    good = client.post(url, {"premises__area_m2": "260", "service_name": "知行", "version": ""})
    assert good.status_code == 302 and good["Location"].endswith(f"/cases/{tenant.case.pk}/#documents")
    assert CaseDocumentData.objects.get().data == {"premises": {"area_m2": 260.0}, "service_name": "知行"}
    stale = client.post(url, {"service_name": "别的", "version": ""})
    assert stale.status_code == 409 and "文件数据已被他人修改，请刷新后重试。" in _text(stale)


def test_clients_may_not_open_the_staff_documents_views(tenant: Any) -> None:
    client = _client(tenant.client)
    for name in ("panel", "data"):
        assert client.get(reverse(f"documents:{name}", kwargs={"case_id": tenant.case.pk})).status_code == 403
    response = client.post(reverse("documents:generate", kwargs={"case_id": tenant.case.pk}))
    assert response.status_code == 403 and not GenerationJob.objects.exists()


# -- downloads ---------------------------------------------------------------------------------------------


def test_downloads_per_role_with_the_chinese_file_name(tenant: Any, other_tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant)
    case_run_check(case=case, actor=tenant.consultant)
    job = generate_now(case, tenant.consultant, bundle=True, confirmed=True)
    letter = GeneratedDocument.objects.get(case=case, document_id="application_letter")  # for signature
    contract = GeneratedDocument.objects.get(case=case, document_id="commission_contract")
    bundle_url = reverse("documents:bundle_download", kwargs={"pk": job.submission_bundle.pk})
    staff = _client(tenant.consultant)
    response = staff.get(_download("docx", letter))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert f"filename*=utf-8''{quote('书面申请（法定代表人签署）.docx')}" in response["Content-Disposition"]
    assert _body(response)[:2] == b"PK"
    pdf = staff.get(_download("pdf", contract))
    assert pdf["Content-Type"] == "application/pdf" and _body(pdf)[:5] == b"%PDF-"
    zipped = staff.get(bundle_url)
    assert zipped.status_code == 200 and quote("提交材料包") in zipped["Content-Disposition"]
    assert verify_bundle(_body(zipped)).ok
    client = _client(tenant.client)
    assert client.get(_download("pdf", letter)).status_code == 200
    assert client.get(_download("pdf", contract)).status_code == 404  # not for the client to sign
    assert client.get(bundle_url).status_code == 404
    other = _client(tenant.client2)  # another client of the same agency
    assert other.get(_download("pdf", letter)).status_code == 404
    for user in other_tenant.users.values():
        foreign = _client(user)
        assert foreign.get(_download("docx", letter)).status_code == 404
        assert foreign.get(bundle_url).status_code == 404
    downloads = AuditEvent.objects.filter(action="documents.file_downloaded").order_by("seq")
    assert [(e.actor, e.data["format"]) for e in downloads] == [
        (tenant.consultant, "docx"),
        (tenant.consultant, "pdf"),
        (tenant.client, "pdf"),
    ]
    assert AuditEvent.objects.filter(action="documents.bundle_downloaded").count() == 1
    assert staff.get(reverse("documents:download", kwargs={"pk": letter.pk, "fmt": "exe"})).status_code == 404


def test_the_client_portal_offers_the_documents_to_sign_and_the_upload(tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant)
    case_run_check(case=case, actor=tenant.consultant)
    generate_now(case, tenant.consultant)
    page = _client(tenant.client).get(reverse("portal:case", kwargs={"pk": case.pk}))
    text, html = _text(page), page.content.decode()
    assert "待签字文件" in text and "书面申请（法定代表人签署）" in text
    assert "委托办理合同" not in text  # staff's contract draft is not the client's to sign here
    letter = GeneratedDocument.objects.get(case=case, document_id="application_letter")
    assert _download("pdf", letter) in html
    material = case.materials.get(material_id="application_letter")
    assert f"{reverse('materials:requests', kwargs={'case_id': case.pk})}#material-{material.pk}" in html
    assert "必需材料已通过 0 / " in text
    assert reverse("materials:requests", kwargs={"case_id": case.pk}) in html


# -- query counts ------------------------------------------------------------------------------------------


def test_panel_query_count_does_not_grow_with_documents_jobs_or_bundles(
    tenant: Any, django_assert_num_queries: Any
) -> None:
    case = make_ready(tenant.case, tenant.consultant)
    generate_now(case, tenant.consultant, only=["application_form"])
    client = _client(tenant.consultant)
    url = reverse("documents:panel", kwargs={"case_id": case.pk})
    # session, user, the case; the panel: current documents, data, latest job, latest bundle
    with django_assert_num_queries(7):
        client.get(url)
    for _ in range(2):
        generate_now(case, tenant.consultant, bundle=True, confirmed=True)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.content.decode().count('data-testid="manifest-entry"') > 10


def test_portal_case_page_query_count_does_not_grow_with_documents(
    tenant: Any, django_assert_num_queries: Any
) -> None:
    case = make_ready(tenant.case, tenant.consultant)
    case_run_check(case=case, actor=tenant.consultant)
    generate_now(case, tenant.consultant, only=["application_letter"])
    client = _client(tenant.client)
    url = reverse("portal:case", kwargs={"pk": case.pk})
    # the page reads what is asked of the client in three queries (checklist, documents to sign, messages)
    # and the client's own clocks (a correction's due date) from the case's dated events in one
    with django_assert_num_queries(13):
        client.get(url)
    generate_now(case, tenant.consultant)
    with django_assert_num_queries(13):
        response = client.get(url)
    assert response.content.decode().count('data-testid="client-upload-signed"') == 5


# -- a job whose process stopped -----------------------------------------------------------------------------

INTERRUPTED_ZH = "文件生成中断（处理进程已停止），请重新生成"
INTERRUPTED_EN = "Document generation was interrupted (its process stopped); please generate again."
POLLING = 'hx-trigger="every 1s"'


def _silent_since(job: GenerationJob, seconds: float) -> None:
    """The job as a killed worker left it: running, 4 of 10 done, its last heartbeat ``seconds`` ago."""
    beat = timezone.now() - timedelta(seconds=seconds)
    GenerationJob.objects.filter(pk=job.pk).update(
        status="running", done_count=4, started_at=beat, heartbeat_at=beat
    )


def test_the_panel_stops_polling_a_silent_job_and_offers_to_generate_again(tenant: Any) -> None:
    client = _client(tenant.consultant)
    url = reverse("documents:panel", kwargs={"case_id": tenant.case.pk})
    client.post(reverse("documents:generate", kwargs={"case_id": tenant.case.pk}), HTTP_HX_REQUEST="true")
    job = GenerationJob.objects.get()
    _silent_since(job, 25)  # beaten 25 s ago: still within the 30 s timeout, still polled
    alive = client.get(url, HTTP_HX_REQUEST="true")
    assert POLLING in alive.content.decode() and "正在生成：已完成 4 / 10" in _text(alive)
    _silent_since(job, 31)
    stopped = client.get(url, HTTP_HX_REQUEST="true")
    html, text = stopped.content.decode(), _text(stopped)
    assert stopped.status_code == 200 and POLLING not in html and "data-running" not in html
    assert INTERRUPTED_ZH in text and "中断时已完成 4 / 10，均未保存。" in text
    assert re.search(r'<button type="submit"[^>]*data-testid="documents-generate-all"', html)
    assert ' disabled data-testid="documents-generate-all"' not in html
    assert 'data-testid="documents-generate-again">重新生成</button>' in html
    assert "documents.job_interrupted" not in html  # no internal code on the page
    job.refresh_from_db()
    assert job.status == "interrupted"
    assert AuditEvent.objects.filter(action="documents.generation_interrupted", actor=None).count() == 1
    client.cookies["django_language"] = "en"
    english = client.get(url, HTTP_HX_REQUEST="true")
    assert INTERRUPTED_EN in _text(
        english
    ) and "4 of 10 were done when it stopped; nothing of it was kept." in _text(english)
    client.cookies["django_language"] = "zh-hans"
    again = client.post(
        reverse("documents:generate", kwargs={"case_id": tenant.case.pk}), HTTP_HX_REQUEST="true"
    )  # at once: no waiting for the old job
    assert again.status_code == 200 and POLLING in again.content.decode()
    assert "排队中：即将开始生成。" in _text(again)
    assert GenerationJob.objects.filter(status="queued").count() == 1


def test_the_case_page_shows_the_interruption_too(tenant: Any) -> None:
    client = _client(tenant.consultant)
    client.post(reverse("documents:generate", kwargs={"case_id": tenant.case.pk}), HTTP_HX_REQUEST="true")
    _silent_since(GenerationJob.objects.get(), 31)
    page = client.get(reverse("cases:detail", kwargs={"pk": tenant.case.pk}))
    assert INTERRUPTED_ZH in _text(page) and POLLING not in page.content.decode()


def test_only_staff_of_the_agency_can_have_a_silent_job_marked(tenant: Any, other_tenant: Any) -> None:
    _client(tenant.consultant).post(reverse("documents:generate", kwargs={"case_id": tenant.case.pk}))
    job = GenerationJob.objects.get()
    _silent_since(job, 31)
    url = reverse("documents:panel", kwargs={"case_id": tenant.case.pk})
    assert _client(tenant.client).get(url).status_code == 403
    assert _client(other_tenant.consultant).get(url).status_code == 404
    job.refresh_from_db()
    assert job.status == "running"
    assert not AuditEvent.objects.filter(action="documents.generation_interrupted").exists()


def test_polling_a_live_job_costs_no_extra_query(tenant: Any, django_assert_num_queries: Any) -> None:
    client = _client(tenant.consultant)
    client.post(reverse("documents:generate", kwargs={"case_id": tenant.case.pk}))
    _silent_since(GenerationJob.objects.get(), 1)
    with django_assert_num_queries(7):  # as for an idle panel: the heartbeat is judged on the job read
        response = client.get(reverse("documents:panel", kwargs={"case_id": tenant.case.pk}))
    assert POLLING in response.content.decode()


def test_the_bundle_names_its_files_and_warnings_by_material_title_never_by_id(tenant: Any) -> None:
    """The panel shows ``01 法定代表人签署的书面申请``, not ``01-application_letter.pdf``, and the warning
    of required materials without a file by their titles (it showed ``business_license, …`` in English)."""
    case = make_ready(tenant.case, tenant.consultant)
    generate_now(case, tenant.consultant, bundle=True, confirmed=True)  # built with materials missing
    page = _client(tenant.consultant).get(reverse("documents:panel", kwargs={"case_id": case.pk}))
    html = page.content.decode()
    bundle = html[html.index('data-testid="documents-bundle"') :]
    text = _text_html(bundle)
    assert "01 法定代表人签署的书面申请" in text and "目录" in text
    assert "以下必需材料尚无文件：营业执照副本复印件（或名称预先核准通知书）、" in text
    assert "application_letter" not in text and "business_license" not in text
    assert "required materials without a file" not in text


def _text_html(html: str) -> str:
    import re
    from html import unescape

    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
