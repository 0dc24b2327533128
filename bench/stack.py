"""What people wait for, through the full stack: each page and API operation requested from the
product served as in production (bench/server.py), against its baseline (bench/baselines.py)
served by the same server, in turns, several rounds; the median and the spread of each, and their
ratio. Before anything is timed, the product's answer and the baseline's are compared (the same
numbers, the same rows, the same bytes); a difference fails the bench.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from bench.baselines import digest, tenth
from bench.server import get, spread

ROUNDS = 15
WARM = 2


class Mismatch(AssertionError):
    """The product and its baseline gave different results."""


@dataclass
class Case:
    key: str
    name: str
    product: str  # URL of the product
    baseline: str  # URL of the baseline
    who: str  # "page" (signed in), "api" (a token) or "public" (nobody)
    same: Callable[[object, object], None]  # raises Mismatch
    goal: float
    check: str = ""  # the baseline's answer compared, where it is not the one timed


def measure(case: Case, base: str, sessions: dict, rounds: int = ROUNDS) -> dict:
    session = sessions[case.who]
    # A page's baseline is asked for by the same signed-in browser, so that the middleware's
    # work for a session (reading it, its user, the user's language) falls on both.
    plain = session if case.who == "page" else sessions["public"]
    answers = []
    for _warm in range(WARM):
        _time, product = get(session, base + case.product)
        _time, baseline = get(plain, base + case.baseline)
        answers = [product, baseline]
    if case.check:
        answers[1] = get(plain, base + case.check)[1]
    case.same(*answers)
    product_times, baseline_times = [], []
    for _round in range(rounds):
        product_times.append(get(session, base + case.product)[0])
        baseline_times.append(get(plain, base + case.baseline)[0])
    ours, theirs = spread(product_times), spread(baseline_times)
    return {
        "name": case.name,
        "product": ours,
        "baseline": theirs,
        "ratio": ours["median"] / theirs["median"],
        "goal": case.goal,
        "bytes": len(answers[0].content),
    }


# The results compared -------------------------------------------------------------------------

RANKING_ROW = re.compile(
    r"<tr>\s*<td>(\d+)</td>\s*<td>[^<]*</td>\s*<td>(?:<a href=\"[^\"]*\"><strong>([^<]+)"
    r"</strong></a>)?.*?</td>\s*<td>(.*?)</td>\s*<td>(\d+)</td>\s*<td><a href=\"[^\"]*unit=(\d+)"
    r"[^\"]*\">(\d+)</a></td>",
    re.DOTALL,
)
MISSED = re.compile(r'data-testid="missed-count">(\d+)<')
UNCHECKED = re.compile(r'data-testid="unchecked">.*?）：(.*?)</p>', re.DOTALL)


def _check(condition: bool, what: str, ours, theirs) -> None:
    if not condition:
        raise Mismatch(f"{what} differ: {_difference(repr(ours), repr(theirs))}")


def _difference(ours: str, theirs: str) -> str:
    """Where the two first differ, with some of what comes before."""
    at = next(
        (index for index, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
        min(len(ours), len(theirs)),
    )
    start = max(0, at - 200)
    return f"product …{ours[start : at + 200]}… ≠ baseline …{theirs[start : at + 200]}…"


def _sorted(rows) -> list:
    """Rows in one order whatever holds None: the order of ties is not a result."""
    return sorted(rows, key=repr)


def _score(value) -> str | None:
    return None if value is None else tenth(value)


def same_ranking_page(product, baseline) -> None:
    theirs = baseline.json()
    ours = _sorted(
        (int(rank), int(unit), score or None, _change(cell), int(checks), int(problems))
        for rank, score, cell, checks, unit, problems in RANKING_ROW.findall(product.text)
    )
    expected = []
    for row in theirs["rows"]:
        before = theirs["previous"].get(str(row["unit_id"]))
        change = None
        if row["score"] is not None and before is not None:
            change = tenth(float(row["score"]) - float(before))
        expected.append(
            (row["rank"], row["unit_id"], row["score"], change, row["checks"], row["problems"])
        )
    expected = _sorted(expected)
    _check(ours == expected, "ranking rows (rank, unit, score, change, checks, problems)",
           ours, expected)  # fmt: skip
    _check(bool(ours), "ranking rows", ours, "some rows")
    unchecked = _sorted(
        (html.unescape(name), int(re.sub(r"\D", "", missed) or 0))
        for listed in UNCHECKED.findall(product.text)
        for name, _open, missed in (each.partition("（") for each in listed.split("、"))
    )
    expected = _sorted((row["unit"], row["missed"]) for row in theirs["unchecked"])
    _check(unchecked == expected, "units not checked (unit, missed)", unchecked, expected)
    missed = int(MISSED.search(product.text).group(1))
    _check(missed == theirs["missed"], "missed checks", missed, theirs["missed"])


def _change(cell: str) -> str | None:
    """The signed change a trend cell shows, whatever its arrow and sign."""
    text = re.sub(r"<[^>]+>", "", cell).strip()
    if not text:
        return None
    if not re.search(r"\d", text):  # unchanged
        return "0"
    size = tenth(abs(float(re.sub(r"[^\d.]", "", text))))
    return size if "text-success" in cell else tenth(-float(size))


def _api_rows(rows: list[dict]) -> list[tuple]:
    return _sorted(
        (row["rank"], row["unit_id"], row["unit_kind"], _score(row["score"]), row["periods"],
         row["checks"], row["problems"], tenth(row["deductions"]), tenth(row["bonus"]),
         row["findings"], row["highlights"], row["red_lines"], row["capped"])
        for row in rows
    )  # fmt: skip


def _unchecked_rows(rows: list[dict]) -> list[tuple]:
    return _sorted((row["unit_id"], row["unit_kind"], row["missed"]) for row in rows)


def same_ranking_api(product, baseline) -> None:
    ours, theirs = product.json(), baseline.json()
    rows, expected = _api_rows(ours["rows"]), _api_rows(theirs["rows"])
    _check(rows == expected and bool(rows), "ranking (rank, unit, kind, score, …)", rows, expected)
    rows, expected = _unchecked_rows(ours["unchecked"]), _unchecked_rows(theirs["unchecked"])
    _check(rows == expected, "units not checked (unit, kind, missed)", rows, expected)


PRODUCT_FINDING = re.compile(r"/findings/(\d+)/\">")
BASE_FINDING = re.compile(r"/f/(\d+)/'>")
TIME = re.compile(r">(\d\d-\d\d \d\d:\d\d)<")
TOTAL = re.compile(r'data-testid="total">([^<]*)<')


def same_findings_page(product, baseline) -> None:
    ours, theirs = PRODUCT_FINDING.findall(product.text), BASE_FINDING.findall(baseline.text)
    _check(ours == theirs and len(ours) > 0, "finding ids on the page", ours, theirs)
    _check(
        TIME.findall(product.text) == TIME.findall(baseline.text),
        "times shown",
        TIME.findall(product.text),
        TIME.findall(baseline.text),
    )
    total = int(re.sub(r"\D", "", TOTAL.search(product.text).group(1)))
    expected = int(re.search(r"<p>(\d+)</p>", baseline.text).group(1))
    _check(total == expected, "total", total, expected)


def _sections(sections: list[dict]) -> list[str]:
    """Each section's findings (with what the bulletin shows of them) and its ranking, in order."""
    canonical = []
    for section in sections:
        problems = [f for day in section["days"] for unit in day["units"] for f in unit["findings"]]
        shown = [
            [[f["id"], f["location_id"], f["unit_id"], f["item_id"], f["kind"], tenth(f["points"]),
              f["note"], f["photo_ids"]] for f in found]
            for found in (problems, section["bonuses"], section["highlights"])
        ]  # fmt: skip
        canonical.append(
            json.dumps([
                section["area_type"], shown, sorted(section["praised"]),
                _api_rows(section["ranking"]), _unchecked_rows(section["unchecked"]),
            ])
        )  # fmt: skip
    return canonical


