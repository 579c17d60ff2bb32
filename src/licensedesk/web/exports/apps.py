from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """The lists as CSV and Excel files, streamed row by row in constant memory."""

    name = "licensedesk.web.exports"
    label = "exports"
    verbose_name = "导出 Exports"
