from django.urls import path

from baozhang.rectification import round_views, task_views, views

app_name = "rectification"

urlpatterns = [
    path("o/<slug:org>/my-tasks/", views.my_tasks, name="my-tasks"),
    path("o/<slug:org>/referrals/", views.referrals, name="referrals"),
    path("o/<slug:org>/rectification/settings/", views.policy_settings, name="settings"),
    path("o/<slug:org>/rectification/", task_views.records, name="tasks"),
    path("o/<slug:org>/rectification/statistics/", task_views.statistics, name="statistics"),
    path("o/<slug:org>/findings/<int:finding_id>/", task_views.finding_detail, name="finding"),
    path("o/<slug:org>/tasks/<int:task_id>/", task_views.task_detail, name="task-detail"),
    path("o/<slug:org>/task-photos/<int:event_id>/", task_views.event_photo, name="event-photo"),
    path(
        "o/<slug:org>/spot-fix-photos/<int:spot_fix_id>/",
        task_views.spot_fix_photo,
        name="spot-fix-photo",
    ),
    path("o/<slug:org>/patrols/", round_views.round_list, name="rounds"),
    path("o/<slug:org>/patrols/<int:round_id>/", round_views.round_detail, name="round"),
    path(
        "o/<slug:org>/patrols/<int:round_id>/sheet.xlsx",
        round_views.round_export,
        name="round-export",
    ),
]
