"""`baozhang backup` and `baozhang restore`: a copy of the database and the uploaded files, taken
while the server may be running, brought back exactly; a file that is not a good backup of this
installation changes nothing, whatever its manifest says.

A backup and restore of a whole database runs in separate processes on a database of its own: a
restore replaces the database, which the test run's own cannot be. Each engine's installation is
migrated and backed up once per module; each test restores into a copy of it. A test on an
installation of its own runs in the test run on that installation's engine (the `engine` mark,
conftest.py): scripts/test.sh runs the SQLite ones in its run on SQLite, the PostgreSQL ones in its
run on PostgreSQL."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from baozhang.core.migration_schema import schema_for_history
from tests.console import baozhang, console, console_env

# One worker makes the installations and restores them (--dist loadgroup, scripts/test.sh).
pytestmark = pytest.mark.xdist_group("backup")

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
PHOTOS = {"photos/2026/5413.jpg": b"\xff\xd8 a photo", "photos/2026/5414.jpg": b"\xff\xd8 another"}


def run(env: dict, *arguments: str, check_code: int | None = 0):
    return baozhang(env, *arguments, check_code=check_code)


def slugs(env: dict) -> list[str]:
    return [row["slug"] for row in json.loads(run(env, "org", "list", "--json").stdout)]


# What an installation holds ---------------------------------------------------------------------


def rows_fingerprint(env: dict) -> dict[str, tuple[int, str]]:
    """Every table of the console's database: its number of rows and a hash of its rows."""
    if "DATABASE_URL" in env:
        with psycopg.connect(env["DATABASE_URL"]) as database:
            names = [
                name
                for (name,) in database.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
            ]
            tables = {}
            for name in names:
                query = f'COPY (SELECT * FROM "{name}") TO STDOUT'  # noqa: S608
                with database.cursor().copy(query) as copy:
                    tables[name] = b"".join(bytes(chunk) for chunk in copy).splitlines()
    else:
        with sqlite3.connect(Path(env["BAOZHANG_DATA_DIR"]) / "baozhang.sqlite3") as database:
            names = [
                name
                for (name,) in database.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            tables = {
                name: [repr(row).encode() for row in database.execute(f'SELECT * FROM "{name}"')]  # noqa: S608
                for name in names
            }
    return {
        name: (len(rows), hashlib.sha256(b"\n".join(sorted(rows))).hexdigest())
        for name, rows in tables.items()
    }


def media_fingerprint(media: Path) -> dict[str, str]:
    """Every folder and file under media, each file with its sha256."""
    return {
        path.relative_to(media).as_posix(): (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
        )
        for path in sorted(media.rglob("*"))
    }


@dataclass
class Installation:
    """A console's data folder (and PostgreSQL database), with a backup of what it held."""

    env: dict
    archive: Path

    @property
    def media(self) -> Path:
        return Path(self.env["BAOZHANG_DATA_DIR"]) / "media"

    def fingerprint(self) -> tuple[dict, dict]:
        return rows_fingerprint(self.env), media_fingerprint(self.media)


def fill_and_back_up(env: dict, archive: Path) -> None:
    run(env, "org", "create", "--slug", "kept", "--name", "备份前的组织")
    media = Path(env["BAOZHANG_DATA_DIR"]) / "media"
    for name, data in PHOTOS.items():
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(data)
    run(env, "backup", str(archive))


@pytest.fixture(scope="module")
def sqlite_backup(tmp_path_factory, migrated_template) -> Installation:
    base = tmp_path_factory.mktemp("sqlite-backup")
    shutil.copytree(migrated_template, base / "data")
    installation = Installation(console_env(base / "data"), base / "backup.tar.gz")
    fill_and_back_up(installation.env, installation.archive)
    return installation


def _postgres_server() -> str | None:
    """The PostgreSQL server of this test run (DATABASE_URL) or the local one, if it answers."""
    url = os.environ.get("DATABASE_URL", "")
    url = url if url.startswith("postgres") else LOCAL_POSTGRES
    parts = urlsplit(url)
    url = urlunsplit(parts._replace(path="/postgres"))
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError:
        return None
    return url


def _database_create(server: str, *, template: str | None = None) -> str:
    name = f"bz_backup_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def _database_drop(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def postgres_backup(tmp_path_factory):
    server = _postgres_server()
    if server is None:
        pytest.fail(
            "PostgreSQL does not answer (DATABASE_URL or 127.0.0.1:5432): every backup test runs "
            "on both databases"
        )
    base = tmp_path_factory.mktemp("postgres-backup")
    name = _database_create(server)
    try:
        url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
        installation = Installation(console_env(base / "data", DATABASE_URL=url), base / "b.tar.gz")
        run(installation.env, "migrate")
        fill_and_back_up(installation.env, installation.archive)
        yield server, name, installation
    finally:
        _database_drop(server, name)


@pytest.fixture(
    params=[
        pytest.param(engine, marks=pytest.mark.engine(engine))
        for engine in ("sqlite", "postgresql")
    ]
)
def installation(request, tmp_path) -> Installation:
    """A copy of the engine's backed-up installation, to restore into."""
    if request.param == "sqlite":
        source = request.getfixturevalue("sqlite_backup")
        shutil.copytree(source.env["BAOZHANG_DATA_DIR"], tmp_path / "data")
        return Installation(console_env(tmp_path / "data"), source.archive)
    server, template, source = request.getfixturevalue("postgres_backup")
    name = _database_create(server, template=template)
    request.addfinalizer(lambda: _database_drop(server, name))
    shutil.copytree(source.env["BAOZHANG_DATA_DIR"], tmp_path / "data")
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    return Installation(console_env(tmp_path / "data", DATABASE_URL=url), source.archive)


@pytest.fixture
def sqlite_installation(sqlite_backup, tmp_path) -> Installation:
    shutil.copytree(sqlite_backup.env["BAOZHANG_DATA_DIR"], tmp_path / "data")
    return Installation(console_env(tmp_path / "data"), sqlite_backup.archive)


def archive_edit(
    installation: Installation,
    target: Path,
    *,
    database: Callable[[Path], None] | None = None,
    manifest: Callable[[dict], None] | None = None,
    media: Callable[[Path], None] | None = None,
) -> Path:
    """A copy of the installation's backup with its database file, manifest or media edited."""
    work = target.with_name(target.name + ".parts")
    with tarfile.open(installation.archive) as archive:
        archive.extractall(work, filter="data")
    if database:
        database(next(work.glob("database.*")))
    if media:
        media(work / "media")
    contents = json.loads((work / "manifest.json").read_text())
    if manifest:
        manifest(contents)
    (work / "manifest.json").write_text(json.dumps(contents))
    with tarfile.open(target, "w:gz") as archive:
        for item in sorted(work.iterdir()):
            archive.add(item, arcname=item.name)
    return target


def refused(installation: Installation, archive: Path, language: str = "") -> str:
    """Restore archive, which must be refused with exit code 1 and change nothing; the message."""
    before = installation.fingerprint()
    env = {**installation.env, "BAOZHANG_LANGUAGE": language}
    answer = run(env, "restore", str(archive), "--yes", check_code=1)
    assert answer.stdout == ""
    assert installation.fingerprint() == before
    return answer.stderr


# A backup brought back --------------------------------------------------------------------------


def test_restore_brings_back_exactly_the_rows_and_files_of_the_backup(installation, tmp_path):
    env, archive = installation.env, tmp_path / "baozhang.tar.gz"
    before = installation.fingerprint()
    written = run(env, "backup", str(archive))
    assert "备份已写入" in written.stdout and "2 个文件" in written.stdout
    with tarfile.open(archive) as contents:
        names = contents.getnames()
        manifest = json.load(contents.extractfile("manifest.json"))
    assert "media/photos/2026/5413.jpg" in names
    assert manifest["format"] == "baozhang-backup" and manifest["format_version"] == 2
    assert manifest["media_files"] == {
        name: hashlib.sha256(data).hexdigest() for name, data in PHOTOS.items()
    }
    rows, media = before
    assert manifest["tables"] == {name: count for name, (count, _hash) in rows.items()}

    run(env, "org", "create", "--slug", "later", "--name", "备份后的组织")
    (installation.media / "photos" / "2026" / "5413.jpg").unlink()
    (installation.media / "stray.txt").write_text("added after the backup")
    restored = run(env, "restore", str(archive), "--yes")
    assert installation.fingerprint() == before
    # The numbers are counted in the restored database and folder.
    total = sum(count for count, _hash in rows.values())
    assert f"{total} 行，2 个文件" in restored.stdout
    assert "迁移" not in restored.stdout


@pytest.mark.engine("sqlite")
def test_backup_is_consistent_while_another_process_writes(tmp_path, migrated_data_dir):
    env = console_env(migrated_data_dir)
    run(env, "org", "create", "--slug", "kept", "--name", "已提交")
    # A writer holds an open transaction with a row the backup must not contain.
    writer = sqlite3.connect(migrated_data_dir / "baozhang.sqlite3", timeout=20)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO orgs_organisation (slug, name, kind, is_active, created_at) "
        "VALUES ('pending', '未提交', 'other', 1, '2026-11-23')"
    )
    try:
        run(env, "backup", str(tmp_path / "copy.tar.gz"))
    finally:
        writer.rollback()
        writer.close()
    run(env, "org", "create", "--slug", "later", "--name", "之后")
    run(env, "restore", str(tmp_path / "copy.tar.gz"), "--yes")
    assert slugs(env) == ["kept"]


