"""How this process authenticates to Kafka: one identity per process.

Locally the broker is PLAINTEXT; in production (deploy/k8s) every service
and department producer has its own SCRAM-SHA-512 user whose ACLs allow only
its own topics (architecture.md point 11). `configure(settings)` is called
once at start (service, CLI); every Kafka client of the kit — producers,
consumers, admin — is built with `options()`.
"""

from typing import Any

from services.kit.settings import Settings

_options: dict[str, Any] = {}


def configure(settings: Settings) -> None:
    """Take the credentials of `FOLLOWUP_KAFKA_SECURITY_PROTOCOL` and co."""
    _options.clear()
    if settings.kafka_security_protocol == "PLAINTEXT":
        return
    _options["security_protocol"] = settings.kafka_security_protocol
    if settings.kafka_sasl_mechanism:
        _options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        _options["sasl_plain_username"] = settings.kafka_sasl_username
        _options["sasl_plain_password"] = settings.kafka_sasl_password


def options() -> dict[str, Any]:
    """Keyword arguments for kafka-python's and aiokafka's clients (the same
    names in both)."""
    return dict(_options)
