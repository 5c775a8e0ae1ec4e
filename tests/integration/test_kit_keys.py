"""API keys and the security dependency on the real database: a key works
until it expires or is revoked; a scope it lacks is a 403; no key is a 401."""

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from services.kit import keys, security
from services.kit.db import open_pool
from services.kit.keys import Principal
from services.kit.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    keys.prepare(settings)
    pool = open_pool(settings.database_url, keys.identity_schema(settings))
    app = FastAPI()
    app.state.runtime = SimpleNamespace(pool=pool, settings=settings)

    @app.post("/facts")
    def append(
        who: Annotated[Principal, Depends(security.require("facts:shipped"))],
    ) -> dict[str, str]:
        return {"actor": who.actor}

    security._cache.clear()
    with TestClient(app) as test_client:
        yield test_client
    pool.close()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_key_of_the_right_role_acts_and_names_the_actor(
    client: TestClient, settings: Settings
) -> None:
    key_id, key = keys.create(settings, role="production", owner="李工")
    assert key.startswith(f"fu_production_{key_id}_")
    answer = client.post("/facts", headers=bearer(key))
    assert answer.status_code == 200
    assert answer.json() == {"actor": f"李工 (production key {key_id})"}
    stored = [k for k in keys.listed(settings) if k["key_id"] == key_id]
    assert stored[0]["role"] == "production"
    assert "key_hash" not in stored[0]


def test_no_key_an_unknown_one_and_a_wrong_role_are_refused(
    client: TestClient, settings: Settings
) -> None:
    assert client.post("/facts").status_code == 401
    unknown = client.post("/facts", headers=bearer("fu_admin_0000_nope"))
    assert unknown.status_code == 401
    assert unknown.json()["detail"].startswith("unknown key")
    _, visitor = keys.create(settings, role="visitor", owner="张三")
    refused = client.post("/facts", headers=bearer(visitor))
    assert refused.status_code == 403
    assert "facts:shipped" in refused.json()["detail"]


def test_revoked_and_expired_keys_stop_working(
    client: TestClient, settings: Settings
) -> None:
    key_id, key = keys.create(settings, role="production", owner="王工")
    assert client.post("/facts", headers=bearer(key)).status_code == 200
    assert keys.revoke(settings, key_id)
    security._cache.clear()  # else it takes up to CACHE_S seconds
    revoked = client.post("/facts", headers=bearer(key))
    assert revoked.status_code == 401
    assert revoked.json()["detail"].startswith("revoked key")
    assert not keys.revoke(settings, key_id)
    _, old = keys.create(settings, role="production", owner="赵工", days=-1)
    expired = client.post("/facts", headers=bearer(old))
    assert expired.json()["detail"].startswith("expired key")


def test_handler_and_store_keys_need_their_department_or_stores(
    settings: Settings,
) -> None:
    with pytest.raises(ValueError, match="department"):
        keys.create(settings, role="handler", owner="x")
    with pytest.raises(ValueError, match="store"):
        keys.create(settings, role="retail_store", owner="x")
