"""The verdict: the services' tables against the oracle, table by table
(business content, not bookkeeping columns), and the promises about the run:
no event applied twice, every acknowledged command present, no dead letter
but the planted poison."""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import Enum
from typing import Any

import psycopg

from schemas.catalogue import LEDGER
from schemas.schedule import VisitDue, VisitOverdue
from schemas.survey import VisitAttemptFailed, VisitCompleted
from services.kit.deadletters import DeadLetter
from services.kit.settings import Settings
from tests.faults import oracle
from tests.faults.workload import Figures

OPEN = {"planned", "due", "overdue", "escalated"}
# A visit closed for good (a record made it, or made it moot) keeps the
# channel and dates it had when it closed: which facts the scheduler had read
# by then depends on how it interleaved its three topics (no order between
# them), which the log does not record. So for these the oracle checks who,
# what and the status; open visits are checked in full.
FINAL = {"done", "superseded"}
SHOWN = 5  # mismatching rows named per table


def plain(value: Any) -> Any:
    """Comparable form: enums by value, dates as dates, sequences as tuples."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return tuple(plain(v) for v in value)
    return value


def compare(
    table: str,
    actual: Mapping[str, tuple[Any, ...]],
    wanted: Mapping[str, tuple[Any, ...]],
    mismatches: list[str],
    checked: Counter[str],
) -> None:
    checked[table] = len(wanted)
    wrong = []
    for key in sorted(set(actual) | set(wanted)):
        got, want = actual.get(key), wanted.get(key)
        if got != want:
            wrong.append(f"{table} {key}: table {got} != oracle {want}")
    if wrong:
        mismatches.append(f"{table}: {len(wrong)} rows differ from the oracle")
        mismatches.extend(f"  {w}" for w in wrong[:SHOWN])


def visit_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """(customer, kind, due, latest, channel, status, failed attempts), with
    open statuses as one and a final visit's history left out (FINAL)."""
    status = "open" if row[5] in OPEN else row[5]
    if status in FINAL:
        return (row[0], row[1], None, None, None, status, None)
    return (*row[:5], status, row[6])


def rows(conn: psycopg.Connection[Any], query: str) -> dict[str, tuple[Any, ...]]:
    return {
        str(r[0]): tuple(plain(v) for v in r[1:])
        for r in conn.execute(query).fetchall()
    }


