"""Each role can do what the declared matrix grants and nothing more, checked over HTTP."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from baozhang.inspections.models import BoardPolicy
from baozhang.orgs import permissions as perms
from baozhang.orgs.models import Person, Role, Site
from baozhang.rectification.models import RectificationPolicy
from baozhang.standards.models import Standard
from tests.factories import LocationFactory, SiteFactory, member

pytestmark = pytest.mark.django_db


def probe_view_setup(client, org, site):
    return client.get(reverse("orgs:locations-list", kwargs={"org": org.slug})), None


def probe_manage_setup(client, org, site):
    response = client.post(
        reverse("orgs:sites-create", kwargs={"org": org.slug}), {"code": "NEW", "name": "新校区"}
    )
    with scopes_disabled():
        return response, Site.objects.filter(code="NEW").exists()


def probe_view_people(client, org, site):
    return client.get(reverse("orgs:people-list", kwargs={"org": org.slug})), None


def probe_manage_people(client, org, site):
    response = client.post(
        reverse("orgs:people-create", kwargs={"org": org.slug}),
        {"name": "新同事", "is_active": "on"},
    )
    with scopes_disabled():
        return response, Person.objects.filter(name="新同事").exists()


def probe_import(client, org, site):
    return client.get(reverse("orgs:import", kwargs={"org": org.slug})), None


def probe_export(client, org, site):
    return client.get(reverse("orgs:export", kwargs={"org": org.slug, "kind": "locations"})), None


def probe_history(client, org, site):
    return client.get(
        reverse("orgs:sites-history", kwargs={"org": org.slug, "site_id": site.pk})
    ), None


def probe_record_inspections(client, org, site):
    location = LocationFactory(organisation=org, site=site)
    return client.get(
        reverse("inspections:check", kwargs={"org": org.slug, "location_id": location.pk})
    ), None


def probe_view_inspections(client, org, site):
    return client.get(reverse("inspections:ranking", kwargs={"org": org.slug})), None


def probe_manage_board(client, org, site):
    response = client.post(
        reverse("inspections:board-settings", kwargs={"org": org.slug}),
        {
            "base_score": "100",
            "floor_score": "0",
            "red_flags_per_week": "3",
            "red_flag_scope": "overall",
            "board_enabled": "on",
        },
    )
    with scopes_disabled():
        return response, BoardPolicy.objects.filter(organisation=org, red_flags_per_week=3).exists()


def probe_manage_standards(client, org, site):
    response = client.post(
        reverse("standards:standard-create", kwargs={"org": org.slug}),
        {
            "code": "NEWSTD",
            "name": "新标准",
            "is_active": "on",
            "base_score": "100",
            "floor_score": "0",
            "red_line_rule": "fail_check",
            "red_line_score": "0",
        },
    )
    with scopes_disabled():
        return response, Standard.objects.filter(code="NEWSTD").exists()


def probe_submit_rectification(client, org, site):
    return client.get(reverse("rectification:my-tasks", kwargs={"org": org.slug})), None


def probe_decide_referrals(client, org, site):
    return client.get(reverse("rectification:referrals", kwargs={"org": org.slug})), None


def probe_manage_rectification(client, org, site):
    response = client.post(
        reverse("rectification:settings", kwargs={"org": org.slug}),
        {
            "urgent_hours": "12",
            "normal_hours": "72",
            "minor_hours": "168",
            "remind_hours": "12",
            "leader_after_hours": "72",
            "digest_hour": "8",
        },
    )
    return response, RectificationPolicy.objects.filter(organisation=org, urgent_hours=12).exists()


def probe_write_reports(client, org, site):
    from baozhang.reports.models import ReportJob

    response = client.post(
        reverse("reports:list", kwargs={"org": org.slug}),
        {"kind": "monthly", "period": "2026-10"},
    )
    with scopes_disabled():
        return response, ReportJob.objects.filter(organisation=org).exists()


PROBES = {
    perms.VIEW_SETUP: probe_view_setup,
    perms.MANAGE_SETUP: probe_manage_setup,
    perms.VIEW_PEOPLE: probe_view_people,
    perms.MANAGE_PEOPLE: probe_manage_people,
    perms.IMPORT_DATA: probe_import,
    perms.EXPORT_DATA: probe_export,
    perms.VIEW_HISTORY: probe_history,
    perms.RECORD_INSPECTIONS: probe_record_inspections,
    perms.VIEW_INSPECTIONS: probe_view_inspections,
    perms.MANAGE_BOARD: probe_manage_board,
    perms.MANAGE_STANDARDS: probe_manage_standards,
    perms.SUBMIT_RECTIFICATION: probe_submit_rectification,
    perms.DECIDE_REFERRALS: probe_decide_referrals,
    perms.MANAGE_RECTIFICATION: probe_manage_rectification,
    perms.WRITE_REPORTS: probe_write_reports,
}


def test_matrix_names_every_role_and_every_permission_has_a_probe():
    assert set(perms.ROLE_PERMISSIONS) == set(Role.values)
    assert set(PROBES) == set(perms.ALL_PERMISSIONS)


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("permission", perms.ALL_PERMISSIONS)
def test_role_can_exactly_what_the_matrix_grants(client, college, role, permission):
    site = SiteFactory(organisation=college)
    client.force_login(member(college, role))
    response, created = PROBES[permission](client, college, site)
    allowed = permission in perms.ROLE_PERMISSIONS[role]
    if allowed:
        assert response.status_code in (200, 302), f"{role} should be able to {permission}"
        if created is not None:
            assert created, f"{role} should have created a record with {permission}"
    else:
        assert response.status_code == 403, f"{role} must not {permission}"
        if created is not None:
            assert not created, f"{role} changed data without {permission}"


def test_supervisor_reads_each_organisation_of_theirs_and_writes_none(client, college, hospital):
    user = member(college, "supervisor", username="inspector-general")
    with scopes_disabled():
        person = Person.objects.create(organisation=hospital, user=user, name="督导")
        person.memberships.create(organisation=hospital, role="supervisor")
    client.force_login(user)
    for org in (college, hospital):
        assert (
            client.get(reverse("orgs:locations-list", kwargs={"org": org.slug})).status_code == 200
        )
        assert (
            client.post(
                reverse("orgs:sites-create", kwargs={"org": org.slug}), {"code": "X", "name": "X"}
            ).status_code
            == 403
        )
    home = client.get(reverse("orgs:home")).content.decode()
    assert college.name in home and hospital.name in home
