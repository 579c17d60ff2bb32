from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "licensedesk.web.accounts"
    label = "accounts"
    verbose_name = "账户 Accounts"

    def ready(self) -> None:
        from licensedesk.web.accounts import signals  # noqa: F401  (login → audit)
