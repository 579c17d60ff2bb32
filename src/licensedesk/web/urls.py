from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from licensedesk.web import views
from licensedesk.web.api.main import api


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("portal/", include("licensedesk.web.portal.urls")),
    path("", include("licensedesk.web.accounts.urls")),
    path("", include("licensedesk.web.cases.urls")),
    path("", include("licensedesk.web.materials.urls")),
    path("", include("licensedesk.web.documents.urls")),
    path("", include("licensedesk.web.inbox.urls")),
    path("", include("licensedesk.web.navigator.urls")),
    path("", include("licensedesk.web.register.urls")),
    path("", include("licensedesk.web.webhooks.urls")),
    path("", include("licensedesk.web.exports.urls")),
    path("", include("licensedesk.web.api.urls")),
    path("api/v1/", api.urls),
    path("", include("licensedesk.web.reminders.urls")),
    path("", include("licensedesk.web.reports.urls")),
]

handler404 = "licensedesk.web.views.page_not_found"
