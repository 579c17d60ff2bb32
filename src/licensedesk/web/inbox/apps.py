from django.apps import AppConfig


class InboxConfig(AppConfig):
    """The staff's "needs my attention" list: client uploads, messages, profile changes, overdue tasks."""

    name = "licensedesk.web.inbox"
    label = "inbox"
    verbose_name = "收件箱 Inbox"
