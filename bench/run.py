"""Benchmarks of inspections: scripts/bench.sh [--findings N] [--databases sqlite,postgresql]

Prints, per database, ratios against raw baselines on the same connection and server set-up:
  (a) monthly unit ranking of one organisation over the data set / the raw SQL aggregate (goal ≤ 1.5)
  (b) 20-finding check submissions per second through the API / a bare view inserting the same
      rows, gunicorn with 2 workers on loopback, 16 connections of wrk (goal ≥ 0.5, p99 < 100 ms);
      and the p99 when the 16 connections pause between checks, for half those requests a second
  (c) page 1 of the findings list by organisation and month / the raw indexed LIMIT query (goal ≤ 2)
  (h) each read compiled once (core/compiled.py) / the same queryset run by the ORM (--only compiled)
  (i) a findings import of --rows / 5 and --rows rows by the background worker: its time / openpyxl
      read-only iterating the same workbook (goal ≤ 2), its peak memory (flat), and the longest
      wait of another writer meanwhile (goal < 1 s) (--only imports)
  (t) one clock tick with 1,000 organisations × 20 schedules (goal < 10 s), and its planning job /
      the same planning in raw SQL (--only tick [--organisations N]; bench/tick.py)
The data set (10 organisations, 2,000 locations, a year of checks with N findings; bench/dataset.py)
is built once per database, size and builder version and reused. SQLite lives in bench/out/; PostgreSQL in the database baozhang_bench at
127.0.0.1:5432 (or BENCH_POSTGRES_URL).
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/baozhang_bench")


def environment(database: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["BAOZHANG_DATA_DIR"] = str(OUT / "data")
    env["PYTHONPATH"] = str(ROOT)
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


def child(
    database: str, findings: int, only: str = "", rows: int = 100_000, organisations: int = 1000
) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scopes_disabled

    from bench.dataset import dataset_build

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the product's cache (public pages)
    if only == "imports":  # an organisation of its own, not the data set's
        from bench.imports import imports_measure

        imports = imports_measure(environment(database), ROOT, OUT, rows)
        return {"database": database, "findings": findings, "imports": imports}
    if only == "tick":
        from bench.tick import tick_ratios

        return {"database": database, "tick": tick_ratios(organisations)}
    organisations = dataset_build(findings=findings)
    organisation = organisations[0]
    if connection.vendor == "postgresql":
        # Fresh statistics and visibility map, as autovacuum keeps them on a running server.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    results = {"database": database, "findings": findings}
    if only == "compiled":
        from bench.compiled import compiled_ratios

        results["compiled"] = compiled_ratios(organisation)
        return results
    if only != "reports":
        inspections_measure(results, database, organisation, api_only=only == "api")
    if only in ("api", "inspections"):
        return results
    from bench import reports

    with scopes_disabled():
        results["figures"] = reports.figures_ratio(organisation)
        version = reports.document_version(organisation)
        results["pdf"] = reports.pdf_ratio(version)
        results["docx"] = reports.docx_ratio(version)
        results["xlsx"] = reports.xlsx_ratio(organisation)
    return results


def inspections_measure(results: dict, database: str, organisation, *, api_only=False) -> None:
    from django_scopes import scopes_disabled

    from baozhang.orgs.models import Location
    from baozhang.standards.models import StandardVersion
    from bench.api_load import api_ratio
    from bench.dataset import inspector_with_token
    from bench.ranking import page_ratio, ranking_ratio

    if not api_only:
        results["ranking"] = ranking_ratio(organisation)
        results["page"] = page_ratio(organisation)
    _user, raw = inspector_with_token(organisation, "bench-inspector")
    with scopes_disabled():
        location = Location.objects.filter(organisation=organisation).order_by("code").first()
        version = StandardVersion.objects.get(organisation=organisation)
        items = list(version.items.filter(kind="deduction").values_list("pk", flat=True))
    results["api"] = api_ratio(
        environment(database),
        org=organisation.slug,
        token=raw,
        location_id=location.pk,
        version_id=version.pk,
        item_ids=items,
    )


def report(results: dict) -> None:
    if "imports" in results:
        print(f"\n== {results['database']} · a findings import by the background worker")
        imports_report(results["imports"])
        return
    if "tick" in results:
        tick_report(results)
        return
    print(f"\n== {results['database']} · {results['findings']:,} findings")
    if "api" in results:
        inspections_report(results)
    if "figures" in results:
        reports_report(results)
    for name, (mine, orm, ratio) in results.get("compiled", {}).items():
        print(
            f"(h) {name:20s} compiled {mine * 1000:6.2f} ms   ORM {orm * 1000:6.2f} ms"
            f"   ratio {ratio:.2f}"
        )


def inspections_report(results: dict) -> None:
    api = results["api"]
    if "ranking" in results:
        ranking = results["ranking"]
        print(
            f"(a) monthly ranking   product {ranking[0] * 1000:8.1f} ms   raw SQL {ranking[1] * 1000:8.1f} ms"
            f"   ratio {ranking[2]:.2f}  (goal ≤ 1.5)"
        )
    print(
        f"(b) check submission  product {api['product_rps']:8.1f} /s   bare    {api['bare_rps']:8.1f} /s"
        f"   ratio {api['ratio']:.2f}  (goal ≥ 0.5)   p99 {api['p99_ms']:.0f} ms (goal < 100;"
        f" bare {api['bare_p99_ms']:.0f} ms)   errors {api['errors']}"
    )
    print(
        f"    paced to half     product {api['paced_rps']:8.1f} /s"
        f"   p99 {api['paced_p99_ms']:.0f} ms (16 connections, each pausing between its checks)"
    )
    if "page" in results:
        page = results["page"]
        print(
            f"(c) findings page 1   product {page[0] * 1000:8.1f} ms   raw SQL {page[1] * 1000:8.1f} ms"
            f"   ratio {page[2]:.2f}  (goal ≤ 2)"
        )


def reports_report(results: dict) -> None:
    figures, pdf, docx, xlsx = results["figures"], results["pdf"], results["docx"], results["xlsx"]
    print(
        f"(d) annual figures    product {figures[0] * 1000:8.1f} ms   raw SQL {figures[1] * 1000:8.1f} ms"
        f"   ratio {figures[2]:.2f}  (goal ≤ 2)"
    )
    print(
        f"(e) PDF, {pdf[3]} pages   product {pdf[0] * 1000:8.1f} ms   WeasyPrint {pdf[1] * 1000:8.1f} ms"
        f"   ratio {pdf[2]:.2f}  (goal ≤ 1.2)"
    )
    print(
        f"(f) Word document     product {docx[0] * 1000:8.1f} ms   python-docx {docx[1] * 1000:8.1f} ms"
        f"   ratio {docx[2]:.2f}  (goal ≤ 1.5)"
    )
    print(
        f"(g) Excel, {xlsx[4]:,} rows  product {xlsx[0] * 1000:8.1f} ms   XlsxWriter {xlsx[1] * 1000:8.1f} ms"
        f"   ratio {xlsx[2]:.2f}  (goal ≤ 1.3)   peak memory ratio {xlsx[3]:.2f} (goal ≤ 1.2)"
    )


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
        choices=["reports", "inspections", "api", "compiled", "imports", "tick"],
        help="measure only the reports (d–g), the inspections (a–c), the check submissions (b),"
        " the compiled reads (h), the large import (i) or the clock tick (t)",
    )
    parser.add_argument(
        "--rows", type=int, default=100_000, help="rows of the larger import workbook (i)"
    )
    parser.add_argument(
        "--organisations", type=int, default=1000, help="organisations of the tick's data set (t)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        only = arguments.only or ""
        print(
            json.dumps(
                child(
                    arguments.child,
                    arguments.findings,
                    only,
                    arguments.rows,
                    arguments.organisations,
                )
            )
        )
        return
    OUT.mkdir(parents=True, exist_ok=True)
    for database in arguments.databases.split(","):
        if database == "postgresql":
            postgres_database_ensure()
        result = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--child", database, "--findings", str(arguments.findings)]
            + ["--rows", str(arguments.rows), "--organisations", str(arguments.organisations)]
            + (["--only", arguments.only] if arguments.only else []),
            env=environment(database),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            print(result.stdout, result.stderr, file=sys.stderr)
            raise SystemExit(f"the {database} benchmark failed")
        lines = result.stdout.strip().splitlines()
        for line in lines[:-1]:
            print(line)
        report(json.loads(lines[-1]))


if __name__ == "__main__":
    main()
