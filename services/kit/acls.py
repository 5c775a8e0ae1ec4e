"""Who may do what on the broker: one SCRAM user per process, and its ACLs.

Derived here, once, from the catalogue (schemas/catalogue.py: which service
owns which topic) and the table of what each service's consumers read:

- a service writes its own topic and its dead-letter topic, reads the topics
  its consumers subscribe to (and its dead letters), owns its consumer groups,
  and may see (Describe) every other catalogue topic, which the kit lists at
  start;
- a department's producer (`services.ledger.client`) writes the ledger topic
  only;
- the operator (`followup-ops`) replays dead letters: reads every DLQ and
  writes every event topic;
- the admin (`followup-admin`) is the broker's super user: it creates topics
  and ACLs, and the tests run as it.

deploy/k8s/generate.py renders `grants()` as Strimzi KafkaUsers; the local
stack (deploy/local/stack.sh, deploy/local/services.sh) applies them to its
broker with this module's CLI, as the admin:

    python -m services.kit.acls users            # local users (stack.sh formats)
    python -m services.kit.acls apply [--topics] # ACLs (+ topics) of the prefix
    python -m services.kit.acls password USER    # new SCRAM password from stdin
"""

import argparse
import logging
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
    UserScramCredentialUpsertion,
)

from schemas.catalogue import TOPICS, dead_letter_topic
from services.kit import kafka_auth
from services.kit.settings import Settings
from services.kit.topics import SERVICES, catalogue_topics, ensure_topics

log = logging.getLogger(__name__)

ADMIN_USER = "followup-admin"  # super.users of the local broker
OPS_USER = "followup-ops"  # dead-letter replays (deploy/README.md runbook)
# Departments append facts through services.ledger.client: the ledger topic only.
DEPARTMENTS = ("production", "after_sales", "retail_store")
SCRAM_MECHANISM = "SCRAM-SHA-512"


@dataclass(frozen=True)
class Reads:
    """What one service's consumers subscribe to (topic names after the
    prefix) and their consumer groups (names after the prefix); a test
    (tests/deploy/test_manifests.py) proves it covers every subscription."""

    service: str
    topics: tuple[str, ...]
    groups: tuple[str, ...]


READS: tuple[Reads, ...] = (
    Reads("ledger", ("ledger", "survey"), ("ledger",)),
    Reads(
        "scheduler",
        ("ledger", "survey", "feedback", "schedule"),
        ("scheduler", "scheduler.reactions"),
    ),
    Reads("survey", ("schedule", "survey"), ("survey",)),
    Reads("feedback", ("survey", "feedback"), ("feedback", "feedback.reactions")),
    Reads(
        "reporting",
        ("ledger", "schedule", "survey", "feedback", "reporting"),
        ("reporting",),
    ),
)


@dataclass(frozen=True)
class Grant:
    """Operations (Kafka's names: Read, Write, Describe) a user is allowed on
    one literal resource (`topic` or `group`)."""

    resource: str
    name: str
    operations: tuple[str, ...]


def service_user(service: str) -> str:
    return f"followup-{service}"


def department_user(department: str) -> str:
    return f"followup-dept-{department.replace('_', '-')}"


def users() -> list[str]:
    """Every user of a deployment (the admin first)."""
    return [
        ADMIN_USER,
        *(service_user(s) for s in SERVICES),
        *(department_user(d) for d in DEPARTMENTS),
        OPS_USER,
    ]


def local_password(user: str) -> str:
    """The local stack's fixed development password: the user's name (like
    PostgreSQL's followup:followup); production passwords are generated."""
    return user


def owned_topic(service: str) -> str:
    """The one topic a service appends to (the catalogue's owner)."""
    (name,) = [t.name for t in TOPICS if t.owner == service]
    return name


def grants(prefix: str) -> dict[str, list[Grant]]:
    """Every user's ACLs under a deployment's topic prefix (the admin has
    none: it is a super user)."""
    full = {t.name: t.full_name(prefix) for t in TOPICS}
    every_topic = catalogue_topics(prefix)
    out: dict[str, list[Grant]] = {}
    for r in READS:
        own = full[owned_topic(r.service)]
        dlq = dead_letter_topic(prefix, r.service)
        rules = [Grant("topic", own, ("Write", "Describe"))]
        rules.append(Grant("topic", dlq, ("Write", "Read")))
        rules += [Grant("topic", full[t], ("Read", "Describe")) for t in r.topics]
        # The kit lists the catalogue's topics at start (creating only missing
        # ones, which the admin has made): Describe on all of them.
        described = {own, dlq} | {full[t] for t in r.topics}
        rules += [
            Grant("topic", t, ("Describe",)) for t in every_topic if t not in described
        ]
        rules += [
            Grant("group", f"{prefix}.{g}", ("Read", "Describe")) for g in r.groups
        ]
        out[service_user(r.service)] = rules
    for d in DEPARTMENTS:
        out[department_user(d)] = [
            Grant("topic", full["ledger"], ("Write", "Describe"))
        ]
    # `python -m services.<svc> dlq replay`: a dead letter goes back on its
    # source topic, which is often another service's, so no service's own
    # user may do it.
    dlqs = [dead_letter_topic(prefix, s) for s in SERVICES]
    out[OPS_USER] = [Grant("topic", t, ("Read", "Describe")) for t in dlqs] + [
        Grant("topic", full[t.name], ("Write", "Describe")) for t in TOPICS
    ]
    return out