def judge(
    settings: Settings,
    expected: oracle.Expected,
    *,
    figures: Figures,
    report: Mapping[str, Any],
    log: list[oracle.LogRecord],
    mismatches: list[str],
    checked: Counter[str],
) -> None:
    s = settings.schema_for
    with psycopg.connect(settings.database_url) as conn:
        compare(
            "ledger.units",
            rows(
                conn,
                "SELECT unit_id, customer_id, contract_id, product_model, quantity,"
                f" ship_date, installed_date, power_on_date FROM {s('ledger')}.units",
            ),
            {
                u: (
                    line.customer_id,
                    line.contract_id,
                    line.product_model,
                    line.quantity,
                    line.ship_date,
                    line.installed_date,
                    line.power_on_date,
                )
                for u, line in expected.lines.items()
            },
            mismatches,
            checked,
        )
        wanted_visits = {
            v: visit_row(
                (
                    visit.customer_id,
                    plain(visit.kind),
                    visit.due_date,
                    visit.latest_date,
                    plain(visit.channel),
                    plain(visit.status),
                    visit.failed_attempts,
                )
            )
            for v, visit in expected.visits.items()
        }
        for table, schema in (
            ("scheduler.visits", s("scheduler")),
            ("scheduler store visit_plans", settings.store_schema_for("scheduler")),
        ):
            name = "visits" if table == "scheduler.visits" else "visit_plans"
            compare(
                table,
                {
                    k: visit_row(v)
                    for k, v in rows(
                        conn,
                        "SELECT visit_id, customer_id, kind, due_date, latest_date,"
                        f" channel, status, failed_attempts FROM {schema}.{name}",
                    ).items()
                },
                wanted_visits,
                mismatches,
                checked,
            )
        compare(
            "survey.visit_records",
            rows(
                conn,
                "SELECT record_no, visit_id, customer_id, kind, visited_on, visitor,"
                " channel, product_quality, service_quality, score"
                f" FROM {s('survey')}.visit_records",
            ),
            {
                no: (
                    p.visit_id,
                    p.customer_id,
                    plain(p.kind),
                    p.visited_on,
                    p.visitor,
                    plain(p.channel),
                    plain(p.product_quality),
                    plain(p.service_quality),
                    p.score,
                )
                for no, e in expected.records.items()
                for p in (e.payload,)
            },
            mismatches,
            checked,
        )
        compare(
            "feedback.tickets",
            rows(
                conn,
                "SELECT ticket_id, subject, department, state, assignee, opened_on,"
                " first_assigned_on, assigned_on, resolution, resolved_on,"
                " resolutions, verified_on, reopened_on, revisits"
                f" FROM {s('feedback')}.tickets",
            ),
            {
                t: (
                    plain(x.subject),
                    plain(x.department),
                    plain(x.state),
                    x.assignee,
                    x.opened_on,
                    x.first_assigned_on,
                    x.assigned_on,
                    x.resolution,
                    x.resolved_on,
                    x.resolutions,
                    x.verified_on,
                    x.reopened_on,
                    tuple(x.revisits),
                )
                for t, x in expected.tickets.items()
            },
            mismatches,
            checked,
        )
        compare(
            "reporting.visit_records",
            rows(
                conn,
                "SELECT record_no, visit_id, customer_id, kind, visited_on,"
                " product_quality, service_quality, score"
                f" FROM {s('reporting')}.visit_records",
            ),
            {
                no: (
                    r.visit_id,
                    r.customer_id,
                    plain(r.kind),
                    r.visited_on,
                    plain(r.product_quality),
                    plain(r.service_quality),
                    r.score,
                )
                for no, e in expected.records.items()
                for r in (oracle.report_record(e),)
            },
            mismatches,
            checked,
        )
        attempts = {
            (str(v), int(n))
            for v, n in conn.execute(
                f"SELECT visit_id, attempt_no FROM {s('survey')}.attempts"
            ).fetchall()
        }
    report_sections(report, expected.report, mismatches, checked)
    _once(log, expected, mismatches, checked)
    _acknowledged(figures, expected, log, attempts, mismatches, checked)


def report_sections(
    report: Mapping[str, Any],
    wanted: Mapping[str, Any],
    mismatches: list[str],
    checked: Counter[str],
    label: str = "report",
) -> None:
    got = {
        "period": report.get("period"),
        "start": report.get("start"),
        "end": report.get("end"),
        "records": report.get("records"),
        "product_quality": _counts(report.get("product_quality")),
        "service_quality": _counts(report.get("service_quality")),
        "by_kind_records": {
            k: v.get("records") for k, v in (report.get("by_kind") or {}).items()
        },
        "retail_mean_score": report.get("retail_mean_score"),
    }
    checked[f"{label} sections"] = len(wanted)
    for name, want in wanted.items():
        if got.get(name) != want:
            mismatches.append(f"{label} {name}: {got.get(name)} != oracle {want}")


def _counts(tally: Any) -> dict[str, Any] | None:
    if not isinstance(tally, dict):
        return None
    return {k: tally.get(k) for k in ("satisfied", "neutral", "dissatisfied")}


def _events(log: list[oracle.LogRecord]) -> Iterator[Any]:
    scratch = oracle.Expected()
    for _, event in oracle.decoded(log, scratch):
        yield event


