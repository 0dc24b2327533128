"""A page sweep: python bench/sweep.py [--findings N] [--databases sqlite,postgresql] [--rounds R]

Every page and every GET operation of the API (as tests/test_query_counts.py enumerates them),
requested through the full stack (bench/server.py: `baozhang serve`, gunicorn with 2 workers,
production settings, django-axes on) by the admin of the data set's first organisation, signed in
through the sign-in page or carrying an API token. Each address is requested WARM times, then
timed ROUNDS times to the last byte; the p95 of each database is printed side by side.

Goal: under 300 ms each. A request that starts a background job (an export of more rows than
BAOZHANG_EXPORT_BACKGROUND_ROWS: a redirect to the job's page, or 202 from the API) is timed but
kept out of the goal: the work is the worker's, and the job's page is swept on its own. An address
that answers other than 200 (405: it only takes a POST; 403 and 302 as in test_query_counts's
ANSWERED) is listed, not timed. The 300 ms goal is a result: the sweep fails only if it crashes.

The data set (bench/dataset.py) is built once per database and size in a database of the sweep's
own (SQLite under bench/out/sweep-N-sqlite/, PostgreSQL baozhang_sweep_N), since the sweep adds
one set of records of every kind (tests/query_data.py) to the first organisation, so that every
URL parameter names a record: the data set of bench/run.py stays as it builds it. The results are
also written to bench/out/sweep-N.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench and tests import from the repository
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
GOAL = 0.300  # seconds, the p95 of each address
ROUNDS = 20
WARM = 2
SLOW = 5.0  # seconds: an address slower than this at its first request is timed SLOW_ROUNDS times
SLOW_ROUNDS = 3
ADMIN, PASSWORD = "sweep-admin", "sweep-admin-password-42"  # noqa: S105 - a bench login
RECORDS_MARK = "elsewhere0"  # the slug of an organisation that records_add makes


def sweep_postgres_url(findings: int) -> str:
    server = os.environ.get(
        "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/baozhang_bench"
    ).rsplit("/", 1)[0]
    return f"{server}/baozhang_sweep_{findings}"


def sweep_environment(database: str, findings: int) -> dict:
    """bench/run.py's environment, with the sweep's own database and data folder."""
    os.environ["BENCH_POSTGRES_URL"] = sweep_postgres_url(findings)
    from bench.run import environment  # reads BENCH_POSTGRES_URL when first imported

    env = environment(database)
    env["BAOZHANG_DATA_DIR"] = str(OUT / f"sweep-{findings}-{database}")
    if database == "postgresql":
        env["DATABASE_URL"] = sweep_postgres_url(findings)
    return env


# The child process: one database.


def child(database: str, findings: int, rounds: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    organisation = sweep_dataset(findings)
    values, token = sweep_records(organisation)
    if connection.vendor == "postgresql":
        # Fresh statistics and visibility map, as autovacuum keeps them on a running server.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    result = sweep_measure(
        sweep_environment(database, findings),
        organisation,
        values=values,
        token=token,
        rounds=rounds,
    )
    return {"database": database, "findings": findings, **result}


def sweep_dataset(findings: int):
    """The data set's first organisation; a data set to be rebuilt (of an older builder) is
    emptied first, as the sweep's records would stop the builder clearing its checks."""
    from django.core.cache import cache
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from baozhang.orgs.models import Organisation, Site
    from bench.dataset import ORGANISATIONS, dataset_build, mark

    with scopes_disabled():
        built = Site.objects.filter(address=mark(findings)).count() == ORGANISATIONS
        if not built and Organisation.objects.filter(slug=RECORDS_MARK).exists():
            print("the data set is rebuilt: emptying the database", file=sys.stderr)
            call_command("flush", interactive=False, verbosity=0)
            cache.clear()  # the ids of the records (sweep_records)
    return dataset_build(findings=findings)[0]


