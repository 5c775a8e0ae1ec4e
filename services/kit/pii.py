"""Contacts' personal data, shown only to keys with the `pii` scope.

One masking rule for every service's JSON, export and calendar feed: a phone
number keeps its last four digits (`*******5678`), a person's name its first
character (`张*`). Visitors and managers see contacts in full; dashboards and
departments' systems see them masked.
"""

from services.kit.keys import PII, Principal

KEEP_DIGITS = 4


def shows_pii(principal: Principal) -> bool:
    """Whether this key may read contacts unmasked."""
    return principal.may(PII)


def mask_phone(phone: str | None) -> str | None:
    """Every character but the last four digits as `*`; None stays None."""
    if not phone:
        return phone
    kept = 0
    out: list[str] = []
    for char in reversed(phone):
        if char.isdigit() and kept < KEEP_DIGITS:
            kept += 1
            out.append(char)
        else:
            out.append("*")
    return "".join(reversed(out))


def mask_name(name: str | None) -> str | None:
    """The first character and one `*`; None stays None."""
    if not name:
        return name
    return name.strip()[:1] + "*"


def phone_for(principal: Principal, phone: str | None) -> str | None:
    """The phone as this key may read it."""
    return phone if shows_pii(principal) else mask_phone(phone)


def name_for(principal: Principal, name: str | None) -> str | None:
    """A person's name as this key may read it."""
    return name if shows_pii(principal) else mask_name(name)
