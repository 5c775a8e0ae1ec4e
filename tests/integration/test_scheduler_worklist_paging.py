"""The worklist in pages of whole batches (issue 14): following `next`
gives exactly the batches of one unbounded answer, in order, none split."""

import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from schemas.types import Channel, VisitKind
from services.kit.db import VIEWS, connect, migrate
from services.kit.settings import Settings
from services.scheduler import views
from services.scheduler.domain.policy import DEFAULT_POLICY
from services.scheduler.domain.worklist import BatchKey, gather_batches, page_of
from tests.conftest import unique_prefix
from tests.support.factories import contract, powered_on, shipped
from tests.support.scheduler import feed, pinned_scheduler

pytestmark = pytest.mark.integration

AS_OF = "2026-11-20"
UNTIL = "2027-01-31"

# Eight east units powered on a fortnight apart: their trial runs are made
# one by one, their warranty_6m visits gather into batches (some overdue).
POWER_ON = [f"2026-{m:02d}-{d:02d}" for m in (3, 4, 5, 6) for d in (1, 15)]
FACTS = [
    contract("C1", "K1", region="east"),
    contract("C2", "K2", region="west"),
    *[
        fact
        for n, day in enumerate(POWER_ON)
        for fact in (
            shipped("C1", "K1", f"U{n}", "2026-02-20"),
            powered_on("C1", f"U{n}", day),
        )
    ],
    shipped("C2", "K2", "W1", "2026-02-20"),
    powered_on("C2", "W1", "2026-04-01"),
]


@pytest.fixture
def client(settings: Settings) -> Any:
    with pinned_scheduler(settings, AS_OF) as running:
        feed(running, FACTS)
        yield running


def pages(client: TestClient, params: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    after = None
    while True:
        query = {**params, **({"after": after} if after else {})}
        response = client.get("/v1/worklist", params=query)
        assert response.status_code == 200, response.text
        out.append(response.json())
        after = out[-1]["next"]
        if after is None:
            return out


@pytest.mark.parametrize("until", [UNTIL, None])
@pytest.mark.parametrize("region", ["east", None])
def test_following_next_gives_the_whole_worklist_in_order(
    client: TestClient, region: str | None, until: str | None
) -> None:
    # Without `until` the database finds the page's batches (SQL), with it
    # they are gathered in Python: both page the same way.
    base = {
        "as_of": AS_OF,
        **({"until": until} if until else {}),
        **({"region": region} if region else {}),
    }
    whole = client.get("/v1/worklist", params={**base, "limit": 1000}).json()
    assert whole["next"] is None
    batches = whole["batches"]
    assert len(batches) > 4
    assert any(len(b["visits"]) > 1 for b in batches)  # real batches, not only ones
    paged = pages(client, {**base, "limit": 2})
    assert all(len(p["batches"]) <= 2 for p in paged)
    assert len(paged) == (len(batches) + 1) // 2
    # Same batches, same order, none split, no visit twice.
    assert [b for p in paged for b in p["batches"]] == batches
    listed = [v["visit_id"] for p in paged for b in p["batches"] for v in b["visits"]]
    assert len(listed) == len(set(listed))
    # Few visits: the default page holds them all, as before paging.
    default = client.get("/v1/worklist", params=base).json()
    assert default == whole


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"after": "!!"}, "after"),
        ({"after": "bm90IGpzb24="}, "after"),  # base64 of "not json"
        ({"after": "WzEsMiwzXQ=="}, "after"),  # base64 of [1,2,3]
        ({"after": "x" * 201}, "after"),
    ],
)
def test_a_bad_page_is_422_naming_it(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    response = client.get("/v1/worklist", params={"as_of": AS_OF, **params})
    assert response.status_code == 422, response.text
    named = {
        str(e.get("field") or e["loc"][-1]).removeprefix("query.")
        for e in response.json()["detail"]
    }
    assert named == {field}


@pytest.fixture(scope="module")
def conn() -> Iterator[psycopg.Connection[Any]]:
    """A read model of 1500 random open and closed visits, straight in SQL."""
    settings = Settings(schema_prefix=f"{unique_prefix()}_")
    schema = settings.schema_for("scheduler")
    migrations = Path(views.__file__).parent / "migrations"
    migrate(settings.database_url, schema, migrations, VIEWS)
    rng = random.Random(14)
    start = date(2026, 9, 10)
    rows = []
    for n in range(1500):
        due = start + timedelta(days=rng.randrange(40))
        rows.append(
            (
                f"V{n:04d}",
                f"C{n % 7}",
                rng.choice(list(VisitKind)),
                due,
                due + timedelta(days=rng.choice((0, 10, 30))),
                rng.choice(list(Channel)),
                rng.choice(("planned", "planned", "planned", "escalated", "done")),
                rng.choice((0, 0, 0, 1, 3)),
                rng.choice(("east", "west", "Éast", None)),
                rng.choice(("S1", "S2", None)),
                rng.choice(("Qian Li", None)),
            )
        )
    with connect(settings.database_url, schema) as db:
        db.autocommit = True
        db.cursor().executemany(
            "INSERT INTO visits (visit_id, customer_id, kind, due_date, latest_date,"
            " channel, status, failed_attempts, region, store_id, visitor,"
            " policy_version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " 'test')",
            rows,
        )
        yield db
    with psycopg.connect(settings.database_url, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.parametrize("as_of", [date(2026, 10, 1), date(2026, 11, 20)], ids=str)
@pytest.mark.parametrize(
    ("region", "visitor"), [(None, None), ("east", None), (None, "Qian Li")]
)
def test_the_sql_pages_are_the_batches_gathered_from_every_open_visit(
    conn: psycopg.Connection[Any],
    as_of: date,
    region: str | None,
    visitor: str | None,
) -> None:
    everything = gather_batches(
        [
            v
            for v, _ in views.open_visits(
                conn, region=region, visitor=visitor, until=as_of
            )
        ],
        as_of,
    )
    assert len(everything) > 7  # more than a page
    assert any(len(b.visits) > 1 for b in everything)
    paged = []
    after: BatchKey | None = None
    while True:
        rows, more = views.worklist_now(
            conn,
            as_of=as_of,
            policy=DEFAULT_POLICY,
            region=region,
            visitor=visitor,
            limit=7,
            after=after,
        )
        page, _ = page_of(gather_batches([v for v, _ in rows], as_of), 7, after)
        assert len(page) <= 7
        paged.extend(page)
        if not more:
            break
        after = (
            not page[-1].has_overdue,
            min(v.due_date for v in page[-1].visits),
            page[-1].region or "",
            page[-1].channel,
            page[-1].visits[0].visit_id,
        )
    assert paged == everything
