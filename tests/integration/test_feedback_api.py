"""The feedback service through HTTP on the real broker and database.

The survey's part (complaints and re-visit records on the survey topic) is
played by the tests, which produce those events themselves.
"""

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from schemas.catalogue import FEEDBACK, Topic
from schemas.envelope import Event
from schemas.survey import (
    ComplaintRaised,
    ComplaintRaisedPayload,
    VisitCompleted,
    VisitCompletedPayload,
)
from schemas.types import Channel, ComplaintSubject, Rating, VisitKind
from services.feedback.service import SERVICE
from services.feedback.settings import FeedbackSettings, SlaConfig
from services.kit.producer import EventProducer, Position
from services.kit.service import create_app
from services.kit.settings import Settings
from tests.support.auth import bearer, issue
from tests.support.processes import eventually
from tests.support.scheduler import settle
from tests.support.survey import end_offset, events_on, produce

pytestmark = pytest.mark.integration

PRODUCT = ComplaintSubject.PRODUCT_QUALITY
SERVICE_QUALITY = ComplaintSubject.SERVICE_QUALITY
SUGGESTION = ComplaintSubject.SUGGESTION
OPENED_ON = "2026-11-02"  # a Monday: assign by Wednesday, resolve by 11-17
# Who acts is the API key's owner: every client of these tests carries a key
# of the department head's; a command of someone else carries theirs.
BOSS = "wang.zhuren"
# "Today" pinned after every date these tests name: a command without a date,
# an SLA check's "not after today" and the default `as_of` never read the
# machine's date (the suite passes with FOLLOWUP_MACHINE_DATE moved).
TODAY = date(2026, 12, 31)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The isolated deployment of tests/conftest.py, its clock pinned."""
    return settings.model_copy(update={"clock_date": TODAY})


def as_owner(
    settings: Settings, owner: str, role: str = "admin", department: str | None = None
) -> dict[str, str]:
    """`Authorization` of a new key of `owner`, who then acts on each event."""
    return bearer(issue(settings, role, owner=owner, department=department))


def owner_of(actor: str) -> str:
    """The key's owner, from an event's actor `owner (role key id)`."""
    return actor.split(" (", 1)[0]


def complaint(
    customer: str, complaint_id: str, subject: ComplaintSubject, on: str = OPENED_ON
) -> ComplaintRaised:
    return ComplaintRaised(
        source="test-survey",
        actor="Zhao Min",
        payload=ComplaintRaisedPayload(
            customer_id=customer,
            complaint_id=complaint_id,
            visit_id=f"V-{complaint_id}",
            record_no=complaint_id[:15],
            subject=subject,
            description="顾客不满意",
            customer_suggestion="尽快处理",
            raised_on=on,
        ),
    )


def revisit_record(
    customer: str, ticket_id: str, record_no: str, on: str, rating: Rating
) -> VisitCompleted:
    return VisitCompleted(
        source="test-survey",
        actor="Zhao Min",
        payload=VisitCompletedPayload(
            customer_id=customer,
            visit_id=f"R-{record_no}",
            kind=VisitKind.REVISIT,
            record_no=record_no,
            visited_on=on,
            visitor="Zhao Min",
            channel=Channel.PHONE,
            product_quality=rating,
            service_quality=Rating.SATISFIED,
            score=100,
            ticket_id=ticket_id,
        ),
    )


def publish(settings: Settings, events: Sequence[Event]) -> list[Position]:
    """Append events as the survey would; where they landed."""
    producer = EventProducer(settings.kafka_bootstrap, settings.topic_prefix, "test")
    try:
        return producer.publish(events)
    finally:
        producer.close()


def feedback_dead_letters(settings: Settings) -> int:
    """How many events feedback's consumers could not apply."""
    return end_offset(settings, Topic("feedback.dlq", "feedback", ()))


