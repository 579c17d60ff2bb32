from django.urls import path

from licensedesk.web.inbox import views

app_name = "inbox"

urlpatterns = [
    path("inbox/", views.inbox_list, name="list"),
    path("inbox/<int:pk>/open/", views.inbox_open, name="open"),
    path("inbox/settings/", views.inbox_settings, name="settings"),
]
