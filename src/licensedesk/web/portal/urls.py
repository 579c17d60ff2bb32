from django.urls import path

from licensedesk.web.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/reply/", views.reply, name="reply"),
    path("cases/<int:pk>/invite/", views.invite, name="invite"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("join/<str:token>/", views.accept, name="accept"),
    path("profile/", views.profile, name="profile"),
    path("profile/<str:section>/", views.profile_section, name="profile_section"),
]
