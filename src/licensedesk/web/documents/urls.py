from django.urls import path

from licensedesk.web.documents import views

app_name = "documents"

urlpatterns = [
    path("cases/<int:case_id>/documents/", views.panel, name="panel"),
    path("cases/<int:case_id>/documents/data/", views.data, name="data"),
    path("cases/<int:case_id>/documents/generate/", views.generate, name="generate"),
    path("documents/<int:pk>/<str:fmt>/", views.download, name="download"),
    path("bundles/<int:pk>/download/", views.bundle_download, name="bundle_download"),
]
