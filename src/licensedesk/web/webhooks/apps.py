from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Signed event deliveries to the agency's own systems (Standard Webhooks), through an outbox."""

    name = "licensedesk.web.webhooks"
    label = "webhooks"
    verbose_name = "网络钩子 Webhooks"

    def ready(self) -> None:
        # The outbox row is written by the audit trail's own transaction: every state change already
        # records its audit event there, in the same transaction as the change (audit/hooks.py).
        from licensedesk.web.audit.hooks import register_recorded
        from licensedesk.web.webhooks.outbox import outbox_write_for_audit

        register_recorded("webhooks.outbox", outbox_write_for_audit)
