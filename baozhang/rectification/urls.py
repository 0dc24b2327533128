from django.urls import path

from baozhang.rectification import views

app_name = "rectification"

urlpatterns = [
    path("o/<slug:org>/my-tasks/", views.my_tasks, name="my-tasks"),
    path("o/<slug:org>/referrals/", views.referrals, name="referrals"),
    path("o/<slug:org>/rectification/settings/", views.policy_settings, name="settings"),
]
