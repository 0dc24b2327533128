"""Playwright in Debian's Chromium against pytest-django's live server, on the demo data."""

import fcntl
import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from playwright.sync_api import sync_playwright

from baozhang.demo import demo_build

CHROMIUM = os.environ.get("BAOZHANG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}; scripts/test.sh installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture(scope="session")
def demo_copies(run_tmp_path) -> Path:
    """The folder of this test run's copies of the demo, shared by its xdist workers."""
    folder = run_tmp_path / "demo-copies"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def demo(transactional_db, settings, demo_copies):
    """demo(history_days=N) puts the demo with N days of history in the test's empty database and
    media folder: built by the first test of the run that asks for it, copied for the others."""

    def put(*, history_days: int) -> None:
        # The demo's history ends yesterday, so a copy is good for the day it was built on.
        copy = demo_copies / f"{history_days}-{timezone.localdate():%Y%m%d}"
        media = Path(settings.MEDIA_ROOT)
        with copy.with_suffix(".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if copy.is_dir():
                _database_load(copy)
                if (copy / "media").is_dir():
                    shutil.copytree(copy / "media", media, dirs_exist_ok=True)
                return
            empty = _empty_tables()
            demo_build(history_days=history_days)
            building = copy.with_suffix(".building")
            shutil.rmtree(building, ignore_errors=True)  # left by a test that failed here
            building.mkdir()
            _database_save(building, tables=empty)
            if media.is_dir():
                shutil.copytree(media, building / "media")
            building.rename(copy)

    return put


def _empty_tables() -> list[str]:
    empty = []
    with connection.cursor() as cursor:
        for table in connection.introspection.django_table_names(only_existing=True):
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone() is None:
                empty.append(table)
    return empty


def _database_save(folder: Path, *, tables: list[str]) -> None:
    if connection.vendor == "sqlite":
        # The whole file, with SQLite's online backup; the schema is the same in every worker.
        with (
            closing(sqlite3.connect(connection.settings_dict["NAME"])) as live,
            closing(sqlite3.connect(folder / "database.sqlite3")) as copy,
        ):
            live.backup(copy)
        return
    # PostgreSQL: the rows of the tables the demo filled; the others (content types and
    # permissions) are made with the database.
    with connection.cursor() as cursor:
        for table in tables:
            name = connection.ops.quote_name(table)
            with cursor.cursor.copy(f"COPY {name} TO STDOUT (FORMAT BINARY)") as rows:
                (folder / f"{table}.copy").write_bytes(b"".join(bytes(block) for block in rows))


def _database_load(folder: Path) -> None:
    if connection.vendor == "sqlite":
        with (
            closing(sqlite3.connect(folder / "database.sqlite3")) as copy,
            closing(sqlite3.connect(connection.settings_dict["NAME"], timeout=20)) as live,
        ):
            copy.backup(live)
        # The content types came with the file, perhaps with other ids than the ones remembered.
        ContentType.objects.clear_cache()
        return
    tables = {path.stem: path for path in folder.glob("*.copy")}
    # Foreign keys are checked at the commit, so the tables go in in any order.
    with transaction.atomic(), connection.cursor() as cursor:
        for table, path in tables.items():
            name = connection.ops.quote_name(table)
            with cursor.cursor.copy(f"COPY {name} FROM STDIN (FORMAT BINARY)") as rows:
                rows.write(path.read_bytes())
        models = [
            model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.db_table in tables
        ]
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
