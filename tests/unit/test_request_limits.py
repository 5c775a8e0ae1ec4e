"""The HTTP request models refuse at the edge what the contracts' limits
(schemas/limits.py) refuse in an event (issue 8, failures 2, 5 and 7).

Before, each of these was accepted by the model: the survey then derived an
event over the broker's limit, the feedback service built an event that
failed validation (500), or the what-if overflowed a date (500).
"""

from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from schemas.limits import MAX_NAME, MAX_TEXT
from schemas.types import ComplaintSubject, VisitKind
from services.feedback.models import (
    CapaCreate,
    CapaVerify,
    TicketAssign,
    TicketResolve,
)
from services.scheduler.models import WhatIf
from services.survey.domain.complaints import bounded, complaints_from
from services.survey.domain.records import VisitRecord
from services.survey.domain.visits import in_the_future
from services.survey.models import AttemptCreate, VisitRecordCreate

RECORD: dict[str, Any] = {
    "visit_id": "V1",
    "visited_on": "2026-11-20",
    "visitor": "Zhao Min",
}
ATTEMPT: dict[str, Any] = {
    "attempted_on": "2026-11-20",
    "visitor": "Zhao Min",
    "reason": "no_answer",
}
POWER_ON = "warranty_months_from_power_on"
CAPA: dict[str, Any] = {
    "source": {"ticket_ids": ["T1"]},
    "subject": "product_quality",
    "action": "retrain",
    "due": "2026-12-15",
}


