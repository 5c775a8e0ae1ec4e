"""Issue 16 in the ledger: a row shows the producing company of its contract
and whether the line is supporting equipment (配套设备, never visited)."""

import pytest
from fastapi.testclient import TestClient

from services.kit.service import create_app
from services.kit.settings import Settings
from services.ledger.service import SERVICE
from tests.support.auth import headers
from tests.support.factories import contract, shipped

pytestmark = pytest.mark.integration


def test_a_row_shows_its_company_and_supporting_equipment(settings: Settings) -> None:
    registered = contract("C1", "K1")
    registered["payload"]["company"] = "平高开关公司"
    support = shipped("C1", "K1", "U2", "2026-02-01", model="DC-220")
    support["payload"]["supporting_equipment"] = True
    batch = [shipped("C1", "K1", "U1", "2026-02-01"), support, registered]
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        response = client.post("/v1/events?wait=true", json=batch)
        assert response.status_code == 202, response.text
        rows = client.get("/v1/ledger", params={"customer_id": "C1"}).json()["items"]
    assert [(r["unit_id"], r["company"], r["supporting_equipment"]) for r in rows] == [
        ("U1", "平高开关公司", False),
        ("U2", "平高开关公司", True),
    ]
