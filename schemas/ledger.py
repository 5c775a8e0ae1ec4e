"""Facts that departments report (topic `ledger`): the sale and its delivery."""

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from schemas.envelope import Event, Payload
from schemas.types import Cooperation, DecisionMaker, DeliveryMode, Interest, Strength

Id = str  # ids are the departments' own, opaque strings


class Contact(Payload):
    """A person to call: name and phone."""

    name: str = Field(min_length=1)
    phone: str = Field(min_length=3, max_length=32)


class CustomerTags(Payload):
    """Optional typology of the customer; used for filters and breakdowns only."""

    strength: Strength | None = None
    decision_maker: DecisionMaker | None = None
    interest: Interest | None = None
    cooperation: Cooperation | None = None


class ContractRegisteredPayload(Payload):
    customer_id: Id = Field(min_length=1)
    customer_name: str = Field(min_length=1)
    contract_id: Id = Field(min_length=1)
    project_name: str = Field(min_length=1, description="工程名称")
    amount: Decimal = Field(ge=0, max_digits=16, decimal_places=2, description="CNY")
    region: str = Field(min_length=1)
    power_contact: Contact = Field(description="power-management contact")
    substation_contact: Contact = Field(description="substation contact")
    signed_on: date | None = None
    tags: CustomerTags = CustomerTags()


class ContractRegistered(Event):
    """Production archived a contract (合同档案)."""

    type: Literal["contract_registered"] = "contract_registered"
    version: Literal[1] = 1
    payload: ContractRegisteredPayload


class ShippedPayload(Payload):
    customer_id: Id = Field(min_length=1)
    contract_id: Id = Field(min_length=1)
    unit_id: Id = Field(min_length=1, description="the shipped product line")
    product_model: str = Field(min_length=1, description="产品型号")
    quantity: int = Field(ge=1, description="产品数量")
    serial_numbers: list[str] = []
    ship_date: date = Field(description="发货时间")


class Shipped(Event):
    """A product line left the factory."""

    type: Literal["shipped"] = "shipped"
    version: Literal[1] = 1
    payload: ShippedPayload


class InstalledPayload(Payload):
    customer_id: Id = Field(min_length=1)
    unit_id: Id = Field(min_length=1)
    installed_date: date = Field(description="安装调试 finished")


class Installed(Event):
    """After-sales installed and commissioned a unit on site."""

    type: Literal["installed"] = "installed"
    version: Literal[1] = 1
    payload: InstalledPayload


class PoweredOnPayload(Payload):
    customer_id: Id = Field(min_length=1)
    unit_id: Id = Field(min_length=1)
    power_on_date: date = Field(description="送电时间")


class PoweredOn(Event):
    """A unit was energised for the first time; a later one corrects the date."""

    type: Literal["powered_on"] = "powered_on"
    version: Literal[1] = 1
    payload: PoweredOnPayload


class DeliveredPayload(Payload):
    customer_id: Id = Field(min_length=1)
    store_id: Id = Field(min_length=1)
    order_id: Id = Field(min_length=1)
    delivered_date: date
    mode: DeliveryMode
    customer_name: str | None = None
    phone: str | None = Field(default=None, max_length=32)
    region: str | None = None


class Delivered(Event):
    """A retail order was delivered and installed, or picked up."""

    type: Literal["delivered"] = "delivered"
    version: Literal[1] = 1
    payload: DeliveredPayload
