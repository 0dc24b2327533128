"""Reports: generate a draft, edit its narrative, finalise and keep versions; the Word, PDF and
Excel files carry the organisation, the period, the section titles, the figures and the tables;
every number of the page opens its records."""

import io
import re

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from docx import Document as WordDocument
from openpyxl import load_workbook
from pypdf import PdfReader

from baozhang.core.periods import period_parse
from baozhang.reports.figures import scope_resolve
from baozhang.reports.models import Report, ReportVersion
from baozhang.reports.services import report_figures
from baozhang.reports.tasks import report_job_run_now
from tests.factories import AssignmentFactory, LocationFactory, SiteFactory, UnitFactory, member
from tests.inspection_data import submit
from tests.test_figures import problem, records  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

SECTIONS = ["一、基本情况", "二、主要工作及成效", "三、存在问题", "四、下一步工作打算"]


@pytest.fixture
def writer(records, client):  # noqa: F811
    client.force_login(member(records["org"], "admin", username="admin"))
    return client


def generate(client, kind="monthly", period="2026-11", **extra) -> ReportVersion:
    """Ask for the report, let the background job make it, and open the draft."""
    response = client.post(
        reverse("reports:list", args=["college"]), {"kind": kind, "period": period, **extra}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job_id = int(re.search(r"/jobs/(\d+)/", response["Location"])[1])
    waiting = client.get(response["Location"], headers={"HX-Request": "true"})
    assert 'data-status="queued"' in waiting.content.decode()
    assert report_job_run_now(job_id) == "done"
    ready = client.get(response["Location"], headers={"HX-Request": "true"})
    with scopes_disabled():
        report = Report.objects.latest("id")
    assert ready["HX-Redirect"] == reverse("reports:report", args=["college", report.pk])
    with scopes_disabled():
        return report.versions.get()


def download(client, version, extension) -> bytes:
    url = reverse("reports:file", args=["college", version.report_id, version.number, extension])
    response = client.get(url)
    assert response.status_code == 200
    return response.getvalue()  # a kept file is streamed


def test_draft_edit_finalise_and_versions(writer):
    version = generate(writer)
    page_url = reverse("reports:report", args=["college", version.report_id])
    page = writer.get(page_url).content.decode()
    assert "2026-11" in page and 'data-testid="narrative-overview"' in page
    assert all(title in page for title in SECTIONS)
    writer.post(page_url + "?v=1", {"action": "save", "overview": "本月宿舍卫生总体良好。"})
    with scopes_disabled():
        version.refresh_from_db()
    assert version.narrative["overview"] == "本月宿舍卫生总体良好。"
    figures_before = version.figures
    writer.post(page_url + "?v=1", {"action": "finalise"})
    with scopes_disabled():
        version.refresh_from_db()
    assert version.status == "final" and version.finalised_at is not None
    # A final version no longer changes.
    response = writer.post(page_url + "?v=1", {"action": "save", "overview": "改写"}, follow=True)
    assert "不能再修改" in response.content.decode()
    with scopes_disabled():
        version.refresh_from_db()
    assert version.narrative["overview"] == "本月宿舍卫生总体良好。"
    assert 'data-testid="narrative-overview"' in writer.get(page_url).content.decode()
    # A new draft starts from the final version; both are kept.
    writer.post(page_url + "?v=1", {"action": "redraft"})
    with scopes_disabled():
        versions = list(
            ReportVersion.objects.filter(report_id=version.report_id).order_by("number")
        )
    assert [(v.number, v.status) for v in versions] == [(1, "final"), (2, "draft")]
    assert versions[1].narrative == versions[0].narrative
    assert versions[1].figures == figures_before
    # Only one draft at a time.
    response = writer.post(page_url + "?v=1", {"action": "redraft"}, follow=True)
    assert "已有草稿" in response.content.decode()


def test_the_files_carry_the_organisation_period_sections_and_tables(writer):
    version = generate(writer, kind="weekly", period="2026-W47")
    word = WordDocument(io.BytesIO(download(writer, version, "docx")))
    text = "\n".join(paragraph.text for paragraph in word.paragraphs)
    assert "示例职业技术学院" in text and "2026年第47周（11月16日—22日）" in text
    assert all(title in text for title in ["一、基本情况", "二、主要工作及成效", "三、存在问题"])
    assert "四、下周工作重点" in text
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in word.tables]
    ranking = next(table for table in tables if table[0][:3] == ["名次", "单位", "得分"])
    assert ranking[1][:3] == ["1", "1151班", "108"] and ranking[2][:3] == ["2", "0852班", "95"]
    overview = tables[0]
    assert overview[0] == ["数据", "本期", "上期", "去年同期"]
    assert ["发现问题", "3", "2", "1"] in overview
    assert any(
        "门后" in cell or "地面有垃圾" in cell for table in tables for row in table for cell in row
    )
    scores = next(table for table in tables if table[0][:2] == ["期间", "平均分"])
    assert scores[0] == ["期间", "平均分", "最高分", "最低分", "参评单位"]
    assert scores[-1] == ["2026年第47周（11月16日—22日）", "101.5", "108", "95", "2"]
    assert (
        scores[-2] == ["2026年第46周（11月9日—15日）", "97", "97", "97", "1"] and len(scores) == 9
    )
    assert len(word.inline_shapes) >= 3  # the charts: ranking, scores, rectification

    workbook = load_workbook(io.BytesIO(download(writer, version, "xlsx")), read_only=True)
    sheets = {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}
    ranking_sheet = next(
        rows for rows in sheets.values() if rows[0][:3] == ("名次", "单位", "得分")
    )
    assert ranking_sheet[1][:3] == (1, "1151班", 108)
    trend = next(rows for rows in sheets.values() if rows[0][:2] == ("期间", "平均分"))
    assert trend[-1] == ("2026年第47周（11月16日—22日）", 101.5, 108, 95, 2)
    rectification = next(rows for title, rows in sheets.items() if title.startswith("整改"))
    assert ("跟踪整改", 2) in rectification and ("逾期未销号", 1) in rectification

    pdf = PdfReader(io.BytesIO(download(writer, version, "pdf")))
    text = "".join(page.extract_text() for page in pdf.pages)
    for expected in [
        "示例职业技术学院",
        "2026年第47周",
        "一、基本情况",
        "四、下周工作重点",
        "1151班",
    ]:
        assert expected in text.replace(" ", ""), expected
    assert "\ufffd" not in text
    assert "— 1 —" in pdf.pages[0].extract_text()  # the page number


