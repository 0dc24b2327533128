"""Records that the tests of a module share, made once for the module instead of once per test.

A module-scoped fixture builds them inside a transaction that stays open while the module's tests
run, as Django's TestCase.setUpTestData does for a class: each test's own transaction (the
`django_db` mark) is a savepoint inside it, rolled back after the test, so every test starts from
the same records; after the module's last test the records are rolled back too. The module's
tests must not ask for a transactional database (`transaction=True`), which would empty the
tables under the shared transaction. Run with `--dist loadgroup`, a module that marks its tests
`pytest.mark.xdist_group(...)` builds its records in one worker only.

    @pytest.fixture(scope="module")
    def records(django_db_setup, django_db_blocker, tmp_path_factory):
        yield from shared_records(django_db_blocker, tmp_path_factory, build)

The fixture gives what build returned; a test reads its records again from the database (by
their keys) rather than changing the shared Python objects.
"""

import sys
from collections.abc import Callable, Iterator

from django.db import transaction
from django.test import override_settings


def shared_records(django_db_blocker, tmp_path_factory, build: Callable[[], object]) -> Iterator:
    media = tmp_path_factory.mktemp("shared-records-media")
    atomic = transaction.atomic()
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, AXES_ENABLED=False):
        atomic.__enter__()
        try:
            made = build()
        except BaseException:
            atomic.__exit__(*sys.exc_info())
            raise
    try:
        yield made
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
