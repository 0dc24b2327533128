"""Run the `baozhang` command: as a user does, a separate process with its own environment; or in
the test process against the test database, where a test is about what a command does."""

import contextlib
import fcntl
import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

import pytest

from baozhang.cli import main


def console_env(data_dir: Path, **extra: str) -> dict:
    """The environment of a console run on SQLite in data_dir (not the test run's database)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "BAOZHANG_LANGUAGE"}
    }
    env["BAOZHANG_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def env_on_test_database(tmp_path: Path, **extra: str) -> dict:
    """The environment of a console run on this test run's own database, so that the test sees
    what the process writes (the test must commit its data: django_db(transaction=True)). On
    PostgreSQL, the test database's URL; on SQLite, a data folder whose database file, and the
    lock file that queues its writers (core/sqlite), link to the test database's."""
    from django.db import connection

    database = connection.settings_dict["NAME"]
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = console_env(data_dir, **extra)
    if connection.vendor == "postgresql":
        url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{database}")
        env["DATABASE_URL"] = urlunsplit(url)
        return env
    lock = Path(f"{database}-writer.lock")
    lock.touch()
    (data_dir / "baozhang.sqlite3").symlink_to(database)  # SQLite follows it, WAL files too
    (data_dir / "baozhang.sqlite3-writer.lock").symlink_to(lock)
    return env


def worker_process(env: dict, log: Path) -> subprocess.Popen:
    """Start `baozhang worker` (polling its queue ten times a second), its output into log."""
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "baozhang.cli", "worker", "--interval", "0.1"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def process_end(process: subprocess.Popen) -> None:
    """Stop a process started by a test, as gently as it allows."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(condition: Callable[[], object], *, seconds: float, pause: float = 0.02):
    """condition()'s first true value within the seconds; fails the test after them."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, f"still not so after {seconds} s"
        time.sleep(pause)
    return value


def _checked(result: subprocess.CompletedProcess, check_code: int | None):
    if check_code is not None:
        assert result.returncode == check_code, result.stdout + result.stderr
    return result


def baozhang(env: dict, *arguments: str, check_code: int | None = 0):
    """Run `baozhang ARGUMENTS`; assert the exit code unless check_code is None."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "baozhang.cli", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return _checked(result, check_code)


def console(*arguments: str, language: str | None = None, check_code: int | None = 0):
    """Run `baozhang ARGUMENTS` in this process on the test database, in the language a console
    run of console_env would have; assert the exit code unless check_code is None."""
    # A console run is not given the test run's BAOZHANG_LANGUAGE (see console_env).
    environment = {"BAOZHANG_LANGUAGE": language or ""}
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, environment),
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        code = main(list(arguments))
    result = subprocess.CompletedProcess(
        ["baozhang", *arguments], code, stdout.getvalue(), stderr.getvalue()
    )
    return _checked(result, check_code)


@pytest.fixture(scope="session")
def migrated_template(run_tmp_path) -> Path:
    """A data folder whose database `baozhang migrate` has brought up to date, made once per test
    run: migrating a new database takes a console run many seconds, the same every time."""
    template = run_tmp_path / "migrated-data"
    with (run_tmp_path / "migrated-data.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.is_dir():
            building = run_tmp_path / f"migrated-data.{os.getpid()}"
            baozhang(console_env(building), "migrate")
            building.rename(template)
    return template


@pytest.fixture
def migrated_data_dir(tmp_path, migrated_template) -> Path:
    """A data folder of its own for console runs, its database already migrated."""
    data_dir = tmp_path / "data"
    shutil.copytree(migrated_template, data_dir)
    return data_dir
