"""The Friday batch's files: templates out, filled workbooks and CSV in, and
the validation report back as a workbook with the broken cells marked.

Only reading and writing cells lives here; which columns a fact has and what
a row means is `domain/imports.py`.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from services.ledger.domain.imports import COLUMNS, Column, Problem, Row, is_blank

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_SHEET = "allowed"
BROKEN = PatternFill("solid", fgColor="FFC7CE")
MAX_ROWS = 100_000  # a week's facts of the biggest department, with room


class UnreadableFileError(ValueError):
    """Not a workbook or CSV this import understands (the message says why)."""


def template_xlsx(facts: Sequence[str]) -> bytes:
    """A workbook with one sheet per fact, its headers, and drop-down lists
    of the closed vocabularies kept on a hidden sheet."""
    book = Workbook()
    allowed = book.active
    assert allowed is not None
    allowed.title = ALLOWED_SHEET
    allowed.sheet_state = "hidden"
    next_column = 1
    for fact in facts:
        sheet = book.create_sheet(fact)
        for n, column in enumerate(COLUMNS[fact], start=1):
            cell = sheet.cell(row=1, column=n, value=column.header)
            cell.font = Font(bold=column.required)
            sheet.column_dimensions[get_column_letter(n)].width = 24
            if not column.allowed:
                continue
            letter = get_column_letter(next_column)
            allowed.cell(row=1, column=next_column, value=f"{fact}.{column.path}")
            for m, value in enumerate(column.allowed, start=2):
                allowed.cell(row=m, column=next_column, value=value)
            last = len(column.allowed) + 1
            source = f"{quote_sheetname(ALLOWED_SHEET)}!${letter}$2:${letter}${last}"
            rule = DataValidation(type="list", formula1=source, allow_blank=True)
            sheet.add_data_validation(rule)
            rule.add(f"{get_column_letter(n)}2:{get_column_letter(n)}{MAX_ROWS}")
            next_column += 1
        sheet.freeze_panes = "A2"
    book.move_sheet(ALLOWED_SHEET, offset=len(facts))
    book.active = 0
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv(fact: str) -> str:
    """The header line of a fact's CSV (UTF-8 with BOM, as spreadsheets write it)."""
    out = io.StringIO()
    csv.writer(out).writerow([c.header for c in COLUMNS[fact]])
    return "\ufeff" + out.getvalue()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _column_of(fact: str, header: str) -> Column | None:
    """A header as the template writes it, or just the field's path."""
    text = header.strip()
    for column in COLUMNS[fact]:
        if text in (column.header, column.path, column.title):
            return column
    return None


def _rows(
    fact: str, sheet: str, lines: Iterable[Sequence[object]], problems: list[Problem]
) -> list[Row]:
    it = iter(lines)
    header = [_text(h) for h in next(it, [])]
    columns = [_column_of(fact, h) if h.strip() else None for h in header]
    for name, column in zip(header, columns, strict=True):
        if name.strip() and column is None:
            problems.append(Problem(sheet, 1, name, "unknown column"))
    rows: list[Row] = []
    for number, line in enumerate(it, start=2):
        cells = {
            column.path: _text(value)
            for column, value in zip(columns, line, strict=False)
            if column is not None
        }
        if is_blank(cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise UnreadableFileError(f"more than {MAX_ROWS} rows in {sheet}")
        rows.append(Row(fact, sheet, number, cells))
    return rows


def read_xlsx(data: bytes) -> tuple[list[Row], list[Problem]]:
    """Every filled row of every fact sheet; sheets named otherwise (the hidden
    vocabulary, a clerk's notes) are left out, unless no sheet is a fact."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        msg = f"not an .xlsx workbook ({type(exc).__name__})"
        raise UnreadableFileError(msg) from None
    problems: list[Problem] = []
    rows: list[Row] = []
    facts = [name for name in book.sheetnames if name in COLUMNS]
    if not facts:
        known = ", ".join(COLUMNS)
        raise UnreadableFileError(f"no sheet named after a fact ({known})")
    for name in facts:
        lines = book[name].iter_rows(values_only=True)
        rows.extend(_rows(name, name, lines, problems))
    book.close()
    return rows, problems


def read_csv(data: bytes, fact: str) -> tuple[list[Row], list[Problem]]:
    """Every filled row of a CSV holding facts of one type."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFileError("a CSV must be UTF-8") from None
    problems: list[Problem] = []
    rows = _rows(fact, fact, csv.reader(io.StringIO(text)), problems)
    return rows, problems


def report_xlsx(rows: Sequence[Row], problems: Sequence[Problem]) -> bytes:
    """The rows as read, one sheet per fact, each broken cell filled red with
    its rule as a comment, and a last column listing the row's problems."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    by_row: dict[tuple[str, int | None], list[Problem]] = {}
    for problem in problems:
        by_row.setdefault((problem.sheet, problem.row), []).append(problem)
    for fact in dict.fromkeys(r.fact for r in rows):
        sheet = book.create_sheet(fact)
        columns = COLUMNS[fact]
        for n, column in enumerate(columns, start=1):
            sheet.cell(row=1, column=n, value=column.header)
        sheet.cell(row=1, column=len(columns) + 1, value="问题 (problems)")
        for row in (r for r in rows if r.fact == fact):
            for n, column in enumerate(columns, start=1):
                sheet.cell(row=row.number, column=n, value=row.cells.get(column.path))
            found = by_row.get((row.sheet, row.number), [])
            for problem in found:
                for n, column in enumerate(columns, start=1):
                    if problem.column == column.header:
                        cell = sheet.cell(row=row.number, column=n)
                        cell.fill = BROKEN
                        cell.comment = Comment(problem.rule, "followup")
            if found:
                sheet.cell(
                    row=row.number,
                    column=len(columns) + 1,
                    value="; ".join(f"{p.column}: {p.rule}" for p in found),
                )
    if not book.sheetnames:
        book.create_sheet("problems")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
