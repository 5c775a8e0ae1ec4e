"""The plan as an iCalendar feed (RFC 5545) for a visitor's calendar.

Written by hand: one all-day VEVENT per open visit on its due date, with the
latest date, channel and the people to call in the description. A person
reads it: Chinese by default (试运行期内回访, 电话/现场), English with
`lang="en"`; no code such as `trial_run` reaches the title or description.
Contacts' names and phones, and a retail customer's name (a person), are
masked by the kit's one rule (services/kit/pii.py) for a reader without
the `pii` scope (`pii=False`). Text is
escaped and lines are folded at 75 octets as the RFC asks; lines end with CRLF.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal

from schemas.types import Channel, VisitKind, VisitStatus
from services.kit.pii import mask_name, mask_phone
from services.scheduler.models import VisitRead
from services.scheduler.store import Contact

PRODID = "-//followup//scheduler//EN"

Lang = Literal["zh", "en"]

KIND_LABELS: Mapping[VisitKind, Mapping[Lang, str]] = {
    VisitKind.PRE_POWER_ON: {"zh": "送电前回访", "en": "pre-power-on visit"},
    VisitKind.TRIAL_RUN: {"zh": "试运行期内回访", "en": "trial-run visit"},
    VisitKind.WARRANTY_6M: {
        "zh": "质保期内回访（6个月）",
        "en": "warranty visit (6 months)",
    },
    VisitKind.WARRANTY_12M: {
        "zh": "质保期内回访（12个月）",
        "en": "warranty visit (12 months)",
    },
    VisitKind.POST_WARRANTY_1: {
        "zh": "质保期外回访（第一次）",
        "en": "post-warranty visit (first)",
    },
    VisitKind.POST_WARRANTY_2: {
        "zh": "质保期外回访（第二次）",
        "en": "post-warranty visit (second)",
    },
    VisitKind.RETAIL_FOLLOWUP: {"zh": "零售顾客回访", "en": "retail follow-up"},
    VisitKind.REVISIT: {"zh": "整改后再次回访", "en": "re-visit after resolution"},
    VisitKind.ON_SITE_FOLLOWUP: {
        "zh": "现场跟进回访（电话未能解决）",
        "en": "on-site follow-up (not solved by phone)",
    },
    VisitKind.SERVICE_VISIT: {"zh": "售后服务走访", "en": "after-sales service visit"},
}
CHANNEL_LABELS: Mapping[Channel, Mapping[Lang, str]] = {
    Channel.PHONE: {"zh": "电话", "en": "phone"},
    Channel.ON_SITE: {"zh": "现场", "en": "on site"},
}
STATUS_LABELS: Mapping[VisitStatus, Mapping[Lang, str]] = {
    VisitStatus.PLANNED: {"zh": "未到期", "en": "planned"},
    VisitStatus.DUE: {"zh": "待回访", "en": "due"},
    VisitStatus.OVERDUE: {"zh": "已逾期", "en": "overdue"},
    VisitStatus.DONE: {"zh": "已完成", "en": "done"},
    VisitStatus.ESCALATED: {"zh": "已转交", "en": "escalated"},
    VisitStatus.CANCELLED: {"zh": "已取消", "en": "cancelled"},
    VisitStatus.SUPERSEDED: {"zh": "已失效（漏访）", "en": "superseded (missed)"},
}
ROLE_LABELS: Mapping[str, Mapping[Lang, str]] = {
    "power": {"zh": "电力管理联系人", "en": "power-management contact"},
    "substation": {"zh": "变电所联系人", "en": "substation contact"},
    "retail": {"zh": "顾客", "en": "customer"},
}
TITLES: Mapping[Lang, str] = {"zh": "顾客回访计划", "en": "Follow-up visits"}
SEPARATOR: Mapping[Lang, str] = {"zh": "；", "en": "; "}


def calendar_title(visitor: str | None, lang: Lang = "zh") -> str:
    """The feed's name: whose visits, when filtered by visitor."""
    base = TITLES[lang]
    if visitor is None:
        return base
    return f"{base}：{visitor}" if lang == "zh" else f"{base}: {visitor}"


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


