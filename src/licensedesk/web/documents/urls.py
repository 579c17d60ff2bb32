from django.urls import path

from licensedesk.web.documents import views

app_name = "documents"

urlpatterns = [
    path("cases/<int:case_id>/documents/", views.panel, name="panel"),
    path("cases/<int:case_id>/documents/data/", views.data, name="data"),
    path("cases/<int:case_id>/documents/generate/", views.generate, name="generate"),
    path("documents/<int:pk>/<str:fmt>/", views.download, name="download"),
    path("bundles/<int:pk>/download/", views.bundle_download, name="bundle_download"),
    path("documents/templates/", views.templates, name="templates"),
    path("documents/templates/upload/", views.template_upload, name="template_upload"),
    path("documents/templates/<int:pk>/download/", views.template_download, name="template_download"),
    path("documents/templates/<int:pk>/deactivate/", views.template_deactivate, name="template_deactivate"),
    path(
        "documents/templates/shipped/<str:license_id>/<str:document_id>/",
        views.template_shipped,
        name="template_shipped",
    ),
]
