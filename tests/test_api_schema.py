"""Property-based calls of every API operation, generated from the OpenAPI document: no input may
cause a server error, and every answer matches the documented schema (all of schemathesis's
checks: status codes, content types, headers, bodies, bad input refused, authentication honoured)."""

from decimal import Decimal

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from ninja.openapi.schema import OpenAPISchema

from baozhang.accounts.services import api_token_create
from baozhang.api.api import api
from baozhang.standards.services import ItemInput
from config.wsgi import application
from tests.factories import AreaTypeFactory, LocationFactory, SiteFactory, UnitFactory
from tests.inspection_data import dorm_standard

# django-ninja writes OpenAPI 3.1, which this schemathesis supports behind a switch.
schemathesis.experimental.OPEN_API_3_1.enable()
schema = schemathesis.from_dict(api.get_openapi_schema(), app=application)


@schema.hook
def map_path_parameters(context, path_parameters):
    # Most calls go to the organisation under test, so they reach its records and validation.
    if path_parameters and "org" in path_parameters and context.operation.path.count("{") > 0:
        path_parameters["org"] = "college"
    return path_parameters


@pytest.fixture
def open_connection():
    """As Django's test client does: the test's transaction must outlive each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(college, alice, open_connection):
    site = SiteFactory(organisation=college, code="main", name="主校区")
    area_type = AreaTypeFactory(organisation=college, code="dorm", name="宿舍")
    building = LocationFactory(organisation=college, site=site, code="D5", kind="building")
    LocationFactory(
        organisation=college, site=site, code="5413", parent=building, area_type=area_type
    )
    UnitFactory(organisation=college, code="0852")
    # A standard with a version, so that the answers listing standards carry one.
    dorm_standard(college, area_type, ItemInput("地面", "地面有垃圾", "deduction", Decimal(2)))
    _token, raw = api_token_create(user=alice, name="schema")
    return raw


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_operations_follow_their_schema(case, token):
    headers = {"Authorization": f"Bearer {token}"}
    response = case.call_wsgi(headers=headers)
    # Named as the caller's own headers, so that the authentication check knows the token is real
    # and calls again without it and with a wrong one, expecting 401 both times.
    case.validate_response(
        response,
        checks=schemathesis.checks.ALL_CHECKS,
        headers=headers,
        transport_kwargs={"headers": headers},
    )


def test_no_two_schemas_of_the_document_share_a_name(monkeypatch):
    # django-ninja files every schema under its class name and silently keeps the last of two
    # that share one, so that an answer would be checked against the other's fields.
    definitions_seen: dict[str, dict] = {}
    clashes = []
    add_definitions = OpenAPISchema.add_schema_definitions

    def add_schema_definitions(self, definitions):
        for name, definition in definitions.items():
            if definitions_seen.setdefault(name, definition) != definition:
                clashes.append(name)
        add_definitions(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", add_schema_definitions)
    api.get_openapi_schema()
    assert clashes == []
