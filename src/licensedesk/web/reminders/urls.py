from django.urls import path

from licensedesk.web.reminders import views

app_name = "reminders"

urlpatterns = [
    path("deadlines/", views.deadlines_page, name="page"),
    path("deadlines/calendar/new/", views.feed_create, name="feed_create"),
    path("deadlines/calendar/revoke/", views.feed_revoke, name="feed_revoke"),
    path("deadlines/settings/", views.reminder_settings, name="settings"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
