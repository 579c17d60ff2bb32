from django.apps import AppConfig


class RemindersConfig(AppConfig):
    """Reminders of due dates (case clocks, license duties) by email and in the inbox, and each user's
    deadlines as an iCalendar feed on a secret address."""

    name = "licensedesk.web.reminders"
    label = "reminders"
    verbose_name = "提醒 Reminders"
