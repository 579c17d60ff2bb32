"""Webhooks end to end against a real HTTP receiver on loopback: the outbox written with the change,
Standard Webhooks signatures verified by the ``standardwebhooks`` package, retries with back-off for a
day, delivery after a crash, redelivery, automatic disabling with an email, SSRF refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from jsonschema import Draft202012Validator
from standardwebhooks.webhooks import Webhook

from licensedesk.contracts import WEBHOOK_EVENT_SCHEMA, load_schema
from licensedesk.core.errors import InvalidInput, NotFound, PermissionDenied
from licensedesk.web.cases.services import case_run_check, case_transition
from licensedesk.web.housekeeping import housekeeping_run
from licensedesk.web.webhooks import runner
from licensedesk.web.webhooks.events import CASE_STAGE_CHANGED, CHECK_COMPLETED, MATERIAL_UPLOADED
from licensedesk.web.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookMessage,
    WebhookSubscription,
)
from licensedesk.web.webhooks.selectors import delivery_get_visible_to
from licensedesk.web.webhooks.services import (
    deliveries_due_run,
    delivery_attempt,
    delivery_redeliver,
    retry_delay,
    subscription_create,
    subscription_set_active,
)

from ..factories import CaseFactory, ClientCompanyFactory

pytestmark = pytest.mark.django_db


def _subscribe(tenant: Any, receiver: Any, events: list[str] | None = None) -> WebhookSubscription:
    return subscription_create(
        actor=tenant.admin, url=receiver.url, event_types=events or [CHECK_COMPLETED], description="CRM"
    )


def _check(tenant: Any, capture: Any) -> Any:
    """Run an eligibility check; the deliveries are not started (the test sends them)."""
    with capture(execute=False):
        return case_run_check(case=tenant.case, actor=tenant.consultant)


def _verified(sub: WebhookSubscription, request: Any) -> dict[str, Any]:
    return Webhook(sub.secret).verify(request.body, request.headers)


def test_event_is_signed_and_verifies_with_standardwebhooks(
    tenant: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sub = _subscribe(tenant, receiver)
    check = _check(tenant, django_capture_on_commit_callbacks)
    [message] = WebhookMessage.objects.all()
    assert deliveries_due_run() == 1
    [request] = receiver.requests
    payload = _verified(sub, request)
    assert request.path == "/hooks/licensedesk?src=test"
    assert request.headers["webhook-id"] == message.msg_id and message.msg_id.startswith("msg_")
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert payload["type"] == CHECK_COMPLETED
    Draft202012Validator(load_schema(WEBHOOK_EVENT_SCHEMA)).validate(payload)  # the shared contract
    assert payload["data"]["case"] == {
        "id": tenant.case.pk,
        "number": tenant.case.number,
        "license": tenant.case.license_id,
        "stage": tenant.case.stage,
        "company_id": tenant.company.pk,
    }
    assert payload["data"]["check"]["check"] == check.pk
    assert payload["data"]["check"]["verdict"] == check.verdict
    assert payload["data"]["actor"] == tenant.consultant.username
    # a wrong secret does not verify
    with pytest.raises(Exception, match="No matching signature"):
        Webhook("whsec_" + "QUJD" * 8).verify(request.body, request.headers)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.SUCCEEDED,
        1,
        204,
    )
    [attempt] = WebhookAttempt.objects.all()
    assert (attempt.status_code, attempt.succeeded, attempt.response_body) == (204, True, "")


def test_stage_change_payload_names_both_stages(
    tenant: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sub = _subscribe(tenant, receiver, [CASE_STAGE_CHANGED])
    company = ClientCompanyFactory(agency=tenant.agency)
    case = CaseFactory(company=company, stage="submitted_online", version=4, consultant=tenant.consultant)
    with django_capture_on_commit_callbacks(execute=False):
        case_transition(
            case=case,
            to_stage="paper_submitted",
            actor=tenant.consultant,
            reason="已寄出",
            expected_version=4,
            reference={"courier": "顺丰速运", "tracking_number": "SF1234567890"},
        )
    deliveries_due_run()
    payload = _verified(sub, receiver.requests[0])
    assert payload["type"] == CASE_STAGE_CHANGED
    Draft202012Validator(load_schema(WEBHOOK_EVENT_SCHEMA)).validate(payload)
    data = payload["data"]
    assert (data["from_stage"], data["to_stage"], data["undo"], data["reason"]) == (
        "submitted_online",
        "paper_submitted",
        False,
        "已寄出",
    )
    assert data["case"]["stage"] == "paper_submitted"


def test_only_subscribed_events_of_the_own_agency_are_written(
    tenant: Any, other_tenant: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _subscribe(tenant, receiver, [MATERIAL_UPLOADED])  # not the check
    _subscribe(other_tenant, receiver, [CHECK_COMPLETED])  # another agency's subscription
    _check(tenant, django_capture_on_commit_callbacks)
    assert not WebhookMessage.objects.exists() and not WebhookDelivery.objects.exists()


def test_a_rolled_back_change_writes_no_event(
    tenant: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _subscribe(tenant, receiver)
    with pytest.raises(RuntimeError), transaction.atomic():
        case_run_check(case=tenant.case, actor=tenant.consultant)
        assert WebhookMessage.objects.count() == 1  # written with the change…
        raise RuntimeError("the change fails after its audit event")
    assert not WebhookMessage.objects.exists()  # …and gone with it
    assert deliveries_due_run() == 0 and receiver.requests == []


def test_on_commit_the_delivery_is_queued(
    tenant: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _subscribe(tenant, receiver)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case_run_check(case=tenant.case, actor=tenant.consultant)
    names = [getattr(c, "__qualname__", "") for c in callbacks]
    assert "outbox_write.<locals>._start" in names


def test_retries_with_back_off_until_the_endpoint_answers(
    tenant: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sub = _subscribe(tenant, receiver)
    receiver.script = [500, 503]
    _check(tenant, django_capture_on_commit_callbacks)
    start = timezone.now()
    assert deliveries_due_run(now=start) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_status_code == 500
    assert delivery.next_attempt_at >= start + timedelta(seconds=10)
    assert deliveries_due_run(now=start + timedelta(seconds=5)) == 0  # not due yet: nothing sent
    assert deliveries_due_run(now=start + timedelta(seconds=11)) == 1
    delivery.refresh_from_db()
    assert delivery.last_status_code == 503
    assert delivery.next_attempt_at >= start + timedelta(seconds=11 + 40)  # ×4
    assert deliveries_due_run(now=start + timedelta(minutes=2)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.SUCCEEDED,
        3,
        204,
    )
    assert [a.status_code for a in WebhookAttempt.objects.order_by("number")] == [500, 503, 204]
    assert [a.response_body for a in WebhookAttempt.objects.order_by("number")][:2] == [
        "failing with 500",
        "failing with 503",
    ]
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1  # one event, one id
    for request in receiver.requests:
        _verified(sub, request)
    sub.refresh_from_db()
    assert sub.failure_streak == 0 and sub.failing_since is None and sub.is_active


def test_retries_stop_after_a_day(
    tenant: Any, receiver: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 1000
    _subscribe(tenant, receiver)
    receiver.default = 500
    _check(tenant, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    end = delivery.retry_from + timedelta(hours=24)
    now = timezone.now()
    for _ in range(30):
        if deliveries_due_run(now=now) == 0:
            break
        delivery.refresh_from_db()
        if delivery.next_attempt_at is None:
            break
        now = delivery.next_attempt_at
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    times = list(WebhookAttempt.objects.order_by("number").values_list("attempted_at", flat=True))
    assert times[-1] >= end and times[-2] < end  # the last try at the end of the day
    assert len(times) == 10  # 10 s, 40 s, 2:40, 10:40, 43 min, 2:51 h, 8 h, 8 h, then the day's end
    assert deliveries_due_run(now=end + timedelta(days=1)) == 0
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 7, 9)] == [10, 40, 160, 28800, 28800]


def test_a_crash_between_commit_and_delivery_still_delivers_once(
    tenant: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sub = _subscribe(tenant, receiver)
    # The change commits; the process dies before its on-commit callback queues the delivery.
    _check(tenant, django_capture_on_commit_callbacks)
    assert receiver.requests == []
    # A restarted server's housekeeping finds the outbox row and sends it — once.
    report = housekeeping_run()
    assert report.tasks["housekeeping.webhook_deliveries"] == 1
    housekeeping_run()
    deliveries_due_run()
    assert len(receiver.requests) == 1
    _verified(sub, receiver.requests[0])


def test_a_claim_held_by_a_dead_worker_expires(
    tenant: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _subscribe(tenant, receiver)
    _check(tenant, django_capture_on_commit_callbacks)
    now = timezone.now()
    WebhookDelivery.objects.update(claimed_until=now + timedelta(seconds=60))  # a worker took it, then died
    assert deliveries_due_run(now=now) == 0 and receiver.requests == []
    assert deliveries_due_run(now=now + timedelta(seconds=61)) == 1
    assert delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk) is None  # delivered: not again
    assert len(receiver.requests) == 1


def test_redelivery_sends_the_same_event_again(
    tenant: Any, other_tenant: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sub = _subscribe(tenant, receiver)
    _check(tenant, django_capture_on_commit_callbacks)
    deliveries_due_run()
    delivery = WebhookDelivery.objects.get()
    with pytest.raises(PermissionDenied) as denied:
        delivery_redeliver(delivery=delivery, actor=tenant.consultant)
    assert denied.value.code == "permission.wrong_role"
    with pytest.raises(NotFound) as missing:
        delivery_get_visible_to(user=other_tenant.admin, delivery_id=delivery.pk)
    assert missing.value.code == "webhooks.delivery_not_found"
    with django_capture_on_commit_callbacks(execute=False):
        delivery_redeliver(delivery=delivery, actor=tenant.admin)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.manual
    assert deliveries_due_run() == 1
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert _verified(sub, first) == _verified(sub, second)
    assert [a.manual for a in WebhookAttempt.objects.order_by("number")] == [False, True]


def test_repeated_failures_disable_the_subscription_and_email_the_admins(
    tenant: Any, receiver: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    settings.WEBHOOK_DISABLE_AFTER_HOURS = 1
    tenant.admin.email = "admin@agency.example"
    tenant.admin.save()
    sub = _subscribe(tenant, receiver)
    receiver.default = 500
    _check(tenant, django_capture_on_commit_callbacks)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        for step in range(3):  # three failures within the first hour: not yet
            deliveries_due_run(now=now + timedelta(minutes=20 * step))
    sub.refresh_from_db()
    assert sub.is_active and sub.failure_streak == 3 and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_due_run(now=now + timedelta(hours=2))  # the fourth, failing for over an hour
    sub.refresh_from_db()
    assert not sub.is_active and sub.disabled_reason == "failing" and sub.failure_streak == 4
    [email] = mail.outbox
    assert email.to == ["admin@agency.example"]
    assert email.subject == f"网络钩子已停用：{receiver.url} / Webhook disabled"
    assert "连续 4 次投递失败，已自动停用" in email.body and "failed 4 times in a row" in email.body
    # disabled: nothing more is sent, new events are not written for it
    assert deliveries_due_run(now=now + timedelta(days=2)) == 0
    _check(tenant, django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 1
    # enabled again: the waiting delivery goes out at once
    receiver.default = 200
    with django_capture_on_commit_callbacks(execute=False):
        subscription_set_active(subscription=sub, actor=tenant.admin, active=True)
    assert deliveries_due_run() == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_loopback_and_private_addresses_are_refused(
    tenant: Any, receiver: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sub = _subscribe(tenant, receiver)  # allowed while the setting is on
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    for url in (
        "http://127.0.0.1:8000/",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:192.168.1.1]/hook",
    ):
        with pytest.raises(InvalidInput) as refused:
            subscription_create(actor=tenant.admin, url=url, event_types=[CHECK_COMPLETED])
        assert refused.value.code == "webhooks.url_refused", url
        assert refused.value.message_zh == "不向本机或内网地址发送事件，请填写公网上的接收地址。"
    with pytest.raises(InvalidInput) as invalid:
        subscription_create(actor=tenant.admin, url="ftp://example.cn/x", event_types=[CHECK_COMPLETED])
    assert invalid.value.code == "webhooks.url_invalid"
    # a name that resolves to loopback is refused when sending, and nothing reaches the receiver
    WebhookSubscription.objects.filter(pk=sub.pk).update(url=receiver.url.replace("127.0.0.1", "localhost"))
    _check(tenant, django_capture_on_commit_callbacks)
    deliveries_due_run()
    [attempt] = WebhookAttempt.objects.all()
    assert attempt.error_code == "refused" and attempt.status_code is None
    assert "resolves to 127.0.0.1 (this server itself)" in attempt.error
    assert receiver.requests == []


def test_redirects_are_not_followed(
    tenant: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _subscribe(tenant, receiver)
    receiver.script = [302]
    receiver.redirect_to = receiver.url + "&moved=1"
    _check(tenant, django_capture_on_commit_callbacks)
    deliveries_due_run()
    [attempt] = WebhookAttempt.objects.all()
    assert (attempt.status_code, attempt.error_code, attempt.succeeded) == (302, "redirect", False)
    assert attempt.error == receiver.redirect_to
    assert len(receiver.requests) == 1  # the Location was not requested


def test_only_admins_manage_subscriptions(tenant: Any, receiver: Any) -> None:
    with pytest.raises(PermissionDenied) as denied:
        subscription_create(actor=tenant.consultant, url=receiver.url, event_types=[CHECK_COMPLETED])
    assert denied.value.code == "permission.wrong_role"
    with pytest.raises(InvalidInput) as empty:
        subscription_create(actor=tenant.admin, url=receiver.url, event_types=[])
    assert (empty.value.code, empty.value.message_zh) == ("webhooks.events_empty", "请至少选择一种事件。")


@pytest.mark.django_db(transaction=True)
def test_the_in_process_queue_delivers_after_commit(receiver: Any) -> None:
    from ..conftest import make_tenant

    tenant = make_tenant("丙方企业管理咨询有限公司")
    sub = _subscribe(tenant, receiver)
    case = CaseFactory(company=ClientCompanyFactory(agency=tenant.agency), consultant=tenant.consultant)
    case_run_check(case=case, actor=tenant.consultant)  # commits: the queue starts the delivery
    assert runner.drain(timeout=20)
    [request] = receiver.requests
    assert _verified(sub, request)["data"]["case"]["id"] == case.pk
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_a_deadline_falling_due_is_sent_once(
    tenant: Any, other_tenant: Any, receiver: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from licensedesk.web.reminders import deadlines as reminder_deadlines
    from licensedesk.web.webhooks.deadlines import deadlines_due_write
    from licensedesk.web.webhooks.events import DEADLINE_DUE

    sub = _subscribe(tenant, receiver, [DEADLINE_DUE])
    _subscribe(other_tenant, receiver, [DEADLINE_DUE])
    today = timezone.localdate()

    def deadline(key: str, due: Any, agency: Any) -> Any:
        return reminder_deadlines.Deadline(
            key=key,
            source="case_clock",
            title_zh="受理期限",
            title_en="Acceptance period",
            due=due,
            agency_id=agency.pk,
            company_id=tenant.company.pk,
            company_name=tenant.company.name,
            path="/cases/1/",
            client_path="",
            consultant_id=None,
            for_client=False,
            case_id=tenant.case.pk,
            citations=("行政许可法 第三十二条",),
        )

    def fake(*, agency: Any, today: Any) -> list[Any]:
        if agency.pk != tenant.agency.pk:
            return []
        return [
            deadline("case-1-acceptance", today, agency),
            deadline("case-1-decision", today + timedelta(days=5), agency),  # not due yet
        ]

    monkeypatch.setattr(reminder_deadlines, "agency_deadlines", fake)
    with django_capture_on_commit_callbacks(execute=False):
        assert deadlines_due_write() == 1
        assert deadlines_due_write() == 0  # a second run writes nothing again
    assert deliveries_due_run() == 1
    [request] = receiver.requests
    payload = _verified(sub, request)
    assert payload["type"] == DEADLINE_DUE
    assert payload["data"]["deadline"]["due"] == today.isoformat()
    assert payload["data"]["deadline"]["title_zh"] == "受理期限"
    assert payload["data"]["case_id"] == tenant.case.pk
    assert WebhookMessage.objects.get().agency_id == tenant.agency.pk


def test_a_slow_endpoint_times_out(
    tenant: Any, receiver: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.WEBHOOK_READ_TIMEOUT_SECONDS = 0.3
    receiver.delay = 1.5
    _subscribe(tenant, receiver)
    _check(tenant, django_capture_on_commit_callbacks)
    deliveries_due_run()
    [attempt] = WebhookAttempt.objects.all()
    assert (attempt.status_code, attempt.error_code, attempt.succeeded) == (None, "timeout", False)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING  # tried again later
