"""The baseline's weekly report, written by hand from raw SQL (bench/baselines.py): its content
as blocks (headings, paragraphs, tables, charts drawn by matplotlib), as HTML for WeasyPrint and
as a Word document by python-docx. The same tables and lists as the product's weekly report: the
checks against the previous period and a year earlier, each area type's problems by day, bonuses,
highlights, praise and ranking, the units' ranking, the scores period by period, rectification and
the most frequent problems."""

from __future__ import annotations

import io
from html import escape

CHECKS = {"scheduled": "计划检查", "done": "完成检查", "missed": "漏检", "findings": "发现问题",
          "deduction_points": "扣分", "bonus_points": "加分", "highlights": "亮点"}  # fmt: skip
RANKING_HEADERS = ["名次", "单位", "得分"]
UNITS_HEADERS = [*RANKING_HEADERS, "检查", "问题", "扣分", "加分"]


def _chart(draw) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    pyplot.rcParams["font.family"] = ["Noto Sans CJK SC", "DejaVu Sans"]
    figure, axes = pyplot.subplots(figsize=(7, 2.8))
    draw(axes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    pyplot.close(figure)
    return buffer.getvalue()


def report_content(slug: str, label: str) -> tuple[dict, list[dict], list[tuple]]:
    """The week's figures and bulletin by raw SQL, and the report's blocks."""
    figures, sections = report_data(slug, label)
    return figures, sections, report_blocks(label, figures, sections)


def report_data(slug: str, label: str) -> tuple[dict, list[dict]]:
    """The week's figures and bulletin by raw SQL."""
    from baozhang.core.periods import period_parse
    from bench.baselines import bulletin_sections, figures_of, organisation_id

    org, week = organisation_id(slug), period_parse(label)
    return figures_of(org, week, by_month=False), bulletin_sections(org, week)


def report_blocks(label: str, figures: dict, sections: list[dict]) -> list[tuple]:
    """The report's headings, paragraphs, tables and charts (drawn now) from its figures."""
    checks = figures["inspections"]
    before = figures["comparison"]["previous"]["inspections"]
    earlier = figures["comparison"]["year_earlier"]["inspections"]
    blocks: list[tuple] = [
        ("heading", 0, f"{label} 周报"),
        ("heading", 1, "一、总体情况"),
        ("paragraph", f"本周计划检查{checks['scheduled']}次，完成{checks['done']}次，发现问题"
                      f"{checks['findings']}个，扣{checks['deduction_points']}分。"),
        ("table", "检查与问题", ["项目", "本期", "上期", "去年同期"],
         [[name, checks[key], before[key], earlier[key]] for key, name in CHECKS.items()]),
        ("heading", 1, "二、检查结果"),
    ]  # fmt: skip
    for section in sections:
        area = section["area_type"]
        blocks.append(("heading", 2, area))
        rows = [
            [day["date"].isoformat()[5:], unit["unit"] or "—",
             "；".join(f"{f['location']} {f['item'] or ''} {f['note']}".strip()
                      + f"（−{f['points']}）" for f in unit["findings"])]
            for day in section["days"] for unit in day["units"]
        ]  # fmt: skip
        if rows:
            blocks.append(("table", f"{area}：每日问题", ["日期", "单位", "问题"], rows))
        if section["bonuses"]:
            listed = "；".join(
                f"{b['unit']} {b['item']}（+{b['points']}）" for b in section["bonuses"]
            )
            blocks.append(("paragraph", f"加分：{listed}。"))
        if section["highlights"]:
            listed = "；".join(
                f"{h['unit']} {h['location']} {h['note']}" for h in section["highlights"]
            )
            blocks.append(("paragraph", f"亮点：{listed}。"))
        if section["praised"]:
            blocks.append(("paragraph", f"本周无问题，予以表扬：{'、'.join(section['praised'])}。"))
        ranked = [[row["rank"], row["unit"], row["score"]] for row in section["ranking"]]
        blocks.append(("table", f"{area}：排名", RANKING_HEADERS, ranked))
    units = [u for u in figures["units"] if u["checked"]]
    blocks.append(("table", "单位排名", UNITS_HEADERS,
                   [[u["rank"], u["unit"], "" if u["score"] is None else u["score"], u["checks"],
                     u["findings"], u["deductions"], u["bonus"]] for u in units]))  # fmt: skip
    scored = [u for u in units if u["score"] is not None]
    blocks.append(("chart", _chart(lambda axes: axes.barh([u["unit"] for u in scored],
                                                          [u["score"] for u in scored]))))  # fmt: skip
    unchecked = [u["unit"] for u in figures["units"] if not u["checked"]]
    if unchecked:
        blocks.append(("paragraph", f"本期未检查，不参加排名：{'、'.join(unchecked)}。"))
    steps = figures["score_trend"]
    blocks.append(("table", "各期得分", ["期", "平均", "最高", "最低", "单位数"],
                   [[s["label"], s["average"], s["best"], s["lowest"], s["units"]] for s in steps]))  # fmt: skip
    shown = [step for step in steps if step["units"]]
    blocks.append(("chart", _chart(lambda axes: axes.plot([s["label"] for s in shown],
                                                          [s["average"] for s in shown]))))  # fmt: skip
    fixes = figures["rectification"]
    counted = [key for key in fixes if not key.endswith("_days")]
    blocks.append(("table", "整改", ["项目", "本期"], [[key, fixes[key]] for key in counted]))
    blocks.append(("chart", _chart(lambda axes: axes.bar(counted, [fixes[k] for k in counted]))))
    blocks.append(("heading", 1, "三、存在问题"))
    blocks.append(("table", "常见问题", ["检查项", "问题数"],
                   [[t["item"], t["count"]] for t in figures["problems"]["top_items"]]))  # fmt: skip
    blocks.append(("heading", 1, "四、下周重点"))
    blocks.append(("paragraph", "针对上述问题，逐项整改。"))
    return blocks


def as_html(blocks: list[tuple], css: str) -> str:
    import base64

    parts = [f"<!doctype html><html><head><meta charset='utf-8'><style>{css}</style></head><body>"]
    for block in blocks:
        if block[0] == "heading":
            parts.append(f"<h{block[1] + 1}>{escape(block[2])}</h{block[1] + 1}>")
        elif block[0] == "paragraph":
            parts.append(f"<p>{escape(block[1])}</p>")
        elif block[0] == "table":
            _kind, caption, headers, rows = block
            head = "".join(f"<th>{escape(str(each))}</th>" for each in headers)
            body = "".join(
                "<tr>" + "".join(f"<td>{escape('' if c is None else str(c))}</td>" for c in row)
                + "</tr>"
                for row in rows
            )  # fmt: skip
            parts.append(f"<p><b>{escape(caption)}</b></p><table><tr>{head}</tr>{body}</table>")
        else:
            parts.append(f'<img src="data:image/png;base64,{base64.b64encode(block[1]).decode()}">')
    return "".join(parts) + "</body></html>"


def as_docx(blocks: list[tuple]) -> bytes:
    from docx import Document
    from docx.shared import Cm

    word = Document()
    for block in blocks:
        if block[0] == "heading":
            word.add_heading(block[2], level=block[1])
        elif block[0] == "paragraph":
            word.add_paragraph(block[1])
        elif block[0] == "table":
            _kind, caption, headers, rows = block
            word.add_paragraph(caption)
            table = word.add_table(rows=1, cols=len(headers))
            table.style = "Table Grid"
            for cell, header in zip(table.rows[0].cells, headers, strict=True):
                cell.text = header
            for row in rows:
                for cell, value in zip(table.add_row().cells, row, strict=True):
                    cell.text = "" if value is None else str(value)
        else:
            word.add_picture(io.BytesIO(block[1]), width=Cm(15))
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def ranking_rows_of_docx(content: bytes) -> list[tuple]:
    """The rows of every table whose headings begin 名次 | 单位 | 得分, as (rank, unit, score):
    the unit without the kind a table adds to it, the score None where there is none."""
    import re

    from docx import Document

    rows = []
    for table in Document(io.BytesIO(content)).tables:
        cells = [[cell.text.strip() for cell in row.cells] for row in table.rows]
        if cells and cells[0][:3] == RANKING_HEADERS:
            rows += [
                (int(row[0]), re.sub(r"（.*）$", "", row[1]), float(row[2]) if row[2] else None)
                for row in cells[1:]
            ]
    return sorted(rows, key=repr)
