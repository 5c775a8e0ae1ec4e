"""What every service's HTTP edge shares, written once: the 4xx bodies, the
query parameters (wait, as_of, paging, month, period) and the headers
(Idempotency-Key).

A refused request always answers `{"detail": [{"field", "rule", "message"?,
"item"?}, ...]}` for 422 (every broken rule, each naming its field), or
`{"detail": "<sentence>"}` for 404, 409, 413, 415 and 503.
"""

import re
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any

from fastapi import Header, HTTPException, Query, status
from pydantic import BaseModel, BeforeValidator

# A calendar month (YYYY-MM) of a business date.
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
# A report period, named by the month of its cutoff: YYYY-MM (domain.md: the
# 26th of the previous month to the 25th of this one). Only reporting uses it.
PERIOD_PATTERN = MONTH_PATTERN

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    # pydantic also reads a number as a Unix timestamp ("1e-190" is
    # 1970-01-01); a business date in a query is only ever YYYY-MM-DD.
    if isinstance(value, str) and not _ISO_DATE.match(value):
        msg = "must be a date YYYY-MM-DD"
        raise ValueError(msg)
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]

Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
PageCursor = Annotated[
    str | None, Query(max_length=200, description="`next` of the previous page")
]
Wait = Annotated[
    bool,
    Query(description="answer once this service's read model applied the change"),
]
AsOf = Annotated[
    IsoDate | None, Query(description="the business date to answer for; today")
]
Month = Annotated[
    str | None, Query(pattern=MONTH_PATTERN, description="a calendar month, YYYY-MM")
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description=(
            "makes a retried command safe: the same key and body answer the "
            "first answer again and change nothing; another body under the "
            "same key is refused (422). Kept at least 24 h."
        ),
    ),
]


class FieldProblem(BaseModel):
    """One broken rule of a refused request."""

    field: str
    rule: str
    message: str | None = None
    item: int | None = None


class Unprocessable(BaseModel):
    """The 422 body: every broken rule at once."""

    detail: list[FieldProblem]


class Refusal(BaseModel):
    """The body of 401, 403, 404, 409, 413, 415 and 503: one sentence."""

    detail: str


def unprocessable(problems: Iterable[FieldProblem | dict[str, Any]]) -> HTTPException:
    """422 listing every broken rule, each naming its field."""
    detail = [
        (p if isinstance(p, FieldProblem) else FieldProblem(**p)).model_dump(
            exclude_none=True
        )
        for p in problems
    ]
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=detail)


def field_problem(field: str, rule: str, message: str | None = None) -> HTTPException:
    """422 for one broken rule."""
    return unprocessable([FieldProblem(field=field, rule=rule, message=message)])


def not_found(what: str, entity_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no {what} {entity_id!r}")


def conflict(sentence: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, detail=sentence)


def unavailable(sentence: str, retry_after_s: int = 5) -> HTTPException:
    """503 with Retry-After: try again later, nothing was done."""
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        detail=sentence,
        headers={"Retry-After": str(retry_after_s)},
    )


# What every route but /healthz, /readyz and /metrics may answer before it
# runs (services/kit/security.py): nothing is done.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {
        "model": Refusal,
        "description": "no valid API key (none, unknown, expired or revoked)",
    },
    403: {"model": Refusal, "description": "the key's scopes do not allow it"},
}

# For `responses=` of command routes, so that OpenAPI documents the refusals.
COMMAND_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    400: {"model": Refusal, "description": "the body is not readable (not UTF-8)"},
    404: {"model": Refusal, "description": "unknown entity"},
    409: {"model": Refusal, "description": "the current state does not allow it"},
    413: {"model": Refusal, "description": "the body is too large"},
    415: {"model": Refusal, "description": "the body is not JSON"},
    422: {"model": Unprocessable, "description": "broken rules, nothing done"},
    503: {"model": Refusal, "description": "behind the log; retry after"},
}


def request_problems(errors: Iterable[dict[str, Any]]) -> list[FieldProblem]:
    """FastAPI's validation errors as the one 422 shape.

    The field is the dotted location without its root (`body`, `query`,
    `path`, `header`), like the fields services name themselves; the offending
    value is never echoed (it may be NaN or Infinity, which JSON cannot carry,
    or a secret).
    """
    problems = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]
        problems.append(
            FieldProblem(field=".".join(loc) or "body", rule=str(error.get("msg", "")))
        )
    return problems


# C0 and C1 controls and DEL, in a query or path parameter (schemas/limits.py)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# Content types a JSON API reads; anything else is refused with 415 unless
# the route declares its own (a file upload).
JSON_TYPES = ("application/json", "application/problem+json")

# For `responses=` of a read router: any parameter may be refused.
READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    422: COMMAND_RESPONSES[422],
}
