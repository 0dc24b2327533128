"""The findings page's lines (one statement per page) against findings_filtered (the ORM query the
exports and the API use): the same rows, in the same order, with the same values, for every filter."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from baozhang.core.pagination import paginate
from baozhang.inspections.finding_lines import FindingLines
from baozhang.inspections.models import FindingKind
from baozhang.inspections.selectors import findings_filtered
from baozhang.inspections.services import FindingInput
from baozhang.standards.services import ItemInput
from tests.factories import AreaTypeFactory, LocationFactory, OrganisationFactory, SiteFactory
from tests.inspection_data import dorm_standard, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(dorms):
    """Findings over two weeks and two months in dorm 5413, and a neighbour's in another tenant."""
    items = dorms["items"]
    days = ["2026-10-30", "2026-11-02", "2026-11-16", "2026-11-18", "2026-11-19", "2026-11-20"]
    for number, day in enumerate(days):
        submit(
            dorms,
            day,
            FindingInput(item_id=items["地面有垃圾"].pk, note=f"纸屑 {number} 100%_x"),
            FindingInput(item_id=items["被褥叠放"].pk, points=Decimal("2.5"), note="Bed"),
            FindingInput(item_id=items["打扫阶梯教室"].pk),
            FindingInput(kind=FindingKind.HIGHLIGHT, note="窗明几净"),
        )
    other = OrganisationFactory(slug="other")
    with scopes_disabled():
        dorm = AreaTypeFactory(organisation=other, code="dorm")
        room = LocationFactory(organisation=other, code="5413", area_type=dorm)
    version = dorm_standard(other, dorm, ItemInput("地面", "地面有垃圾", "deduction", Decimal(2)))
    with scope(organisation=other):
        submit(
            {"room": room, "version": version},
            "2026-11-18",
            FindingInput(item_id=version.items.get().pk, note="纸屑 other"),
        )
    return dorms


def orm_lines(organisation, params) -> list[tuple]:
    with scope(organisation=organisation):
        return [
            (
                f.pk,
                f.observed_at,
                f.kind,
                f.points,
                f.note,
                f.inspection_id,
                f.location.code,
                f.unit.name if f.unit_id else None,
                f.item.text if f.item_id else None,
            )
            for f in findings_filtered(organisation=organisation, params=params)
        ]


def lines(organisation, params) -> list[tuple]:
    rows = FindingLines(organisation=organisation, params=params)
    found = rows[0:1000]
    assert rows.count() == len(found)
    return [
        (
            line.id,
            line.observed_at,
            line.kind,
            line.points,
            line.note,
            line.inspection_id,
            line.location_code,
            line.unit_name,
            line.item_text,
        )
        for line in found
    ]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"period": "2026-11"},
        {"period": "2026-W47"},
        {"period": "2026-10-31..2026-11-18"},
        {"period": "nonsense"},
        {"kind": "problems"},
        {"kind": "bonus"},
        {"kind": "highlight"},
        {"kind": "unknown"},
        {"q": "纸屑"},
        {"q": "bed"},  # case does not matter
        {"q": "100%_"},  # wildcards are plain characters
        {"q": "5413"},
        {"q": "阶梯"},
        {"q": "nothing like it"},
        {"period": "2026-11", "kind": "problems", "q": "纸屑"},
    ],
)
def test_lines_equal_the_orm_query(many, params):
    expected = orm_lines(many["org"], params)
    assert lines(many["org"], params) == expected
    assert params.get("q") == "nothing like it" or expected  # each case selects something


def test_lines_filter_by_unit_item_location_and_area_type(many):
    org, room = many["org"], many["room"]
    for params in (
        {"unit": str(many["first"].pk)},
        {"unit": str(many["second"].pk), "period": "2026-W47"},
        {"item": str(many["items"]["地面有垃圾"].pk)},
        {"location": str(room.pk)},
        {"area_type": str(room.area_type_id)},
        {"unit": "x1"},  # malformed: ignored
    ):
        expected = orm_lines(org, params)
        assert expected
        assert lines(org, params) == expected
    # Class 0852 held the room until Wednesday 18th; class 1151 from Thursday.
    first = lines(org, {"unit": str(many["first"].pk)})
    assert {row[1].date() for row in first} == {
        dt.date(2026, 10, 30),
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 18),
    }


