"""The databases' side of a backup and restore (core/backup.py): a consistent copy of the live
database with the row count of every table, the row counts and recorded migrations of a backup's
database read from its file alone, and the load that replaces the live database with it.

SQLite uses its online backup API both ways; PostgreSQL uses pg_dump --format=custom and
pg_restore in one transaction.
"""

import os
import re
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

ENGINES = ("sqlite", "postgresql")

History = set[tuple[str, str]]


class BackupError(Exception):
    """A backup or restore was refused or failed; the message says why and what was left."""


def database_engine() -> str:
    """The live database's engine, if backups support it."""
    if connection.vendor not in ENGINES:
        raise BackupError(
            _("Backups support SQLite and PostgreSQL, not %(engine)s.")
            % {"engine": connection.vendor}
        )
    return connection.vendor


def database_dump(engine: str, target: Path) -> dict[str, int]:
    """Copy the live database to target in one snapshot; return the row count of every table."""
    return _sqlite_dump(target) if engine == "sqlite" else _postgres_dump(target)


def database_read(engine: str, database_file: Path) -> tuple[dict[str, int], History]:
    """The row count of every table of a backup's database file and the migrations (app, name)
    it records; touches no database."""
    if engine == "sqlite":
        return _sqlite_read(database_file)
    return _postgres_read(database_file)


def database_load(engine: str, database_file: Path) -> None:
    """Replace the live database with a backup's, all or nothing."""
    if engine == "sqlite":
        _sqlite_load(database_file)
    else:
        _postgres_load(database_file)


def database_counts(engine: str) -> dict[str, int]:
    """The row count of every table of the live database."""
    if engine == "sqlite":
        with closing(sqlite3.connect(_sqlite_path(), timeout=20)) as database:
            return _sqlite_counts(database)
    with connection.cursor() as cursor:
        return _postgres_counts(cursor)


def _damaged(error: str) -> BackupError:
    return BackupError(
        _("The database in the backup is damaged (%(error)s); nothing was changed.")
        % {"error": error}
    )


# SQLite ---------------------------------------------------------------------------------------


def _sqlite_path() -> str:
    if connection.is_in_memory_db():
        raise BackupError(_("An in-memory SQLite database cannot be backed up or restored."))
    return str(connection.settings_dict["NAME"])


def _sqlite_dump(target: Path) -> dict[str, int]:
    live = _sqlite_path()
    if not Path(live).is_file():
        raise BackupError(_("The database %(file)s does not exist yet.") % {"file": live})
    # The online backup API copies a consistent snapshot while the server keeps writing (WAL).
    with (
        closing(sqlite3.connect(live, timeout=20)) as source,
        closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)
        # A self-contained file: no -wal file is needed to open it.
        copy.execute("PRAGMA journal_mode=DELETE")
        return _sqlite_counts(copy)


def _sqlite_counts(database: sqlite3.Connection) -> dict[str, int]:
    names = database.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    counts = {}
    for (name,) in names:
        quoted = '"' + name.replace('"', '""') + '"'
        counts[name] = database.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0]  # noqa: S608
    return counts


def _sqlite_read(database_file: Path) -> tuple[dict[str, int], History]:
    """The row count of every table of the backup's SQLite file and the migrations it records."""
    try:
        with closing(sqlite3.connect(f"{database_file.as_uri()}?mode=ro", uri=True)) as database:
            result = database.execute("PRAGMA quick_check").fetchone()[0]
            if result == "ok":
                counts = _sqlite_counts(database)
                history = (
                    {
                        (str(app), str(name))
                        for app, name in database.execute("SELECT app, name FROM django_migrations")
                    }
                    if "django_migrations" in counts
                    else set()
                )
    except sqlite3.DatabaseError as error:
        result = str(error)
    if result != "ok":
        raise _damaged(result)
    return counts, history


def _sqlite_load(database_file: Path) -> None:
    # Page by page into the live file through SQLite itself, not a file copy: other processes
    # with the database open (the web server, the worker) see either the old or the new data.
    try:
        with (
            closing(sqlite3.connect(database_file)) as source,
            closing(sqlite3.connect(_sqlite_path(), timeout=20)) as live,
        ):
            source.backup(live)
    except sqlite3.Error as error:
        raise BackupError(
            _("The database could not be restored (%(error)s).") % {"error": error}
        ) from error


# PostgreSQL -----------------------------------------------------------------------------------


