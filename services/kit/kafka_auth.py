"""How this process authenticates to Kafka: one identity per process.

Every broker listener takes SASL (SCRAM-SHA-512) only, locally as in
production, and the StandardAuthorizer allows each user only its ACLs
(services/kit/acls.py: a service writes its own topics and reads what its
consumers subscribe to; a department writes the ledger topic). The user comes
from `FOLLOWUP_KAFKA_SASL_USERNAME`/`_PASSWORD`; the defaults are the local
stack's admin (a development password, like PostgreSQL's followup:followup),
and deploy/local/services.sh and the production manifests give each service
its own user. `configure(settings)` is called once at start (service, CLI);
every Kafka client of the kit — producers, consumers, admin — is built with
`options()`; a client built for other settings (tests) uses `options_for`.
"""

from typing import Any

from services.kit.settings import Settings

_options: dict[str, Any] = {}


def options_for(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for kafka-python's and aiokafka's clients (the same
    names in both) that authenticate with these settings' credentials."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return {}
    out: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if settings.kafka_sasl_mechanism:
        if not settings.kafka_sasl_username or settings.kafka_sasl_password is None:
            msg = (
                f"{settings.kafka_sasl_mechanism} needs FOLLOWUP_KAFKA_SASL_USERNAME "
                "and FOLLOWUP_KAFKA_SASL_PASSWORD"
            )
            raise ValueError(msg)
        out["sasl_mechanism"] = settings.kafka_sasl_mechanism
        out["sasl_plain_username"] = settings.kafka_sasl_username
        out["sasl_plain_password"] = settings.kafka_sasl_password
    return out


def configure(settings: Settings) -> None:
    """Take the credentials of `FOLLOWUP_KAFKA_SECURITY_PROTOCOL` and co."""
    _options.clear()
    _options.update(options_for(settings))


def options() -> dict[str, Any]:
    """The configured process's keyword arguments (see `options_for`)."""
    return dict(_options)