def test_lines_filter_by_site(many):
    """The site of the finding's location: the room's site lists all, another site none."""
    org, room = many["org"], many["room"]
    with scopes_disabled():
        annex = SiteFactory(organisation=org, code="annex")
        hall = LocationFactory(organisation=org, site=annex, code="A-101", area_type=room.area_type)
    submit(
        {**many, "room": hall},
        "2026-11-19",
        FindingInput(item_id=many["items"]["地面有垃圾"].pk, note="annex"),
    )
    for params in (
        {"site": str(room.site_id)},
        {"site": str(annex.pk), "q": "annex"},
        {"site": str(annex.pk), "period": "2026-11", "kind": "problems"},
    ):
        expected = orm_lines(org, params)
        assert expected
        assert lines(org, params) == expected
    assert [row[6] for row in lines(org, {"site": str(annex.pk)})] == ["A-101"]
    assert "A-101" not in {row[6] for row in lines(org, {"site": str(room.site_id)})}
    # A site of another organisation selects nothing.
    with scopes_disabled():
        elsewhere = SiteFactory(organisation=OrganisationFactory(slug="elsewhere"))
    assert (
        lines(org, {"site": str(elsewhere.pk)}) == orm_lines(org, {"site": str(elsewhere.pk)}) == []
    )


def test_lines_never_show_another_organisations_findings(many):
    assert all(row[4] != "纸屑 other" for row in lines(many["org"], {"q": "纸屑"}))
    with scopes_disabled():
        other = many["org"].__class__.objects.get(slug="other")
    assert [row[4] for row in lines(other, {})] == ["纸屑 other"]


def test_pages_of_lines_are_newest_first_and_complete(many):
    org = many["org"]
    request = RequestFactory().get("/", {"page": "2"})
    page = paginate(request, FindingLines(organisation=org, params={}), per_page=5)
    assert page.paginator.count == 24
    assert page.paginator.num_pages == 5
    everything = orm_lines(org, {})
    assert [line.id for line in page] == [row[0] for row in everything[5:10]]
    assert page[0].get_kind_display() == str(FindingKind(page[0].kind).label)


def test_the_list_names_its_filters_and_each_can_be_removed(many, alice_client):
    org, room = many["org"], many["room"]
    with scopes_disabled():
        foreign = SiteFactory(organisation=OrganisationFactory(slug="foreign"), name="别家校区")
    params = {
        "period": "2026-11",
        "site": str(room.site_id),
        "unit": str(many["first"].pk),
        "kind": "problems",
        "page": "1",
    }
    page = alice_client.get(reverse("inspections:findings", args=[org.slug]), params)
    chips = dict(
        re.findall(
            r'data-filter="(\w+)"><span class="text-muted">[^<]+</span> ([^<]+) <a',
            page.content.decode(),
        )
    )
    assert chips == {"site": room.site.name, "unit": "0852班", "kind": "问题"}
    removed = re.search(r'data-filter="unit">.*?href="\?([^"]+)"', page.content.decode())[1]
    assert QueryDict(removed.replace("&amp;", "&")).dict() == {
        "period": "2026-11",
        "site": str(room.site_id),
        "kind": "problems",
    }
    # The form keeps the filters it does not show.
    assert f'name="site" value="{room.site_id}"' in page.content.decode()
    # Another organisation's site names nothing (and selects nothing).
    other = alice_client.get(
        reverse("inspections:findings", args=[org.slug]), {"site": str(foreign.pk)}
    ).content.decode()
    assert "别家校区" not in other and 'data-filter="site"' not in other
