from __future__ import annotations

from django.apps import AppConfig


class NavigatorConfig(AppConfig):
    """The "which license do I need" page: a consultant answers for a prospect, sees what it needs and
    why, and opens the cases for a client company. No models: the answers live in the audit trail."""

    name = "licensedesk.web.navigator"
    label = "navigator"
    verbose_name = "许可导航 License navigator"
