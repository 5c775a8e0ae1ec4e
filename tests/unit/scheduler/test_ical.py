"""The calendar feed: RFC 5545 text written by hand."""

from datetime import UTC, date, datetime

from schemas.types import Channel, VisitKind, VisitStatus
from services.scheduler.ical import escape, fold, render_calendar
from services.scheduler.models import VisitRead

STAMP = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def read(visit_id: str = "U1:trial_run", **changes: object) -> VisitRead:
    base: dict[str, object] = {
        "visit_id": visit_id,
        "customer_id": "C1",
        "kind": VisitKind.TRIAL_RUN,
        "unit_id": "U1",
        "order_id": None,
        "store_id": None,
        "ticket_id": None,
        "region": "east",
        "product_model": "KYN28-12",
        "due_date": date(2026, 11, 15),
        "latest_date": date(2026, 12, 15),
        "channel": Channel.PHONE,
        "status": VisitStatus.DUE,
        "attempts": 0,
        "visitor": None,
        "record_no": None,
        "done_on": None,
        "policy_version": "2026.1",
    }
    return VisitRead.model_validate({**base, **changes})


def test_one_all_day_event_per_visit_on_its_due_date() -> None:
    text = render_calendar(
        [read(), read("U2:warranty_6m", kind=VisitKind.WARRANTY_6M)],
        {"C1": "Huadian Power"},
        stamp=STAMP,
        title="Follow-up visits: Zhao Min",
    )
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == text.count("END:VEVENT") == 2
    unfolded = text.replace("\r\n ", "")
    lines = unfolded.split("\r\n")
    assert "UID:U1:trial_run@followup" in lines
    assert "DTSTART;VALUE=DATE:20261115" in lines
    assert "DTEND;VALUE=DATE:20261116" in lines
    assert "DTSTAMP:20261120T083000Z" in lines
    assert "SUMMARY:trial_run visit: Huadian Power (U1)" in lines
    description = next(x for x in lines if x.startswith("DESCRIPTION:"))
    assert "latest 2026-12-15" in description
    assert "by phone" in description


def test_text_values_are_escaped() -> None:
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_long_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    line = "SUMMARY:" + "回访" * 40
    folded = fold(line)
    parts = folded.split("\r\n ")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert "".join(parts) == line
    assert fold("SHORT:x") == "SHORT:x"
