"""Shared fixtures. Integration and e2e tests need the local stack running
(`make stack`); each test gets its own topic and schema prefix, so tests never
see each other's events or rows and need no cleanup between them."""

import os
import uuid

import pytest

from services.kit.settings import Settings


def unique_prefix() -> str:
    """A fresh prefix for topics and schemas (schemas must start with a letter)."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def settings() -> Settings:
    """Settings of an isolated deployment on the real broker and database."""
    prefix = unique_prefix()
    return Settings(
        topic_prefix=prefix,
        schema_prefix=f"{prefix}_",
        partitions=int(os.environ.get("FOLLOWUP_TEST_PARTITIONS", "3")),
        wait_timeout_s=20,
        batch_size=200,
    )