def _postgres_dump(target: Path) -> dict[str, int]:
    if connection.in_atomic_block:
        raise BackupError(_("A backup cannot be taken inside a database transaction."))
    connection.ensure_connection()
    # One snapshot for the row counts and pg_dump, so the manifest describes exactly the dump.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _postgres_counts(cursor)
        _postgres_run(
            "pg_dump",
            "--format=custom",
            "--no-owner",
            f"--snapshot={snapshot}",
            f"--file={target}",
            f"--dbname={connection.settings_dict['NAME']}",
        )
    return counts


def _postgres_counts(cursor: Any) -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    for name in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(name)}")  # noqa: S608
        counts[name] = cursor.fetchone()[0]
    return counts


# "221; 1259 25656 TABLE public auth_group postgres" in pg_restore --list (not "TABLE DATA").
_LISTED_TABLE = re.compile(r"\d+; \d+ \d+ TABLE (?!DATA )\S+ (\S+) ")
# "COPY public.django_migrations (id, app, name, applied) FROM stdin;" starts a table's rows.
_NAME = rb'(?:"(?:[^"]|"")+"|[^ ."]+)'
_COPY = re.compile(rb"COPY " + _NAME + rb"\.(" + _NAME + rb") \((.*)\) FROM stdin;\n")


def _postgres_read(database_file: Path) -> tuple[dict[str, int], History]:
    """The row count of every table of the backup's pg_dump file and the migrations it records,
    read from the file alone (no database is touched)."""
    listing = _postgres_run("pg_restore", "--list", str(database_file), archive=True)
    counts = {match[1]: 0 for match in map(_LISTED_TABLE.match, listing.splitlines()) if match}
    history: History = set()
    command, environment = _postgres_command(
        "pg_restore", "--data-only", "--file=-", str(database_file)
    )
    # In COPY's text format each row is one line (a newline inside a value is written \n).
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=errors) as dump,  # noqa: S603
    ):
        table, columns = None, []
        for line in dump.stdout or ():
            if table is None:
                if match := _COPY.fullmatch(line):
                    table = _unquoted(match[1])
                    columns = [_unquoted(column) for column in match[2].split(b", ")]
            elif line == b"\\.\n":
                table = None
            else:
                counts[table] = counts.get(table, 0) + 1
                if table == "django_migrations":
                    values = line.rstrip(b"\n").decode(errors="replace").split("\t")
                    row = dict(zip(columns, values, strict=False))
                    history.add((row.get("app", ""), row.get("name", "")))
        dump.wait()
        errors.seek(0)
        if dump.returncode != 0:
            raise _damaged(errors.read().decode(errors="replace").strip())
    return counts, history


def _unquoted(name: bytes) -> str:
    text = name.decode()
    return text[1:-1].replace('""', '"') if text.startswith('"') else text


def _postgres_load(database_file: Path) -> None:
    # One transaction: if anything fails, the database stays exactly as it was.
    _postgres_run(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        f"--dbname={connection.settings_dict['NAME']}",
        str(database_file),
    )


def _postgres_command(program: str, *arguments: str) -> tuple[list[str], dict[str, str]]:
    # The live connection's settings: under tests its NAME is test_<name>, not the settings file's.
    database = connection.settings_dict
    command = [program, "--no-password"]
    if database.get("HOST"):
        command.append(f"--host={database['HOST']}")
    if database.get("PORT"):
        command.append(f"--port={database['PORT']}")
    if database.get("USER"):
        command.append(f"--username={database['USER']}")
    environment = dict(os.environ)
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = str(database["PASSWORD"])
    if database.get("OPTIONS", {}).get("sslmode"):
        environment["PGSSLMODE"] = str(database["OPTIONS"]["sslmode"])
    return [*command, *arguments], environment


def _postgres_run(program: str, *arguments: str, archive: bool = False) -> str:
    """Run a PostgreSQL client program, return its output; archive: it reads the backup's
    database, which its failure means is damaged."""
    command, environment = _postgres_command(program, *arguments)
    try:
        result = subprocess.run(  # noqa: S603 (a fixed program, arguments from our settings)
            command, env=environment, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise BackupError(
            _("%(program)s was not found; install the PostgreSQL client programs.")
            % {"program": program}
        ) from error
    if result.returncode != 0 and archive:
        raise _damaged(result.stderr.strip())
    if result.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": program, "error": result.stderr.strip()}
        )
    return result.stdout
