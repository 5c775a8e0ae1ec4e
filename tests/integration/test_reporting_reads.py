"""The dashboard's counts made in SQL (`views.counts_by_day`,
`counts_by_axis`, `done_by_region`, `visits_by_region`, `failures_by_reason`,
`suggesting`) agree with the domain's rules applied in Python to the records
and visits the report reads (`views.records`, `views.visits`,
`Filters.keeps`), on a varied data set and for every kind of filter; and the
record's company (the unit's contract's, else the customer's only company)
is what the report has always said."""

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from schemas.types import AttemptFailure, PostWarrantyService, Rating, VisitKind
from services.kit.db import VIEWS, connect, migrate
from services.kit.settings import Settings
from services.reporting import views
from services.reporting.domain import dashboard
from services.reporting.domain.dashboard import Filters
from services.reporting.domain.periods import last_periods, period_bounds
from services.reporting.domain.satisfaction import (
    TAG_AXES,
    count,
    suggestions_and_needs,
)
from services.reporting.domain.visits import count_visits, reasons

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).parents[2] / "services" / "reporting" / "migrations"
CUTOFF = 25
PERIOD = "2026-11"
REGIONS = ["east", "north", "", None]
MODELS = ["KYN28-12", "XGN15", "", None]
TAGS = ["strong", "weak", "", None]
COMPANIES = ["HV", "LV", None]
FIRST = date(2025, 10, 1)
DAYS = 440  # FIRST .. 2026-12-14: twelve periods and a little more


def _day(rng: random.Random) -> date:
    return FIRST + timedelta(days=rng.randrange(DAYS))


def seed(conn: Any, rng: random.Random) -> None:
    """Customers, contracts, units, visits, records and failed attempts with
    every classification missing, empty or set, records naming or not their
    own region and model, visits cancelled, overdue, superseded."""
    customers = [f"C{i}" for i in range(30)]
    conn.cursor().executemany(
        "INSERT INTO customers (customer_id, customer_name, region, strength,"
        " decision_maker, interest, cooperation) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [
            (c, f"name {c}", rng.choice(REGIONS), *(rng.choice(TAGS) for _ in TAG_AXES))
            for c in customers[:-3]  # three customers the ledger never named
        ],
    )
    contracts = [
        (f"K{i}", rng.choice(customers), rng.choice(COMPANIES)) for i in range(45)
    ]
    conn.cursor().executemany(
        "INSERT INTO contracts (contract_id, customer_id, company) VALUES (%s, %s, %s)",
        contracts,
    )
    units = [
        (f"U{i}", rng.choice(customers), rng.choice(MODELS[:2]),
         rng.choice([k[0] for k in contracts] + [None]))
        for i in range(60)
    ]  # fmt: skip
    conn.cursor().executemany(
        "INSERT INTO units (unit_id, customer_id, product_model, contract_id)"
        " VALUES (%s, %s, %s, %s)",
        units,
    )
    kinds = [k.value for k in VisitKind]
    visits = []
    for i in range(400):
        due = _day(rng)
        latest = (
            due + timedelta(days=rng.choice([0, 7, 30])) if rng.random() < 0.9 else None
        )
        visits.append(
            (f"V{i}", rng.choice(customers), rng.choice([*kinds, None]), due
             if rng.random() < 0.95 else None, latest, rng.choice([*REGIONS, None]),
             rng.choice([*MODELS, None]), rng.choice([u[0] for u in units] + [None]),
             rng.random() < 0.15,
             _day(rng) if rng.random() < 0.3 else None,
             _day(rng) if rng.random() < 0.15 else None)
        )  # fmt: skip
    conn.cursor().executemany(
        "INSERT INTO visits (visit_id, customer_id, kind, due_date, latest_date,"
        " region, product_model, unit_id, cancelled, overdue_on, superseded_on)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        visits,
    )
    ratings = [r.value for r in Rating] + [None, ""]
    texts = ["", "", "  ", "more parts", " needs a visit "]
    records = []
    for i in range(900):
        visit = rng.choice(visits)
        # Most records close a planned visit; some name one never planned.
        visit_id = visit[0] if rng.random() < 0.85 else f"X{i}"
        records.append(
            (f"R{i:04d}", rng.choice(customers), visit_id, rng.choice(kinds),
             _day(rng), "visitor", rng.choice(["on_site", "phone"]),
             rng.choice(ratings), rng.choice(ratings), rng.randrange(0, 101),
             rng.choice(texts), rng.choice(texts),
             rng.sample([s.value for s in PostWarrantyService], rng.choice([0, 0, 1])),
             rng.choice([u[0] for u in units] + [None, None]),
             rng.choice([*MODELS, None, None]), rng.choice([*REGIONS, None, None]))
        )  # fmt: skip
    conn.cursor().executemany(
        "INSERT INTO visit_records (record_no, customer_id, visit_id, kind,"
        " visited_on, visitor, channel, product_quality, service_quality, score,"
        " suggestions, needs, post_warranty_service, unit_id, product_model, region)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        records,
    )
    conn.cursor().executemany(
        "INSERT INTO failed_attempts (visit_id, attempt_no, customer_id,"
        " attempted_on, reason) VALUES (%s, %s, %s, %s, %s)",
        [
            (f"V{i}", 1, "C0", _day(rng), rng.choice(list(AttemptFailure)).value)
            for i in range(200)
        ],
    )


