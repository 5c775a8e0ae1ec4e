"""The departments' Friday batch through HTTP on the real broker and database:
a clerk downloads the template, fills it with one broken row, the dry run
names the row and column, the real import is refused whole, the fixed file
imports, and a second upload appends nothing (issue 12)."""

import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import load_workbook

from schemas.catalogue import LEDGER
from services.kit.service import create_app
from services.kit.settings import Settings
from services.ledger.domain.imports import COLUMNS
from services.ledger.service import SERVICE
from services.ledger.sheets import XLSX
from tests.support.auth import bearer, issue
from tests.support.survey import end_offset

pytestmark = pytest.mark.integration

CONTRACT = {
    "customer_id": "C1",
    "customer_name": "华东电力",
    "contract_id": "K1",
    "project_name": "110kV 变电站",
    "amount": "1200000.00",
    "region": "east",
    "power_contact.name": "李伟",
    "power_contact.phone": "13800000001",
    "substation_contact.name": "王芳",
    "substation_contact.phone": "13800000002",
}
SHIPPED = {
    "customer_id": "C1",
    "contract_id": "K1",
    "unit_id": "U1",
    "product_model": "KYN28-12",
    "quantity": "4",
    "ship_date": "2026-11-20",
}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    clerk = issue(settings, "production", owner="周五文员")
    with TestClient(create_app(SERVICE, settings), headers=bearer(clerk)) as c:
        yield c


def filled(template: bytes, sheets: dict[str, list[dict[str, str]]]) -> bytes:
    """The template with rows typed in under its headers."""
    book = load_workbook(io.BytesIO(template))
    for name, rows in sheets.items():
        sheet = book[name]
        for r, row in enumerate(rows, start=2):
            for c, column in enumerate(COLUMNS[name], start=1):
                sheet.cell(row=r, column=c, value=row.get(column.path))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: TestClient, data: bytes, **params: str) -> Response:
    answer: Response = client.post(
        "/v1/imports", content=data, params=params, headers={"Content-Type": XLSX}
    )
    return answer


def test_a_broken_row_is_named_refused_whole_then_fixed_imported_once(
    client: TestClient, settings: Settings
) -> None:
    template = client.get("/v1/imports/template.xlsx")
    assert template.status_code == 200, template.text
    assert load_workbook(io.BytesIO(template.content)).sheetnames == [
        "contract_registered",
        "shipped",
        "allowed",
    ]
    broken = filled(
        template.content,
        {
            "contract_registered": [CONTRACT],
            "shipped": [SHIPPED, {**SHIPPED, "unit_id": "U2", "quantity": "四"}],
        },
    )

    dry = upload(client, broken, dry_run="true")
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["facts"] == {"contract_registered": 1, "shipped": 2}
    assert [(p["sheet"], p["row"], p["column"]) for p in report["problems"]] == [
        ("shipped", 3, "产品数量 (quantity)")
    ]
    marked = upload(client, broken, dry_run="true", format="xlsx")
    sheet = load_workbook(io.BytesIO(marked.content))["shipped"]
    assert sheet.cell(row=3, column=5).fill.fgColor.rgb.endswith("FFC7CE")

    before = end_offset(settings, LEDGER)
    refused = upload(client, broken)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == [
        {
            "item": 3,
            "field": "产品数量 (quantity)",
            "rule": report["problems"][0]["rule"],
            "sheet": "shipped",
        }
    ]
    assert end_offset(settings, LEDGER) == before  # nothing appended

    fixed = filled(
        template.content,
        {
            "contract_registered": [CONTRACT],
            "shipped": [SHIPPED, {**SHIPPED, "unit_id": "U2"}],
        },
    )
    imported = upload(client, fixed)
    assert imported.status_code == 200, imported.text
    answer = imported.json()
    assert answer["appended"] == {"contract_registered": 1, "shipped": 2}
    assert answer["problems"] == []
    assert end_offset(settings, LEDGER) == before + 3
    rows = client.get("/v1/ledger", params={"customer_id": "C1"}).json()["items"]
    assert sorted(r["unit_id"] for r in rows) == ["U1", "U2"]
    assert {r["project_name"] for r in rows} == {"110kV 变电站"}

    again = upload(client, fixed)
    assert again.json()["appended"] == {}
    assert again.json()["already"] == 3
    assert end_offset(settings, LEDGER) == before + 3


def test_a_csv_of_one_fact_imports_and_other_departments_facts_are_refused(
    client: TestClient, settings: Settings
) -> None:
    header = client.get("/v1/imports/template.csv", params={"fact": "powered_on"})
    assert header.status_code == 200, header.text
    data = (header.text.lstrip("\ufeff") + "C1,U1,2026-11-25\n").encode()
    csv_type = {"Content-Type": "text/csv"}
    # powered_on is after-sales' fact: a production key may not append it.
    refused = client.post(
        "/v1/imports", content=data, params={"fact": "powered_on"}, headers=csv_type
    )
    assert refused.status_code == 403, refused.text
    assert "powered_on" in refused.json()["detail"]

    after_sales = bearer(issue(settings, "after_sales"))
    dry = client.post(
        "/v1/imports",
        content=data,
        params={"fact": "powered_on", "dry_run": "true"},
        headers=csv_type | after_sales,
    )
    assert dry.status_code == 200, dry.text
    assert dry.json()["problems"] == []
    assert dry.json()["appended"] == {}
    no_fact = client.post("/v1/imports", content=data, headers=csv_type | after_sales)
    assert no_fact.status_code == 422
    assert no_fact.json()["detail"][0]["field"] == "fact"
    as_json = client.post("/v1/imports", json={"a": 1}, headers=after_sales)
    assert as_json.status_code == 415
    nobody = client.post(
        "/v1/imports", content=data, headers=csv_type | {"Authorization": ""}
    )
    assert nobody.status_code == 401
