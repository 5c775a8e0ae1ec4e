"""Which facts the ledger accepts: ledger facts only, a batch all or nothing.

Department facts go to the log first; their only invariant is their event id,
so acceptance is validation alone. A batch with one bad item is refused whole
(a weekly batch is fixed and resent whole, and event ids make the resend
harmless), and every broken rule is listed with its item's index.
"""

from collections.abc import Sequence
from typing import Any

from schemas.catalogue import LEDGER
from schemas.codec import DecodeError, decode_obj
from schemas.envelope import Event

LEDGER_TYPES = frozenset(cls.model_fields["type"].default for cls in LEDGER.events)


class InvalidEventsError(ValueError):
    """Some items are not valid ledger facts; `errors` lists why.

    Each error is `{"item": index, "field": ..., "rule": ...}`; a problem of
    the whole request (no items) names no item.
    """

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} broken rule(s)")
        self.errors = errors


def validate(items: Sequence[Any]) -> list[Event]:
    """Parse every item as a ledger fact; raise `InvalidEventsError` if any is not."""
    events: list[Event] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type") not in LEDGER_TYPES:
            errors.append(
                {
                    "item": index,
                    "field": "type",
                    "rule": f"must be one of {sorted(LEDGER_TYPES)}",
                }
            )
            continue
        try:
            events.append(decode_obj(item))
        except DecodeError as exc:
            errors.extend({"item": index, **rule} for rule in exc.errors)
    if errors:
        raise InvalidEventsError(errors)
    return events


def facts_of(body: Any) -> list[Event]:
    """The facts of a request body: one event or a non-empty array of them."""
    items = body if isinstance(body, list) else [body]
    if not items:
        raise InvalidEventsError([{"field": "(body)", "rule": "no events"}])
    return validate(items)
