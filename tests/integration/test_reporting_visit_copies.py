"""The reporting projection writes exactly the visit copies its domain folds:
for schedule facts of one visit in many orders, the row stored in PostgreSQL
is `domain/visit_copies.evolve` applied to the same facts (the lifecycle
lives in the domain; the SQL only stores it)."""

import asyncio
from functools import reduce
from itertools import permutations
from pathlib import Path
from typing import Any

import pytest

from schemas.catalogue import AnyEvent
from services.kit.db import VIEWS, connect, connect_async, migrate
from services.kit.settings import Settings
from services.reporting import views
from services.reporting.domain.visit_copies import VisitCopy, evolve
from services.reporting.projection import apply
from tests.unit.reporting.builders import cancelled, overdue, planned, rescheduled

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).parents[2] / "services" / "reporting" / "migrations"
FACTS = [
    planned(),
    rescheduled("2026-11-20"),
    overdue("2026-12-05"),
    cancelled(),
    overdue("2026-12-02"),
    planned(latest="2026-12-09", region=None),
]
ORDERS = list(permutations(FACTS))[::11]  # 66 of the 720 orders, every start


async def project(settings: Settings, schema: str, events: Any) -> None:
    conn = await connect_async(settings.database_url, schema)
    try:
        async with conn.transaction(), conn.cursor() as cur:
            await cur.execute("TRUNCATE visits")
            for event in events:
                await apply(cur, event)
    finally:
        await conn.close()


def stored(settings: Settings, schema: str) -> list[VisitCopy]:
    with connect(settings.database_url, schema) as conn:
        rows = conn.execute(f"SELECT {views.VISIT_COLUMNS} FROM visits").fetchall()
    return [VisitCopy(*row) for row in rows]


def test_the_stored_copy_is_the_domains_in_every_order(settings: Settings) -> None:
    schema = settings.schema_for("reporting")
    migrate(settings.database_url, schema, MIGRATIONS, VIEWS)
    for order in ORDERS:
        expected: VisitCopy | None = reduce(evolve, order, None)
        asyncio.run(project(settings, schema, order))
        assert stored(settings, schema) == [expected], order


def test_facts_of_other_visits_and_kinds_do_not_touch_the_copy(
    settings: Settings,
) -> None:
    schema = settings.schema_for("reporting")
    migrate(settings.database_url, schema, MIGRATIONS, VIEWS)
    events: list[AnyEvent] = [planned(), planned(visit_id="V2"), cancelled()]
    asyncio.run(project(settings, schema, events))
    copies = {c.visit_id: c for c in stored(settings, schema)}
    assert copies["V1"].cancelled
    assert not copies["V2"].cancelled
