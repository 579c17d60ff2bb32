from django.apps import AppConfig


class RegisterConfig(AppConfig):
    """The license register: every license the agency's clients hold, its duties (annual reports,
    renewal, change filings) and the proof each licensed service was launched."""

    name = "licensedesk.web.register"
    label = "register"
    verbose_name = "许可证台账 License register"

    def ready(self) -> None:
        from licensedesk.web.cases.hooks import register_profile_updated
        from licensedesk.web.register.services import change_proposals_from_profile

        register_profile_updated("register.change_proposals", change_proposals_from_profile)
        from licensedesk.web.cases.timeline import register_description
        from licensedesk.web.register.display import duty_case_started_text

        register_description("license.duty_case_started", duty_case_started_text)
