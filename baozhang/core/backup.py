"""Backup and restore: one .tar.gz with the database and every uploaded file (docs/deployment.md).

The archive holds:
  manifest.json      format, format_version, engine, created_at, baozhang_version,
                     tables (the row count of every table), media_files (each file's sha256)
  database.sqlite3   SQLite: a consistent copy taken with SQLite's online backup API
  database.pgdump    PostgreSQL: pg_dump --format=custom --no-owner
  media/             everything under MEDIA_ROOT

Both work while the server runs. A restore trusts nothing the manifest says about the archive:
before it changes anything it reads the archive's database (every table of the schema its
migrations make, each table's rows as many as the manifest lists) and hashes its files (exactly
those listed, each as listed).
"""

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

import baozhang
from baozhang.core.backup_databases import (
    BackupError,
    History,
    database_counts,
    database_dump,
    database_engine,
    database_load,
    database_read,
)
from baozhang.core.migration_schema import schema_for_history

FORMAT = "baozhang-backup"
# 2: media_files lists each file with its sha256 (1 gave only their number).
FORMAT_VERSION = 2
MANIFEST_NAME = "manifest.json"
MEDIA_NAME = "media"
DATABASE_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
NAMES_SHOWN = 5


def backup_create(path: str | os.PathLike) -> dict[str, Any]:
    """Write a backup of the database and MEDIA_ROOT to path, atomically; return its manifest."""
    target = Path(path).resolve()
    engine = database_engine()
    media_root = Path(settings.MEDIA_ROOT)
    if not target.parent.is_dir():
        raise BackupError(_("The folder %(folder)s does not exist.") % {"folder": target.parent})
    if target.is_relative_to(media_root.resolve()):
        raise BackupError(_("A backup cannot be written inside the media folder it backs up."))
    with tempfile.TemporaryDirectory(prefix="baozhang-backup-") as work:
        database_file = Path(work) / DATABASE_NAMES[engine]
        tables = database_dump(engine, database_file)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "engine": engine,
            "created_at": timezone.now().isoformat(),
            "baozhang_version": baozhang.__version__,
            "tables": tables,
        }
        _archive_write(target, manifest, database_file, media_root)
    return manifest


def backup_restore(path: str | os.PathLike) -> dict[str, Any]:
    """Replace the database and MEDIA_ROOT with the backup's once the whole archive has been
    checked (a wrong file changes nothing); return what the restored database and folder hold."""
    source = Path(path)
    engine = database_engine()
    with tempfile.TemporaryDirectory(prefix="baozhang-restore-") as work:
        manifest = _archive_extract(source, Path(work), engine)
        counts, history = database_read(engine, Path(work) / DATABASE_NAMES[engine])
        pending = _database_check(manifest, counts, history)
        _media_check(Path(work) / MEDIA_NAME, manifest["media_files"])
        # Our own idle connection would otherwise hold pg_restore's DROP TABLE back.
        connections.close_all()
        database_load(engine, Path(work) / DATABASE_NAMES[engine])
        _media_replace(Path(work) / MEDIA_NAME, Path(settings.MEDIA_ROOT))
    return {
        "created_at": manifest.get("created_at", "?"),
        "tables": database_counts(engine),
        "media_files": sum(1 for _file in _media_files(Path(settings.MEDIA_ROOT))),
        "pending_migrations": pending,
    }


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
                archive.add(database_file, arcname=database_file.name)
                # Each file is hashed as it goes into the archive, so that the list is exactly
                # what the archive holds while uploads go on; the manifest therefore comes last.
                manifest["media_files"] = {}
                if media_root.is_dir():
                    _media_write(archive, media_root, MEDIA_NAME, manifest["media_files"])
                else:
                    info = tarfile.TarInfo(MEDIA_NAME)
                    info.type, info.mode = tarfile.DIRTYPE, 0o700
                    archive.addfile(info)
                data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST_NAME)
                info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
                archive.addfile(info, io.BytesIO(data))
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
            _manifest_check(manifest, engine, not_backup)
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


def _manifest_check(manifest: dict[str, Any], engine: str, not_backup: str) -> None:
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
    tables, media = manifest.get("tables"), manifest.get("media_files")
    # Version 1 gave the number of files, version 2 each file's sha256.
    media_valid = (version == 1 and isinstance(media, int)) or (
        version > 1 and isinstance(media, dict) and all(isinstance(v, str) for v in media.values())
    )
    if not media_valid or not isinstance(tables, dict):
        raise BackupError(not_backup)


# The checks: the archive as it is, against the schema and against its manifest ---------------


