"""`baozhang backup` and `baozhang restore`: a copy of the database and the uploaded files, taken
while the server may be running, brought back exactly; a file that is not a backup changes nothing.

A backup and restore of a whole database runs in separate processes on a database of its own: a
restore replaces the database, which the test run's own cannot be."""

import json
import os
import sqlite3
import tarfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.console import baozhang, console, console_env

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def run(env: dict, *arguments: str, check_code: int | None = 0):
    return baozhang(env, *arguments, check_code=check_code)


def slugs(env: dict) -> list[str]:
    return [row["slug"] for row in json.loads(run(env, "org", "list", "--json").stdout)]


def round_trip(env: dict, media: Path, archive: Path) -> None:
    """Back up a migrated database and its media, change both, restore: the backup's are back."""
    run(env, "org", "create", "--slug", "kept", "--name", "备份前的组织")
    photo = media / "photos" / "2026" / "5413.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 a photo")

    written = run(env, "backup", str(archive))
    assert "备份已写入" in written.stdout
    with tarfile.open(archive) as contents:
        names = contents.getnames()
        manifest = json.load(contents.extractfile("manifest.json"))
    assert "media/photos/2026/5413.jpg" in names
    assert manifest["format"] == "baozhang-backup" and manifest["media_files"] == 1
    assert manifest["tables"]["orgs_organisation"] == 1

    run(env, "org", "create", "--slug", "later", "--name", "备份后的组织")
    photo.unlink()
    (media / "stray.txt").write_text("added after the backup")
    restored = run(env, "restore", str(archive), "--yes")
    assert "已恢复" in restored.stdout
    assert slugs(env) == ["kept"]
    assert photo.read_bytes() == b"\xff\xd8 a photo"
    assert not (media / "stray.txt").exists()


def test_sqlite_backup_and_restore_round_trip(tmp_path, migrated_data_dir):
    env = console_env(migrated_data_dir)
    round_trip(env, migrated_data_dir / "media", tmp_path / "baozhang.tar.gz")


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


@pytest.mark.django_db
def test_a_file_that_is_not_a_backup_changes_nothing(tmp_path):
    console("org", "create", "--slug", "kept", "--name", "原有数据")
    text = tmp_path / "notes.tar.gz"
    text.write_text("not an archive")
    refused = console("restore", str(text), "--yes", check_code=1)
    assert "不是保障的备份文件" in refused.stderr
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as archive:
        archive.add(__file__, arcname="readme.py")
    assert "不是保障的备份文件" in console("restore", str(other), "--yes", check_code=1).stderr
    missing = console("restore", str(tmp_path / "nothing.tar.gz"), "--yes", check_code=2)
    assert "不存在" in missing.stderr
    listed = json.loads(console("org", "list", "--json").stdout)
    assert [row["slug"] for row in listed] == ["kept"]
    assert not list(tmp_path.glob(".*.tmp"))


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


@pytest.fixture
def postgres_database():
    server = _postgres_server()
    if server is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL does not answer; CI requires it")
        pytest.skip("no PostgreSQL server answers here (scripts/test.sh runs it where one does)")
    name = f"bz_backup_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql_backup_and_restore_round_trip(tmp_path, postgres_database, migrated_data_dir):
    env = console_env(tmp_path / "postgres", DATABASE_URL=postgres_database)
    run(env, "migrate")
    round_trip(env, tmp_path / "postgres" / "media", tmp_path / "baozhang.tar.gz")
    # A PostgreSQL backup cannot be restored into SQLite, and says so without changing anything.
    sqlite = console_env(migrated_data_dir)
    refused = run(sqlite, "restore", str(tmp_path / "baozhang.tar.gz"), "--yes", check_code=1)
    assert "PostgreSQL" in refused.stderr and "SQLite" in refused.stderr
    assert slugs(sqlite) == []
