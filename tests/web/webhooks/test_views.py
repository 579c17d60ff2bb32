"""The webhooks pages: admins only, their own agency only, the forms' messages, the delivery log at a
fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from licensedesk.web.webhooks.events import CHECK_COMPLETED, MATERIAL_UPLOADED
from licensedesk.web.webhooks.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookMessage,
    WebhookSubscription,
)
from licensedesk.web.webhooks.outbox import new_msg_id
from licensedesk.web.webhooks.services import subscription_create

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _deliveries(sub: WebhookSubscription, count: int) -> list[WebhookDelivery]:
    from django.utils import timezone

    now = timezone.now()
    made = []
    for _ in range(count):
        message = WebhookMessage.objects.create(
            agency_id=sub.agency_id,
            msg_id=new_msg_id(),
            event_type=CHECK_COMPLETED,
            payload={"type": CHECK_COMPLETED, "timestamp": "", "data": {}},
            created_at=now,
        )
        made.append(
            WebhookDelivery.objects.create(
                message=message,
                subscription=sub,
                status=DeliveryStatus.SUCCEEDED,
                attempts=1,
                last_status_code=200,
                retry_from=now,
                created_at=now,
            )
        )
    return made


def test_admin_adds_a_webhook(tenant: Any) -> None:
    client = _client(tenant.admin)
    page = client.get("/agency/webhooks/")
    assert page.status_code == 200
    assert "还没有网络钩子" in page.content.decode()
    response = client.post(
        "/agency/webhooks/",
        {
            "url": "https://hooks.partner-crm.cn/hooks",
            "description": "CRM",
            "event_types": [CHECK_COMPLETED, MATERIAL_UPLOADED],
        },
    )
    sub = WebhookSubscription.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/agency/webhooks/{sub.pk}/"
    assert sub.agency_id == tenant.agency.pk and sub.secret.startswith("whsec_")
    assert sub.event_types == [CHECK_COMPLETED, MATERIAL_UPLOADED]
    detail = client.get(f"/agency/webhooks/{sub.pk}/").content.decode()
    assert sub.secret in detail and "资格检查完成" in detail


def test_the_form_says_what_is_wrong(tenant: Any, settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    response = _client(tenant.admin).post(
        "/agency/webhooks/", {"url": "http://127.0.0.1:8000/x", "event_types": [CHECK_COMPLETED]}
    )
    assert response.status_code == 400
    assert "不向本机或内网地址发送事件，请填写公网上的接收地址。" in response.content.decode()
    response = _client(tenant.admin).post("/agency/webhooks/", {"url": "https://hooks.partner-crm.cn/hooks"})
    assert "请至少选择一种事件。" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_staff_who_are_not_admins_and_clients_are_refused(tenant: Any) -> None:
    sub = subscription_create(
        actor=tenant.admin, url="https://hooks.partner-crm.cn/hooks", event_types=[CHECK_COMPLETED]
    )
    for user in (tenant.consultant, tenant.client):
        client = _client(user)
        assert client.get("/agency/webhooks/").status_code == 403
        assert client.get(f"/agency/webhooks/{sub.pk}/").status_code == 403
        assert client.post(f"/agency/webhooks/{sub.pk}/rotate/").status_code == 403


def test_another_agency_sees_nothing(tenant: Any, other_tenant: Any) -> None:
    sub = subscription_create(
        actor=tenant.admin, url="https://hooks.partner-crm.cn/hooks", event_types=[CHECK_COMPLETED]
    )
    [delivery] = _deliveries(sub, 1)
    client = _client(other_tenant.admin)
    assert "hooks.partner-crm.cn" not in client.get("/agency/webhooks/").content.decode()
    assert client.get(f"/agency/webhooks/{sub.pk}/").status_code == 404
    assert client.post(f"/agency/webhooks/{sub.pk}/delete/").status_code == 404
    assert client.get(f"/agency/webhooks/deliveries/{delivery.pk}/").status_code == 404
    assert client.post(f"/agency/webhooks/deliveries/{delivery.pk}/redeliver/").status_code == 404
    assert WebhookSubscription.objects.filter(pk=sub.pk).exists()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and not delivery.manual


def test_secret_rotation_disable_enable_delete(tenant: Any) -> None:
    sub = subscription_create(
        actor=tenant.admin, url="https://hooks.partner-crm.cn/hooks", event_types=[CHECK_COMPLETED]
    )
    client = _client(tenant.admin)
    old = sub.secret
    client.post(f"/agency/webhooks/{sub.pk}/rotate/")
    sub.refresh_from_db()
    assert sub.secret != old and sub.secret.startswith("whsec_")
    client.post(f"/agency/webhooks/{sub.pk}/disable/")
    sub.refresh_from_db()
    assert not sub.is_active and sub.disabled_reason == "by_admin"
    client.post(f"/agency/webhooks/{sub.pk}/enable/")
    sub.refresh_from_db()
    assert sub.is_active
    assert client.post(f"/agency/webhooks/{sub.pk}/delete/")["Location"] == "/agency/webhooks/"
    assert not WebhookSubscription.objects.exists()


def test_redelivery_from_the_log(tenant: Any, django_capture_on_commit_callbacks: Any) -> None:
    sub = subscription_create(
        actor=tenant.admin, url="https://hooks.partner-crm.cn/hooks", event_types=[CHECK_COMPLETED]
    )
    [delivery] = _deliveries(sub, 1)
    with django_capture_on_commit_callbacks(execute=False):
        response = _client(tenant.admin).post(f"/agency/webhooks/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.manual


def test_the_delivery_log_is_a_fixed_number_of_queries(tenant: Any, django_assert_num_queries: Any) -> None:
    sub = subscription_create(
        actor=tenant.admin, url="https://hooks.partner-crm.cn/hooks", event_types=[CHECK_COMPLETED]
    )
    client = _client(tenant.admin)
    _deliveries(sub, 2)
    client.get(f"/agency/webhooks/{sub.pk}/")  # warm the session and the catalogs
    with django_assert_num_queries(6) as captured:
        page = client.get(f"/agency/webhooks/{sub.pk}/")
    assert page.content.decode().count('data-testid="delivery-row"') == 2
    _deliveries(sub, 30)
    with django_assert_num_queries(len(captured)):
        page = client.get(f"/agency/webhooks/{sub.pk}/")
    assert page.content.decode().count('data-testid="delivery-row"') == 32
