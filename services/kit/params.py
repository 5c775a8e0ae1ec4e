"""Query parameters every service's list endpoints share, written once."""

from typing import Annotated

from fastapi import Query

# A report period or a month: YYYY-MM.
PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"

Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Cursor = Annotated[str | None, Query(description="`next` of the previous page")]
