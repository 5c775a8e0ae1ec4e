"""The limits declared with the contracts (schemas/limits.py): what the edge
refuses so that no consumer has to. Each case was accepted before and then
stalled or was dead-lettered downstream (issue: what the API accepts, every
consumer applies)."""

from datetime import date, timedelta
from typing import Any

import pytest

from schemas.codec import DecodeError, decode_obj
from schemas.limits import MAX_TEXT, machine_today, not_after_years_ahead
from tests.support.factories import contract, delivered, installed, shipped


def refused(fact: dict[str, Any]) -> list[dict[str, str]]:
    with pytest.raises(DecodeError) as caught:
        decode_obj(fact)
    return caught.value.errors or []


def test_a_quantity_past_every_integer_column_is_refused() -> None:
    fact = shipped("C1", "K1", "U1", "2026-01-05")
    fact["payload"]["quantity"] = 3_000_000_000
    [error] = refused(fact)
    assert error["field"] == "payload.quantity"


def test_an_id_longer_than_an_index_can_hold_is_refused() -> None:
    fact = shipped("C1", "K1", "U" * 10_000, "2026-01-05")
    assert [e["field"] for e in refused(fact)] == ["payload.unit_id"]


@pytest.mark.parametrize("text", ["a\x00b", "line\x1bESC", "\x7f"])
def test_control_characters_are_refused_in_names(text: str) -> None:
    fact = contract("C1", "K1")
    fact["payload"]["customer_name"] = text
    assert [e["field"] for e in refused(fact)] == ["payload.customer_name"]


def test_free_text_keeps_tabs_and_newlines_but_not_nul() -> None:
    from schemas.survey import VisitAttemptFailedPayload

    base = {
        "customer_id": "C1",
        "visit_id": "U1:trial_run",
        "attempted_on": "2026-03-01",
        "visitor": "张三",
        "reason": "no_answer",
        "attempt_no": 1,
    }
    VisitAttemptFailedPayload(**base, note="第一行\n\t第二行")
    with pytest.raises(ValueError, match="control characters"):
        VisitAttemptFailedPayload(**base, note="a\x00")
    with pytest.raises(ValueError, match="at most 4000"):
        VisitAttemptFailedPayload(**base, note="x" * (MAX_TEXT + 1))


def test_dates_outside_the_window_are_refused() -> None:
    far = installed("C1", "U1", "9999-12-25")
    assert [e["field"] for e in refused(far)] == ["payload.installed_date"]
    past = installed("C1", "U1", "1999-12-31")
    assert [e["field"] for e in refused(past)] == ["payload.installed_date"]
    soon = (machine_today() + timedelta(days=365)).isoformat()
    decode_obj(installed("C1", "U1", soon))


def test_a_fact_more_than_five_years_ahead_is_refused() -> None:
    ahead = (machine_today() + timedelta(days=6 * 366)).isoformat()
    [error] = refused(delivered("C1", "O1", ahead))
    assert error["field"] == "payload.delivered_date"


def test_five_years_ahead_of_a_leap_day_is_the_28th() -> None:
    assert not_after_years_ahead(date(2028, 2, 29), date(2033, 2, 28), 5)
    assert not not_after_years_ahead(date(2028, 2, 29), date(2033, 3, 1), 5)


def test_chinese_text_and_emoji_within_the_limits_are_accepted() -> None:
    fact = contract("C1", "K1", "9999999999999.99")
    fact["payload"]["project_name"] = "某某变电站改造工程 ⚡" * 10
    decode_obj(fact)
