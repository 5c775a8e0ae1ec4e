"""Every Kafka client of a process authenticates as that process's user."""

import pytest

from services.kit import kafka_auth
from services.kit.settings import Settings


def test_plaintext_adds_nothing_and_scram_adds_the_user() -> None:
    try:
        kafka_auth.configure(Settings(kafka_security_protocol="PLAINTEXT"))
        assert kafka_auth.options() == {}
        kafka_auth.configure(
            Settings(
                kafka_security_protocol="SASL_SSL",
                kafka_sasl_mechanism="SCRAM-SHA-512",
                kafka_sasl_username="followup-survey",
                kafka_sasl_password="s3cret",
            )
        )
        assert kafka_auth.options() == {
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": "followup-survey",
            "sasl_plain_password": "s3cret",
        }
    finally:
        kafka_auth.configure(Settings())


def test_a_mechanism_without_a_user_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="FOLLOWUP_KAFKA_SASL_USERNAME"):
        kafka_auth.options_for(
            Settings(
                kafka_security_protocol="SASL_PLAINTEXT",
                kafka_sasl_mechanism="SCRAM-SHA-512",
                kafka_sasl_username="",
            )
        )
