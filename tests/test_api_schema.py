"""Property-based calls of every API operation, generated from the OpenAPI document: no input may
cause a server error, and every answer matches the documented schema."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from baozhang.accounts.services import api_token_create
from baozhang.api.api import api
from config.wsgi import application
from tests.factories import AreaTypeFactory, LocationFactory, SiteFactory, UnitFactory

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
    response = case.call_wsgi(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(
        response,
        checks=(
            schemathesis.checks.not_a_server_error,
            schemathesis.checks.status_code_conformance,
            schemathesis.checks.content_type_conformance,
            schemathesis.checks.response_schema_conformance,
        ),
    )
