import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.survey.domain.numbering import (
    RecordNo,
    format_record_no,
    month_of,
    parse_record_no,
)

# The pattern VisitCompletedPayload.record_no accepts (schemas/survey.py).
SCHEMA_PATTERN = re.compile(r"^HF-\d{4}-\d{2}-\d{4,}$")


@pytest.mark.parametrize(
    ("visited_on", "seq", "expected"),
    [
        (date(2026, 11, 30), 42, "HF-2026-11-0042"),
        (date(2026, 1, 1), 1, "HF-2026-01-0001"),
        (date(2027, 12, 31), 9999, "HF-2027-12-9999"),
        (date(2027, 12, 31), 10000, "HF-2027-12-10000"),
        (date(2027, 12, 31), 123456, "HF-2027-12-123456"),
    ],
)
def test_record_no_is_numbered_by_month_of_the_visit(
    visited_on: date, seq: int, expected: str
) -> None:
    assert format_record_no(visited_on, seq) == expected


@pytest.mark.parametrize("seq", [0, -1])
def test_sequence_starts_at_one(seq: int) -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        format_record_no(date(2026, 11, 5), seq)


@pytest.mark.parametrize(
    ("visited_on", "expected"),
    [(date(2026, 11, 30), "2026-11"), (date(2026, 2, 1), "2026-02")],
)
def test_month_is_year_and_month(visited_on: date, expected: str) -> None:
    assert month_of(visited_on) == expected


def test_parse_splits_a_record_no() -> None:
    parsed = parse_record_no("HF-2026-11-0042")

    assert parsed == RecordNo(2026, 11, 42)
    assert parsed.year_month == "2026-11"
    assert str(parsed) == "HF-2026-11-0042"


@pytest.mark.parametrize(
    "record_no",
    [
        "",
        "HF-2026-11-042",
        "HF-2026-11-00042",
        "HF-2026-11-0000",
        "HF-2026-13-0001",
        "HF-2026-00-0001",
        "HF-2026-1-0001",
        "hf-2026-11-0042",
        "HF-2026-11-0042 ",
        "HF-2026/11-0042",
        "HF-2026-11-00٤2",
    ],
)
def test_parse_refuses_anything_but_the_one_spelling(record_no: str) -> None:
    with pytest.raises(ValueError, match="record number"):
        parse_record_no(record_no)


@given(st.dates(min_value=date(1000, 1, 1)), st.integers(min_value=1, max_value=10**7))
def test_format_and_parse_round_trip(visited_on: date, seq: int) -> None:
    record_no = format_record_no(visited_on, seq)

    assert SCHEMA_PATTERN.match(record_no)
    assert parse_record_no(record_no) == RecordNo(
        visited_on.year, visited_on.month, seq
    )
    assert parse_record_no(record_no).year_month == month_of(visited_on)
