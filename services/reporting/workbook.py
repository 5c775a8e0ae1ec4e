"""The monthly report as an Excel workbook for the leadership, a sheet a section.

It is rendered from the same `MonthlyReport` the JSON endpoint returns, so
both always hold the same numbers. Every word a reader sees (sheet names,
headers, kinds, departments, reasons, forms, tags) is in Chinese by default,
English with `lang="en"` (`labels.py`); codes such as `after_sales` never
reach the sheet. Shares are numbers formatted as percentages, so they can be
summed and charted.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from schemas.types import Rating
from services.reporting.labels import Lang, label
from services.reporting.models import (
    ComplaintsRead,
    MonthlyReport,
    SatisfactionRead,
    TallyRead,
)

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERCENT = "0.00%"
_BOLD = Font(bold=True)
_GROUP_HEADERS = (
    "group.records",
    "group.pq_satisfied",
    "group.pq_neutral",
    "group.pq_dissatisfied",
    "group.pq_share",
    "group.sq_satisfied",
    "group.sq_neutral",
    "group.sq_dissatisfied",
    "group.sq_share",
    "group.mean_score",
)
_SHARE_COLUMNS = (5, 9)  # 0-based positions within _GROUP_HEADERS, after the key
_FORMS = ("complaint", "service_request", "problem_report", "suggestion")


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
        width = max(12, min(40, 2 * len(header) + 2))
        sheet.column_dimensions[letter].width = width


class _Book:
    """A workbook being written in one language."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.book = Workbook()

    def t(self, code: str) -> str:
        return label(code, self.lang)

    def sheet(self, code: str) -> Any:
        return self.book.create_sheet(self.t(f"sheet.{code}"))

    def headers(self, *codes: str) -> list[str]:
        return [self.t(c) for c in codes]


def _tally_rows(b: _Book, tally: TallyRead) -> list[list[Any]]:
    return [
        [b.t(rating.value), getattr(tally, rating.value), tally.shares[rating.value]]
        for rating in Rating
    ] + [[b.t("rated"), tally.rated, None]]


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
    b: _Book,
    sheet: str,
    key: str,
    groups: Mapping[str, SatisfactionRead],
    name: Callable[[str], str] = str,
) -> None:
    _table(
        b.sheet(sheet),
        (b.t(key), *b.headers(*_GROUP_HEADERS)),
        (_group_row(name(k), g) for k, g in groups.items()),
        percent_columns=_SHARE_COLUMNS,
    )


def _summary(b: _Book, report: MonthlyReport) -> None:
    sheet = b.book.active
    sheet.title = b.t("sheet.summary")
    _table(
        sheet,
        (b.t("title"), ""),
        [
            (b.t("period"), report.period),
            (b.t("start"), report.start),
            (b.t("end"), report.end),
            (b.t("cutoff_day"), report.cutoff_day),
            (b.t("records"), report.records),
            (b.t("retail_mean_score"), report.retail_mean_score),
        ],
    )


def _unknown(b: _Book) -> Callable[[str], str]:
    """A name as it is, except the group of records that name none."""
    return lambda key: b.t("unknown") if key == "unknown" else key


def _satisfaction(b: _Book, report: MonthlyReport) -> None:
    for code, tally in (
        ("product_quality", report.product_quality),
        ("service_quality", report.service_quality),
    ):
        _table(
            b.sheet(code),
            b.headers("rating", "count", "share"),
            _tally_rows(b, tally),
            percent_columns=(2,),
        )
    _groups(
        b, "by_product_model", "product_model", report.by_product_model, _unknown(b)
    )
    _groups(b, "by_kind", "kind", report.by_kind, b.t)
    _groups(b, "by_region", "region", report.by_region, _unknown(b))
    _table(
        b.sheet("by_customer"),
        (*b.headers("customer", "customer_name"), *b.headers(*_GROUP_HEADERS)),
        (
            [k, g.customer_name, *_group_row(k, g)[1:]]
            for k, g in report.by_customer.items()
        ),
        percent_columns=tuple(c + 1 for c in _SHARE_COLUMNS),
    )
    _table(
        b.sheet("by_tag"),
        (*b.headers("tag_axis", "tag"), *b.headers(*_GROUP_HEADERS)),
        (
            [b.t(axis), *_group_row(b.t(k), g)]
            for axis, groups in report.by_tag.items()
            for k, g in groups.items()
        ),
        percent_columns=tuple(c + 1 for c in _SHARE_COLUMNS),
    )
    _groups(b, "by_company", "company", report.by_company, _unknown(b))
    _table(
        b.sheet("score_trend"),
        b.headers("period", "retail_mean_score", "retail_records"),
        ((p.period, p.mean_score, p.records) for p in report.score_trend),
    )