@pytest.mark.engine("sqlite")
def test_an_older_backup_is_restored_and_asks_for_the_missing_migrations(
    sqlite_installation, tmp_path, settings
):
    def before_report_jobs(database_file: Path) -> None:
        with sqlite3.connect(database_file) as database:
            database.executemany(
                "DELETE FROM django_migrations WHERE app = 'reports' AND name = ?",
                [(name,) for _app, name in later],
            )
            for table in added_tables:
                database.execute(f'DROP TABLE "{table}"')

    # The tables reports' migrations after the first add, as this code's migrations say.
    settings.MIGRATION_MODULES = {}  # the test run builds its database without migrations
    loader = MigrationLoader(None, ignore_no_migrations=True)
    first = ("reports", "0001_reports_and_versions")
    (leaf,) = loader.graph.leaf_nodes("reports")
    later = [node for node in loader.graph.forwards_plan(leaf) if node[0] == "reports"]
    later = later[later.index(first) + 1 :]
    after = loader.project_state(leaf).apps
    before = loader.project_state(first).apps
    added_tables = {m._meta.db_table for m in after.get_models(include_auto_created=True)} - {
        m._meta.db_table for m in before.get_models(include_auto_created=True)
    }
    assert "reports_reportjob" in added_tables

    def without_them(manifest: dict) -> None:
        for table in added_tables:
            del manifest["tables"][table]
        manifest["tables"]["django_migrations"] -= len(later)

    archive = archive_edit(
        sqlite_installation,
        tmp_path / "older.tar.gz",
        database=before_report_jobs,
        manifest=without_them,
    )
    restored = run(sqlite_installation.env, "restore", str(archive), "--yes")
    assert (
        f"备份的数据库缺少本版保障的 {len(later)} 个迁移：请运行 `baozhang migrate`。"
        in restored.stdout
    )
    rows, media = sqlite_installation.fingerprint()
    assert added_tables.isdisjoint(rows)
    assert {name: media[name] for name in PHOTOS} == {
        name: hashlib.sha256(data).hexdigest() for name, data in PHOTOS.items()
    }