def _once(
    log: list[oracle.LogRecord],
    expected: oracle.Expected,
    mismatches: list[str],
    checked: Counter[str],
) -> None:
    """Each visit recorded once and announced due once and overdue once;
    each complaint one ticket; no id on the log with two contents."""
    per: Counter[tuple[str, str]] = Counter()
    for event in _events(log):
        if isinstance(event, VisitCompleted | VisitDue | VisitOverdue):
            per[(event.type, event.payload.visit_id)] += 1
    twice = sorted(k for k, n in per.items() if n > 1)
    checked["once per visit"] = len(per)
    if twice:
        mismatches.append(f"{len(twice)} visits twice: {twice[:SHOWN]}")
    opened = Counter(expected.ticket_complaints.values())
    checked["complaints with a ticket"] = len(expected.complaints)
    missing = sorted(set(expected.complaints) - set(opened))
    if missing:
        mismatches.append(f"{len(missing)} complaints without a ticket: {missing[:5]}")
    extra = sorted(c for c, n in opened.items() if n > 1)
    if extra:
        mismatches.append(f"{len(extra)} complaints with several tickets: {extra[:5]}")
    if expected.conflicting:
        mismatches.append(
            f"{len(expected.conflicting)} ids on the log with other content: "
            f"{expected.conflicting[:SHOWN]}"
        )


def _acknowledged(  # noqa: PLR0917 - one call site, all of it the verdict's
    figures: Figures,
    expected: oracle.Expected,
    log: list[oracle.LogRecord],
    attempts_table: set[tuple[str, int]],
    mismatches: list[str],
    checked: Counter[str],
) -> None:
    ids: set[str] = set()
    attempts: set[tuple[str, int]] = set()
    for event in _events(log):
        ids.add(str(event.event_id))
        if isinstance(event, VisitAttemptFailed):
            attempts.add((event.payload.visit_id, event.payload.attempt_no))

    def present(what: str, acked: Iterable[Any], found: set[Any]) -> None:
        acked = set(acked)
        checked[f"acknowledged {what}"] = len(acked)
        lost = sorted(acked - found)
        if lost:
            mismatches.append(f"{len(lost)} acknowledged {what} lost: {lost[:SHOWN]}")

    present("facts", figures.facts, ids)
    present("records", figures.records, set(expected.records))
    present("attempts", figures.attempts, attempts)
    present("attempts in the survey's table", figures.attempts, attempts_table)
    present("ticket commands", figures.ticket_events, ids)


def dead_letters(
    settings: Settings,
    expected: oracle.Expected,
    mismatches: list[str],
    checked: Counter[str],
    *,
    read_all: Callable[[Settings, str], Iterable[DeadLetter]],
) -> None:
    """Only the planted poison is dead-lettered, and by every consumer of the
    ledger topic (a rebuild may dead-letter it again)."""
    poison = {(t, p, o) for t, p, o in expected.poison}
    ledger = LEDGER.full_name(settings.topic_prefix)
    for service in ("ledger", "scheduler", "survey", "feedback", "reporting"):
        seen: set[tuple[str, int, int]] = set()
        foreign = []
        for letter in read_all(settings, service):
            h = letter.headers
            try:
                ref = (h["dlq.topic"], int(h["dlq.partition"]), int(h["dlq.offset"]))
            except (KeyError, ValueError):
                foreign.append(str(h)[:200])
                continue
            if ref in poison:
                seen.add(ref)
            else:
                foreign.append(f"{ref}: {h.get('dlq.reason', '')[:160]}")
        checked[f"dead letters {service}"] = len(seen) + len(foreign)
        if foreign:
            mismatches.append(
                f"{service}: {len(foreign)} dead letters not planted: {foreign[:3]}"
            )
        reads_ledger = service in ("ledger", "scheduler", "reporting")
        wanted = {r for r in poison if r[0] == ledger} if reads_ledger else set()
        if wanted - seen:
            mismatches.append(
                f"{service}: {len(wanted - seen)} poison records not dead-lettered"
            )
