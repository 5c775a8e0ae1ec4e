"""The event contracts: JSON Schema files current, envelope rules, upcasting."""

from datetime import date
from typing import Any

import pytest

from schemas import codec, export
from schemas.catalogue import EVENT_TYPES, TOPIC_OF, TOPICS
from schemas.codec import DecodeError, decode, decode_obj, encode, upcast
from schemas.envelope import stable_id
from schemas.ledger import PoweredOn, PoweredOnPayload
from tests.support.factories import shipped


def test_json_schema_files_are_current() -> None:
    assert export.stale() == [], "run `make schemas` and commit schemas/json"


def test_every_event_type_has_exactly_one_topic() -> None:
    listed = [cls for topic in TOPICS for cls in topic.events]
    assert len(listed) == len(set(listed)) == len(EVENT_TYPES) == len(TOPIC_OF)


def test_encode_then_decode_gives_the_same_event() -> None:
    event = PoweredOn(
        source="erp",
        actor="a",
        payload=PoweredOnPayload(
            customer_id="C1", unit_id="U1", power_on_date=date(2026, 1, 31)
        ),
    )
    assert decode(encode(event)) == event
    assert event.key == "C1"  # partition key taken from the payload


def test_a_key_that_disagrees_with_the_customer_is_refused() -> None:
    with pytest.raises(DecodeError) as caught:
        decode_obj({**shipped("C1", "K1", "U1", "2026-01-01"), "key": "C2"})
    assert "key must equal payload.customer_id" in caught.value.reason


def test_errors_name_the_field_and_the_rule() -> None:
    wire = shipped("C1", "K1", "U1", "2026-01-01")
    wire["payload"]["quantity"] = 0
    wire["payload"]["colour"] = "red"
    with pytest.raises(DecodeError) as caught:
        decode_obj(wire)
    assert caught.value.errors == [
        {
            "field": "payload.quantity",
            "rule": "Input should be greater than or equal to 1",
        },
        {"field": "payload.colour", "rule": "Extra inputs are not permitted"},
    ]


def test_an_unknown_type_or_version_is_refused() -> None:
    with pytest.raises(DecodeError, match="unknown event type"):
        upcast({"type": "shipment_lost", "version": 1})
    with pytest.raises(DecodeError, match="not a known version"):
        decode_obj({**shipped("C1", "K1", "U1", "2026-01-01"), "version": 7})


def test_old_versions_are_upcast_in_a_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend `shipped` is at version 3: v1 named the date `shipped_on`, v2 had
    # no serial numbers. Each upcaster raises the event by one version.
    def v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
        payload = dict(data["payload"])
        payload["ship_date"] = payload.pop("shipped_on")
        return {**data, "payload": payload}

    def v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "payload": {**data["payload"], "serial_numbers": ["S1"]}}

    current = {"shipped": EVENT_TYPES["shipped"]}
    monkeypatch.setattr(codec, "EVENT_TYPES", current)
    field = current["shipped"].model_fields["version"]
    monkeypatch.setattr(field, "default", 3)
    old = shipped("C1", "K1", "U1", "2026-01-01")
    old["payload"]["shipped_on"] = old["payload"].pop("ship_date")
    raised = upcast(
        {**old, "version": 1}, {("shipped", 1): v1_to_v2, ("shipped", 2): v2_to_v3}
    )
    assert raised["version"] == 3
    assert raised["payload"]["ship_date"] == "2026-01-01"
    assert raised["payload"]["serial_numbers"] == ["S1"]


def test_derived_event_ids_are_stable() -> None:
    assert stable_id("ticket_opened", "HF-2026-11-0001:product_quality") == stable_id(
        "ticket_opened", "HF-2026-11-0001:product_quality"
    )
    assert stable_id("a", "b") != stable_id("a", "c")
