from django.urls import path

from licensedesk.web.accounts import views

app_name = "accounts"

urlpatterns = [
    path("agency/settings/", views.agency_settings, name="agency_settings"),
    path("agency/settings/targets/", views.agency_targets, name="agency_targets"),
]
