"""The email an agency's admins get when a webhook subscription was disabled after repeated failures."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from licensedesk.web.accounts.models import Role, User
from licensedesk.web.webhooks.models import WebhookSubscription


def admin_recipients(agency_id: int) -> list[str]:
    return sorted(
        {
            email
            for email in User.objects.filter(
                agency_id=agency_id, role=Role.AGENCY_ADMIN, is_active=True
            ).values_list("email", flat=True)
            if email
        }
    )


def disabled_message(*, subscription: WebhookSubscription, failures: int, to: list[str]) -> EmailMessage:
    link = settings.LICENSEDESK_BASE_URL + reverse("webhooks:detail", kwargs={"pk": subscription.pk})
    since = subscription.failing_since
    since_text = timezone.localtime(since).strftime("%Y-%m-%d %H:%M") if since else ""
    subject = f"网络钩子已停用：{subscription.url} / Webhook disabled"
    body = (
        f"发往 {subscription.url} 的网络钩子自 {since_text} 起连续 {failures} 次投递失败，已自动停用，"
        "此后的事件不再发送给它。\n"
        f"请检查接收方，然后在此重新启用（仍在等待的事件会立即重新投递；已用完一天重试的可在投递记录中手动重新发送）：{link}\n\n"
        f"The webhook to {subscription.url} failed {failures} times in a row since {since_text} and was "
        "disabled: events are no longer sent to it.\n"
        "Check the endpoint, then enable it again here (events still waiting are sent at once; those "
        f"whose day of retries ran out can be sent again from the delivery log): {link}\n"
    )
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)
