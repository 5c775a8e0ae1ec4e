"""The calendar feed: RFC 5545 text written by hand."""

from datetime import UTC, date, datetime

from schemas.types import Channel, VisitKind, VisitStatus
from services.scheduler.ical import (
    CHANNEL_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    calendar_title,
    escape,
    fold,
    render_calendar,
)
from services.scheduler.models import VisitRead
from services.scheduler.store import Contact

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
    # A person reads it: Chinese by default, no codes (issue 16).
    assert "SUMMARY:试运行期内回访（电话）：Huadian Power（U1）" in lines
    description = next(x for x in lines if x.startswith("DESCRIPTION:"))
    assert "最迟 2026-12-15" in description
    assert "电话回访" in description
    assert "trial_run" not in description.replace("U1:trial_run", "")


def test_text_values_are_escaped() -> None:
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_long_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    line = "SUMMARY:" + "回访" * 40
    folded = fold(line)
    parts = folded.split("\r\n ")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert "".join(parts) == line
    assert fold("SHORT:x") == "SHORT:x"


def _lines(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


CONTACTS = {
    "C1": [
        Contact("K1", "power", "王工", "13800001111"),
        Contact("K1", "substation", "李工", "13900002222"),
        Contact("O1", "retail", "Chen Jie", "13700003333"),
    ]
}


def test_titles_and_descriptions_are_chinese_with_the_contacts_phones() -> None:
    text = render_calendar(
        [read(channel=Channel.ON_SITE, kind=VisitKind.ON_SITE_FOLLOWUP)],
        {"C1": "华电"},
        stamp=STAMP,
        title=calendar_title("赵敏"),
        contacts=CONTACTS,
    )
    lines = _lines(text)
    assert "X-WR-CALNAME:顾客回访计划：赵敏" in lines
    assert "SUMMARY:现场跟进回访（电话未能解决）（现场）：华电（U1）" in lines
    assert "CATEGORIES:现场跟进回访（电话未能解决）,现场" in lines
    description = next(x for x in lines if x.startswith("DESCRIPTION:"))
    assert "状态：待回访" in description
    # an industrial visit's people are the contract's, each once; not the
    # retail order's
    assert "电力管理联系人：王工 13800001111" in description
    assert "变电所联系人：李工 13900002222" in description
    assert "13700003333" not in description


def test_english_on_request_and_phones_hidden_when_the_reader_may_not_see_them() -> (
    None
):
    retail = read(
        "O1:retail_followup",
        kind=VisitKind.RETAIL_FOLLOWUP,
        unit_id=None,
        order_id="O1",
        store_id="S1",
    )
    english = _lines(
        render_calendar(
            [retail],
            {"C1": "Huadian"},
            stamp=STAMP,
            title=calendar_title(None, "en"),
            contacts=CONTACTS,
            lang="en",
        )
    )
    assert "X-WR-CALNAME:Follow-up visits" in english
    assert "SUMMARY:retail follow-up (phone): Huadian (O1)" in english
    description = next(x for x in english if x.startswith("DESCRIPTION:"))
    assert "customer: Chen Jie 13700003333" in description
    assert "王工" not in description
    hidden = render_calendar(
        [retail],
        {"C1": "Chen Jie"},
        stamp=STAMP,
        title="t",
        contacts=CONTACTS,
        pii=False,
    )
    assert "Chen Jie" not in hidden
    assert "13700003333" not in hidden
    assert "C*" in hidden
    assert "*******3333" in "".join(_lines(hidden))


def test_every_kind_channel_and_status_has_both_labels() -> None:
    for labels in (KIND_LABELS, CHANNEL_LABELS, STATUS_LABELS):
        for label in labels.values():
            assert set(label) == {"zh", "en"}
    assert set(KIND_LABELS) == set(VisitKind)
    assert set(CHANNEL_LABELS) == set(Channel)
    assert set(STATUS_LABELS) == set(VisitStatus)
