"""Visit record numbers (顾客回访记录编号): `HF-YYYY-MM-NNNN`, by month of the visit.

The command side hands out the sequence number per month, in the transaction
that records the visit; this module only formats and parses. NNNN is
zero-padded to four digits and simply grows past 9999, so a number has
exactly one spelling: `HF-2026-11-0042`, never `HF-2026-11-00042`.
"""

import re
from dataclasses import dataclass
from datetime import date

_RECORD_NO = re.compile(r"^HF-(\d{4})-(\d{2})-(\d{4,})$")


@dataclass(frozen=True)
class RecordNo:
    """A parsed record number."""

    year: int
    month: int
    seq: int

    @property
    def year_month(self) -> str:
        """The calendar month the number belongs to, `YYYY-MM`."""
        return f"{self.year:04d}-{self.month:02d}"

    def __str__(self) -> str:
        return f"HF-{self.year_month}-{self.seq:04d}"


def month_of(day: date) -> str:
    """The calendar month of a business date, `YYYY-MM`: records are numbered
    per month of the visit, and listed and counted by it."""
    return f"{day.year:04d}-{day.month:02d}"


def format_record_no(visited_on: date, seq: int) -> str:
    """The number of the `seq`-th record (from 1) of the visit's month."""
    if seq < 1:
        raise ValueError(f"a record sequence number starts at 1, not {seq}")
    return f"HF-{month_of(visited_on)}-{seq:04d}"


def parse_record_no(record_no: str) -> RecordNo:
    """Split a record number into year, month and sequence; refuse any other form."""
    match = _RECORD_NO.match(record_no)
    if match is None:
        raise ValueError(f"{record_no!r} is not a record number HF-YYYY-MM-NNNN")
    year, month, seq = (int(part) for part in match.groups())
    parsed = RecordNo(year, month, seq)
    # str() is the one canonical spelling; this refuses month 13, seq 0 and
    # extra leading zeros alike.
    if not 1 <= month <= 12 or seq < 1 or str(parsed) != record_no:
        raise ValueError(f"{record_no!r} is not a valid record number")
    return parsed
