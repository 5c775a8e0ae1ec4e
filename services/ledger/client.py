"""For departments' systems: validate facts against schemas/ and produce them.

    python -m services.ledger.client events.json       # a JSON array, or
    python -m services.ledger.client events.jsonl      # one event per line
    python -m services.ledger.client --check events.json
    python -m services.ledger.client --department production events.json

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
from services.ledger.domain.facts import InvalidEventsError, validate

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


def send(events: Sequence[Event], settings: Settings) -> list[Position]:
    """Produce validated facts with acks=all and an idempotent producer."""
    kafka_auth.configure(settings)  # the department's own broker user
    producer = EventProducer(
        settings.kafka_bootstrap, settings.topic_prefix, "followup-department-client"
    )
    try:
        return producer.publish(events)
    finally:
        producer.close()


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
    parser.add_argument("file", type=Path)
    parser.add_argument("--check", action="store_true", help="validate only")
    parser.add_argument(
        "--department",
        choices=acls.DEPARTMENTS,
        help="produce as this department's broker user (followup-dept-<name>)",
    )
    args = parser.parse_args(argv)
    try:
        events = validate(read_items(args.file))
    except InvalidEventsError as exc:
        for err in exc.errors:
            print(f"item {err['item']}: {err['field']}: {err['rule']}", file=sys.stderr)
        print(f"nothing sent: {exc}", file=sys.stderr)
        return 1
    if args.check:
        print(f"{len(events)} valid event(s)")
        return 0
    settings = Settings()
    if args.department:
        settings = as_department(settings, args.department)
    positions = send(events, settings)
    print(f"sent {len(positions)} event(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
