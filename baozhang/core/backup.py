"""Backup and restore: one .tar.gz with the database and every uploaded file (docs/deployment.md).

The archive holds:
  manifest.json      format, format_version, engine, created_at, baozhang_version, tables, media_files
  database.sqlite3   SQLite: a consistent copy taken with SQLite's online backup API
  database.pgdump    PostgreSQL: pg_dump --format=custom --no-owner
  media/             everything under MEDIA_ROOT

Both work while the server runs. A restore checks the whole archive before it changes anything.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from contextlib import closing
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import baozhang

FORMAT = "baozhang-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
MEDIA_NAME = "media"
DATABASE_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """A backup or restore was refused or failed; the message says why and what was left."""


def backup_create(path: str | os.PathLike) -> dict[str, Any]:
    """Write a backup of the database and MEDIA_ROOT to path, atomically; return its manifest."""
    target = Path(path).resolve()
    engine = _engine()
    media_root = Path(settings.MEDIA_ROOT)
    if not target.parent.is_dir():
        raise BackupError(_("The folder %(folder)s does not exist.") % {"folder": target.parent})
    if target.is_relative_to(media_root.resolve()):
        raise BackupError(_("A backup cannot be written inside the media folder it backs up."))
    with tempfile.TemporaryDirectory(prefix="baozhang-backup-") as work:
        database_file = Path(work) / DATABASE_NAMES[engine]
        tables = (
            _sqlite_dump(database_file) if engine == "sqlite" else _postgres_dump(database_file)
        )
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "engine": engine,
            "created_at": timezone.now().isoformat(),
            "baozhang_version": baozhang.__version__,
            "tables": tables,
            "media_files": sum(1 for item in media_root.rglob("*") if item.is_file()),
        }
        _archive_write(target, manifest, database_file, media_root)
    return manifest


def backup_restore(path: str | os.PathLike) -> dict[str, Any]:
    """Replace the database and MEDIA_ROOT with the backup's; a wrong file changes nothing."""
    source = Path(path)
    engine = _engine()
    with tempfile.TemporaryDirectory(prefix="baozhang-restore-") as work:
        manifest = _archive_extract(source, Path(work), engine)
        database_file = Path(work) / DATABASE_NAMES[engine]
        if engine == "sqlite":
            _sqlite_check(database_file)
            connections.close_all()
            _sqlite_load(database_file)
        else:
            _postgres_run("pg_restore", "--list", str(database_file))
            # Our own idle connection would otherwise hold pg_restore's DROP TABLE back.
            connections.close_all()
            _postgres_load(database_file)
        _media_replace(Path(work) / MEDIA_NAME, Path(settings.MEDIA_ROOT))
    return manifest


def _engine() -> str:
    if connection.vendor not in DATABASE_NAMES:
        raise BackupError(
            _("Backups support SQLite and PostgreSQL, not %(engine)s.")
            % {"engine": connection.vendor}
        )
    return connection.vendor


# The archive ----------------------------------------------------------------------------------


def _archive_write(
    target: Path, manifest: dict[str, Any], database_file: Path, media_root: Path
) -> None:
    # A temporary file next to the target, renamed at the end: a failed backup leaves no half
    # file, and a cron job never overwrites yesterday's good backup with a broken one.
    # mkstemp creates it readable by the owner only; the backup holds password hashes.
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz") as archive:
                data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST_NAME)
                info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
                archive.addfile(info, io.BytesIO(data))
                archive.add(database_file, arcname=database_file.name)
                if media_root.is_dir():
                    archive.add(media_root, arcname=MEDIA_NAME)
                else:
                    info = tarfile.TarInfo(MEDIA_NAME)
                    info.type, info.mode = tarfile.DIRTYPE, 0o700
                    archive.addfile(info)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _archive_extract(source: Path, work: Path, engine: str) -> dict[str, Any]:
    if not source.is_file():
        raise BackupError(_("There is no file %(file)s.") % {"file": source})
    not_backup = _("%(file)s is not a Baozhang backup; nothing was changed.") % {"file": source}
    try:
        with tarfile.open(source, "r:gz") as archive:
            manifest = _manifest_read(archive, not_backup)
            _manifest_check(manifest, engine)
            wanted = [
                member
                for member in archive.getmembers()
                if member.name in (DATABASE_NAMES[engine], MEDIA_NAME)
                or member.name.startswith(MEDIA_NAME + "/")
            ]
            if DATABASE_NAMES[engine] not in {member.name for member in wanted}:
                raise BackupError(_("The backup has no database in it; nothing was changed."))
            # The "data" filter refuses absolute paths, "..", links out of the folder, devices.
            archive.extractall(work, members=wanted, filter="data")
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise BackupError(f"{not_backup} ({error})") from error
    except OSError as error:
        raise BackupError(
            _("%(file)s could not be read (%(error)s); nothing was changed.")
            % {"file": source, "error": error.strerror or error}
        ) from error
    return manifest


def _manifest_read(archive: tarfile.TarFile, not_backup: str) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST_NAME)
    except KeyError:
        raise BackupError(not_backup) from None
    stream = archive.extractfile(member)
    try:
        manifest = json.loads(stream.read()) if stream else None
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(not_backup)
    return manifest


def _manifest_check(manifest: dict[str, Any], engine: str) -> None:
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            _(
                "The backup was made by a newer Baozhang (%(version)s); upgrade first. Nothing was changed."
            )
            % {"version": manifest.get("baozhang_version", "?")}
        )
    if manifest.get("engine") != engine:
        raise BackupError(
            _(
                "The backup holds a %(backup)s database but this installation uses %(current)s; "
                "a backup can only be restored into the same kind of database. Nothing was changed."
            )
            % {
                "backup": ENGINE_TITLES.get(manifest.get("engine"), manifest.get("engine")),
                "current": ENGINE_TITLES[engine],
            }
        )


def _media_replace(source: Path, media_root: Path) -> None:
    # The contents are replaced, not the folder: MEDIA_ROOT may be a mount point.
    media_root.mkdir(parents=True, exist_ok=True)
    for item in media_root.iterdir():
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item)
        else:
            item.unlink()
    if source.is_dir():
        for item in source.iterdir():
            shutil.move(item, media_root / item.name)


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


def _sqlite_check(database_file: Path) -> None:
    try:
        with closing(sqlite3.connect(database_file)) as database:
            result = database.execute("PRAGMA quick_check").fetchone()[0]
            tables = {name for (name,) in database.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        result, tables = str(error), set()
    if result != "ok" or "django_migrations" not in tables:
        raise BackupError(
            _("The database in the backup is damaged (%(error)s); nothing was changed.")
            % {"error": result if result != "ok" else _("it has no Django tables")}
        )


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
        quote = connection.ops.quote_name
        counts = {}
        for name in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {quote(name)}")  # noqa: S608
            counts[name] = cursor.fetchone()[0]
        _postgres_run(
            "pg_dump",
            "--format=custom",
            "--no-owner",
            f"--snapshot={snapshot}",
            f"--file={target}",
            f"--dbname={connection.settings_dict['NAME']}",
        )
    return counts


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


def _postgres_run(program: str, *arguments: str) -> None:
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
    try:
        result = subprocess.run(  # noqa: S603 (a fixed program, arguments from our settings)
            [*command, *arguments], env=environment, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise BackupError(
            _("%(program)s was not found; install the PostgreSQL client programs.")
            % {"program": program}
        ) from error
    if result.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": program, "error": result.stderr.strip()}
        )
