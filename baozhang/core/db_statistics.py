"""The query planner's statistics on SQLite (the sqlite_stat1 table that ANALYZE fills).

Without them SQLite guesses how many rows an index narrows a search to, and on large tables it
guesses wrong: it reads an organisation's hundred thousand findings through the organisation index
instead of the few findings of a patrol round's checks. ANALYZE with a small analysis_limit, as
SQLite advises, samples only about that many rows of each index, so it takes tens of milliseconds
even on a database of millions of rows, inside one short write transaction. PRAGMA optimize is not
used: before SQLite 3.46 it only looks at tables queried earlier on the same connection, so from a
periodic job it would do nothing. PostgreSQL keeps its statistics itself (autovacuum).
"""

from __future__ import annotations

from django.db import connection, transaction

# Rows sampled per index; SQLite's documentation suggests 100 to 1000.
ANALYSIS_LIMIT = 1000


def uses_sqlite() -> bool:
    return connection.vendor == "sqlite"


def statistics_exist() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        return cursor.fetchone() is not None


def statistics_refresh() -> bool:
    """Gather the planner's statistics on SQLite; False (and nothing done) on another database."""
    if not uses_sqlite():
        return False
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    return True


def statistics_ensure() -> bool:
    """Gather the statistics once if SQLite has none yet (a new or restored database)."""
    return uses_sqlite() and not statistics_exist() and statistics_refresh()
