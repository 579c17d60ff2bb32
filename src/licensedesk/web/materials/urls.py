from django.urls import path

from licensedesk.web.materials import views

app_name = "materials"

urlpatterns = [
    path("cases/<int:case_id>/materials/", views.checklist, name="checklist"),
    path("cases/<int:case_id>/materials/requests/", views.requests_page, name="requests"),
    path("cases/<int:case_id>/materials/finish-round/", views.finish_round, name="finish_round"),
    path("materials/<int:pk>/", views.item, name="item"),
    path("materials/<int:pk>/upload/", views.upload, name="upload"),
    path("materials/<int:pk>/start-review/", views.start_review, name="start_review"),
    path("materials/versions/<int:pk>/review/", views.review, name="review"),
    path("materials/files/<int:pk>/download/", views.download, name="download"),
]
