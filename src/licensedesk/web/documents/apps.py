from __future__ import annotations

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Application documents generated from the case data, and the submission bundle."""

    name = "licensedesk.web.documents"
    label = "documents"
    verbose_name = "申请文件 Application documents"

    def ready(self) -> None:
        from licensedesk.web.documents.timeline import register as register_timeline

        register_timeline()
