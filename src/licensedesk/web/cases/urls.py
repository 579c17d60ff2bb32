from django.urls import path

from licensedesk.web.cases import views

app_name = "cases"

urlpatterns = [
    path("cases/", views.case_list, name="list"),
    path("cases/<int:pk>/", views.case_detail, name="detail"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
]