def every_filter() -> list[Filters]:
    """No filter, each value (and unknown) of each filter, and combinations."""
    found = [Filters()]
    found += [Filters(region=r) for r in ("east", "north", "unknown", "nowhere")]
    found += [Filters(product_model=m) for m in ("KYN28-12", "XGN15", "unknown")]
    found += [Filters(kind=k.value) for k in VisitKind]
    found += [
        Filters(tag=f"{axis}:{value}")
        for axis in TAG_AXES
        for value in ("strong", "weak", "unknown")
    ]
    found += [
        Filters(region="east", kind=VisitKind.RETAIL_FOLLOWUP.value),
        Filters(region="north", product_model="XGN15", tag="strength:strong"),
        Filters(region="unknown", product_model="unknown", tag="interest:unknown"),
    ]
    return found


@pytest.fixture
def conn(settings: Settings) -> Any:
    schema = settings.schema_for("reporting")
    migrate(settings.database_url, schema, MIGRATIONS, VIEWS)
    with connect(settings.database_url, schema) as c:
        seed(c, random.Random(20261130))
        c.commit()
        yield c


def test_sql_counts_agree_with_the_domain_for_every_filter(conn: Any) -> None:
    periods = last_periods(PERIOD, 12)
    bounds = {p: period_bounds(p, CUTOFF) for p in periods}
    all_records = views.records(conn, (bounds[periods[0]][0], bounds[PERIOD][1]))
    assert len(all_records) > 500  # the data set is what the test thinks
    window = bounds[PERIOD]
    every_visit = views.visits(conn, window)
    for filters in every_filter():
        kept = [r for r in all_records if filters.keeps(r)]
        in_period = {
            p: [r for r in kept if b[0] <= r.visited_on <= b[1]]
            for p, b in bounds.items()
        }
        # Per period: the counts behind the cards and the trend.
        days = views.counts_by_day(
            conn, (bounds[periods[0]][0], bounds[PERIOD][1]), filters
        )
        for day, counted_on in days:
            assert counted_on == count([r for r in kept if r.visited_on == day])
        counted = dashboard.counts_by_period(days, CUTOFF)
        for p in periods:
            assert counted.get(p, count([])) == count(in_period[p]), (filters, p)
        assert dashboard.trend_of(counted, periods) == dashboard.trend(
            kept, periods, CUTOFF
        ), filters
        previous = periods[-2]
        assert dashboard.cards_of(
            counted.get(PERIOD, count([])), counted.get(previous, count([]))
        ) == dashboard.cards(in_period[PERIOD], in_period[previous]), filters
        # The breakdowns.
        by_axis = views.counts_by_axis(conn, window, filters)
        assert {
            dashboard.axis_name(axis): {k: c.satisfaction() for k, c in groups.items()}
            for axis, groups in by_axis.items()
            if groups
        } == {
            axis: groups
            for axis, groups in dashboard.axes(in_period[PERIOD]).items()
            if groups
        }, filters
        # Visits by region.
        planned = [v for v in every_visit if filters.keeps_visit(v)]
        assert dashboard.visits_by_region_of(
            views.visits_by_region(conn, window, filters),
            views.done_by_region(conn, window, filters),
        ) == dashboard.visits_by_region(window, planned, in_period[PERIOD]), filters
        # Suggestions and needs.
        assert suggestions_and_needs(
            views.suggesting(conn, window, filters)
        ) == suggestions_and_needs(in_period[PERIOD]), filters
    # Failed attempts (not filtered).
    assert (
        reasons(views.failures_by_reason(conn, window))
        == count_visits(
            bounds=window, visits=[], records=[], failures=views.failures(conn, window)
        ).failed_attempts_by_reason
    )


def test_a_records_company_is_its_units_contracts_else_its_customers_only_one(
    conn: Any,
) -> None:
    units = dict(conn.execute("SELECT unit_id, contract_id FROM units").fetchall())
    companies = {
        k: (customer, company)
        for k, customer, company in conn.execute(
            "SELECT contract_id, customer_id, company FROM contracts"
        ).fetchall()
    }
    rows = conn.execute(
        "SELECT r.record_no, COALESCE(r.unit_id, v.unit_id), r.customer_id"
        " FROM visit_records r LEFT JOIN visits v ON v.visit_id = r.visit_id"
    ).fetchall()
    expected = {}
    for record_no, unit_id, customer_id in rows:
        own = companies.get(units.get(unit_id) or "", (None, None))[1]
        of_customer = {c for cust, c in companies.values() if cust == customer_id and c}
        only = next(iter(of_customer)) if len(of_customer) == 1 else None
        expected[record_no] = own or only
    found = views.records(conn, (FIRST, FIRST + timedelta(days=DAYS)))
    assert {r.record_no: r.company for r in found} == expected
    assert len({c for c in expected.values() if c}) > 1  # the set is varied
