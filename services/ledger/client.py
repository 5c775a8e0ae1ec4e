"""For departments' systems: validate facts against schemas/ and produce them.

    python -m services.ledger.client events.json       # a JSON array, or
    python -m services.ledger.client events.jsonl      # one event per line
    python -m services.ledger.client --check events.json

Everything is validated before anything is sent: a file with one bad event
sends nothing and prints each broken rule with the event's index.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from schemas.envelope import Event
from services.kit import kafka_auth
from services.kit.producer import EventProducer, Position
from services.kit.settings import Settings
from services.ledger.domain.facts import InvalidEventsError, validate

__all__ = ["InvalidEventsError", "main", "read_items", "send", "validate"]


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
    positions = send(events, Settings())
    print(f"sent {len(positions)} event(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