def sweep_records(organisation) -> tuple[dict, str]:
    """The value of every URL parameter, and an API token of the admin (who signs in with
    PASSWORD): one set of records of every kind is added to the organisation once, and its ids
    kept in the database's cache table, beside the records."""
    from django.core.cache import cache
    from django_scopes import scopes_disabled

    from baozhang.accounts.services import api_token_create
    from baozhang.orgs.models import Membership, Organisation, Person, Role, Site, User
    from tests.query_data import records_add
    from tests.test_query_counts import url_values

    key = f"bench-sweep-values-{organisation.pk}"
    with scopes_disabled():
        admin, _created = User.objects.get_or_create(username=ADMIN)
        admin.set_password(PASSWORD)
        admin.save()
        person, _created = Person.objects.get_or_create(
            organisation=organisation, user=admin, defaults={"name": "基准管理员"}
        )
        Membership.objects.get_or_create(organisation=organisation, person=person, role=Role.ADMIN)
        values = cache.get(key)
        added = Organisation.objects.filter(slug=RECORDS_MARK).exists()
        if (
            values is None
            or not Site.objects.filter(pk=values["site_id"], organisation=organisation).exists()
        ):
            if added:
                raise SystemExit(
                    "the sweep's records are in the database but their ids were lost: drop the"
                    " database (or delete its SQLite folder) and run the sweep again"
                )
            started = time.perf_counter()
            first = records_add(organisation, admin)
            organisation.refresh_from_db()
            values = url_values(first, first, organisation.board_policy.board_token)
            cache.set(key, values, None)
            print(
                f"records of every kind added in {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
    _token, raw = api_token_create(user=admin, name="sweep")
    return values, raw


def sweep_measure(
    database_env: dict,
    organisation,
    *,
    values: dict | None = None,
    token: str = "",
    rounds: int = ROUNDS,
    warm: int = WARM,
) -> dict:
    """Every page and API read of the organisation, served with ``database_env``, timed:
    {"rounds", "pages": {name: {"status", "kind", "url", "median", "p95", …}}}. Without
    ``values`` the records are added (sweep_records)."""
    from django.db import connections

    from bench.server import served, signed_in, with_token
    from tests.test_query_counts import ANSWERED, api_names, name_url, page_names

    if values is None:
        values, token = sweep_records(organisation)
    connections.close_all()  # the server's processes have the database to themselves
    names = [name for name in page_names() + api_names() if not name.startswith("bench/")]
    pages = {}
    with served(database_env) as base:
        browser = signed_in(base, ADMIN, PASSWORD)
        api = with_token(token)
        for number, name in enumerate(names, 1):
            path, error = name_url(name, values)
            if error:
                raise SystemExit(error)
            session = api if name.startswith("GET ") else browser
            pages[name] = _address_measure(session, base, path, rounds, warm)
            # What test_query_counts.py expects the admin to get (405: it takes only a POST).
            pages[name]["expected"] = pages[name]["status"] in ANSWERED.get(name, (200, 405))
            shown = pages[name].get("p95")
            print(
                f"[{number}/{len(names)}] {name}: {pages[name]['status']}"
                + (f" p95 {shown * 1000:.0f} ms" if shown is not None else ""),
                file=sys.stderr,
            )
    return {"rounds": rounds, "pages": pages}


def _address_measure(session, base: str, path: str, rounds: int, warm: int) -> dict:
    """One address: what it answers, and if it answers, its times (seconds)."""
    from bench.server import get, spread

    url = base + path
    started = time.perf_counter()
    first = session.get(url, timeout=300, allow_redirects=False)
    first_time = time.perf_counter() - started
    status, location = first.status_code, first.headers.get("Location", "")
    if status == 302 and location.startswith("/accounts/login/"):
        raise SystemExit(f"{path} answered with the sign-in page: the session was signed out")
    starts_job = (status == 302 and "/jobs/" in location) or (
        status == 202 and path.startswith("/api/")
    )
    measured = {"status": status, "url": path, "kind": "job" if starts_job else "page"}
    if status != 200 and not starts_job:
        return {**measured, "kind": "skipped"}
    if first_time > SLOW:
        rounds, warm = SLOW_ROUNDS, 1
    times = []
    for index in range(warm - 1 + rounds):
        elapsed, answer = get(session, url, status=status, redirects=False)
        if index >= warm - 1:
            times.append(elapsed)
    measured["type"] = answer.headers.get("Content-Type", "").split(";")[0]
    measured["bytes"] = len(answer.content)
    return {**measured, **spread(times)}


# The report.


def sweep_report(results_by_database: dict) -> None:
    """The p95 of every address, side by side for each database, marked ! over the goal."""
    databases = list(results_by_database)
    first = results_by_database[databases[0]]
    names = list(first["pages"])
    labels = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    width = max(len(name) for name in names)
    findings = first["findings"]
    rounds = ", ".join(
        f"{labels.get(each, each)} {results_by_database[each]['rounds']}" for each in databases
    )
    print(f"\n== page sweep · {findings:,} findings · p95 in ms of {rounds} rounds (goal < 300)")
    print(
        f"{'page or API read':{width}s}" + "".join(f" {labels.get(d, d):>12s}" for d in databases)
    )
    skipped = {}
    for name in names:
        measured = [results_by_database[each]["pages"].get(name) for each in databases]
        kinds = {each["kind"] for each in measured if each}
        if kinds == {"skipped"}:
            skipped[name] = sorted({each["status"] for each in measured if each})
            continue
        note = "  starts a background job: not counted" if "job" in kinds else ""
        cells = "".join(f" {_cell(each):>12s}" for each in measured)
        print(f"{name or '/':{width}s}{cells}{note}")
    for database in databases:
        pages = results_by_database[database]["pages"].values()
        timed = [each for each in pages if each["kind"] == "page"]
        met = sum(each["p95"] < GOAL for each in timed)
        jobs = sum(each["kind"] == "job" for each in pages)
        print(
            f"{labels.get(database, database)}: {met} of {len(timed)} pages and API reads met the"
            f" goal; {jobs} requests that start a background job are not counted"
        )
    if skipped:
        print("Not timed (not 200 to a GET; 405: the address takes only a POST):")
        for name, statuses in skipped.items():
            expected = all(
                results_by_database[each]["pages"][name].get("expected", True)
                for each in databases
                if name in results_by_database[each]["pages"]
            )
            shown = ", ".join(str(each) for each in statuses)
            print(f"  {name or '/'}: {shown}{'' if expected else '  UNEXPECTED'}")


def _cell(measured: dict | None) -> str:
    if measured is None:
        return "–"
    if measured["kind"] == "skipped":
        return str(measured["status"])
    mark = "!" if measured["p95"] >= GOAL and measured["kind"] == "page" else " "
    return f"{measured['p95'] * 1000:.0f}{mark}"


def results_save(findings: int, results_by_database: dict) -> Path:
    """bench/out/sweep-N.json: each database's latest results (another database's kept)."""
    path = OUT / f"sweep-{findings}.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    saved.update(results_by_database)
    path.write_text(json.dumps(saved, ensure_ascii=False, indent=1))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.rounds < 1:
        parser.error("--rounds must be at least 1")
    if arguments.child:
        print(json.dumps(child(arguments.child, arguments.findings, arguments.rounds)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    for database in arguments.databases.split(","):
        env = sweep_environment(database, arguments.findings)
        if database == "postgresql":
            from bench.run import postgres_database_ensure

            postgres_database_ensure()  # the sweep's database (sweep_environment)
        answer = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--child", database, "--findings", str(arguments.findings),
             "--rounds", str(arguments.rounds)],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
        if answer.returncode != 0:
            print(answer.stdout, file=sys.stderr)
            raise SystemExit(f"the {database} sweep failed")
        lines = answer.stdout.strip().splitlines()
        for line in lines[:-1]:
            print(line)
        results[database] = {
            **json.loads(lines[-1]),
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
    sweep_report(results)
    print(f"\nwritten to {results_save(arguments.findings, results).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
