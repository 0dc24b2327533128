"""The `baozhang` console command. Each command is started once as a user starts it, a separate
process on its own database, for its entry point: it starts, parses its arguments and exits with
its code (on SQLite, in the test run on SQLite: the `engine` mark, conftest.py). What the commands
do is run in the test process, on the test database."""

import gc
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tests.console import baozhang, console, console_env

SUBCOMMANDS = {
    "serve": ["--host", "--port", "--no-worker"],
    "demo": ["--host", "--port", "--no-serve"],
    "migrate": [],
    "createadmin": ["--username", "--password"],
    "org": ["create", "list"],
    "import": ["KIND", "FILE", "--org"],
    "export": ["KIND", "FILE", "--org"],
    "backup": ["FILE"],
    "restore": ["FILE", "--yes"],
    "worker": [],
}


def run(data_dir: Path, *arguments: str, language: str | None = None, check_code: int | None = 0):
    extra = {"BAOZHANG_LANGUAGE": language} if language else {}
    return baozhang(console_env(data_dir, **extra), *arguments, check_code=check_code)


def workbook(path: Path, rows) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def sheet_rows(path: Path) -> list[tuple]:
    return list(load_workbook(path).active.iter_rows(values_only=True))


@pytest.mark.engine("sqlite")
def test_each_command_starts_parses_its_arguments_and_exits_with_its_code(
    migrated_template, migrated_data_dir, tmp_path
):
    # `baozhang migrate` made the template's database in an empty data folder; run again, it
    # finds nothing to do.
    assert (migrated_template / "baozhang.sqlite3").is_file()
    data_dir = migrated_data_dir
    run(data_dir, "migrate")
    created = run(data_dir, "org", "create", "--slug", "college", "--name", "示例职业技术学院")
    assert "示例职业技术学院" in created.stdout and "已创建" in created.stdout
    bad = workbook(tmp_path / "bad.xlsx", [["编码", "名称", "院区/校区"], ["5414", "", "main"]])
    refused = run(data_dir, "import", "locations", str(bad), "--org", "college", check_code=1)
    assert "第 2 行，“名称”列" in refused.stderr
    english = run(
        data_dir, "export", "units", str(tmp_path / "units.xlsx"), "--org", "nowhere",
        language="en", check_code=2,
    )  # fmt: skip
    assert "There is no organisation with the short name “nowhere”" in english.stderr
    run(data_dir, "createadmin", "--username", "root", "--password", "a-long-password-77")
    # The demo builds a year of records (test_demo_is_built_once_and_reused); here it only starts.
    port = run(data_dir, "demo", "--no-serve", "--port", "0", check_code=2)
    assert "--port" in port.stderr
    period = run(data_dir, "figures", "--org", "college", "--period", "W47", check_code=2)
    assert "W47" in period.stderr
    moment = run(data_dir, "tick", "--at", "next monday", check_code=2)
    assert "next monday" in moment.stderr


def test_every_subcommand_explains_itself():
    overview = console("--help").stdout
    for name, options in SUBCOMMANDS.items():
        assert name in overview
        text = console(name, "--help").stdout
        for option in options:
            assert option in text, f"`baozhang {name} --help` does not mention {option}"
    assert "--json" in console("org", "list", "--help").stdout
    assert "--slug" in console("org", "create", "--help").stdout