def tickets_of(client: TestClient, count: int, **params: Any) -> list[dict[str, Any]]:
    """The tickets matching `params`, once there are `count` of them."""

    def listed() -> list[dict[str, Any]] | None:
        items = client.get("/v1/tickets", params=params).json()["items"]
        return items if len(items) == count else None

    found: list[dict[str, Any]] = eventually(listed)
    return found


def open_ticket(
    client: TestClient, settings: Settings, subject: ComplaintSubject = PRODUCT
) -> str:
    produce(settings, [complaint("C1", "HF-2026-11-0001-1", subject)])
    return str(tickets_of(client, 1, customer_id="C1")[0]["ticket_id"])


def test_a_complaint_opens_a_ticket_at_the_department_of_its_subject(
    settings: Settings,
) -> None:
    complaints = [
        complaint("C1", "HF-2026-11-0001-1", PRODUCT),
        complaint("C1", "HF-2026-11-0001-2", SERVICE_QUALITY),
        complaint("C2", "HF-2026-11-0002-1", SUGGESTION),
    ]
    # The same complaint raised again under a new event id (the survey
    # derived it twice): it names the same complaint, so the same ticket.
    reraised = complaint("C1", "HF-2026-11-0001-1", PRODUCT)
    with TestClient(
        create_app(SERVICE, settings), headers=as_owner(settings, BOSS)
    ) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        settle(runtime, publish(settings, complaints))
        tickets_of(client, 3)
        # The resend (the survey's projection re-ran) and the re-raise are
        # applied before anything is read: without the wait, the checks
        # below would hold before either was consumed.
        settle(runtime, publish(settings, [complaints[0], reraised]))
        mine = client.get("/v1/tickets", params={"customer_id": "C1"}).json()["items"]
        theirs = tickets_of(client, 1, department="quality")
        detail = client.get("/v1/tickets/FB-2026-11-0001-1").json()
        missing = client.get("/v1/tickets/FB-nothing")
    assert [(t["ticket_id"], t["subject"], t["department"]) for t in mine] == [
        ("FB-2026-11-0001-1", "product_quality", "production"),
        ("FB-2026-11-0001-2", "service_quality", "after_sales"),
    ]
    assert mine[0]["informed"] == ["technical"]
    assert {t["status"] for t in mine} == {"open"}
    assert (mine[0]["description"], mine[0]["customer_suggestion"]) == (
        "顾客不满意",
        "尽快处理",
    )
    assert theirs[0]["customer_id"] == "C2"
    assert [(h["type"], owner_of(h["actor"])) for h in detail["history"]] == [
        ("ticket_opened", "feedback")
    ]
    assert missing.status_code == 404
    opened = events_on(settings, FEEDBACK)
    assert sorted(e.payload.complaint_id for e in opened) == [  # type: ignore[union-attr]
        "HF-2026-11-0001-1",
        "HF-2026-11-0001-2",
        "HF-2026-11-0002-1",
    ]
    assert {e.causation_id for e in opened} == {c.event_id for c in complaints}
    assert feedback_dead_letters(settings) == 0


