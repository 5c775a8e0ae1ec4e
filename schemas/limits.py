"""The limits of what the system accepts, declared once with the contracts.

Every value an event carries must fit every column that stores it and every
output that prints it, so the API refuses at the edge (422 naming the field
and the rule) what a consumer could not apply later. schemas/README.md lists
the limits in a table.
"""

import os
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field, StringConstraints

MAX_ID = 64
MAX_DERIVED_ID = 128
MAX_NAME = 200
MAX_TEXT = 4000
MAX_AMOUNT = Decimal("9999999999999.99")
MAX_QUANTITY = 1_000_000
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2099, 12, 31)
FACT_YEARS_AHEAD = 5
MAX_BATCH_ITEMS = 1000
MAX_BODY_BYTES = 4 * 1024 * 1024
# A department's weekly file (the ledger's Friday batch): 100,000 rows of CSV
MAX_UPLOAD_BYTES = 32 * 1024 * 1024
MAX_EVENT_BYTES = 256 * 1024

# C0 controls, DEL and C1 controls; tab, newline and carriage return are
# allowed in free text only. NUL is refused by PostgreSQL text columns, other
# controls by the XLSX writer.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        msg = "must not contain control characters"
        raise ValueError(msg)
    return value


def _no_control_in_text(value: str) -> str:
    if _CONTROL_IN_TEXT.search(value):
        msg = "must not contain control characters other than tab and newline"
        raise ValueError(msg)
    return value


_ID_PATTERN = r"^[\x21-\x7e]+$"

ClientId = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_ID, pattern=_ID_PATTERN)
]
DerivedId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_DERIVED_ID, pattern=_ID_PATTERN),
]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_NAME),
    AfterValidator(_no_control),
]
Text = Annotated[
    str, StringConstraints(max_length=MAX_TEXT), AfterValidator(_no_control_in_text)
]
RequiredText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_TEXT),
    AfterValidator(_no_control_in_text),
]
Phone = Annotated[
    str, StringConstraints(min_length=3, max_length=32), AfterValidator(_no_control)
]
Amount = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, max_digits=15, decimal_places=2)]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
BusinessDate = Annotated[date, Field(ge=FIRST_DATE, le=LAST_DATE)]


def not_after_years_ahead(today: date, value: date, years: int) -> bool:
    """Whether `value` is at most `years` after `today` (Feb 29 clamped)."""
    try:
        bound = today.replace(year=today.year + years)
    except ValueError:
        bound = today.replace(year=today.year + years, day=28)
    return value <= bound


def machine_today(timezone: str = "UTC") -> date:
    """The machine's calendar date in a time zone.

    `FOLLOWUP_MACHINE_DATE` (tests only) stands in for it, so the suite can
    prove it passes on any date without `faketime`, which would move Kafka's
    timestamps too (`make test-dates`); a service's pinned `clock_date` still
    wins over both (services/kit/settings.py).
    """
    simulated = os.environ.get("FOLLOWUP_MACHINE_DATE")
    if simulated:
        return date.fromisoformat(simulated)
    return datetime.now(ZoneInfo(timezone)).date()


def _fact_date(value: date) -> date:
    # UTC today: the company's zone differs by less than the years allowed.
    if not not_after_years_ahead(machine_today(), value, FACT_YEARS_AHEAD):
        msg = f"must be at most {FACT_YEARS_AHEAD} years after today"
        raise ValueError(msg)
    return value


FactDate = Annotated[BusinessDate, AfterValidator(_fact_date)]
