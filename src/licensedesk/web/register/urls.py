from django.urls import path

from licensedesk.web.register import views

app_name = "register"

urlpatterns = [
    path("register/", views.register_list, name="list"),
    path("register/new/", views.register_new, name="new"),
    path("register/<int:pk>/", views.register_detail, name="detail"),
    path("register/<int:pk>/coverage/", views.register_coverage, name="coverage"),
    path("register/<int:pk>/end/", views.register_end, name="end"),
    path("register/<int:pk>/launch/", views.register_launch, name="launch"),
    path("register/<int:pk>/duty-case/", views.duty_case_start, name="duty_case"),
    path("register/proposals/<int:pk>/dismiss/", views.proposal_dismiss, name="proposal_dismiss"),
    path("portal/licenses/", views.portal_licenses, name="portal"),
]