_RESOURCE = {"topic": ResourceType.TOPIC, "group": ResourceType.GROUP}
_OPERATION = {
    "Read": ACLOperation.READ,
    "Write": ACLOperation.WRITE,
    "Describe": ACLOperation.DESCRIBE,
}


def kafka_acls(prefix: str) -> list[ACL]:
    """`grants(prefix)` as kafka-python's ACL objects (allow, any host)."""
    return [
        ACL(
            principal=f"User:{user}",
            host="*",
            operation=_OPERATION[op],
            permission_type=ACLPermissionType.ALLOW,
            resource_pattern=ResourcePattern(
                _RESOURCE[g.resource], g.name, ACLResourcePatternType.LITERAL
            ),
        )
        for user, rules in grants(prefix).items()
        for g in rules
        for op in g.operations
    ]


def _admin(settings: Settings) -> KafkaAdminClient:
    return KafkaAdminClient(
        **kafka_auth.options_for(settings),
        bootstrap_servers=settings.kafka_bootstrap,
        client_id="followup-acls",
    )


def _key(acl: ACL) -> tuple[str, int, str, int]:
    pattern = acl.resource_pattern
    return (acl.principal, pattern.resource_type, pattern.resource_name, acl.operation)


def apply(settings: Settings, timeout_s: float = 30.0) -> int:
    """Create every ACL of the settings' topic prefix (an existing one is
    left as it is) and wait until the broker enforces them (a controller
    commits them before the brokers apply them); return how many were asked
    for. Needs the admin."""
    wanted = kafka_acls(settings.topic_prefix)
    admin = _admin(settings)
    try:
        for start in range(0, len(wanted), 100):
            result = admin.create_acls(wanted[start : start + 100])
            if result["failed"]:
                # kafka-python lists the error classes of the failed ones
                error = result["failed"][0]
                msg = f"creating ACLs failed ({len(result['failed'])}): {error}"
                raise RuntimeError(msg)
        every = ACLFilter(
            principal=None,
            host=None,
            operation=ACLOperation.ANY,
            permission_type=ACLPermissionType.ANY,
            resource_pattern=ResourcePatternFilter(
                ResourceType.ANY, None, ACLResourcePatternType.ANY
            ),
        )
        missing = {_key(a) for a in wanted}
        deadline = time.monotonic() + timeout_s
        while True:
            found, _ = admin.describe_acls(every)
            missing -= {_key(a) for a in found}
            if not missing:
                break
            if time.monotonic() > deadline:
                msg = f"{len(missing)} ACLs not in force after {timeout_s} s"
                raise RuntimeError(msg)
            time.sleep(0.1)
    finally:
        admin.close()
    log.info(
        "ACLs applied", extra={"prefix": settings.topic_prefix, "acls": len(wanted)}
    )
    return len(wanted)


def revoke(settings: Settings, names: Iterable[str]) -> None:
    """Delete every ACL on the named topics and groups (a test's cleanup)."""
    filters = [
        ACLFilter(
            principal=None,
            host=None,
            operation=ACLOperation.ANY,
            permission_type=ACLPermissionType.ANY,
            resource_pattern=ResourcePatternFilter(
                kind, name, ACLResourcePatternType.LITERAL
            ),
        )
        for name in names
        for kind in (ResourceType.TOPIC, ResourceType.GROUP)
    ]
    if not filters:
        return
    admin = _admin(settings)
    try:
        admin.delete_acls(filters)
    finally:
        admin.close()


def resources(prefix: str) -> list[str]:
    """Every topic and group name `grants(prefix)` mentions."""
    return sorted({g.name for rules in grants(prefix).values() for g in rules})


def set_password(settings: Settings, user: str, password: str) -> None:
    """Give a SCRAM-SHA-512 user a new password (creates the user when it
    does not exist); connections already open stay authenticated."""
    admin = _admin(settings)
    try:
        errors = admin.alter_user_scram_credentials(
            [UserScramCredentialUpsertion(user, SCRAM_MECHANISM, password)]
        )
    finally:
        admin.close()
    if errors.get(user):
        msg = f"changing the password of {user} failed: {errors[user]}"
        raise RuntimeError(msg)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.kit.acls")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("users", help="print the local users: NAME PASSWORD per line")
    do = sub.add_parser("apply", help="create the ACLs of FOLLOWUP_TOPIC_PREFIX")
    do.add_argument("--prefix", help="topic prefix (default FOLLOWUP_TOPIC_PREFIX)")
    do.add_argument(
        "--topics", action="store_true", help="also create the catalogue's topics"
    )
    pw = sub.add_parser("password", help="set USER's SCRAM password, read from stdin")
    pw.add_argument("user")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(logging.ERROR)  # "credentials in the clear"
    if args.command == "users":
        for user in users():
            print(user, local_password(user))
        return 0
    settings = Settings()
    if args.command == "password":
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            print("no password on stdin", file=sys.stderr)
            return 2
        set_password(settings, args.user, password)
        print(f"password of {args.user} changed")
        return 0
    if args.prefix:
        settings = settings.model_copy(update={"topic_prefix": args.prefix})
    kafka_auth.configure(settings)
    if args.topics:
        ensure_topics(
            settings.kafka_bootstrap,
            catalogue_topics(settings.topic_prefix),
            settings.partitions,
            settings.replication_factor,
            settings.min_insync_replicas,
        )
    count = apply(settings)
    print(f"{count} ACLs of prefix {settings.topic_prefix!r} in place")
    return 0


if __name__ == "__main__":
    sys.exit(main())