def visit_contacts(visit: VisitRead, known: Sequence[Contact]) -> list[Contact]:
    """Whom to call about the visit: a retail order's customer, else the
    contacts the customer's contracts name (each person once)."""
    if visit.order_id is not None:
        return [c for c in known if c.source_id == visit.order_id]
    seen: set[tuple[str | None, str]] = set()
    out = []
    for contact in known:
        if contact.role == "retail" or (contact.name, contact.phone) in seen:
            continue
        seen.add((contact.name, contact.phone))
        out.append(contact)
    return out


def _contact_text(contact: Contact, lang: Lang, pii: bool) -> str:
    role = ROLE_LABELS.get(contact.role, {"zh": contact.role, "en": contact.role})
    name: str | None = contact.name
    phone: str | None = contact.phone
    if not pii:
        name, phone = mask_name(name), mask_phone(phone)
    who = " ".join(x for x in (name, phone) if x)
    sep = "：" if lang == "zh" else ": "
    return f"{role[lang]}{sep}{who}" if who else role[lang]


def describe(
    visit: VisitRead,
    contacts: Sequence[Contact],
    *,
    lang: Lang = "zh",
    pii: bool = True,
) -> str:
    """The event's description, in the reader's language."""
    kind = KIND_LABELS[visit.kind][lang]
    channel = CHANNEL_LABELS[visit.channel][lang]
    status = STATUS_LABELS[visit.status][lang]
    due, latest = visit.due_date.isoformat(), visit.latest_date.isoformat()
    if lang == "zh":
        parts = [
            f"{kind}（{channel}回访）",
            f"回访编号 {visit.visit_id}",
            f"应回访日期 {due}，最迟 {latest}",
            f"状态：{status}；未成功回访 {visit.attempts} 次",
        ]
        if visit.product_model:
            parts.append(f"产品型号：{visit.product_model}")
    else:
        parts = [
            f"{kind} by {channel}",
            f"Visit {visit.visit_id}",
            f"Due {due}, latest {latest}",
            f"Status {status}; failed attempts {visit.attempts}",
        ]
        if visit.product_model:
            parts.append(f"Product model: {visit.product_model}")
    parts += [_contact_text(c, lang, pii) for c in contacts]
    return SEPARATOR[lang].join(parts) + ("。" if lang == "zh" else ".")


def summary(visit: VisitRead, customer: str, lang: Lang = "zh") -> str:
    """The event's title: kind, channel, customer and what is visited."""
    subject = visit.unit_id or visit.order_id or visit.ticket_id or ""
    kind = KIND_LABELS[visit.kind][lang]
    channel = CHANNEL_LABELS[visit.channel][lang]
    if lang == "zh":
        return f"{kind}（{channel}）：{customer}" + (
            f"（{subject}）" if subject else ""
        )
    return f"{kind} ({channel}): {customer}" + (f" ({subject})" if subject else "")


def vevent(
    visit: VisitRead,
    customer: str,
    stamp: datetime,
    *,
    contacts: Sequence[Contact] = (),
    lang: Lang = "zh",
    pii: bool = True,
) -> list[str]:
    """The content lines of one visit."""
    description = describe(visit, contacts, lang=lang, pii=pii)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape(visit.visit_id)}@followup",
        f"DTSTAMP:{stamp.strftime('%Y%m%dT%H%M%SZ')}",
        f"DTSTART;VALUE=DATE:{visit.due_date.strftime('%Y%m%d')}",
        f"DTEND;VALUE=DATE:{(visit.due_date + timedelta(days=1)).strftime('%Y%m%d')}",
        f"SUMMARY:{escape(summary(visit, customer, lang))}",
        f"DESCRIPTION:{escape(description)}",
        "CATEGORIES:"
        + ",".join(
            escape(label)
            for label in (
                KIND_LABELS[visit.kind][lang],
                CHANNEL_LABELS[visit.channel][lang],
            )
        ),
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
    contacts: Mapping[str, Sequence[Contact]] | None = None,
    lang: Lang = "zh",
    pii: bool = True,
) -> str:
    """A VCALENDAR of the visits; `names` maps customer ids to their names,
    `contacts` customer ids to the people to call.

    `stamp` (UTC) is the DTSTAMP of every event: when the feed was made.
    `pii` False masks contacts and retail customers' names (a reader who may
    not see them).
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
        if not pii and visit.order_id is not None:
            customer = mask_name(customer) or customer  # a person
        known = (contacts or {}).get(visit.customer_id, ())
        lines += vevent(
            visit,
            customer,
            stamp,
            contacts=visit_contacts(visit, known),
            lang=lang,
            pii=pii,
        )
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