# A wrong file changes nothing -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_that_is_not_a_backup_changes_nothing(tmp_path):
    console("org", "create", "--slug", "kept", "--name", "原有数据")
    text = tmp_path / "notes.tar.gz"
    text.write_text("not an archive")
    refusal = console("restore", str(text), "--yes", check_code=1)
    assert "不是保障的备份文件" in refusal.stderr
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as archive:
        archive.add(__file__, arcname="readme.py")
    assert "不是保障的备份文件" in console("restore", str(other), "--yes", check_code=1).stderr
    missing = console("restore", str(tmp_path / "nothing.tar.gz"), "--yes", check_code=2)
    assert "不存在" in missing.stderr
    listed = json.loads(console("org", "list", "--json").stdout)
    assert [row["slug"] for row in listed] == ["kept"]
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.engine("sqlite")
def test_a_backup_of_the_other_kind_of_database_changes_nothing(sqlite_installation, tmp_path):
    def of_postgresql(manifest: dict) -> None:
        manifest["engine"] = "postgresql"

    archive = archive_edit(sqlite_installation, tmp_path / "other.tar.gz", manifest=of_postgresql)
    assert "该备份是 PostgreSQL 数据库，而本系统使用 SQLite" in refused(
        sqlite_installation, archive
    )


def test_an_archive_holding_only_django_migrations_changes_nothing(installation, tmp_path):
    def only_django_migrations(database_file: Path) -> None:
        if "DATABASE_URL" in installation.env:
            dump = [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--table=django_migrations",
                f"--file={database_file}",
                f"--dbname={installation.env['DATABASE_URL']}",
            ]
            subprocess.run(dump, check=True)  # noqa: S603, S607
            return
        with sqlite3.connect(database_file) as database:
            for (table,) in database.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT IN ('django_migrations', 'sqlite_sequence')"
            ).fetchall():
                database.execute(f'DROP TABLE "{table}"')

    def agreeing(manifest: dict) -> None:
        manifest["tables"] = {"django_migrations": manifest["tables"]["django_migrations"]}

    archive = archive_edit(
        installation, tmp_path / "bad.tar.gz", database=only_django_migrations, manifest=agreeing
    )
    tables = len(installation.fingerprint()[0]) - 1
    assert f"备份中的数据库缺少 {tables} 张数据表（auth_group, " in refused(installation, archive)


