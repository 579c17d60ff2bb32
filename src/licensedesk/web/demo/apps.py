from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "licensedesk.web.demo"
    label = "demo"
    verbose_name = "演示数据 Demo data"