def test_assign_and_resolve_record_their_actor_and_refuse_what_the_lifecycle_does_not_allow(  # noqa: E501
    settings: Settings,
) -> None:
    with TestClient(
        create_app(SERVICE, settings), headers=as_owner(settings, BOSS)
    ) as client:
        ticket = open_ticket(client, settings)
        url = f"/v1/tickets/{ticket}"
        before = end_offset(settings, FEEDBACK)
        early = client.post(
            f"{url}/resolve?wait=true",
            json={"resolution": "换了断路器", "resolved_on": "2026-11-03"},
        )
        # A handler of after-sales may not take production's ticket.
        not_theirs = client.post(
            f"{url}/assign",
            json={"assignee": "张工", "assigned_on": "2026-11-03"},
            headers=as_owner(settings, "钱工", "handler", "after_sales"),
        )
        too_soon = client.post(
            f"{url}/assign",
            json={"assignee": "张工", "assigned_on": "2026-11-01"},
        )
        blank = client.post(f"{url}/assign", json={"assignee": "  "})
        unknown = client.post("/v1/tickets/FB-x/assign", json={"assignee": "张工"})
        refused_offset = end_offset(settings, FEEDBACK)
        assigned = client.post(
            f"{url}/assign?wait=true",
            json={"assignee": "张工", "assigned_on": "2026-11-03"},
            headers=as_owner(settings, "李科长"),
        )
        resolved = client.post(
            f"{url}/resolve?wait=true",
            json={"resolution": "换了断路器", "resolved_on": "2026-11-10"},
        )
        after_resolve = end_offset(settings, FEEDBACK)
        reassign = client.post(f"{url}/assign", json={"assignee": "赵工"})
        again = client.post(f"{url}/resolve", json={"resolution": "again"})
        last = end_offset(settings, FEEDBACK)
        detail = client.get(url).json()
    assert early.status_code == 409
    assert early.json()["detail"] == "cannot resolve when the state is open"
    assert not_theirs.status_code == 403, not_theirs.text
    assert too_soon.status_code == 422
    assert too_soon.json()["detail"][0]["field"] == "assigned_on"
    assert blank.status_code == 422
    assert unknown.status_code == 404
    assert refused_offset == before  # nothing of the refused commands appended
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["applied"] is True
    assert resolved.status_code == 200, resolved.text
    assert (reassign.status_code, again.status_code) == (409, 409)
    assert last == after_resolve
    assert detail["status"] == "resolved"
    assert (detail["assignee"], detail["resolution"]) == ("张工", "换了断路器")
    assert [(h["type"], owner_of(h["actor"]), h["on"]) for h in detail["history"]] == [
        ("ticket_opened", "feedback", "2026-11-02"),
        ("ticket_assigned", "李科长", "2026-11-03"),
        ("ticket_resolved", "wang.zhuren", "2026-11-10"),
    ]


def test_two_replicas_resolving_one_ticket_at_once_append_one_resolution(
    settings: Settings,
) -> None:
    with (
        TestClient(
            create_app(SERVICE, settings), headers=as_owner(settings, BOSS)
        ) as one,
        TestClient(
            create_app(SERVICE, settings), headers=as_owner(settings, BOSS)
        ) as two,
    ):
        ticket = open_ticket(one, settings)
        one.post(
            f"/v1/tickets/{ticket}/assign?wait=true",
            json={"assignee": "张工", "assigned_on": "2026-11-03"},
        )

        def resolve(replica: TestClient, text: str) -> Any:
            return replica.post(
                f"/v1/tickets/{ticket}/resolve",
                json={"resolution": text, "resolved_on": "2026-11-05"},
            ).status_code

        with ThreadPoolExecutor(max_workers=2) as pool:
            codes = sorted(pool.map(resolve, (one, two), ("fix A", "fix B")))
    assert codes == [200, 409]
    resolutions = [
        e for e in events_on(settings, FEEDBACK) if e.type == "ticket_resolved"
    ]
    assert len(resolutions) == 1