def test_an_empty_period_makes_a_report_that_says_so(writer):
    version = generate(writer, period="2025-03")
    assert "本期无相关工作记录" in version.narrative["overview"]
    word = WordDocument(io.BytesIO(download(writer, version, "docx")))
    assert "本期无相关工作记录" in "\n".join(p.text for p in word.paragraphs)


def linked_counts(client, version) -> list[tuple[str, int, int]]:
    """Each counting number of the report page: (link, the number, how many records it lists)."""
    page = client.get(
        reverse("reports:report", args=["college", version.report_id])
    ).content.decode()
    links = re.findall(
        r'<a href="([^"]+)" data-testid="figure-link" data-count="1">([^<]+)</a>', page
    )
    counted = []
    for link, value in links:
        link = link.replace("&amp;", "&")
        listed = client.get(link).content.decode()
        if "/rectification/" in link:
            count = int(re.search(r'data-testid="records-count">共 (\d+) 条', listed)[1])
        elif "/checks/" in link:
            count = int(re.search(r'data-testid="checks-count">(\d+)<', listed)[1])
        elif "/findings/" in link:
            body = listed.split("<tbody>")[1].split("</tbody>")[0]
            count = len(re.findall(r"<tr>\s*<td class=\"text-nowrap\"", body))
        else:
            continue
        counted.append((link, int(value), count))
    return counted


def test_every_number_opens_its_records(writer):
    version = generate(writer, kind="weekly", period="2026-W47")
    counted = linked_counts(writer, version)
    assert len(counted) >= 8
    for link, value, count in counted:
        assert count == value, (link, value, count)


def test_a_site_reports_numbers_open_the_records_of_that_site(writer, records):  # noqa: F811
    """A second site with its own problems in the week: the main site's report neither counts
    them nor lists them behind its numbers; the lists name the site they are narrowed to."""
    org = records["org"]
    with scopes_disabled():
        main = records["room"].site
        annex = SiteFactory(organisation=org, code="annex", name="东校区")
        hall = LocationFactory(
            organisation=org, site=annex, code="A-101", area_type=records["room"].area_type
        )
        AssignmentFactory(organisation=org, location=hall, unit=records["first"])
    with scope(organisation=org):
        submit({**records, "room": hall}, "2026-11-18", problem(records), problem(records))
    whole = generate(writer, kind="weekly", period="2026-W47")
    assert whole.figures["inspections"]["findings"] == 5
    version = generate(writer, kind="weekly", period="2026-W47", site=main.pk)
    assert version.figures["scope"]["site_id"] == main.pk
    assert version.figures["inspections"]["findings"] == 3
    counted = linked_counts(writer, version)
    assert len(counted) >= 8
    for link, value, count in counted:
        # A unit's score and problems count it at every site; the rest only this site's.
        assert (f"site={main.pk}" in link) != ("unit=" in link), link
        assert count == value, (link, value, count)
    assert sum("unit=" not in link for link, *_ in counted) >= 8
    listed = writer.get(
        next(link for link, *_ in counted if "/findings/" in link and "unit=" not in link)
    )
    page = listed.content.decode()
    assert "A-101" not in page
    assert 'data-filter="site"' in page and main.name in page
    # The rectification statistics narrowed to the site, their numbers keeping it.
    for site, found in ((main, 3), (annex, 2)):
        statistics = writer.get(
            reverse("rectification:statistics", args=["college"]),
            {"period": "2026-W47", "site": site.pk},
        ).content.decode()
        total = statistics.split("<tfoot>")[1]
        link, shown = re.search(r'data-state="found"><a href="([^"]+)">(\d+)<', total).groups()
        assert int(shown) == found and f"site={site.pk}" in link


