from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The client side: invitations that bring a client's people in, and the pages they use."""

    name = "licensedesk.web.portal"
    label = "portal"
    verbose_name = "客户门户 Client portal"

    def ready(self) -> None:
        from licensedesk.web.portal.timeline import register as register_timeline

        register_timeline()
