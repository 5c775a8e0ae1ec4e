"""The ledger's rules without I/O: lines from facts in any order, the amount
once per contract, record numbers written back in order."""

from datetime import date
from decimal import Decimal
from functools import reduce
from itertools import permutations

import pytest

from schemas.codec import decode_obj
from schemas.ledger import Installed, PoweredOn, Shipped
from schemas.survey import VisitCompletedPayload
from services.ledger.domain.facts import InvalidEventsError, facts_of
from services.ledger.domain.lines import (
    COLUMNS,
    ProductLine,
    UnitFact,
    amount_shown,
    evolve,
    first_line,
    latest_statements,
    record_numbers,
    record_subject,
    statement_of,
)
from tests.support.factories import installed, powered_on, shipped


def fact(wire: dict[str, object]) -> UnitFact:
    event = decode_obj(wire)
    assert isinstance(event, Shipped | Installed | PoweredOn)
    return event


def fold(facts: tuple[UnitFact, ...] | list[UnitFact]) -> ProductLine | None:
    return reduce(evolve, facts, None)


SHIPPED = fact(shipped("C1", "K1", "U1", "2026-02-01"))
INSTALLED = fact(installed("C1", "U1", "2026-03-01"))
POWERED_ON = fact(powered_on("C1", "U1", "2026-03-10"))


@pytest.mark.parametrize("order", list(permutations([SHIPPED, INSTALLED, POWERED_ON])))
def test_facts_in_any_order_make_the_same_line(order: tuple[UnitFact, ...]) -> None:
    assert fold(order) == ProductLine(
        unit_id="U1",
        customer_id="C1",
        contract_id="K1",
        product_model="KYN28-12",
        quantity=4,
        ship_date=date(2026, 2, 1),
        installed_date=date(2026, 3, 1),
        power_on_date=date(2026, 3, 10),
        supporting_equipment=False,
    )


def test_a_later_fact_of_a_kind_corrects_only_its_columns() -> None:
    corrected = fact(powered_on("C1", "U1", "2026-03-20"))
    line = fold([POWERED_ON, SHIPPED, corrected, INSTALLED])
    assert line is not None
    assert (line.ship_date, line.power_on_date) == (
        date(2026, 2, 1),
        date(2026, 3, 20),
    )


def test_a_fact_before_the_shipment_leaves_the_shipment_unknown() -> None:
    line = fold([POWERED_ON])
    assert line == ProductLine(
        unit_id="U1", customer_id="C1", power_on_date=date(2026, 3, 10)
    )


@pytest.mark.parametrize("wire", [SHIPPED, INSTALLED, POWERED_ON])
def test_each_kind_states_exactly_its_columns(wire: UnitFact) -> None:
    assert tuple(statement_of(wire).values) == COLUMNS[type(wire)]


@pytest.mark.parametrize(
    "order",
    list(
        permutations(
            [
                SHIPPED,
                INSTALLED,
                POWERED_ON,
                fact(powered_on("C1", "U1", "2026-04-01")),
                fact(shipped("C1", "K1", "U2", "2026-02-02")),
            ]
        )
    ),
)
def test_the_last_statement_per_kind_and_unit_builds_the_same_lines(
    order: tuple[UnitFact, ...],
) -> None:
    """The set-based batch path keeps only these; it must equal the full fold."""
    by_unit: dict[str, list[UnitFact]] = {}
    for f in order:
        by_unit.setdefault(f.payload.unit_id, []).append(f)
    kept = latest_statements(order)
    for unit, facts in by_unit.items():
        line = fold(facts)
        assert line is not None
        for statements in kept.values():
            if unit in statements:
                for column, value in statements[unit].values.items():
                    assert getattr(line, column) == value


def test_the_amount_is_shown_on_the_contracts_first_line_only() -> None:
    lines = ["U3", "U1", "U2"]
    first = first_line(lines)
    shown = [
        amount_shown(unit_id=u, first_unit_of_contract=first, amount=Decimal("5"))
        for u in lines
    ]
    assert shown == [None, Decimal("5"), None]
    assert first_line([]) is None
    assert amount_shown(unit_id="U1", first_unit_of_contract=None, amount=None) is None


def test_record_numbers_by_visit_date_then_number() -> None:
    records = [
        ("HF-2026-11-0002", date(2026, 11, 3)),
        ("HF-2026-10-0009", date(2026, 11, 1)),  # numbered in October
        ("HF-2026-11-0001", date(2026, 11, 3)),
    ]
    assert record_numbers(records) == [
        "HF-2026-10-0009",
        "HF-2026-11-0001",
        "HF-2026-11-0002",
    ]


def test_a_record_is_written_back_into_its_unit_else_order_else_ticket() -> None:
    base = {
        "customer_id": "C1",
        "visit_id": "V1",
        "record_no": "HF-2026-11-0001",
        "kind": "trial_run",
        "visited_on": "2026-11-02",
        "visitor": "Zhang San",
        "channel": "phone",
        "score": 100,
    }
    subject = {
        ("U1", "O1", "T1"): "U1",
        (None, "O1", "T1"): "O1",
        (None, None, "T1"): "T1",
        (None, None, None): "V1",
    }
    for (unit, order, ticket), expected in subject.items():
        payload = VisitCompletedPayload.model_validate(
            {**base, "unit_id": unit, "order_id": order, "ticket_id": ticket}
        )
        assert record_subject(payload) == expected


def test_an_empty_batch_is_refused_naming_the_body() -> None:
    with pytest.raises(InvalidEventsError) as caught:
        facts_of([])
    assert caught.value.errors == [{"field": "(body)", "rule": "no events"}]


def test_one_event_alone_is_a_batch_of_one() -> None:
    assert [e.type for e in facts_of(installed("C1", "U1", "2026-03-01"))] == [
        "installed"
    ]
