from django.urls import path

from licensedesk.web.navigator import views

app_name = "navigator"

urlpatterns = [
    path("navigator/", views.navigator_page, name="page"),
    path("navigator/open-cases/", views.navigator_open, name="open_cases"),
]