def test_a_revisit_read_before_the_resolution_settles_it_once_resolved(
    settings: Settings,
) -> None:
    revisit = revisit_record(
        "C1", "FB-2026-11-0001-1", "HF-2026-11-0007", "2026-11-12", Rating.SATISFIED
    )
    with TestClient(
        create_app(SERVICE, settings), headers=as_owner(settings, BOSS)
    ) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        ticket = open_ticket(client, settings)
        client.post(
            f"/v1/tickets/{ticket}/assign?wait=true",
            json={"assignee": "张工", "assigned_on": "2026-11-03"},
        )
        # Two topics have no order between them: the re-visit record may be
        # read before the resolution it follows. Force that order: the
        # resolution is held until the re-visit is applied.
        settle(runtime, publish(settings, [revisit]))
        waiting = client.get(f"/v1/tickets/{ticket}").json()
        pending = pending_revisits(runtime)
        resolved = client.post(
            f"/v1/tickets/{ticket}/resolve?wait=true",
            json={"resolution": "换了断路器", "resolved_on": "2026-11-10"},
        )
        # Read at once, without polling: the resolution itself settled it.
        verified = client.get(f"/v1/tickets/{ticket}").json()
        settled = pending_revisits(runtime)
    assert (waiting["status"], waiting["revisits"]) == ("assigned", [])
    assert pending == [("HF-2026-11-0007", False)]
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["applied"] is True
    assert verified["status"] == "verified"
    assert verified["revisits"] == ["HF-2026-11-0007"]
    assert verified["verified_on"] == "2026-11-12"
    assert [h["type"] for h in verified["history"]][-2:] == [
        "ticket_resolved",
        "ticket_verified",
    ]
    assert settled == [("HF-2026-11-0007", True)]
    (verdict,) = [
        e for e in events_on(settings, FEEDBACK) if e.type == "ticket_verified"
    ]
    assert verdict.causation_id == revisit.event_id


def pending_revisits(runtime: Any) -> list[tuple[str, bool]]:
    """The re-visits the store holds for their ticket's resolution."""
    with runtime.pool.connection() as conn:
        rows = conn.execute(
            sql.SQL(
                "SELECT record_no, settled FROM {}.pending_revisits ORDER BY record_no"
            ).format(sql.Identifier(runtime.store_schema))
        ).fetchall()
    return [(str(r), bool(s)) for r, s in rows]


def test_overdue_tickets_are_flagged_and_each_breach_announced_once(
    settings: Settings,
) -> None:
    with TestClient(
        create_app(SERVICE, settings), headers=as_owner(settings, BOSS)
    ) as client:
        ticket = open_ticket(client, settings)

        def flags(as_of: str) -> Any:
            found = client.get(f"/v1/tickets/{ticket}", params={"as_of": as_of})
            return found.json()["overdue"]

        in_time, late = flags("2026-11-04"), flags("2026-11-05")
        overdue = client.get(
            "/v1/tickets", params={"overdue": True, "as_of": "2026-11-05"}
        )
        on_time = client.get(
            "/v1/tickets", params={"overdue": False, "as_of": "2026-11-04"}
        )
        first = client.post("/v1/sla/check?as_of=2026-11-20&wait=true").json()
        second = client.post("/v1/sla/check?as_of=2026-11-21").json()
        detail = client.get(
            f"/v1/tickets/{ticket}", params={"as_of": "2026-11-20"}
        ).json()
    assert (in_time, late) == ([], ["assignment"])
    assert [t["ticket_id"] for t in overdue.json()["items"]] == [ticket]
    assert [t["ticket_id"] for t in on_time.json()["items"]] == [ticket]
    assert (detail["assign_by"], detail["resolve_by"]) == ("2026-11-04", "2026-11-17")
    assert detail["overdue"] == ["assignment", "resolution"]
    assert sorted(a["breach"] for a in first["announced"]) == [
        "assignment",
        "resolution",
    ]
    assert first["applied"] is True
    assert second["announced"] == []
    announced = [e for e in events_on(settings, FEEDBACK) if e.type == "ticket_overdue"]
    assert sorted(e.payload.breach for e in announced) == [
        "assignment",
        "resolution",
    ]
    assert [h["type"] for h in detail["history"]].count("ticket_overdue") == 2


def test_the_sla_is_configurable_per_department_and_subject(settings: Settings) -> None:
    configured = FeedbackSettings(
        **settings.model_dump(),
        feedback_sla=SlaConfig.model_validate(
            {
                "default": {"assign_within_working_days": 1},
                "overrides": [{"department": "production", "resolve_within_days": 30}],
            }
        ),
    )
    with TestClient(
        create_app(SERVICE, configured), headers=as_owner(configured, BOSS)
    ) as client:
        ticket = open_ticket(client, configured)
        detail = client.get(f"/v1/tickets/{ticket}", params={"as_of": "2026-11-20"})
    assert detail.json()["assign_by"] == "2026-11-03"
    assert detail.json()["resolve_by"] == "2026-12-02"
    assert detail.json()["overdue"] == ["assignment"]