def test_row_counts_the_manifest_invents_change_nothing(installation, tmp_path):
    def invented(manifest: dict) -> None:
        manifest["tables"]["orgs_organisation"] = 1_036_255

    archive = archive_edit(installation, tmp_path / "invented.tar.gz", manifest=invented)
    assert "备份中的数据库与备份清单不符：orgs_organisation 有 1 行，清单记为 1036255。" in refused(
        installation, archive
    )


SCHEMA_EDITS = {
    "without the cache table": "DROP TABLE baozhang_cache",
    "without a model's table": "DROP TABLE orgs_site",
    "with an unknown migration": "INSERT INTO django_migrations (app, name, applied) "
    "VALUES ('orgs', '9999_from_the_future', '2027-01-01')",
    "without any migration": "DELETE FROM django_migrations",
}


@pytest.mark.engine("sqlite")
@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(*case, id=case[0])
        for case in [
            ("without the cache table", "缺少 1 张数据表（baozhang_cache）"),
            ("without a model's table", "缺少 1 张数据表（orgs_site）"),
            ("with an unknown migration", "记录了本系统没有的迁移（orgs.9999_from_the_future）"),
            ("without any migration", "不是保障的数据库（其中没有保障的迁移记录）"),
        ]
    ],
)
def test_a_database_without_this_schema_changes_nothing(
    sqlite_installation, tmp_path, edit, message
):
    def edited(database_file: Path) -> None:
        with sqlite3.connect(database_file) as database:
            database.execute(SCHEMA_EDITS[edit])

    def agreeing(manifest: dict) -> None:
        with sqlite3.connect(next(tmp_path.glob("*.parts/database.sqlite3"))) as database:
            manifest["tables"] = {
                name: database.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]  # noqa: S608
                for (name,) in database.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                ).fetchall()
            }

    archive = archive_edit(
        sqlite_installation, tmp_path / "edited.tar.gz", database=edited, manifest=agreeing
    )
    assert message in refused(sqlite_installation, archive)


