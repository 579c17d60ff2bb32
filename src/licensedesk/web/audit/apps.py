from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "licensedesk.web.audit"
    label = "audit"
    verbose_name = "审计 Audit trail"
