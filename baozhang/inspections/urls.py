from django.urls import path

from baozhang.inspections import board_views, schedule_views, views

app_name = "inspections"

urlpatterns = [
    path("o/<slug:org>/check/<int:location_id>/", views.check_location, name="check"),
    path(
        "o/<slug:org>/inspections/<int:inspection_id>/",
        views.inspection_detail,
        name="inspection-detail",
    ),
    path(
        "o/<slug:org>/inspections/<int:inspection_id>/void/",
        views.inspection_void_page,
        name="inspection-void",
    ),
    path("o/<slug:org>/photos/<int:photo_id>/", views.finding_photo, name="finding-photo"),
    path("o/<slug:org>/findings/", views.findings_list, name="findings"),
    path("o/<slug:org>/checks/", views.checks_list, name="checks"),
    path("o/<slug:org>/findings/import/", views.findings_import_page, name="findings-import"),
    path("o/<slug:org>/findings/export.xlsx", views.findings_export_file, name="findings-export"),
    path("o/<slug:org>/findings/template.xlsx", views.findings_template, name="findings-template"),
    path("o/<slug:org>/ranking/", views.ranking, name="ranking"),
    path("o/<slug:org>/bulletin/", views.bulletin, name="bulletin"),
    path("o/<slug:org>/board/", board_views.board_settings, name="board-settings"),
    path("o/<slug:org>/red-flags/", board_views.red_flags, name="red-flags"),
    path(
        "o/<slug:org>/red-flags/ties/<int:tie_id>/",
        board_views.red_flag_tie,
        name="red-flag-tie",
    ),
    path("o/<slug:org>/labels.pdf", board_views.location_labels, name="labels"),
    path("o/<slug:org>/schedules/", schedule_views.schedule_list, name="schedule-list"),
    path("o/<slug:org>/schedules/new/", schedule_views.schedule_form, name="schedule-create"),
    path(
        "o/<slug:org>/schedules/<int:schedule_id>/",
        schedule_views.schedule_detail,
        name="schedule-detail",
    ),
    path(
        "o/<slug:org>/schedules/<int:schedule_id>/edit/",
        schedule_views.schedule_form,
        name="schedule-edit",
    ),
]
