"""Every row of a read model's tables, to compare two ways of building it
(one event at a time against set-based batches)."""

from collections.abc import Mapping
from typing import Any

from services.kit.db import connect
from services.kit.settings import Settings

Rows = dict[str, list[tuple[Any, ...]]]


def table_rows(settings: Settings, schema: str, order: Mapping[str, str]) -> Rows:
    """Each table of `order` (table -> its ORDER BY), every column."""
    with connect(settings.database_url, schema) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()
            for table, key in order.items()
        }
