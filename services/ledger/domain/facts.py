"""Which facts the ledger accepts: ledger facts only, a batch all or nothing.

Department facts go to the log first; their only invariant is their event id,
so acceptance is validation alone. A batch with one bad item is refused whole
(a weekly batch is fixed and resent whole, and event ids make the resend
harmless), and every broken rule is listed with its item's index.
"""

from collections.abc import Sequence
from typing import Any

from schemas.catalogue import LEDGER
from schemas.codec import DecodeError, decode_obj, encode, fingerprint
from schemas.envelope import Event
from schemas.limits import MAX_BATCH_ITEMS, MAX_EVENT_BYTES

LEDGER_TYPES = frozenset(cls.model_fields["type"].default for cls in LEDGER.events)


class InvalidEventsError(ValueError):
    """Some items are not valid ledger facts; `errors` lists why.

    Each error is `{"item": index, "field": ..., "rule": ...}`; a problem of
    the whole request (no items) names no item.
    """

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} broken rule(s)")
        self.errors = errors


class TooManyFactsError(ValueError):
    """A batch over `MAX_BATCH_ITEMS`: split it (413)."""


class OutsideScopeError(ValueError):
    """Items the caller's key may not append (403); `errors` lists them."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"item {e['item']}: {e['rule']}" for e in errors))
        self.errors = errors


def items_of(body: Any) -> list[Any]:
    """The items of a request body: one event or a non-empty array of them."""
    items = body if isinstance(body, list) else [body]
    if not items:
        raise InvalidEventsError([{"field": "(body)", "rule": "no events"}])
    if len(items) > MAX_BATCH_ITEMS:
        msg = f"{len(items)} facts in one request; send at most {MAX_BATCH_ITEMS}"
        raise TooManyFactsError(msg)
    return items


def acted_by(items: Sequence[Any], actor: str) -> list[Any]:
    """The items with `actor` in every envelope: who appends a fact is the
    key that sends it, never what the body says."""
    return [{**i, "actor": actor} if isinstance(i, dict) else i for i in items]


def types_outside(
    items: Sequence[Any], may_append: frozenset[str]
) -> list[dict[str, Any]]:
    """The ledger facts whose type the key may not append (other items are
    left to validation)."""
    return [
        {"item": index, "field": "type", "rule": f"may not append `{kind}` facts"}
        for index, item in enumerate(items)
        if isinstance(item, dict)
        and isinstance(kind := item.get("type"), str)
        and kind in LEDGER_TYPES
        and kind not in may_append
    ]


def stores_outside(
    events: Sequence[Event], stores: frozenset[str] | None
) -> list[dict[str, Any]]:
    """The deliveries for a store the key does not act for (`stores` None:
    any store)."""
    if stores is None:
        return []
    return [
        {
            "item": index,
            "field": "payload.store_id",
            "rule": f"may not append for store {store!r}",
        }
        for index, event in enumerate(events)
        if (store := getattr(event.payload, "store_id", None)) is not None
        and store not in stores
    ]


def validate(items: Sequence[Any]) -> list[Event]:
    """Parse every item as a ledger fact; raise `InvalidEventsError` if any is not."""
    events: list[Event] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        kind = item.get("type") if isinstance(item, dict) else None
        if not isinstance(kind, str) or kind not in LEDGER_TYPES:
            errors.append(
                {
                    "item": index,
                    "field": "type",
                    "rule": f"must be one of {sorted(LEDGER_TYPES)}",
                }
            )
            continue
        try:
            event = decode_obj(item)
        except DecodeError as exc:
            errors.extend({"item": index, **rule} for rule in exc.errors)
            continue
        size = len(encode(event))
        if size > MAX_EVENT_BYTES:
            errors.append(
                {
                    "item": index,
                    "field": "(event)",
                    "rule": f"too large: {size} bytes (at most {MAX_EVENT_BYTES})",
                }
            )
            continue
        events.append(event)
    if errors:
        raise InvalidEventsError(errors)
    return events


def facts_of(body: Any) -> list[Event]:
    """The facts of a request body: one event or a non-empty array of them."""
    return validate(items_of(body))


def conflicting(
    events: Sequence[Event], known: dict[Any, bytes]
) -> list[dict[str, Any]]:
    """The items whose event id is known with other content (a resent id must
    carry the same fact), as errors naming the item."""
    return [
        {
            "item": index,
            "field": "event_id",
            "rule": "conflicting duplicate: this id was appended with other content",
        }
        for index, event in enumerate(events)
        if event.event_id in known and known[event.event_id] != fingerprint(event)
    ]
