"""The README's table from the results run.py kept: python bench/table.py 100000 1000000

One row per bench, one column per data set size and database found in bench/out/, each cell the
ratio with the product's and the baseline's median times and the spread of the product's."""

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
LABELS = {
    "a1": "ranking page, a month",
    "a2": "ranking API, a month",
    "c1": "findings list, page 1",
    "c2": "findings list, its last page",
    "d": "figures API, a year",
    "e": "weekly report end to end (job, then PDF)",
    "f": "Word document of a weekly report",
    "g": "findings export of a year (job, then file); peak memory",
    "j1": "weekly bulletin page",
    "j2": "weekly bulletin API",
    "k": "download of a final version's PDF",
    "l": "public notice board",
}


def _time(value: float) -> str:
    return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.0f} ms"


def cell(case: dict) -> str:
    product, baseline = case["product"], case["baseline"]
    met = "✓" if case["ratio"] <= case["goal"] else "✗"
    text = (
        f"{case['ratio']:.2f} {met} ({_time(product['median'])} vs {_time(baseline['median'])};"
        f" {_time(product['low'])}–{_time(product['high'])})"
    )
    if "memory_ratio" in case:
        text += f"; memory {case['memory_ratio']:.2f}"
    return text


def api_cell(api: dict) -> str:
    met = "✓" if api["ratio"] >= 0.5 else "✗"
    return (
        f"{api['ratio']:.2f} {met} ({api['product_rps']:.0f} vs {api['bare_rps']:.0f} checks/s;"
        f" p99 {api['p99_ms']:.0f} ms, paced {api['paced_p99_ms']:.0f} ms)"
    )


def main(sizes: list[str]) -> None:
    columns, found = [], {}
    for size in sizes:
        for database, name in DATABASES.items():
            path = OUT / f"results-{database}-{size}.json"
            if path.exists():
                columns.append(f"{name}, {int(size):,}")
                found[columns[-1]] = json.loads(path.read_text())
    keys: dict[str, str] = {}
    for results in found.values():
        for key, case in results.get("cases", {}).items():
            keys.setdefault(key, f"({key}) {LABELS.get(key, case['name'])} (≤ {case['goal']:g})")
    print("| bench | " + " | ".join(columns) + " |")
    print("| --- |" + " --- |" * len(columns))
    for key in sorted(keys):
        row = [
            cell(found[column]["cases"][key]) if key in found[column].get("cases", {}) else "—"
            for column in columns
        ]
        print(f"| {keys[key]} | " + " | ".join(row) + " |")
    row = [api_cell(found[column]["api"]) if "api" in found[column] else "—" for column in columns]
    print("| (b) check submissions, a photo with 1 in 5 (≥ 0.5) | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main(sys.argv[1:] or ["100000", "1000000"])
