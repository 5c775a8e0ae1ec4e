"""For departments' systems: validate facts against schemas/ and produce them.

    python -m services.ledger.client events.json       # a JSON array, or
    python -m services.ledger.client events.jsonl      # one event per line
    python -m services.ledger.client --check events.json
    python -m services.ledger.client --department production events.json
    python -m services.ledger.client --department production week.xlsx
    python -m services.ledger.client --fact powered_on week.csv

A filled Friday-batch template (`GET /v1/imports/template.xlsx`, or one
fact's CSV) is read as `POST /v1/imports` reads it: the same rows, event ids
and problems by sheet, row and column; sending a file again sends the same
event ids, which every consumer applies once.

Everything is validated before anything is sent: a file with one bad event
sends nothing and prints each broken rule with the event's index.

A department produces as its own broker user, whose ACLs allow writing the
ledger topic and nothing else (services/kit/acls.py): `--department D` is
the user followup-dept-<D> (FOLLOWUP_KAFKA_SASL_PASSWORD, or locally the
stack's development password); without it the client is whoever
FOLLOWUP_KAFKA_SASL_USERNAME names.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from schemas.envelope import Event
from services.kit import acls, kafka_auth
from services.kit.producer import EventProducer, Position
from services.kit.settings import Settings
from services.ledger import sheets
from services.ledger.domain.facts import InvalidEventsError, acted_by, validate
from services.ledger.domain.imports import Problem, located, wire_of

__all__ = [
    "InvalidEventsError",
    "as_department",
    "main",
    "read_items",
    "send",
    "validate",
]


def as_department(settings: Settings, department: str) -> Settings:
    """The settings of a department's producer user."""
    if department not in acls.DEPARTMENTS:
        known = ", ".join(acls.DEPARTMENTS)
        msg = f"unknown department {department!r} (one of: {known})"
        raise ValueError(msg)
    user = acls.department_user(department)
    password = (
        settings.kafka_sasl_password
        if "kafka_sasl_password" in settings.model_fields_set
        else acls.local_password(user)
    )
    return settings.model_copy(
        update={
            "kafka_security_protocol": settings.kafka_security_protocol
            if settings.kafka_security_protocol != "PLAINTEXT"
            else "SASL_PLAINTEXT",
            "kafka_sasl_mechanism": acls.SCRAM_MECHANISM,
            "kafka_sasl_username": user,
            "kafka_sasl_password": password,
        }
    )


def send(
    events: Sequence[Event], settings: Settings, progress: bool = False
) -> list[Position]:
    """Produce validated facts with acks=all and an idempotent producer, a
    thousand at a time (printing how far it got when `progress`)."""
    kafka_auth.configure(settings)  # the department's own broker user
    producer = EventProducer(
        settings.kafka_bootstrap, settings.topic_prefix, "followup-department-client"
    )
    positions: list[Position] = []
    try:
        for start in range(0, len(events), 1000):
            positions.extend(producer.publish(events[start : start + 1000]))
            if progress:
                print(f"sent {len(positions)}/{len(events)}", file=sys.stderr)
        return positions
    finally:
        producer.close()


def read_file(path: Path, fact: str | None, actor: str) -> list[Event]:
    """The facts of a JSON, XLSX or CSV file, every one validated; a file
    with any problem raises `InvalidEventsError` naming them all."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        return validate(read_items(path))
    data = path.read_bytes()
    if suffix == ".xlsx":
        rows, problems = sheets.read_xlsx(data)
    elif fact is None:
        raise InvalidEventsError(
            [{"item": "(file)", "field": "--fact", "rule": "required for a CSV"}]
        )
    else:
        rows, problems = sheets.read_csv(data, fact)
    found: list[Problem] = list(problems)
    events: list[Event] = []
    try:
        events = validate(acted_by([wire_of(r, "import:cli") for r in rows], actor))
    except InvalidEventsError as exc:
        found.extend(located(rows, exc.errors))
    if found:
        raise InvalidEventsError(
            [
                {"item": f"{p.sheet} row {p.row}", "field": p.column, "rule": p.rule}
                for p in found
            ]
        )
    return events


def read_items(path: Path) -> list[Any]:
    """A JSON array, a single JSON object, or JSON lines."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return data if isinstance(data, list) else [data]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help=".json, .jsonl, .xlsx or .csv")
    parser.add_argument("--check", action="store_true", help="validate only")
    parser.add_argument("--fact", help="the facts of a CSV file (e.g. powered_on)")
    parser.add_argument(
        "--department",
        choices=acls.DEPARTMENTS,
        help="produce as this department's broker user (followup-dept-<name>)",
    )
    args = parser.parse_args(argv)
    settings = Settings()
    if args.department:
        settings = as_department(settings, args.department)
    actor = f"{settings.kafka_sasl_username or 'department'} (ledger client)"
    try:
        events = read_file(args.file, args.fact, actor)
    except sheets.UnreadableFileError as exc:
        print(f"nothing sent: {exc}", file=sys.stderr)
        return 1
    except InvalidEventsError as exc:
        for err in exc.errors:
            print(f"item {err['item']}: {err['field']}: {err['rule']}", file=sys.stderr)
        print(f"nothing sent: {exc}", file=sys.stderr)
        return 1
    if args.check:
        print(f"{len(events)} valid event(s)")
        return 0
    positions = send(events, settings, progress=len(events) > 1000)
    print(f"sent {len(positions)} event(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
