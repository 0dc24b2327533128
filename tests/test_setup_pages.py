import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from baozhang.orgs.models import Assignment, Location
from tests.factories import AreaTypeFactory, LocationFactory, SiteFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_admin_creates_building_and_room_in_tree(alice_client, college):
    site = SiteFactory(organisation=college, code="main", name="主校区")
    url = reverse("orgs:locations-create", kwargs={"org": "college"})
    response = alice_client.post(
        url,
        {"site": site.pk, "kind": "building", "code": "B5", "name": "5号宿舍楼", "is_active": "on"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        building = Location.objects.get(code="B5")
    response = alice_client.post(
        url,
        {
            "site": site.pk,
            "parent": building.pk,
            "kind": "room",
            "code": "5413",
            "name": "宿舍5413",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        room = Location.objects.get(code="5413")
    assert room.path == f"/{building.pk:08d}/{room.pk:08d}/"
    assert room.depth == 1
    listing = alice_client.get(
        reverse("orgs:locations-list", kwargs={"org": "college"}), {"q": "5413"}
    )
    assert "宿舍5413" in listing.content.decode()
    assert "5号宿舍楼" in listing.content.decode()  # parent column


def test_duplicate_location_code_is_refused_with_message(alice_client, college):
    site = SiteFactory(organisation=college)
    LocationFactory(organisation=college, site=site, code="101")
    url = reverse("orgs:locations-create", kwargs={"org": "college"})
    response = alice_client.post(
        url, {"site": site.pk, "kind": "room", "code": "101", "name": "重复", "is_active": "on"}
    )
    assert response.status_code == 200
    assert "已有此编码" in response.content.decode()
    with scopes_disabled():
        assert Location.objects.filter(code="101").count() == 1


def test_overlapping_responsibility_is_refused(alice_client, college):
    location = LocationFactory(organisation=college, code="5413")
    first, second = (
        UnitFactory(organisation=college, code="0852"),
        UnitFactory(organisation=college, code="1151"),
    )
    url = reverse("orgs:responsibilities-create", kwargs={"org": "college"})
    ok = alice_client.post(
        url,
        {
            "unit": first.pk,
            "location": location.pk,
            "starts_on": "2026-09-01",
            "ends_on": "2027-01-20",
        },
    )
    assert ok.status_code == 302
    clash = alice_client.post(
        url, {"unit": second.pk, "location": location.pk, "starts_on": "2026-12-01"}
    )
    assert clash.status_code == 200
    with scopes_disabled():
        assert list(Assignment.objects.values_list("unit__code", flat=True)) == ["0852"]
        assert Assignment.objects.get().ends_on == dt.date(2027, 1, 20)


def test_list_search_and_filter_by_area_type(alice_client, college):
    dorm = AreaTypeFactory(organisation=college, name="宿舍")
    LocationFactory(organisation=college, code="5413", name="宿舍5413", area_type=dorm)
    LocationFactory(organisation=college, code="C101", name="教室101")
    url = reverse("orgs:locations-list", kwargs={"org": "college"})
    body = alice_client.get(url, {"area_type": dorm.pk}).content.decode()
    assert "宿舍5413" in body and "教室101" not in body


def test_history_tab_shows_who_and_before_after(alice_client, college, alice):
    site = SiteFactory(organisation=college, code="north", name="北校区")
    edit = reverse("orgs:sites-edit", kwargs={"org": "college", "site_id": site.pk})
    assert (
        alice_client.post(edit, {"code": "north", "name": "北院区", "address": ""}).status_code
        == 302
    )
    body = alice_client.get(
        reverse("orgs:sites-history", kwargs={"org": "college", "site_id": site.pk})
    ).content.decode()
    assert "北校区" in body and "北院区" in body
    assert alice.display() in body


def test_moving_a_floor_moves_its_rooms_and_refuses_loops(college):
    from django.core.exceptions import ValidationError
    from django_scopes import scope

    from baozhang.orgs.services import location_save

    site = SiteFactory(organisation=college)
    old, new = (
        LocationFactory(organisation=college, site=site, code="B1"),
        LocationFactory(organisation=college, site=site, code="B2"),
    )
    floor = LocationFactory(organisation=college, site=site, code="B1-3F", parent=old)
    room = LocationFactory(organisation=college, site=site, code="B1-301", parent=floor)
    with scope(organisation=college):
        floor.parent = new
        location_save(location=floor, by=None)
        room.refresh_from_db()
        assert room.path == f"/{new.pk:08d}/{floor.pk:08d}/{room.pk:08d}/" and room.depth == 2
        new.parent = room
        with pytest.raises(ValidationError):
            location_save(location=new, by=None)
        new.refresh_from_db()
        assert new.parent_id is None


def test_admin_sets_password_of_own_login_but_not_of_a_shared_one(alice_client, college, hospital):
    from baozhang.orgs.models import Person
    from tests.factories import PersonFactory, UserFactory

    own = PersonFactory(organisation=college, user=UserFactory(username="own"))
    shared_user = UserFactory(username="shared")
    shared = PersonFactory(organisation=college, user=shared_user)
    PersonFactory(organisation=hospital, user=shared_user)
    for person, expected in ((own, True), (shared, False)):
        url = reverse("orgs:people-password", kwargs={"org": "college", "person_id": person.pk})
        assert alice_client.post(url, {"password": "brand-new-pass-31"}).status_code == 302
        with scopes_disabled():
            user = Person.objects.get(pk=person.pk).user
        assert user.check_password("brand-new-pass-31") is expected


def test_tree_filter_shows_one_building_and_unknown_filter_values_are_ignored(
    alice_client, college
):
    site = SiteFactory(organisation=college)
    dorm = LocationFactory(
        organisation=college, site=site, code="SS5", name="宿舍楼", kind="building"
    )
    LocationFactory(organisation=college, site=site, code="5413", name="宿舍5413", parent=dorm)
    LocationFactory(organisation=college, site=site, code="JXA", name="教学楼", kind="building")
    url = reverse("orgs:locations-list", kwargs={"org": "college"})
    body = alice_client.get(url, {"within": f"/{dorm.pk:08d}/"}).content.decode()
    assert "宿舍5413" in body and "教学楼" not in body.split("<tbody>")[1]
    assert alice_client.get(url, {"area_type": "x' OR 1=1", "site": "999999"}).status_code == 200