@pytest.mark.django_db
def test_organisations_workbooks_and_logins_from_the_console(tmp_path):
    created = console("org", "create", "--slug", "college", "--name", "示例职业技术学院")
    assert "示例职业技术学院" in created.stdout and "已创建" in created.stdout
    duplicate = console("org", "create", "--slug", "college", "--name", "X", check_code=1)
    assert "college" in duplicate.stderr or "简称" in duplicate.stderr
    listed = json.loads(console("org", "list", "--json").stdout)
    assert listed == [{"slug": "college", "name": "示例职业技术学院", "kind": "other"}]

    bad = workbook(
        tmp_path / "bad.xlsx",
        [
            ["编码", "名称", "院区/校区"],
            ["5413", "宿舍5413", "main"],
            ["5414", "", "main"],
        ],
    )
    refused = console("import", "locations", str(bad), "--org", "college", check_code=1)
    assert "没有导入任何数据" in refused.stderr
    assert "第 3 行，“名称”列" in refused.stderr
    assert "第 2 行，“院区/校区”列" in refused.stderr  # no such site yet: every row is reported

    units = workbook(
        tmp_path / "units.xlsx",
        [["编码", "名称", "类型"], ["0852", "0852班", "班级"], ["1151", "1151班", "班级"]],
    )
    imported = console("import", "units", str(units), "--org", "college")
    assert "新增 2 条" in imported.stdout
    exported = tmp_path / "out" / "units.xlsx"
    exported.parent.mkdir()
    console("export", "units", str(exported), "--org", "college")
    rows = sheet_rows(exported)
    assert rows[0][:2] == ("编码", "名称")
    assert sorted(row[0] for row in rows[1:]) == ["0852", "1151"]
    locations = tmp_path / "locations.xlsx"
    console("export", "locations", str(locations), "--org", "college")
    assert sheet_rows(locations)[1:] == []  # the refused import stored nothing

    unknown = console("export", "units", str(exported), "--org", "nowhere", check_code=2)
    assert "nowhere" in unknown.stderr
    english = console(
        "export", "units", str(exported), "--org", "nowhere", language="en", check_code=2
    )
    assert "There is no organisation with the short name “nowhere”" in english.stderr
    assert console("import", "planets", str(units), "--org", "college", check_code=2)

    console("createadmin", "--username", "root", "--password", "a-long-password-77")
    again = console(
        "createadmin", "--username", "root", "--password", "x-long-pass-88", check_code=1
    )
    assert "root" in again.stderr
    weak = console("createadmin", "--username", "weak", "--password", "123", check_code=1)
    assert weak.stderr.strip()


@pytest.mark.django_db
def test_demo_is_built_once_and_reused():
    first = console("demo", "--no-serve")
    assert "演示数据已创建" in first.stdout
    assert "http://127.0.0.1:8000/" in first.stdout
    assert "college-admin" in first.stdout and "baozhang-demo" in first.stdout
    before = json.loads(console("org", "list", "--json").stdout)
    second = console("demo", "--no-serve")
    assert "演示数据已存在" in second.stdout
    assert json.loads(console("org", "list", "--json").stdout) == before
    assert {row["slug"] for row in before} == {"hospital", "college"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> set[int]:
    found = set()
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(status.parent.name)
            found |= {child} | _children(child)
    return found


def _worker_of(pid: int) -> int | None:
    """The `baozhang worker` process among the children of pid, if one runs."""
    for child in _children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"worker" in command and state != "Z":  # a zombie is dead, not yet reaped
            return child
    return None


@pytest.mark.engine("sqlite")
def test_serve_answers_restarts_its_worker_and_stops_with_it(migrated_data_dir):
    """A subprocess: the web server and its worker are processes of their own."""
    port = _free_port()
    env = console_env(migrated_data_dir)
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "baozhang.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(  # noqa: S310 - a local address
                    f"http://127.0.0.1:{port}/accounts/login/", timeout=2
                ) as response:
                    body = response.read().decode()
            except OSError:
                time.sleep(0.1)
        assert body is not None, "the server did not answer"
        assert "登录" in body
        worker = _worker_of(server.pid)
        assert worker is not None
        # A worker that dies (here kill -9) is started again after a second.
        os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while (_worker_of(server.pid) or worker) == worker and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _worker_of(server.pid) not in (None, worker), "the worker was not started again"
        processes = _children(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    deadline = time.monotonic() + 0.5  # the stop ends every process at once
    while (left := [pid for pid in processes if Path(f"/proc/{pid}").exists()]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert not left, f"processes left behind: {left}"
    log = server.stdout.read().decode()
    assert f"The background worker (process {worker}) stopped" in log


def test_a_web_process_freezes_the_loaded_application():
    from baozhang.cli import WebServer
    from config.wsgi import application

    gc.unfreeze()
    try:
        assert WebServer({"workers": 1}).load() is application
        assert gc.get_freeze_count() > 10_000  # the loaded application, left out of GC rounds
        assert "baozhang.inspections.api" in sys.modules  # the views and API are loaded
    finally:
        gc.unfreeze()