def same_bulletin_api(product, baseline) -> None:
    ours = _sections(product.json()["sections"])
    theirs = _sections(baseline.json()["sections"])
    _check(ours == theirs and bool(ours), "bulletin sections", ours, theirs)


TABLE_ROW = re.compile(
    r"<tr><td>(\d+)</td><td>([^<]*)</td><td>(?:<a[^>]*>)?([^<]*)(?:</a>)?</td><td>(\d+)</td>"
    r"<td>(\d+)</td></tr>"
)


def _table_rows(text: str) -> list[tuple]:
    """(rank, unit, score, checks, problems) of a bulletin's or the board's ranking tables."""
    return _sorted(
        (int(rank), html.unescape(name), score or None, int(checks), int(problems))
        for rank, name, score, checks, problems in TABLE_ROW.findall(text)
    )


def _expected_rows(rows) -> list[tuple]:
    return _sorted(
        (row["rank"], row["unit"], row["score"], row["checks"], row["problems"]) for row in rows
    )


def same_bulletin_page(product, baseline) -> None:
    ours = _table_rows(product.text)
    theirs = _expected_rows(
        row for section in baseline.json()["sections"] for row in section["ranking"]
    )
    _check(
        ours == theirs and bool(ours),
        "rankings of the bulletin (rank, unit, score, checks, problems)",
        ours,
        theirs,
    )
    problems = sum(
        len(unit["findings"])
        for section in baseline.json()["sections"]
        for day in section["days"]
        for unit in day["units"]
    )
    shown = len(re.findall(r" −\d", product.text))
    _check(shown == problems, "problems shown", shown, problems)