def media_without(media: Path) -> None:
    shutil.rmtree(media)


def media_file_missing(media: Path) -> None:
    (media / "photos" / "2026" / "5414.jpg").unlink()


def media_file_changed(media: Path) -> None:
    (media / "photos" / "2026" / "5413.jpg").write_bytes(b"\xff\xd8 edited")


def media_file_added(media: Path) -> None:
    (media / "photos" / "2026" / "extra.jpg").write_bytes(b"\xff\xd8 extra")


def version_1(manifest: dict) -> None:
    """The manifest of a backup written before files were listed with their sha256."""
    manifest["format_version"], manifest["media_files"] = 1, len(manifest["media_files"])


@pytest.mark.engine("sqlite")
@pytest.mark.parametrize(
    ("media", "manifest", "language", "message"),
    [
        pytest.param(*case[1:], id=case[0])
        for case in [
            (
                "without media",
                media_without,
                None,
                "",
                "备份中没有上传文件的文件夹，而备份清单列出了 2 个文件，未做任何更改。",
            ),
            (
                "without media, in English",
                media_without,
                None,
                "en",
                "The backup has no folder of uploaded files, though its manifest lists 2 files; "
                "nothing was changed.",
            ),
            (
                "a listed file missing",
                media_file_missing,
                None,
                "",
                "备份清单列出的上传文件 photos/2026/5414.jpg 不在备份中",
            ),
            (
                "a file changed",
                media_file_changed,
                None,
                "",
                "备份中的上传文件 photos/2026/5413.jpg 与备份清单所记的不同（已损坏或被改动）",
            ),
            (
                "a file not listed",
                media_file_added,
                None,
                "",
                "备份中有备份清单未列出的上传文件（photos/2026/extra.jpg）",
            ),
            (
                "version 1 without media",
                media_without,
                version_1,
                "",
                "备份中有 0 个上传的文件，备份清单记为 2 个",
            ),
        ]
    ],
)
def test_uploaded_files_not_those_listed_change_nothing(
    sqlite_installation, tmp_path, media, manifest, language, message
):
    archive = archive_edit(
        sqlite_installation, tmp_path / "edited.tar.gz", media=media, manifest=manifest
    )
    assert message in refused(sqlite_installation, archive, language=language)


@pytest.mark.engine("sqlite")
def test_a_version_1_backup_is_still_restored(sqlite_installation, tmp_path):
    before = sqlite_installation.fingerprint()
    archive = archive_edit(sqlite_installation, tmp_path / "v1.tar.gz", manifest=version_1)
    (sqlite_installation.media / "stray.txt").write_text("added after the backup")
    run(sqlite_installation.env, "restore", str(archive), "--yes")
    assert sqlite_installation.fingerprint() == before


# The schema a migration history makes -----------------------------------------------------------


def test_the_schema_of_every_migration_is_every_model_table_and_the_cache(settings):
    settings.MIGRATION_MODULES = {}  # the test run builds its database without migrations
    history = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    schema = schema_for_history(history=history)
    models = set(connection.introspection.django_table_names(include_views=False))
    assert schema.tables == models | {"django_migrations", "baozhang_cache"}
    assert schema.pending == 0 and schema.unknown == () and schema.records_baozhang

    later = {key for key in history if key[0] == "reports" and key[1] > "0001_reports_and_versions"}
    older = schema_for_history(history=history - later)
    assert older.pending == len(later) >= 1
    assert "reports_reportjob" not in older.tables and "baozhang_cache" not in older.tables
    assert "reports_report" in older.tables

    assert not schema_for_history(history={("auth", "0001_initial")}).records_baozhang
