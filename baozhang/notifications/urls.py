from django.urls import path

from baozhang.notifications import views

app_name = "notifications"

urlpatterns = [
    path("o/<slug:org>/inbox/", views.inbox, name="inbox"),
    path("o/<slug:org>/notifications/robots/", views.robots_page, name="robots"),
    path(
        "o/<slug:org>/notifications/robots/<int:webhook_id>/",
        views.robot_edit,
        name="robot-edit",
    ),
    path("o/<slug:org>/notifications/deliveries/", views.deliveries, name="deliveries"),
]
