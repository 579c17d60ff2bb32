from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The reports page: the agency's pipeline, throughput, cycle times, outcomes, workload, review
    rounds and statutory deadlines, as charts with their tables. Reads only: no models."""

    name = "licensedesk.web.reports"
    label = "reports"
    verbose_name = "报表 Reports"
