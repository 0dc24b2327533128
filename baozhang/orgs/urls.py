from django.urls import path

from baozhang.orgs import views
from baozhang.orgs.entities import ENTITIES

app_name = "orgs"


def _entity_patterns():
    patterns = []
    for entity in ENTITIES:
        bound = views.entity_views(entity)
        base = f"o/<slug:org>/{entity.key}/"
        record = f"{base}<int:{entity.id_kwarg}>/"
        patterns += [
            path(base, bound["list"], name=f"{entity.key}-list"),
            path(f"{base}new/", bound["form"], name=f"{entity.key}-create"),
            path(record, bound["detail"], name=f"{entity.key}-detail"),
            path(f"{record}edit/", bound["form"], name=f"{entity.key}-edit"),
            path(f"{record}delete/", bound["delete"], name=f"{entity.key}-delete"),
            path(f"{record}history/", bound["history"], name=f"{entity.key}-history"),
        ]
    return patterns


urlpatterns = [
    path("", views.home, name="home"),
    path("orgs/new/", views.organisation_create, name="organisation-create"),
    path("o/<slug:org>/", views.dashboard, name="dashboard"),
    path("o/<slug:org>/import/", views.import_page, name="import"),
    path("o/<slug:org>/import/jobs/<int:import_job_id>/", views.import_job, name="import-job"),
    path("o/<slug:org>/export/jobs/<int:export_job_id>/", views.export_job, name="export-job"),
    path(
        "o/<slug:org>/export/jobs/<int:export_job_id>/file",
        views.export_job_file,
        name="export-job-file",
    ),
    path(
        "o/<slug:org>/import/template/<slug:kind>.xlsx",
        views.import_template,
        name="import-template",
    ),
    path("o/<slug:org>/export/<slug:kind>.xlsx", views.export, name="export"),
    path(
        "o/<slug:org>/people/<int:person_id>/password/",
        views.person_password,
        name="people-password",
    ),
    *_entity_patterns(),
]