def bulletin_of(records, **codes) -> tuple[dict, list[dict]]:  # noqa: F811
    """The figures and the bulletin a weekly report of week 47 keeps for the scope."""
    with scope(organisation=records["org"]):
        chosen = scope_resolve(organisation=records["org"], **codes)
        figures = report_figures(kind="weekly", scope=chosen, period=period_parse("2026-W47"))
    return figures, figures["bulletin"]


def listed_problems(bulletin: list[dict]) -> list[tuple[str, str, str]]:
    return [
        (day["date"], finding["unit"], finding["location"])
        for section in bulletin
        for day in section["days"]
        for row in day["units"]
        for finding in row["findings"]
    ]


def test_a_site_or_unit_bulletin_lists_only_the_problems_of_its_scope(records):  # noqa: F811
    """Class 2201 holds dorm A-101 at the annex and has a problem there on Wednesday; the north
    site has no location at all. Each site's and each unit's bulletin lists its own problems and
    ranks its own units only, as its figures count them."""
    org = records["org"]
    with scopes_disabled():
        annex = SiteFactory(organisation=org, code="annex", name="东校区")
        SiteFactory(organisation=org, code="north", name="北校区")
        hall = LocationFactory(
            organisation=org, site=annex, code="A-101", area_type=records["room"].area_type
        )
        third = UnitFactory(organisation=org, code="2201", name="2201班")
        AssignmentFactory(organisation=org, location=hall, unit=third)
    with scope(organisation=org):
        submit({**records, "room": hall}, "2026-11-18", problem(records))
    main_site = [
        ("2026-11-16", "0852班", "5413"),
        ("2026-11-17", "0852班", "5413"),
        ("2026-11-19", "1151班", "5413"),
    ]

    _, whole = bulletin_of(records)
    assert listed_problems(whole) == [
        *main_site[:2],
        ("2026-11-18", "2201班", "A-101"),
        main_site[2],
    ]
    ranks = [(row["unit"], row["rank"]) for row in whole[0]["ranking"]]
    assert ranks == [("1151班", 1), ("2201班", 2), ("0852班", 3)]

    figures, main = bulletin_of(records, site="main")
    assert figures["inspections"]["findings"] == 3
    assert listed_problems(main) == main_site
    # The site's units keep their ranks in the organisation.
    assert [(row["unit"], row["rank"]) for row in main[0]["ranking"]] == [ranks[0], ranks[2]]
    assert [bonus["unit"] for bonus in main[0]["bonuses"]] == ["1151班"]

    figures, annexed = bulletin_of(records, site="annex")
    assert figures["inspections"]["findings"] == 1
    assert listed_problems(annexed) == [("2026-11-18", "2201班", "A-101")]
    assert [row["unit"] for row in annexed[0]["ranking"]] == ["2201班"]
    assert annexed[0]["bonuses"] == [] and annexed[0]["highlights"] == []

    figures, empty = bulletin_of(records, site="north")
    assert figures["inspections"]["findings"] == 0 and empty == []

    figures, unit = bulletin_of(records, unit="0852")
    assert figures["inspections"]["findings"] == 2
    assert listed_problems(unit) == main_site[:2]
    assert [row["unit"] for row in unit[0]["ranking"]] == ["0852班"]
    assert unit[0]["bonuses"] == [] and unit[0]["highlights"] == []

    _, unit = bulletin_of(records, unit="2201", site="annex")
    assert listed_problems(unit) == [("2026-11-18", "2201班", "A-101")]
    assert [row["unit"] for row in unit[0]["ranking"]] == ["2201班"]


def test_who_may_write_reports(records, client):  # noqa: F811
    viewer = member(records["org"], "viewer", username="viewer")
    client.force_login(viewer)
    assert client.get(reverse("reports:list", args=["college"])).status_code == 200
    response = client.post(
        reverse("reports:list", args=["college"]), {"kind": "monthly", "period": "2026-11"}
    )
    assert response.status_code == 403
    leader = member(records["org"], "patrol_leader", username="leader2")
    client.force_login(leader)
    bad = client.post(
        reverse("reports:list", args=["college"]), {"kind": "monthly", "period": "2026-W47"}
    )
    assert bad.status_code == 200 and "2026-11" in bad.content.decode()
    with scopes_disabled():
        assert not Report.objects.exists()
