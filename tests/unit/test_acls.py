"""The broker grants (services/kit/acls.py) follow the catalogue: each service
writes only its own topic and its dead letters, a department only the ledger."""

from schemas.catalogue import LEDGER, TOPICS, dead_letter_topic
from services.kit import acls
from services.kit.topics import SERVICES


def writes(rules: list[acls.Grant]) -> set[str]:
    return {g.name for g in rules if "Write" in g.operations}


def test_a_service_writes_its_own_topic_and_dead_letters_only() -> None:
    grants = acls.grants("p")
    owner = {t.owner: t.full_name("p") for t in TOPICS}
    for service in SERVICES:
        rules = grants[acls.service_user(service)]
        assert writes(rules) == {owner[service], dead_letter_topic("p", service)}
        assert {g.resource for g in rules} == {"topic", "group"}
        assert all(g.name.startswith("p.") for g in rules)


def test_a_department_writes_the_ledger_topic_and_nothing_else() -> None:
    grants = acls.grants("p")
    for department in acls.DEPARTMENTS:
        rules = grants[acls.department_user(department)]
        assert rules == [
            acls.Grant("topic", LEDGER.full_name("p"), ("Write", "Describe"))
        ]


def test_every_granted_user_is_a_local_user_and_the_admin_needs_no_acl() -> None:
    assert set(acls.grants("p")) == set(acls.users()) - {acls.ADMIN_USER}
    assert len(acls.kafka_acls("p")) == sum(
        len(g.operations) for rules in acls.grants("p").values() for g in rules
    )
