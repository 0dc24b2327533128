"""The patrol rounds move from inspections to rectification without losing a round, its audit trail
or the checks recorded in it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_scopes import scopes_disabled

from baozhang.rectification.models import PatrolRound, PatrolRoundCheck
from tests.inspection_data import at

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("inspections", "0003_patrol_rounds"), ("rectification", "0002_opened_at_digest_hour")]


@pytest.fixture(autouse=True)
def _real_migrations(settings):
    """The suite builds its test database from the models (--nomigrations); this test moves along
    the real migrations. The database is the models' last state, so every migration is recorded as
    applied before the test walks back and forth."""
    settings.MIGRATION_MODULES = {}
    executor = MigrationExecutor(connection)
    for key in executor.loader.graph.nodes:
        if key not in executor.recorder.applied_migrations():
            executor.recorder.record_applied(*key)
    yield
    migrate()


def migrate(targets=None):
    """Migrate the test database to the targets (the latest migrations when None); returns the
    models as they are there."""
    executor = MigrationExecutor(connection)
    return executor.migrate(targets or executor.loader.graph.leaf_nodes()).apps


def _inspection(old, dorms, day: str, patrol_round=None):
    today = at(day).date()
    return old.get_model("inspections", "Inspection")._base_manager.create(
        organisation_id=dorms["org"].pk,
        location_id=dorms["room"].pk,
        standard_version_id=dorms["version"].pk,
        level="leader" if patrol_round else "department",
        done_at=at(day),
        score=100,
        date=today,
        week_key="2026-W47",
        month_key="2026-11",
        patrol_round=patrol_round,
    )


def test_rounds_and_their_checks_survive_the_move_to_rectification(dorms, alice):
    old = migrate(BEFORE)
    leader = old.get_model("orgs", "Person")._base_manager.get(user_id=alice.pk)
    patrol = old.get_model("inspections", "PatrolRound")._base_manager.create(
        organisation_id=dorms["org"].pk,
        title="周一专项巡查",
        date=at("2026-11-16").date(),
        leader=leader,
    )
    patrol.members.add(leader)
    patrol.locations.add(dorms["room"].pk)
    old.get_model("inspections", "HistoricalPatrolRound")._base_manager.create(
        id=patrol.pk,
        organisation_id=patrol.organisation_id,
        title=patrol.title,
        date=patrol.date,
        leader_id=leader.pk,
        created_at=patrol.created_at,
        updated_at=patrol.updated_at,
        history_date=patrol.created_at,
        history_type="+",
    )
    in_round = _inspection(old, dorms, "2026-11-16", patrol_round=patrol)
    _inspection(old, dorms, "2026-11-17")  # outside the round: linked to none

    migrate()
    with scopes_disabled():
        moved = PatrolRound.objects.get()
        assert (moved.pk, moved.title, moved.leader_id) == (patrol.pk, "周一专项巡查", leader.pk)
        assert list(moved.members.values_list("pk", flat=True)) == [leader.pk]
        assert list(moved.locations.values_list("pk", flat=True)) == [dorms["room"].pk]
        assert [row.title for row in moved.history.all()] == ["周一专项巡查"]
        assert list(moved.checks.values_list("pk", flat=True)) == [in_round.pk]
        assert PatrolRoundCheck.objects.get().organisation_id == dorms["org"].pk
