from django.urls import path

from licensedesk.web.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("agency/webhooks/", views.subscription_list, name="list"),
    path("agency/webhooks/<int:pk>/", views.subscription_detail, name="detail"),
    path("agency/webhooks/<int:pk>/<slug:action>/", views.subscription_action, name="action"),
    path("agency/webhooks/deliveries/<int:pk>/", views.delivery_detail, name="delivery"),
    path("agency/webhooks/deliveries/<int:pk>/redeliver/", views.delivery_redeliver, name="redeliver"),
]
