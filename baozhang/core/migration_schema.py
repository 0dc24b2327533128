"""The tables a database must hold, worked out from the migrations it records: what a restore
checks a backup's database against (core/backup.py)."""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

DATABASE_CACHE = "django.core.cache.backends.db.DatabaseCache"


@dataclass(frozen=True)
class Schema:
    tables: frozenset[str]
    unknown: tuple[str, ...]
    pending: int
    records_baozhang: bool


def schema_for_history(*, history: set[tuple[str, str]]) -> Schema:
    """The tables that the migrations in history (app, name) create with this code's migration
    files, plus django_migrations, plus the database cache's tables once no migration is pending;
    the recorded migrations this code does not have; how many of its own the history lacks."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    unknown = tuple(
        sorted(f"{app}.{name}" for app, name in history - loader.disk_migrations.keys())
    )
    # Without a database the loader keeps a squashed migration in place of those it replaces.
    replaced_by = {
        replaced: key
        for key, migration in loader.replacements.items()
        for replaced in migration.replaces
    }
    targets = sorted({replaced_by.get(key, key) for key in history} & loader.graph.nodes.keys())
    state = loader.project_state(targets, at_end=True)
    tables = {
        model._meta.db_table
        for model in state.apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    tables.add(MigrationRecorder.Migration._meta.db_table)
    applied = {node for target in targets for node in loader.graph.forwards_plan(target)}
    pending = len(loader.graph.nodes.keys() - applied)
    if not pending:
        # `baozhang migrate` creates the cache's table after the migrations; it belongs to no model.
        tables |= {
            cache["LOCATION"]
            for cache in settings.CACHES.values()
            if cache["BACKEND"] == DATABASE_CACHE
        }
    own = {config.label for config in apps.get_app_configs() if config.name.startswith("baozhang.")}
    return Schema(
        tables=frozenset(tables),
        unknown=unknown,
        pending=pending,
        records_baozhang=any(app in own for app, _name in history),
    )
