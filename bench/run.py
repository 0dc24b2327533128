"""Benchmarks: scripts/bench.sh [--findings N] [--databases sqlite,postgresql] [--only WHAT]

Each times what a person waits for, through the product served as in production (`baozhang serve`:
gunicorn, DEBUG off, django-axes on, a session signed in through the sign-in page, or an API token),
against the best baseline a careful engineer would write for the same result, served by the same
server or run as a process of its own (bench/baselines.py, bench/bare.py, bench/jobs.py). Before a
ratio is printed, the product's result and the baseline's are compared (the same numbers, rows,
cells or bytes); a difference stops the run with a non-zero exit. Times are the median of several
rounds taken in turns, with the lowest and highest.

  (a1) ranking page of a month (ranking and the previous period's, missed checks) / raw SQL + a
       small template (goal ≤ 1.5);  (a2) the ranking API / raw SQL (≤ 1.5)
  (b)  check submissions a second through the API, a photo with 1 check in 5 / a bare view storing
       the same rows and re-encoded photo; 16 connections of wrk (goal ≥ 0.5); every check
       answered 201 is counted in the database
  (c1) findings list, page 1, and (c2) its last page / raw count + LIMIT + a small template (≤ 2)
  (d)  figures API of a year / raw SQL of every section (≤ 2)
  (e)  a weekly report made end to end by a worker, then its PDF / raw SQL, matplotlib and
       WeasyPrint on hand-written HTML, in a process of its own (≤ 1.2)
  (g)  a year's findings exported by a worker, then downloaded / XlsxWriter in a process of its
       own (≤ 1.3, peak memory ≤ 1.2)
  (j1) weekly bulletin page and (j2) API / raw SQL (+ a small template) (≤ 2)
  (k)  download of a final version's kept PDF / the same file streamed (≤ 1.5)
  (l)  the public notice board / its numbers by raw SQL (≤ 2)
  --only imports: (i) a findings import by the worker (bench/imports.py): its time / openpyxl
                  read-only iterating the same workbook (goal ≤ 2), its peak memory (flat), and
                  the longest wait of another writer meanwhile (goal < 1 s)
  --only tick:    (t) one clock tick with 1,000 organisations × 20 schedules (bench/tick.py)
  --only compiled: (h) reads compiled once / the ORM (bench/compiled.py)
  --only sweep:   every page and API read, p95, on a data set of its own (bench/sweep.py)

The data set (10 organisations, a year of checks with N findings; bench/dataset.py) is built once
per database, size and builder version and reused. SQLite lives in bench/out/; PostgreSQL in the
database baozhang_bench at 127.0.0.1:5432 (or BENCH_POSTGRES_URL). Results are also written to
bench/out/results-<database>-<findings>.json.
"""

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/baozhang_bench")
ROUNDS = 15


