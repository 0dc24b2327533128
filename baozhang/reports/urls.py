from django.urls import path

from baozhang.reports import views

app_name = "reports"

urlpatterns = [
    path("o/<slug:org>/reports/", views.report_list, name="list"),
    path("o/<slug:org>/reports/<int:report_id>/", views.report_detail, name="report"),
    path("o/<slug:org>/reports/jobs/<int:job_id>/", views.report_job, name="job"),
    path("o/<slug:org>/reports/schedules/", views.schedules, name="schedules"),
    path(
        "o/<slug:org>/reports/<int:report_id>/v<int:number>/chart-<slug:name>.png",
        views.report_chart,
        name="chart",
    ),
    path(
        "o/<slug:org>/reports/<int:report_id>/v<int:number>.<slug:extension>",
        views.report_file,
        name="file",
    ),
]
