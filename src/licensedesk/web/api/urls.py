from django.urls import path

from licensedesk.web.api import views

app_name = "api"

urlpatterns = [
    path("agency/api-tokens/", views.tokens, name="tokens"),
    path("agency/api-tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("api/v1/docs/", views.reference, name="reference"),
]
