"""Personas (the alice / bob / charlie habit) and shared fixtures.

alice: admin of the 示例职业技术学院; bob: a viewer there; charlie: admin of another organisation.
"""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["tests.console", "tests.inspection_data"]


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "engine(name): the test runs only on a database of its own of that engine (sqlite or "
        "postgresql), whatever the test run's database; it runs in the run on that engine",
    )


def session_engine() -> str:
    """The engine of this test run's database: sqlite or postgresql."""
    from django.conf import settings

    return "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"


def pytest_collection_modifyitems(config, items):
    # A test on a database of its own (a console's data folder, a PostgreSQL database it makes)
    # gives the same answer in the run on SQLite and in the run on PostgreSQL: scripts/test.sh
    # runs both, so each such test runs once, in the run on its engine.
    engine = session_engine()
    kept, elsewhere = [], []
    for item in items:
        marker = item.get_closest_marker("engine")
        (elsewhere if marker and marker.args[0] != engine else kept).append(item)
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
    # They are the longest tests (processes of their own): they start first, so that the xdist
    # workers share the rest and finish together rather than one waiting for a last long test.
    items[:] = sorted(kept, key=lambda item: item.get_closest_marker("engine") is None)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    # Django's hasher spends a third of a second of CPU on each password a factory, the demo or a
    # sign-in sets or checks; the tests are about who may sign in, not about the hash's cost.
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AXES_ENABLED = False


@pytest.fixture
def college(db):
    from tests.factories import OrganisationFactory

    return OrganisationFactory(slug="college", name="示例职业技术学院", kind="school")


@pytest.fixture
def hospital(db):
    from tests.factories import OrganisationFactory

    return OrganisationFactory(slug="hospital", name="示例市第一人民医院", kind="hospital")


@pytest.fixture
def alice(college):
    from tests.factories import member

    return member(college, "admin", username="alice")


@pytest.fixture
def bob(college):
    from tests.factories import member

    return member(college, "viewer", username="bob")


@pytest.fixture
def charlie(hospital):
    from tests.factories import member

    return member(hospital, "admin", username="charlie")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture(scope="session")
def run_tmp_path(tmp_path_factory):
    """A folder of this test run shared by its xdist workers, for what one makes for them all."""
    root = tmp_path_factory.getbasetemp()
    return root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root
