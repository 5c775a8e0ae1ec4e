"""The plan as an iCalendar feed (RFC 5545) for a visitor's calendar.

Written by hand: one all-day VEVENT per open visit on its due date, with the
latest date and channel in the description. Text is escaped and lines are
folded at 75 octets as the RFC asks; lines end with CRLF.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from services.scheduler.models import VisitRead

PRODID = "-//followup//scheduler//EN"


def escape(text: str) -> str:
    """TEXT value escaping: backslash, semicolon, comma and newlines."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets (UTF-8 safe)."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74  # continuation lines start with a space
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def vevent(visit: VisitRead, customer: str, stamp: datetime) -> list[str]:
    """The content lines of one visit."""
    subject = visit.unit_id or visit.order_id or visit.ticket_id or ""
    summary = f"{visit.kind} visit: {customer}" + (f" ({subject})" if subject else "")
    description = (
        f"Visit {visit.visit_id}. Due {visit.due_date.isoformat()}, "
        f"latest {visit.latest_date.isoformat()}, by {visit.channel}. "
        f"Status {visit.status}; failed attempts {visit.attempts}."
    )
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape(visit.visit_id)}@followup",
        f"DTSTAMP:{stamp.strftime('%Y%m%dT%H%M%SZ')}",
        f"DTSTART;VALUE=DATE:{visit.due_date.strftime('%Y%m%d')}",
        f"DTEND;VALUE=DATE:{(visit.due_date + timedelta(days=1)).strftime('%Y%m%d')}",
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(description)}",
        f"CATEGORIES:{escape(visit.kind)},{escape(visit.channel)}",
    ]
    if visit.region:
        lines.append(f"LOCATION:{escape(visit.region)}")
    lines.append("END:VEVENT")
    return lines


def render_calendar(
    visits: Iterable[VisitRead],
    names: Mapping[str, str],
    *,
    stamp: datetime,
    title: str,
) -> str:
    """A VCALENDAR of the visits; `names` maps customer ids to their names.

    `stamp` (UTC) is the DTSTAMP of every event: when the feed was made.
    """
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(title)}",
    ]
    for visit in visits:
        customer = names.get(visit.customer_id, visit.customer_id)
        lines += vevent(visit, customer, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
