from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "licensedesk.web.api"
    label = "api"
    verbose_name = _("API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from licensedesk.web.audit.context import audit_context_clear

        # the API token an API call sets for its audit events never outlives the request
        request_started.connect(audit_context_clear, dispatch_uid="api-audit-context-start")
        request_finished.connect(audit_context_clear, dispatch_uid="api-audit-context-finish")
