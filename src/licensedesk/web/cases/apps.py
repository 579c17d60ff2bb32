from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "licensedesk.web.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from licensedesk.web.cases import guards  # noqa: F401  (registers the built-in guards)

        checks.register(check_guards, checks.Tags.compatibility)


def check_guards(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every guard a workflow of the catalog uses has a check registered (a placeholder counts)."""
    from licensedesk.core.catalog.loader import default_catalog
    from licensedesk.core.workflow import StageMachine
    from licensedesk.web.cases.guards import guard_registry_problems

    used: set[str] = set()
    for lic in default_catalog().licenses():
        for version in lic.versions:
            used |= StageMachine.for_version(version).guards_used()
    return [
        checks.Error(f"guard {guard!r} has no registered check", id="licensedesk.E010")
        for guard in guard_registry_problems(used)
    ]