def _form_rows(b: _Book, form: str, c: ComplaintsRead) -> list[list[Any]]:
    return [
        [b.t(form), b.t("total"), c.opened, c.resolved, c.revisited, c.still_open],
        *(
            [b.t(form), b.t(dept), d.opened, d.resolved, d.revisited, d.still_open]
            for dept, d in c.by_department.items()
        ),
    ]


def _operations(b: _Book, report: MonthlyReport) -> None:
    v = report.visits
    sheet = b.sheet("visits")
    _table(
        sheet,
        b.headers("visits", "count"),
        [
            (b.t("planned"), v.planned),
            (b.t("done"), v.done),
            (b.t("done_late"), v.done_late),
            (b.t("overdue"), v.overdue),
            (b.t("missed"), v.missed),
        ],
    )
    _table(
        sheet,
        b.headers("failed_by_reason", "count"),
        ((b.t(reason), n) for reason, n in v.failed_attempts_by_reason.items()),
    )
    forms = dict(
        zip(
            _FORMS,
            (
                report.complaints,
                report.service_requests,
                report.problem_reports,
                report.suggestion_forms,
            ),
            strict=True,
        )
    )
    _table(
        b.sheet("forms"),
        b.headers(
            "form", "department", "opened", "resolved", "revisited", "still_open"
        ),
        (row for form, c in forms.items() for row in _form_rows(b, form, c)),
    )
    capas = report.capas
    _table(
        b.sheet("capas"),
        b.headers("capas", "count"),
        [
            (b.t("opened"), capas.opened),
            (b.t("verified"), capas.verified),
            (b.t("still_open"), capas.still_open),
        ],
    )
    _table(
        b.sheet("suggestions"),
        b.headers(
            "record_no",
            "customer",
            "visited_on",
            "suggestions",
            "needs",
            "post_warranty_service",
        ),
        (
            (
                s.record_no,
                s.customer_id,
                s.visited_on,
                s.suggestions,
                s.needs,
                ", ".join(b.t(x) for x in s.post_warranty_service),
            )
            for s in report.suggestions
        ),
    )
    _table(
        b.sheet("opportunities"),
        b.headers(
            "record_no", "customer", "visited_on", "kind", "company", "opportunity"
        ),
        (
            (o.record_no, o.customer_id, o.visited_on, b.t(o.kind), o.company, o.text)
            for o in report.opportunities
        ),
    )
    _table(
        b.sheet("reviews"),
        b.headers(
            "review_id",
            "part",
            "company",
            "reviewer",
            "reviewed_on",
            "capa_needed",
            "reason",
            "capa_ids",
        ),
        (
            (
                r.review_id,
                b.t(r.part.value),
                r.company,
                r.reviewer,
                r.reviewed_on,
                b.t("yes" if r.capa_needed else "no"),
                r.reason,
                ", ".join(r.capa_ids),
            )
            for r in report.reviews
        ),
    )


def render(report: MonthlyReport, lang: Lang = "zh") -> bytes:
    """The report as .xlsx bytes, its labels in `lang`."""
    b = _Book(lang)
    _summary(b, report)
    _satisfaction(b, report)
    _operations(b, report)
    out = BytesIO()
    b.book.save(out)
    return out.getvalue()
