"""A customer's facts survive their JSON snapshot exactly."""

import json

from hypothesis import given

from schemas.types import Channel
from services.scheduler.domain import events
from services.scheduler.domain.facts import CustomerFacts, apply_facts
from services.scheduler.snapshot import dump_facts, load_facts

from .builders import customer, delivered, done, failed, resolved, shipped
from .strategies import customer_facts


@given(customer_facts())
def test_any_customer_round_trips_through_json(facts: list[events.Fact]) -> None:
    known = apply_facts(CustomerFacts("c1"), facts)
    assert load_facts(json.loads(json.dumps(dump_facts(known)))) == known


def test_every_part_of_the_snapshot_is_kept() -> None:
    known = customer(
        shipped("u1", "2026-01-10"),
        delivered("o1", "2026-03-04"),
        resolved("t1", "2026-04-01"),
        resolved("t1", "2026-05-01"),
        done(
            "u1:trial_run",
            "2026-03-20",
            unresolved_by_phone=True,
            channel=Channel.PHONE,
        ),
        failed("o1:retail_followup", 2),
    )
    data = dump_facts(known)
    assert data["resolutions"] == {"t1": ["2026-04-01", "2026-05-01"]}
    assert data["outcomes"]["u1:trial_run"]["channel"] == "phone"
    assert data["failed_attempts"] == {"o1:retail_followup": 2}
    assert load_facts(data) == known


def test_a_snapshot_kept_before_issue_16_loads_with_the_new_fields_unknown() -> None:
    known = customer(
        shipped("u1", "2026-01-10"),
        done("u1:trial_run", "2026-03-20", channel=Channel.PHONE),
    )
    data = dump_facts(known)
    for unit in data["units"].values():
        del unit["supporting_equipment"]
    for outcome in data["outcomes"].values():
        del outcome["record_no"], outcome["kind"]
    loaded = load_facts(data)
    assert loaded.units["u1"].supporting_equipment is False
    assert loaded.outcomes["u1:trial_run"].record_no is None
    assert loaded.outcomes["u1:trial_run"].kind is None
