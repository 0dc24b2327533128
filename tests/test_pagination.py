"""List pages fetch a page's ids first, then its rows; order, joins and annotations survive."""

import pytest
from django.db.models import Value
from django.test import RequestFactory
from django_scopes import scope

from baozhang.core.pagination import paginate
from baozhang.orgs.models import Unit
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def test_a_page_keeps_the_order_and_the_annotations(college):
    with scope(organisation=college):
        for code in ("0953", "0852", "1151"):
            UnitFactory(organisation=college, code=code)
        request = RequestFactory().get("/", {"page": "1"})
        units = Unit.objects.filter(organisation=college).order_by("-code")
        page = paginate(request, units, per_page=2)
        assert [unit.code for unit in page] == ["1151", "0953"]
        assert page.paginator.count == 3 and page.has_next()

        marked = units.annotate(mark=Value("班"))
        page = paginate(request, marked, per_page=2)
        assert [(unit.code, unit.mark) for unit in page] == [("1151", "班"), ("0953", "班")]
