"""Facts that departments report (topic `ledger`): the sale and its delivery."""

from typing import Literal

from pydantic import Field

from schemas.envelope import Event, Payload
from schemas.limits import Amount, ClientId, FactDate, Name, Phone, Quantity
from schemas.types import Cooperation, DecisionMaker, DeliveryMode, Interest, Strength

# ids are the departments' own, opaque strings (schemas/limits.py)
Id = ClientId
# serial numbers of one product line: one per unit shipped, within reason
MAX_QUANTITY_SERIALS = 1000


class Contact(Payload):
    """A person to call: name and phone."""

    name: Name
    phone: Phone


class CustomerTags(Payload):
    """Optional typology of the customer; used for filters and breakdowns only."""

    strength: Strength | None = None
    decision_maker: DecisionMaker | None = None
    interest: Interest | None = None
    cooperation: Cooperation | None = None


class ContractRegisteredPayload(Payload):
    customer_id: Id
    customer_name: Name
    contract_id: Id
    project_name: Name = Field(description="工程名称")
    amount: Amount = Field(description="CNY")
    region: Name
    power_contact: Contact = Field(description="power-management contact")
    substation_contact: Contact = Field(description="substation contact")
    signed_on: FactDate | None = None
    tags: CustomerTags = CustomerTags()
    company: Name | None = Field(
        default=None, description="the producing company (business unit, 各公司)"
    )


class ContractRegistered(Event):
    """Production archived a contract (合同档案)."""

    type: Literal["contract_registered"] = "contract_registered"
    version: Literal[1] = 1
    payload: ContractRegisteredPayload


class ShippedPayload(Payload):
    customer_id: Id
    contract_id: Id
    unit_id: Id = Field(description="the shipped product line")
    product_model: Name = Field(description="产品型号")
    quantity: Quantity = Field(description="产品数量")
    serial_numbers: list[Id] = Field(default=[], max_length=MAX_QUANTITY_SERIALS)
    ship_date: FactDate = Field(description="发货时间")
    supporting_equipment: bool = Field(
        default=False, description="配套设备: outside the visit regulation's scope"
    )


class Shipped(Event):
    """A product line left the factory."""

    type: Literal["shipped"] = "shipped"
    version: Literal[1] = 1
    payload: ShippedPayload


class InstalledPayload(Payload):
    customer_id: Id
    unit_id: Id
    installed_date: FactDate = Field(description="安装调试 finished")


class Installed(Event):
    """After-sales installed and commissioned a unit on site."""

    type: Literal["installed"] = "installed"
    version: Literal[1] = 1
    payload: InstalledPayload


class PoweredOnPayload(Payload):
    customer_id: Id
    unit_id: Id
    power_on_date: FactDate = Field(description="送电时间")


class PoweredOn(Event):
    """A unit was energised for the first time; a later one corrects the date."""

    type: Literal["powered_on"] = "powered_on"
    version: Literal[1] = 1
    payload: PoweredOnPayload


class DeliveredPayload(Payload):
    customer_id: Id
    store_id: Id
    order_id: Id
    delivered_date: FactDate
    mode: DeliveryMode
    customer_name: Name | None = None
    phone: Phone | None = None
    region: Name | None = None


class Delivered(Event):
    """A retail order was delivered and installed, or picked up."""

    type: Literal["delivered"] = "delivered"
    version: Literal[1] = 1
    payload: DeliveredPayload