def _database_check(manifest: dict[str, Any], counts: dict[str, int], history: History) -> int:
    """Refuse a database that lacks a table of the schema its migrations make, or whose row
    counts are not the manifest's; return how many of this code's migrations it lacks."""
    schema = schema_for_history(history=history)
    if schema.unknown:
        raise BackupError(
            _(
                "The database in the backup records migrations this Baozhang does not have "
                "(%(migrations)s): it comes from a newer or another installation. "
                "Nothing was changed."
            )
            % {"migrations": _names(schema.unknown)}
        )
    if not schema.records_baozhang:
        raise BackupError(
            _(
                "The database in the backup is not a Baozhang database (it records none of "
                "Baozhang's migrations); nothing was changed."
            )
        )
    listed = manifest["tables"]
    missing = sorted((schema.tables | listed.keys()) - counts.keys())
    if missing:
        raise BackupError(
            ngettext(
                "The database in the backup lacks %(count)s table (%(tables)s); "
                "nothing was changed.",
                "The database in the backup lacks %(count)s tables (%(tables)s); "
                "nothing was changed.",
                len(missing),
            )
            % {"count": len(missing), "tables": _names(missing)}
        )
    for table in sorted(schema.tables | listed.keys()):
        if listed.get(table) != counts[table]:
            raise BackupError(
                _(
                    "The database in the backup does not match its manifest: %(table)s holds "
                    "%(rows)s rows, the manifest lists %(listed)s. Nothing was changed."
                )
                % {"table": table, "rows": counts[table], "listed": listed.get(table, "—")}
            )
    return schema.pending


def _media_check(folder: Path, listed: dict[str, str] | int) -> None:
    """Refuse an archive whose files are not exactly those its manifest lists."""
    found = _media_hashes(folder)
    if isinstance(listed, int):
        # A version 1 backup gave only the number of its files.
        if len(found) != listed:
            raise BackupError(
                _(
                    "The backup holds %(found)s uploaded files, its manifest lists %(listed)s; "
                    "nothing was changed."
                )
                % {"found": len(found), "listed": listed}
            )
        return
    if listed and not folder.is_dir():
        raise BackupError(
            ngettext(
                "The backup has no folder of uploaded files, though its manifest lists "
                "%(count)s file; nothing was changed.",
                "The backup has no folder of uploaded files, though its manifest lists "
                "%(count)s files; nothing was changed.",
                len(listed),
            )
            % {"count": len(listed)}
        )
    for name in sorted(listed.keys() | found.keys()):
        if name not in found:
            message = _(
                "The uploaded file %(file)s that the backup's manifest lists is missing from "
                "it; nothing was changed."
            )
        elif name not in listed:
            message = _(
                "The backup holds an uploaded file its manifest does not list (%(file)s); "
                "nothing was changed."
            )
        elif found[name] != listed[name]:
            message = _(
                "The uploaded file %(file)s in the backup is not the one its manifest lists "
                "(damaged or changed); nothing was changed."
            )
        else:
            continue
        raise BackupError(message % {"file": name})


def _names(names: list[str] | tuple[str, ...]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown + ", …" if len(names) > NAMES_SHOWN else shown


# Media ----------------------------------------------------------------------------------------


class _HashingReader:
    """A file read into the archive, hashed on the way."""

    def __init__(self, stream: io.BufferedReader):
        self.stream, self.sha256 = stream, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.sha256.update(data)
        return data


def _media_write(
    archive: tarfile.TarFile, folder: Path, arcname: str, listed: dict[str, str]
) -> None:
    """Add folder to the archive as arcname; list each regular file with its sha256."""
    archive.add(folder, arcname=arcname, recursive=False)
    for entry in sorted(os.scandir(folder), key=lambda entry: entry.name):
        name = f"{arcname}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            _media_write(archive, Path(entry.path), name, listed)
        elif entry.is_file(follow_symlinks=False):
            info = archive.gettarinfo(entry.path, arcname=name)
            with open(entry.path, "rb") as stream:
                reader = _HashingReader(stream)
                archive.addfile(info, reader)
            listed[name.removeprefix(MEDIA_NAME + "/")] = reader.sha256.hexdigest()
        else:
            archive.add(entry.path, arcname=name, recursive=False)  # a link stays a link


def _media_files(root: Path) -> Iterator[Path]:
    """The regular files under root, at any depth (not the links)."""
    for folder, _folders, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _media_hashes(root: Path) -> dict[str, str]:
    hashes = {}
    for path in _media_files(root):
        with path.open("rb") as stream:
            digest = hashlib.file_digest(stream, "sha256").hexdigest()
        hashes[path.relative_to(root).as_posix()] = digest
    return hashes


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
