"""The Friday batch's rows become the facts `POST /v1/events` takes, and its
validator's complaints come back as sheet, row and column."""

import io

import pytest

from services.ledger.domain.facts import InvalidEventsError, acted_by, validate
from services.ledger.domain.imports import (
    COLUMNS,
    DEPARTMENTS,
    Problem,
    Row,
    located,
    wire_of,
)

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
    "signed_on": "",
    "tags.strength": "industry_leader",
}
SHIPPED = {
    "customer_id": "C1",
    "contract_id": "K1",
    "unit_id": "U1",
    "product_model": "KYN28-12",
    "quantity": "4",
    "ship_date": "2026-11-20",
    "serial_numbers": "S1，S2, S3",
    "supporting_equipment": "否",
}


def rows(*cells: tuple[str, dict[str, str]]) -> list[Row]:
    return [Row(fact, fact, n + 2, c) for n, (fact, c) in enumerate(cells)]


def test_rows_become_valid_facts_with_nested_fields_and_lists() -> None:
    batch = rows(("contract_registered", CONTRACT), ("shipped", SHIPPED))
    facts = validate(acted_by([wire_of(r, "import") for r in batch], "clerk"))
    contract, shipped = (f.payload for f in facts)
    assert contract.power_contact.phone == "13800000001"  # type: ignore[attr-defined]
    assert contract.signed_on is None  # type: ignore[attr-defined]
    assert contract.tags.strength == "industry_leader"  # type: ignore[attr-defined]
    assert shipped.serial_numbers == ["S1", "S2", "S3"]  # type: ignore[attr-defined]
    assert shipped.supporting_equipment is False  # type: ignore[attr-defined]
    assert shipped.quantity == 4  # type: ignore[attr-defined]


def test_the_same_row_is_the_same_event_and_a_corrected_row_is_another() -> None:
    (row,) = rows(("shipped", SHIPPED))
    (again,) = rows(("shipped", dict(SHIPPED)))
    (corrected,) = rows(("shipped", {**SHIPPED, "ship_date": "2026-11-21"}))
    assert wire_of(row, "a")["event_id"] == wire_of(again, "b")["event_id"]
    assert wire_of(row, "a")["event_id"] != wire_of(corrected, "a")["event_id"]


def test_a_broken_cell_is_named_by_sheet_row_and_column() -> None:
    batch = rows(
        ("contract_registered", CONTRACT),
        ("shipped", {**SHIPPED, "quantity": "four", "ship_date": "2026-13-01"}),
        ("contract_registered", {**CONTRACT, "power_contact.name": ""}),
    )
    with pytest.raises(InvalidEventsError) as refused:
        validate(acted_by([wire_of(r, "import") for r in batch], "clerk"))
    problems = located(batch, refused.value.errors)
    where = sorted((p.sheet, p.row, p.column) for p in problems)
    assert where == [
        ("contract_registered", 4, "电力管理联系人 (power_contact.name)"),
        ("shipped", 3, "产品数量 (quantity)"),
        ("shipped", 3, "发货时间 (ship_date)"),
    ]
    assert all(p.rule for p in problems)


def test_a_missing_required_cell_is_a_problem_of_its_column() -> None:
    batch = rows(("installed", {"customer_id": "C1", "unit_id": "U1"}))
    with pytest.raises(InvalidEventsError) as refused:
        validate(acted_by([wire_of(r, "import") for r in batch], "clerk"))
    assert located(batch, refused.value.errors) == [
        Problem(
            "installed",
            2,
            "安装调试完成日期 (installed_date)",
            refused.value.errors[0]["rule"]
            + (
                f": {refused.value.errors[0]['message']}"
                if refused.value.errors[0].get("message")
                else ""
            ),
        )
    ]


def test_every_department_fact_has_a_template_of_its_payload_fields() -> None:
    from schemas.catalogue import LEDGER

    schemas = {
        cls.model_fields["type"].default: cls.model_json_schema()
        for cls in LEDGER.events
    }
    for facts in DEPARTMENTS.values():
        for fact in facts:
            top = {c.path.split(".")[0] for c in COLUMNS[fact]}
            payload = schemas[fact]["properties"]["payload"]["$ref"].split("/")[-1]
            fields = set(schemas[fact]["$defs"][payload]["properties"])
            assert top == fields, fact


def test_a_filled_template_reads_back_and_the_report_marks_the_broken_cell() -> None:
    from openpyxl import load_workbook

    from services.ledger.sheets import read_xlsx, report_xlsx, template_xlsx

    book = load_workbook(io.BytesIO(template_xlsx(DEPARTMENTS["production"])))
    assert book.sheetnames == ["contract_registered", "shipped", "allowed"]
    assert book["allowed"].sheet_state == "hidden"
    sheet = book["shipped"]
    headers = [c.value for c in sheet[1]]
    for n, path in enumerate(c.path for c in COLUMNS["shipped"]):
        sheet.cell(row=2, column=n + 1, value={**SHIPPED, "quantity": "four"}[path])
    sheet.cell(row=3, column=len(headers) + 2, value="")  # stray empty cell
    filled = io.BytesIO()
    book.save(filled)

    rows, problems = read_xlsx(filled.getvalue())
    assert problems == []
    assert [(r.fact, r.number) for r in rows] == [("shipped", 2)]
    with pytest.raises(InvalidEventsError) as refused:
        validate(acted_by([wire_of(r, "import") for r in rows], "clerk"))
    found = located(rows, refused.value.errors)
    report = load_workbook(io.BytesIO(report_xlsx(rows, found)))["shipped"]
    quantity = report.cell(row=2, column=5)
    assert quantity.value == "four"
    assert quantity.fill.fgColor.rgb.endswith("FFC7CE")
    assert "产品数量 (quantity)" in str(report.cell(row=2, column=9).value)


def test_a_csv_reads_by_header_and_an_unknown_column_is_a_problem() -> None:
    from services.ledger.sheets import read_csv, template_csv

    header = template_csv("powered_on").lstrip("\ufeff").strip()
    data = f"{header},备注\nC1,U1,2026-11-20,note\n,,,\n".encode("utf-8-sig")
    rows, problems = read_csv(data, "powered_on")
    assert [r.cells for r in rows] == [
        {"customer_id": "C1", "unit_id": "U1", "power_on_date": "2026-11-20"}
    ]
    assert problems == [Problem("powered_on", 1, "备注", "unknown column")]
