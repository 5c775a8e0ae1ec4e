"""The monthly report as an Excel workbook for the leadership, a sheet a section.

It is rendered from the same `MonthlyReport` the JSON endpoint returns, so
both always hold the same numbers. Headers are bilingual (the source's
Chinese, then the system's English); shares are numbers formatted as
percentages, so they can be summed and charted.
"""

from collections.abc import Iterable, Mapping, Sequence
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from schemas.types import Rating
from services.reporting.models import (
    MonthlyReport,
    SatisfactionRead,
    TallyRead,
)

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERCENT = "0.00%"
_BOLD = Font(bold=True)
_RATING_LABELS = {
    Rating.SATISFIED: "满意 satisfied",
    Rating.NEUTRAL: "一般 neutral",
    Rating.DISSATISFIED: "不满意 dissatisfied",
}
_GROUP_HEADERS = (
    "记录数 records",
    "产品质量 满意 product satisfied",
    "产品质量 一般 product neutral",
    "产品质量 不满意 product dissatisfied",
    "产品质量 满意率 product satisfied share",
    "服务质量 满意 service satisfied",
    "服务质量 一般 service neutral",
    "服务质量 不满意 service dissatisfied",
    "服务质量 满意率 service satisfied share",
    "平均分 mean score",
)
_SHARE_COLUMNS = (5, 9)  # 0-based positions within _GROUP_HEADERS, after the key


def _table(
    sheet: Any,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    percent_columns: Iterable[int] = (),
) -> None:
    """Append a bold header row and the rows; format share columns as percent.

    A second table on a sheet is set off from the first by an empty row.
    """
    if sheet.max_row > 1:
        sheet.append([])
    sheet.append(list(headers))
    first = sheet.max_row
    for cell in sheet[first]:
        cell.font = _BOLD
    for row in rows:
        sheet.append(list(row))
        for column in percent_columns:
            sheet.cell(row=sheet.max_row, column=column + 1).number_format = PERCENT
    for index, header in enumerate(headers, start=1):
        letter = sheet.cell(row=first, column=index).column_letter
        width = max(12, min(40, len(header) + 2))
        sheet.column_dimensions[letter].width = width


def _tally_rows(tally: TallyRead) -> list[list[Any]]:
    return [
        [label, getattr(tally, rating.value), tally.shares[rating.value]]
        for rating, label in _RATING_LABELS.items()
    ] + [["合计 rated", tally.rated, None]]


def _group_row(key: str, group: SatisfactionRead) -> list[Any]:
    pq, sq = group.product_quality, group.service_quality
    return [
        key,
        group.records,
        pq.satisfied,
        pq.neutral,
        pq.dissatisfied,
        pq.shares[Rating.SATISFIED.value],
        sq.satisfied,
        sq.neutral,
        sq.dissatisfied,
        sq.shares[Rating.SATISFIED.value],
        group.mean_score,
    ]


def _groups(
    book: Any, title: str, key: str, groups: Mapping[str, SatisfactionRead]
) -> None:
    _table(
        book.create_sheet(title),
        (key, *_GROUP_HEADERS),
        (_group_row(k, g) for k, g in groups.items()),
        percent_columns=_SHARE_COLUMNS,
    )


def _summary(book: Any, report: MonthlyReport) -> None:
    sheet = book.active
    sheet.title = "Summary"
    _table(
        sheet,
        ("顾客满意度测量报告 satisfaction measurement report", ""),
        [
            ("期间 period", report.period),
            ("起 start", report.start),
            ("止 end", report.end),
            ("截止日 cutoff day", report.cutoff_day),
            ("回访记录 records", report.records),
            ("零售平均分 retail mean score", report.retail_mean_score),
        ],
    )


def _satisfaction(book: Any, report: MonthlyReport) -> None:
    for title, tally in (
        ("Product quality", report.product_quality),
        ("Service quality", report.service_quality),
    ):
        _table(
            book.create_sheet(title),
            ("评价 rating", "数量 count", "比例 share"),
            _tally_rows(tally),
            percent_columns=(2,),
        )
    _groups(book, "By product model", "产品型号 product model", report.by_product_model)
    _groups(book, "By kind", "回访类别 kind", report.by_kind)
    _groups(book, "By region", "区域 region", report.by_region)
    sheet = book.create_sheet("By customer")
    _table(
        sheet,
        ("客户 customer", "名称 name", *_GROUP_HEADERS),
        (
            [k, g.customer_name, *_group_row(k, g)[1:]]
            for k, g in report.by_customer.items()
        ),
        percent_columns=tuple(c + 1 for c in _SHARE_COLUMNS),
    )
    _table(
        book.create_sheet("Score trend"),
        ("期间 period", "零售平均分 retail mean score", "零售记录 retail records"),
        ((p.period, p.mean_score, p.records) for p in report.score_trend),
    )


def _operations(book: Any, report: MonthlyReport) -> None:
    v = report.visits
    sheet = book.create_sheet("Visits")
    _table(
        sheet,
        ("回访 visits", "数量 count"),
        [
            ("计划 planned", v.planned),
            ("完成 done", v.done),
            ("逾期完成 done late", v.done_late),
            ("逾期 overdue", v.overdue),
        ],
    )
    _table(
        sheet,
        ("回访不成功原因 failed attempts by reason", "数量 count"),
        v.failed_attempts_by_reason.items(),
    )
    c = report.complaints
    headers = (
        "已开 opened",
        "已处理 resolved",
        "已再回访 revisited",
        "未关闭 still open",
    )
    _table(
        book.create_sheet("Complaints"),
        ("部门 department", *headers),
        [
            ("合计 total", c.opened, c.resolved, c.revisited, c.still_open),
            *(
                (dept, d.opened, d.resolved, d.revisited, d.still_open)
                for dept, d in c.by_department.items()
            ),
        ],
    )
    capas = report.capas
    _table(
        book.create_sheet("CAPAs"),
        ("纠正预防措施 CAPAs", "数量 count"),
        [
            ("已开 opened", capas.opened),
            ("已验证 verified", capas.verified),
            ("未验证 still open", capas.still_open),
        ],
    )
    _table(
        book.create_sheet("Suggestions"),
        (
            "记录编号 record no",
            "客户 customer",
            "日期 visited on",
            "意见和建议 suggestions",
            "需求 needs",
            "质保期外服务 post-warranty service",
        ),
        (
            (
                s.record_no,
                s.customer_id,
                s.visited_on,
                s.suggestions,
                s.needs,
                ", ".join(s.post_warranty_service),
            )
            for s in report.suggestions
        ),
    )


def render(report: MonthlyReport) -> bytes:
    """The report as .xlsx bytes."""
    book = Workbook()
    _summary(book, report)
    _satisfaction(book, report)
    _operations(book, report)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
