from django.urls import path

from licensedesk.web.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.reports_page, name="page"),
]
