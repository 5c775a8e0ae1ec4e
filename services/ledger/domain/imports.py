"""The Friday batch: a department's spreadsheet rows as ledger facts.

Every Friday each department sends the week's facts (domain.md, the ledger).
A template has one sheet per fact type the department reports, one column per
field (the header names it in Chinese, with the field's name); this module
turns rows into wire facts and the validator's complaints back into rows and
columns. Validation itself is the one of `POST /v1/events`: the same rules
and messages, nothing here decides what a valid fact is.

A row's event id is derived from the fact type and the row's content, so
importing the same file again appends nothing, while a corrected row (a new
power-on date) is a new fact, as the ledger expects of corrections.
"""

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from schemas.types import (
    Cooperation,
    DecisionMaker,
    DeliveryMode,
    Interest,
    Strength,
)

# Not the derived-event namespace (that one is keyed with the deployment's
# secret): a row id is the department's own id, as if it had sent one.
ROW_IDS = uuid.UUID("6f1b1d0e-3c55-4f8e-9d1a-5a0f0c2b7e11")
YES = frozenset({"是", "yes", "true", "1", "y"})
NO = frozenset({"否", "no", "false", "0", "n", ""})


@dataclass(frozen=True)
class Column:
    """One column of a template: a payload field."""

    path: str  # "power_contact.phone": nested with dots
    title: str  # the header a clerk reads
    required: bool = True
    allowed: tuple[str, ...] = ()  # a closed vocabulary (hidden sheet)
    kind: str = "text"  # text | list (comma-separated) | bool

    @property
    def header(self) -> str:
        return f"{self.title} ({self.path})"


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in enum)


COLUMNS: dict[str, tuple[Column, ...]] = {
    "contract_registered": (
        Column("customer_id", "客户编号"),
        Column("customer_name", "客户名称"),
        Column("contract_id", "合同编号"),
        Column("project_name", "工程名称"),
        Column("amount", "合同金额"),
        Column("region", "区域"),
        Column("power_contact.name", "电力管理联系人"),
        Column("power_contact.phone", "电力管理联系电话"),
        Column("substation_contact.name", "变电站联系人"),
        Column("substation_contact.phone", "变电站联系电话"),
        Column("signed_on", "签订日期", required=False),
        Column("company", "公司", required=False),
        Column("tags.strength", "实力", False, _values(Strength)),
        Column("tags.decision_maker", "决策人", False, _values(DecisionMaker)),
        Column("tags.interest", "诉求", False, _values(Interest)),
        Column("tags.cooperation", "合作", False, _values(Cooperation)),
    ),
    "shipped": (
        Column("customer_id", "客户编号"),
        Column("contract_id", "合同编号"),
        Column("unit_id", "产品线编号"),
        Column("product_model", "产品型号"),
        Column("quantity", "产品数量"),
        Column("ship_date", "发货时间"),
        Column("serial_numbers", "出厂编号", required=False, kind="list"),
        Column("supporting_equipment", "配套设备", False, ("是", "否"), "bool"),
    ),
    "installed": (
        Column("customer_id", "客户编号"),
        Column("unit_id", "产品线编号"),
        Column("installed_date", "安装调试完成日期"),
    ),
    "powered_on": (
        Column("customer_id", "客户编号"),
        Column("unit_id", "产品线编号"),
        Column("power_on_date", "送电时间"),
    ),
    "delivered": (
        Column("customer_id", "客户编号"),
        Column("store_id", "门店编号"),
        Column("order_id", "订单编号"),
        Column("delivered_date", "送货日期"),
        Column("mode", "送货方式", True, _values(DeliveryMode)),
        Column("customer_name", "顾客姓名", required=False),
        Column("phone", "联系电话", required=False),
        Column("region", "区域", required=False),
    ),
}

# Which facts each department reports (the roles of the API keys).
DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "production": ("contract_registered", "shipped"),
    "after_sales": ("installed", "powered_on"),
    "retail_store": ("delivered",),
}


@dataclass(frozen=True)
class Row:
    """One filled row: where it is and what its cells say (by column path)."""

    fact: str
    sheet: str
    number: int  # as the spreadsheet numbers it (the header is row 1)
    cells: Mapping[str, str]


@dataclass(frozen=True)
class Problem:
    """A broken rule, where the clerk will find it."""

    sheet: str
    row: int | None
    column: str | None
    rule: str


def is_blank(cells: Mapping[str, str]) -> bool:
    return all(not v.strip() for v in cells.values())


def _cell(column: Column, raw: str) -> Any:
    text = raw.strip()
    if column.kind == "list":
        return [part.strip() for part in text.replace("，", ",").split(",") if part]
    if column.kind == "bool":
        lowered = text.lower()
        if lowered in YES:
            return True
        if lowered in NO:
            return False
        return text  # the validator names the rule
    return text


def payload_of(fact: str, cells: Mapping[str, str]) -> dict[str, Any]:
    """The payload a row describes; empty optional cells are left out."""
    payload: dict[str, Any] = {}
    for column in COLUMNS[fact]:
        raw = cells.get(column.path, "")
        if not raw.strip() and (not column.required or column.kind == "bool"):
            continue
        *parents, leaf = column.path.split(".")
        target = payload
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = _cell(column, raw)
    return payload


def row_event_id(fact: str, payload: Mapping[str, Any]) -> str:
    """The row's event id: its fact type and content, canonically."""
    canonical = json.dumps(
        [fact, payload], sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return str(uuid.uuid5(ROW_IDS, canonical))


def wire_of(row: Row, source: str) -> dict[str, Any]:
    """The fact a row stands for, in the wire form `POST /v1/events` takes."""
    payload = payload_of(row.fact, row.cells)
    return {
        "event_id": row_event_id(row.fact, payload),
        "type": row.fact,
        "version": 1,
        "source": source,
        "payload": payload,
    }


def located(rows: Sequence[Row], errors: Sequence[Mapping[str, Any]]) -> list[Problem]:
    """The validator's errors (by item index and field path) as sheet, row
    and column: `payload.power_contact.phone` is the column whose path is
    `power_contact.phone`."""
    problems = []
    for error in errors:
        index = error.get("item")
        if index is None or not 0 <= int(index) < len(rows):
            problems.append(Problem("", None, None, str(error.get("rule", ""))))
            continue
        row = rows[int(index)]
        field = str(error.get("field", ""))
        path = field.removeprefix("payload.")
        column = next(
            (
                c.header
                for c in COLUMNS[row.fact]
                if path == c.path or path.startswith(f"{c.path}.")
            ),
            None,
        )
        message = error.get("message")
        rule = str(error.get("rule", ""))
        problems.append(
            Problem(
                row.sheet,
                row.number,
                column or field,
                f"{rule}: {message}" if message else rule,
            )
        )
    return problems
