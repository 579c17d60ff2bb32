from __future__ import annotations

from django.apps import AppConfig


class MaterialsConfig(AppConfig):
    name = "licensedesk.web.materials"
    label = "materials"
    verbose_name = "材料 Materials"

    def ready(self) -> None:
        from licensedesk.web.cases.guards import MATERIALS, register_guard, registered_guard
        from licensedesk.web.cases.hooks import register_check_stored
        from licensedesk.web.materials.guards import materials_accepted
        from licensedesk.web.materials.services import checklist_sync_hook
        from licensedesk.web.materials.timeline import register as register_timeline

        current = registered_guard(MATERIALS)
        if current is None or current.check is not materials_accepted:
            register_guard(MATERIALS, materials_accepted)
        register_check_stored("materials.checklist", checklist_sync_hook)
        register_timeline()