def environment(database: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["BAOZHANG_DATA_DIR"] = str(OUT / "data")
    env["PYTHONPATH"] = str(ROOT)
    # The load of (b) sends thousands of photos in a minute from one inspector: the hourly
    # allowance of photos (200 by default) is raised for it, the only setting changed.
    env["BAOZHANG_PHOTO_UPLOADS_PER_HOUR"] = "1000000"
    if database == "postgresql":
        env["DATABASE_URL"] = POSTGRES
    return env


def postgres_database_ensure() -> None:
    import psycopg

    name = POSTGRES.rsplit("/", 1)[1]
    server = POSTGRES.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def child(database: str, arguments) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.dataset import dataset_build

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the product's cache (public pages)
    only, env = arguments.only or "", environment(database)
    results = {"database": database, "findings": arguments.findings}
    if only == "imports":  # an organisation of its own, not the data set's
        from bench.imports import imports_measure

        results["imports"] = imports_measure(env, ROOT, OUT, arguments.rows)
        return results
    if only == "tick":
        from bench.tick import tick_ratios

        results["tick"] = tick_ratios(arguments.organisations)
        return results
    organisation = dataset_build(findings=arguments.findings)[0]
    if connection.vendor == "postgresql":
        # Fresh statistics and visibility map, as autovacuum keeps them on a running server.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        from baozhang.core.db_statistics import statistics_refresh

        statistics_refresh()  # as the product's daily job keeps them on a running site
    if only == "compiled":
        from bench.compiled import compiled_ratios

        results["compiled"] = compiled_ratios(organisation)
        return results
    if only in ("", "stack") or "," in only or len(only) <= 2:
        from bench.full import full_measure

        chosen = "" if only in ("", "stack") else only
        results["cases"] = full_measure(env, organisation, arguments.rounds, only=chosen)
    if only in ("", "api"):
        results["api"] = submissions_measure(env, organisation)
    return results


def submissions_measure(env: dict, organisation) -> dict:
    from django_scopes import scopes_disabled

    from baozhang.inspections.models import Inspection
    from baozhang.orgs.models import Location
    from baozhang.standards.models import StandardVersion
    from bench.api_load import api_ratio
    from bench.dataset import inspector_with_token

    _user, raw = inspector_with_token(organisation, "bench-inspector")
    with scopes_disabled():
        location = Location.objects.filter(organisation=organisation).order_by("code").first()
        version = StandardVersion.objects.get(organisation=organisation)
        items = list(version.items.filter(kind="deduction").values_list("pk", flat=True))
        last = Inspection.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    try:
        return api_ratio(
            env, org=organisation.slug, token=raw, location_id=location.pk,
            version_id=version.pk, item_ids=items, out=OUT,
        )  # fmt: skip
    finally:
        # The checks sent are taken away again: the data set stays as built for the next run.
        with scopes_disabled():
            Inspection.objects.filter(pk__gt=last).delete()


def report(results: dict) -> None:
    if "imports" in results:
        print(f"\n== {results['database']} · a findings import by the background worker")
        imports_report(results["imports"])
        return
    if "tick" in results:
        tick_report(results)
        return
    print(f"\n== {results['database']} · {results['findings']:,} findings · median (low–high)")
    for key, case in sorted(results.get("cases", {}).items()):
        print(case_line(key, case))
    if "api" in results:
        api = results["api"]
        met = "✓" if api["ratio"] >= 0.5 else "✗"
        print(
            f"(b)  check submissions, 1 in 5 with a photo  product {api['product_rps']:7.1f} /s"
            f"   bare {api['bare_rps']:7.1f} /s   ratio {api['ratio']:.2f} {met} (goal ≥ 0.5)"
            f"   p99 {api['p99_ms']:.0f} ms (bare {api['bare_p99_ms']:.0f} ms)"
            f"   errors {api['errors']}   {api['checks']:,} checks and {api['photos']:,} photos"
            f" stored as answered"
        )
        print(
            f"     paced to half    product {api['paced_rps']:7.1f} /s   p99"
            f" {api['paced_p99_ms']:.0f} ms (16 connections, each pausing between its checks)"
        )
    for name, (mine, orm, ratio) in results.get("compiled", {}).items():
        print(
            f"(h) {name:20s} compiled {mine * 1000:6.2f} ms   ORM {orm * 1000:6.2f} ms"
            f"   ratio {ratio:.2f}"
        )


def _time(spread: dict) -> str:
    scale, unit = (1, "s") if spread["median"] >= 1 else (1000, "ms")
    return (
        f"{spread['median'] * scale:7.1f} {unit} ({spread['low'] * scale:.1f}–"
        f"{spread['high'] * scale:.1f})"
    )


def case_line(key: str, case: dict) -> str:
    met = "✓" if case["ratio"] <= case["goal"] else "✗"
    line = (
        f"({key:2s}) {case['name'][:46]:46s} product {_time(case['product']):26s}"
        f" baseline {_time(case['baseline']):26s} ratio {case['ratio']:5.2f} {met} (goal ≤"
        f" {case['goal']:g})"
    )
    if "memory_ratio" in case:
        memory_met = "✓" if case["memory_ratio"] <= case["memory_goal"] else "✗"
        line += (
            f"   peak memory {case['memory_mb']:.0f} / {case['baseline_memory_mb']:.0f} MB ="
            f" {case['memory_ratio']:.2f} {memory_met} (goal ≤ {case['memory_goal']:g})"
        )
    return line


def imports_report(results: dict) -> None:
    for name, each in results.items():
        heap = f"Python heap peak {each['heap_mb']:5.1f} MB" if each["heap_mb"] else "untraced"
        print(
            f"(i) findings import {each['rows']:>7,} rows ({each['bytes'] / 1e6:.1f} MB), "
            f"{name.split()[1]:9s} worker RSS peak {each['rss_peak_mb']:6.1f} MB"
            f" (after set-up {each['rss_start_mb']:.1f})   {heap}   {each['seconds']:6.1f} s"
            f"   another writer: {each['writes']} writes, longest wait {each['wait_max_ms']:.0f} ms"
        )
    plain = [each for each in results.values() if not each["heap_mb"]]
    traced = [each for each in results.values() if each["heap_mb"]]
    for each in plain:
        baseline = each["openpyxl_seconds"]
        print(
            f"    {each['rows']:>7,} rows: import {each['seconds']:6.1f} s (worker after its set-up"
            f" {each['worker_seconds']:6.1f} s)   openpyxl read-only {baseline:6.1f} s"
            f"   ratio {each['seconds'] / baseline:.2f} ({each['worker_seconds'] / baseline:.2f})"
            f"  (goal ≤ 2)"
        )
    print(
        f"    5 × the rows: RSS peak × {plain[1]['rss_peak_mb'] / plain[0]['rss_peak_mb']:.2f},"
        f" heap peak × {traced[1]['heap_mb'] / traced[0]['heap_mb']:.2f} (goal: flat);"
        f" longest wait of the other writer, untraced: {plain[1]['wait_max_ms']:.0f} ms"
        f" (goal < 1000)"
    )


def tick_report(results: dict) -> None:
    tick = results["tick"]
    print(
        f"\n== {results['database']} · {tick['organisations']:,} organisations ×"
        f" {tick['schedules'] // tick['organisations']} schedules · {tick['rounds']} rounds,"
        f" median (min–max)"
    )
    print(f"(t) clock tick        {_spread(tick['tick'])}   (every periodic job; goal < 10 s)")
    print(
        f"    planning job      product {_spread(tick['product'])}   raw SQL {_spread(tick['raw'])}"
        f"   ratio {tick['ratio']:.2f}   ({tick['made']:,} expected checks made;"
        f" {tick['edited']} schedules edited)"
    )


def _spread(times) -> str:
    median, low, high = times
    return f"{median:6.2f} s ({low:.2f}–{high:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--only",
        help="stack (the pages, API operations and jobs), api (b), imports (i), tick (t),"
        " compiled (h), sweep, or case keys separated by commas (e.g. a1,c2,g)",
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of each timing")
    parser.add_argument(
        "--rows", type=int, default=100_000, help="rows of the larger import workbook (i)"
    )
    parser.add_argument(
        "--organisations", type=int, default=1000, help="organisations of the tick's data set (t)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.only == "sweep":  # a data set of its own (bench/sweep.py)
        raise SystemExit(
            subprocess.call(  # noqa: S603
                [
                    sys.executable,
                    str(ROOT / "bench" / "sweep.py"),
                    "--findings",
                    str(arguments.findings),
                    "--databases",
                    arguments.databases,
                    "--rounds",
                    str(arguments.rounds),
                ],
                cwd=ROOT,
            )  # fmt: skip
        )
    if arguments.child:
        print(json.dumps(child(arguments.child, arguments), default=str))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    print(
        f"{dt.datetime.now():%Y-%m-%d %H:%M} · {platform.node()} · {os.cpu_count()} cores ·"
        f" Python {platform.python_version()} · {arguments.rounds} rounds"
    )
    failed = False
    for database in arguments.databases.split(","):
        if database == "postgresql":
            postgres_database_ensure()
        result = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--child", database, *sys.argv[1:]],
            env=environment(database),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            print(result.stdout[-3000:], result.stderr[-6000:], file=sys.stderr)
            print(f"the {database} benchmark failed", file=sys.stderr)
            failed = True
            continue
        lines = result.stdout.strip().splitlines()
        for line in lines[:-1]:
            print(line)
        results = json.loads(lines[-1])
        name = f"results-{database}-{arguments.findings}" + (
            f"-{arguments.only.replace(',', '-')}" if arguments.only else ""
        )
        (OUT / f"{name}.json").write_text(json.dumps(results, indent=1))
        report(results)
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