def refused(model: type[BaseModel], body: dict[str, Any]) -> set[str]:
    """The fields a body is refused for."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return {".".join(str(p) for p in e["loc"]) for e in caught.value.errors()}


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (VisitRecordCreate, RECORD | {"suggestions": "意" * 600_000}, "suggestions"),
        (VisitRecordCreate, RECORD | {"needs": "x" * (MAX_TEXT + 1)}, "needs"),
        (VisitRecordCreate, RECORD | {"visitor": "张" * (MAX_NAME + 1)}, "visitor"),
        (VisitRecordCreate, RECORD | {"visitor": "Zhao\x00Min"}, "visitor"),
        (VisitRecordCreate, RECORD | {"suggestions": "bad\x07bell"}, "suggestions"),
        (VisitRecordCreate, RECORD | {"visit_id": "V 1"}, "visit_id"),
        (VisitRecordCreate, RECORD | {"visit_id": "V" * 200}, "visit_id"),
        (VisitRecordCreate, RECORD | {"visited_on": "1999-12-31"}, "visited_on"),
        (VisitRecordCreate, RECORD | {"visited_on": "9999-12-25"}, "visited_on"),
        (VisitRecordCreate, RECORD | {"actor": "a" * (MAX_NAME + 1)}, "actor"),
        (
            VisitRecordCreate,
            RECORD | {"answers": {"q": "x" * (MAX_TEXT + 1)}},
            "answers.q",
        ),
        (
            VisitRecordCreate,
            RECORD | {"answers": {f"q{i}": True for i in range(101)}},
            "answers",
        ),
        (AttemptCreate, ATTEMPT | {"note": "x" * (MAX_TEXT + 1)}, "note"),
        (AttemptCreate, ATTEMPT | {"attempted_on": "1999-01-01"}, "attempted_on"),
        (AttemptCreate, ATTEMPT | {"attempted_on": "9999-12-25"}, "attempted_on"),
        (AttemptCreate, ATTEMPT | {"visitor": "\x1b[31m"}, "visitor"),
        (TicketAssign, {"assignee": "x" * (MAX_NAME + 1)}, "assignee"),
        (TicketAssign, {"assignee": "   "}, "assignee"),
        (TicketAssign, {"assignee": "a", "assigned_on": "9999-12-25"}, "assigned_on"),
        (TicketAssign, {"assignee": "a", "actor": "a\x00"}, "actor"),
        (TicketAssign, {"assignee": "a", "version": 2**40}, "version"),
        (TicketResolve, {"resolution": "r" * (MAX_TEXT + 1)}, "resolution"),
        (
            TicketResolve,
            {"resolution": "r", "resolved_on": "1999-12-31"},
            "resolved_on",
        ),
        (TicketResolve, {"resolution": "r\x00"}, "resolution"),
        (CapaCreate, CAPA | {"action": "a" * (MAX_TEXT + 1)}, "action"),
        (CapaCreate, CAPA | {"due": "9999-12-25"}, "due"),
        (CapaCreate, CAPA | {"opened_on": "1900-01-01"}, "opened_on"),
        (CapaCreate, CAPA | {"source": {"ticket_ids": ["T 1"]}}, "source.ticket_ids.0"),
        (CapaVerify, {"evidence": "e" * (MAX_TEXT + 1)}, "evidence"),
        (CapaVerify, {"evidence": "e", "verified_on": "9999-12-25"}, "verified_on"),
        (
            WhatIf,
            {"warranty_months_from_power_on": 1_000_000},
            "warranty_months_from_power_on",
        ),
        (WhatIf, {"warranty_months_from_ship": 1_000_000}, "warranty_months_from_ship"),
        (WhatIf, {"industrial_tolerance_months": 10**9}, "industrial_tolerance_months"),
        (WhatIf, {"revisit_tolerance_days": 10**9}, "revisit_tolerance_days"),
        (WhatIf, {"max_failed_attempts": 10**9}, "max_failed_attempts"),
        (WhatIf, {"on_site_threshold": "1e30"}, "on_site_threshold"),
        (WhatIf, {"on_site_threshold": "NaN"}, "on_site_threshold"),
        (WhatIf, {"customer_id": "C\x00"}, "customer_id"),
    ],
)
def test_a_request_beyond_the_limits_is_refused_naming_its_field(
    model: type[BaseModel], body: dict[str, Any], field: str
) -> None:
    fields = refused(model, body)
    assert any(f == field or f.startswith(f"{field}.") for f in fields), fields


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (
            VisitRecordCreate,
            RECORD
            | {
                "visited_on": "2000-01-01",
                "visitor": "张" * MAX_NAME,
                "suggestions": "😀\t意见\n" * (MAX_TEXT // 5),
                "needs": "x" * MAX_TEXT,
                "answers": {"q": "x" * MAX_TEXT},
            },
        ),
        (AttemptCreate, ATTEMPT | {"note": "\t备注\n" * (MAX_TEXT // 4)}),
        (TicketAssign, {"assignee": "张" * MAX_NAME, "assigned_on": "2099-12-31"}),
        (TicketResolve, {"resolution": "😀" * MAX_TEXT}),
        (CapaCreate, CAPA | {"action": "a" * MAX_TEXT}),
        (
            WhatIf,
            {
                "warranty_months_from_power_on": 120,
                "on_site_threshold": "9999999999999.99",
                "revisit_tolerance_days": 0,
            },
        ),
    ],
)
def test_the_longest_and_widest_allowed_values_are_accepted(
    model: type[BaseModel], body: dict[str, Any]
) -> None:
    model.model_validate(body)


def test_blank_texts_stay_refused_and_are_stripped() -> None:
    resolve = TicketResolve.model_validate({"resolution": "  换断路器 "})
    assert resolve.resolution == "换断路器"
    # who acts is the API key's owner, never a body field
    assert "actor" in refused(TicketResolve, {"resolution": "r", "actor": "李"})
    assert "resolution" in refused(TicketResolve, {"resolution": " \n "})


def test_a_visit_after_today_is_in_the_future() -> None:
    today = date(2026, 11, 30)
    assert in_the_future(date(2026, 12, 1), today)
    assert not in_the_future(today, today)


def test_a_complaint_description_stays_within_the_text_limit() -> None:
    """Suggestions and needs, each at the limit, joined into one description:
    before, the derived complaint_raised failed validation (500)."""
    record = VisitRecord(
        VisitKind.TRIAL_RUN, {}, None, None, "建" * MAX_TEXT, "需" * MAX_TEXT
    )
    (complaint,) = complaints_from(record)
    assert complaint.subject is ComplaintSubject.SUGGESTION
    assert len(complaint.description) == MAX_TEXT
    assert complaint.description.endswith("…")
    assert bounded("short") == "short"