def same_board(product, baseline) -> None:
    theirs = baseline.json()
    ours, expected = _table_rows(product.text), _expected_rows(theirs["ranked"])
    _check(ours == expected, "board ranking (rank, unit, score, checks, problems)", ours, expected)
    listed = re.findall(r'data-testid="board-unchecked">[^：]*：(.*?)</p>', product.text)
    names = _sorted(html.unescape(name) for each in listed for name in each.split("、"))
    expected = _sorted(row["unit"] for row in theirs["unchecked"])
    _check(names == expected, "units not checked on the board", names, expected)
    flags = product.text.split('data-testid="board-flags"', 1)[1].split("</ul>", 1)[0]
    count = flags.count("<strong>")
    _check(count == len(theirs["flags"]), "red flags on the board", count, len(theirs["flags"]))


def _figures(answer: dict, compared_only: bool = False) -> dict:
    """The figures' numbers in one shape, from the product's answer or the baseline's."""
    flags = answer["red_flags"]
    shaped = {
        "inspections": answer["inspections"],
        "units": _sorted(
            (
                row["rank"],
                row["unit_id"],
                row["unit_kind"],
                row["checked"],
                _score(row["score"]),
                row["periods"],
                row["checks"],
                row["findings"],
                tenth(row["deductions"]),
                tenth(row["bonus"]),
                row["highlights"],
                row["missed"],
            )
            for row in answer["units"]
        ),
        "red_flags": len(flags) if isinstance(flags, list) else flags,
        "rectification": answer["rectification"],
    }
    if compared_only:
        return shaped
    problems = answer["problems"]
    shaped.update(
        top_items=[(row["item_id"], row["count"]) for row in problems["top_items"]],
        repeated_units=[(row["unit_id"], row["count"]) for row in problems["repeated_units"]],
        by_area_type=sorted((row["area_type"], row["count"]) for row in problems["by_area_type"]),
        trend=[(row["label"], row["findings"], row["points"]) for row in answer["trend"]],
        score_trend=[
            (row["label"], row["units"], row["average"], row["best"], row["lowest"])
            for row in answer["score_trend"]
        ],
        comparison={
            key: _figures(other, compared_only=True) for key, other in answer["comparison"].items()
        },
    )
    return shaped


def same_figures(product, baseline) -> None:
    ours, theirs = _figures(product.json()), _figures(baseline.json())
    for key in theirs:
        _check(ours[key] == theirs[key], f"figures' {key}", ours[key], theirs[key])


def same_docx(product, baseline) -> None:
    from bench.document import ranking_rows_of_docx

    ours, theirs = ranking_rows_of_docx(product.content), ranking_rows_of_docx(baseline.content)
    _check(ours == theirs and bool(ours), "Word rankings (rank, unit, score)", ours, theirs)


def same_bytes(product, baseline) -> None:
    ours, theirs = digest(product.content), digest(baseline.content)
    _check(ours == theirs and len(product.content) > 0, "file (sha256)", ours, theirs)


def cases(
    org: str, *, month: str, week: str, year: str, deep_page: int, version, language: str
) -> list:
    """The pages and API operations timed, each with its baseline and its comparison."""
    listed = [
        Case("a1", "ranking page, a month", f"/o/{org}/ranking/?period={month}",
             f"/bench/ranking/{org}/?period={month}&html=1", "page", same_ranking_page, 1.5,
             check=f"/bench/ranking/{org}/?period={month}"),
        Case("a2", "ranking API, a month", f"/api/v1/orgs/{org}/ranking?period={month}",
             f"/bench/ranking/{org}/?period={month}&previous=0", "api", same_ranking_api, 1.5),
        Case("c1", "findings list, page 1", f"/o/{org}/findings/?period={month}",
             f"/bench/findings/{org}/?period={month}", "page", same_findings_page, 2),
        Case("c2", f"findings list, page {deep_page}",
             f"/o/{org}/findings/?period={month}&page={deep_page}",
             f"/bench/findings/{org}/?period={month}&page={deep_page}", "page",
             same_findings_page, 2),
        Case("j1", "weekly bulletin page", f"/o/{org}/bulletin/?period={week}",
             f"/bench/bulletin/{org}/?period={week}&html=1", "page", same_bulletin_page, 2,
             check=f"/bench/bulletin/{org}/?period={week}"),
        Case("j2", "weekly bulletin API", f"/api/v1/orgs/{org}/bulletin?period={week}",
             f"/bench/bulletin/{org}/?period={week}", "api", same_bulletin_api, 2),
        Case("d", "figures API, a year", f"/api/v1/orgs/{org}/figures?period={year}",
             f"/bench/figures/{org}/?period={year}", "api", same_figures, 2),
    ]  # fmt: skip
    if version is not None:
        report, number, pk = version
        listed.append(
            Case(
                "k",
                "download of a final version's PDF",
                f"/o/{org}/reports/{report}/v{number}.pdf",
                f"/bench/file/{pk}/pdf/{language}/",
                "page",
                same_bytes,
                1.5,
            )  # fmt: skip
        )
    return listed
