"""The visit status rule lives once, in `domain.status.visit_status`; the
API's `status` filter is its SQL form (`views.STATUS_FILTER`). This proves
they agree on the real PostgreSQL: every stored lifecycle, failed-attempt
count and `as_of` around the due and latest dates, for every status."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from itertools import product
from pathlib import Path
from typing import Any

import psycopg
import pytest

from schemas.types import Channel, VisitKind, VisitStatus
from services.kit.db import VIEWS, connect, migrate
from services.kit.settings import Settings
from services.scheduler import views
from services.scheduler.domain.policy import DEFAULT_POLICY, Policy
from services.scheduler.domain.status import visit_status
from services.scheduler.domain.visit import Visit
from tests.conftest import unique_prefix

pytestmark = pytest.mark.integration

DUE = date(2026, 5, 10)
LATEST = date(2026, 6, 10)
AS_OF = [
    DUE - timedelta(days=1),
    DUE,
    DUE + timedelta(days=1),
    LATEST,
    LATEST + timedelta(days=1),
]
STORED = [
    VisitStatus.PLANNED,
    VisitStatus.ESCALATED,
    VisitStatus.DONE,
    VisitStatus.CANCELLED,
    # made moot by a later record of its unit (issue 16)
    VisitStatus.SUPERSEDED,
]
ATTEMPTS = [0, 1, 2, 3, 4]
POLICIES = [DEFAULT_POLICY, replace(DEFAULT_POLICY, max_failed_attempts=1)]

VISITS = [
    Visit(
        customer_id="C1",
        visit_id=f"{stored}-{attempts}",
        kind=VisitKind.TRIAL_RUN,
        due_date=DUE,
        latest_date=LATEST,
        channel=Channel.PHONE,
        status=stored,
        failed_attempts=attempts,
    )
    for stored, attempts in product(STORED, ATTEMPTS)
]


@pytest.fixture(scope="module")
def conn() -> Iterator[psycopg.Connection[Any]]:
    settings = Settings(schema_prefix=f"{unique_prefix()}_")
    schema = settings.schema_for("scheduler")
    with psycopg.connect(settings.database_url, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    migrations = Path(views.__file__).parent / "migrations"
    migrate(settings.database_url, schema, migrations, VIEWS)
    with connect(settings.database_url, schema) as db:
        db.autocommit = True
        db.cursor().executemany(
            "INSERT INTO visits (visit_id, customer_id, kind, due_date, latest_date,"
            " channel, status, failed_attempts, policy_version)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'test')",
            [
                (
                    v.visit_id,
                    v.customer_id,
                    v.kind,
                    v.due_date,
                    v.latest_date,
                    v.channel,
                    v.status,
                    v.failed_attempts,
                )
                for v in VISITS
            ],
        )
        yield db
    with psycopg.connect(settings.database_url, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.parametrize(
    "policy", POLICIES, ids=lambda p: f"max{p.max_failed_attempts}"
)
@pytest.mark.parametrize("as_of", AS_OF, ids=str)
@pytest.mark.parametrize("status", list(VisitStatus), ids=str)
def test_the_sql_filter_selects_what_the_domain_calls_that_status(
    conn: psycopg.Connection[Any], status: VisitStatus, as_of: date, policy: Policy
) -> None:
    query = f"SELECT visit_id FROM visits v WHERE {views.STATUS_FILTER}"
    rows = conn.execute(query, views.status_params(status, as_of, policy))
    by_sql = {r[0] for r in rows}
    by_domain = {v.visit_id for v in VISITS if visit_status(v, as_of, policy) is status}
    assert by_sql == by_domain


def test_every_visit_has_exactly_one_status(conn: psycopg.Connection[Any]) -> None:
    for as_of in AS_OF:
        seen: list[str] = []
        for status in VisitStatus:
            rows = conn.execute(
                f"SELECT visit_id FROM visits v WHERE {views.STATUS_FILTER}",
                views.status_params(status, as_of, DEFAULT_POLICY),
            )
            seen += [r[0] for r in rows]
        assert sorted(seen) == sorted(v.visit_id for v in VISITS)
