"""Builders of valid events in their wire (JSON) form, as departments send them."""

from typing import Any


def envelope(type_: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A wire event with the envelope fields a department fills in."""
    return {
        "type": type_,
        "version": 1,
        "source": "test-erp",
        "actor": "tester",
        "payload": payload,
        **extra,
    }


def contract(
    customer: str, contract_id: str, amount: str = "1200000.00", region: str = "east"
) -> dict[str, Any]:
    return envelope(
        "contract_registered",
        {
            "customer_id": customer,
            "customer_name": f"Customer {customer}",
            "contract_id": contract_id,
            "project_name": f"Substation {contract_id}",
            "amount": amount,
            "region": region,
            "power_contact": {"name": "Li Wei", "phone": "13800000001"},
            "substation_contact": {"name": "Wang Fang", "phone": "13800000002"},
        },
    )


def shipped(
    customer: str, contract_id: str, unit: str, ship_date: str, model: str = "KYN28-12"
) -> dict[str, Any]:
    return envelope(
        "shipped",
        {
            "customer_id": customer,
            "contract_id": contract_id,
            "unit_id": unit,
            "product_model": model,
            "quantity": 4,
            "ship_date": ship_date,
        },
    )


def installed(customer: str, unit: str, on: str) -> dict[str, Any]:
    return envelope(
        "installed", {"customer_id": customer, "unit_id": unit, "installed_date": on}
    )


def powered_on(customer: str, unit: str, on: str) -> dict[str, Any]:
    return envelope(
        "powered_on", {"customer_id": customer, "unit_id": unit, "power_on_date": on}
    )


def delivered(
    customer: str, order: str, on: str, store: str = "S1", mode: str = "delivery"
) -> dict[str, Any]:
    return envelope(
        "delivered",
        {
            "customer_id": customer,
            "store_id": store,
            "order_id": order,
            "delivered_date": on,
            "mode": mode,
        },
    )
