"""The ledger at the HTTP edge: what its routes answer."""

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field


class Accepted(BaseModel):
    accepted: int
    event_ids: list[UUID]
    applied: bool | None = None


class ImportProblem(BaseModel):
    """A broken rule of an imported file, where the clerk will find it."""

    sheet: str
    row: int | None = Field(description="as the spreadsheet numbers it")
    column: str | None
    rule: str


class ImportReport(BaseModel):
    """What an import found and did (`POST /v1/imports`)."""

    dry_run: bool
    rows: int = Field(description="filled rows read")
    facts: dict[str, int] = Field(description="rows per fact type")
    problems: list[ImportProblem]
    appended: dict[str, int] = Field(description="facts appended now, per type")
    already: int = Field(description="facts imported before (same rows): skipped")


class Contact(BaseModel):
    name: str | None
    phone: str | None


class LedgerRow(BaseModel):
    """One row of the visit ledger (顾客回访台帐): a contract's product line."""

    customer_id: str
    customer_name: str | None
    contract_id: str | None
    company: str | None = Field(
        description="the producing company (business unit) on the contract"
    )
    project_name: str | None
    region: str | None
    unit_id: str
    product_model: str | None
    quantity: int | None
    amount: Decimal | None = Field(
        description="the contract's amount, on its first line (lowest unit id) "
        "only: it belongs to the contract and is never repeated per line"
    )
    ship_date: date | None
    installed_date: date | None
    power_on_date: date | None
    supporting_equipment: bool = Field(
        description="配套设备: outside the visit regulation, never visited"
    )
    record_numbers: list[str]
    power_contact: Contact
    substation_contact: Contact


class LedgerPage(BaseModel):
    items: list[LedgerRow]
    next: str | None


class RetailOrder(BaseModel):
    order_id: str
    customer_id: str
    store_id: str
    delivered_date: date
    mode: str
    customer_name: str | None
    phone: str | None
    region: str | None
    record_numbers: list[str]


class OrderPage(BaseModel):
    items: list[RetailOrder]
    next: str | None