def test_capas_are_owned_by_subject_tracked_until_verified_and_flagged_past_due(
    settings: Settings,
) -> None:
    with TestClient(
        create_app(SERVICE, settings), headers=as_owner(settings, BOSS)
    ) as client:
        ticket = open_ticket(client, settings, SERVICE_QUALITY)
        product = client.post(
            "/v1/capas?wait=true",
            json={
                "source": {"period": "2026-11"},
                "subject": "product_quality",
                "action": "改进断路器装配工艺",
                "due": "2026-12-15",
                "opened_on": "2026-11-26",
            },
        )
        service = client.post(
            "/v1/capas?wait=true",
            json={
                "source": {"ticket_ids": [ticket]},
                "subject": "service_quality",
                "owner": "quality",
                "action": "售后人员培训",
                "due": "2026-12-01",
                "opened_on": "2026-11-26",
            },
            headers=as_owner(settings, "质量部", "quality"),
        )
        before = end_offset(settings, FEEDBACK)
        wrong_owner = client.post(
            "/v1/capas",
            json={
                "source": {"period": "2026-11"},
                "subject": "product_quality",
                "owner": "quality",
                "action": "x",
                "due": "2026-12-15",
            },
        )
        no_source = client.post(
            "/v1/capas",
            json={
                "source": {},
                "subject": "suggestion",
                "action": "x",
                "due": "2026-12-15",
            },
        )
        unknown_ticket = client.post(
            "/v1/capas",
            json={
                "source": {"ticket_ids": ["FB-nope"]},
                "subject": "suggestion",
                "action": "x",
                "due": "2026-12-15",
            },
        )
        refused = end_offset(settings, FEEDBACK)
        capa_id = product.json()["id"]
        verified = client.post(
            f"/v1/capas/{capa_id}/verify?wait=true",
            json={"verified_on": "2026-12-10", "evidence": "抽检 50 台无故障"},
        )
        twice = client.post(
            f"/v1/capas/{capa_id}/verify",
            json={"verified_on": "2026-12-11", "evidence": "again"},
        )

        def listed(**params: Any) -> list[tuple[str, str, bool]]:
            page = client.get("/v1/capas", params=params).json()
            return [(c["subject"], c["status"], c["past_due"]) for c in page["items"]]

        late = listed(overdue=True, as_of="2026-12-20")
        everything = listed(as_of="2026-12-20")
        of_customer = listed(customer_id="C1", as_of="2026-11-30")
        of_owner = listed(department="producing_company", as_of="2026-11-30")
        open_ones = listed(status="open", as_of="2026-11-30")
        one = client.get(f"/v1/capas/{capa_id}").json()
    assert product.status_code == 201, product.text
    assert service.status_code == 201, service.text
    assert wrong_owner.status_code == 422
    assert wrong_owner.json()["detail"][0]["field"] == "owner"
    assert no_source.status_code == 422
    assert unknown_ticket.status_code == 422
    assert unknown_ticket.json()["detail"][0]["field"] == "source.ticket_ids"
    assert refused == before
    assert verified.status_code == 200, verified.text
    assert twice.status_code == 409
    assert late == [("service_quality", "open", True)]
    assert sorted(everything) == [
        ("product_quality", "verified", False),
        ("service_quality", "open", True),
    ]
    assert of_customer == [("service_quality", "open", False)]
    assert of_owner == [("product_quality", "verified", False)]
    assert open_ones == [("service_quality", "open", False)]
    assert (one["owner"], one["evidence"]) == ("producing_company", "抽检 50 台无故障")
