from django.urls import re_path

from licensedesk.web.exports import views

app_name = "exports"

urlpatterns = [
    re_path(r"^exports/(?P<what>[a-z_]+)\.(?P<fmt>csv|xlsx)$", views.export, name="download"),
]
