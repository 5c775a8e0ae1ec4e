"""The closed loop (topic `feedback`): tickets (信息反馈单) and CAPAs (纠正预防措施)."""

from typing import ClassVar, Literal

from pydantic import Field

from schemas.envelope import Event, Payload
from schemas.limits import BusinessDate, ClientId, DerivedId, Name, RequiredText, Text
from schemas.types import ComplaintSubject, Department, FeedbackForm, SlaBreach


class TicketOpenedPayload(Payload):
    customer_id: ClientId
    ticket_id: DerivedId
    complaint_id: DerivedId
    subject: ComplaintSubject
    department: Department
    description: Text
    customer_suggestion: Text = ""
    opened_on: BusinessDate
    visit_id: DerivedId
    record_no: DerivedId
    informed: list[Department] = Field(
        default=[], description="departments that get a copy (技术部门 for product)"
    )
    form: FeedbackForm = FeedbackForm.COMPLAINT
    items: list[Name] = Field(default=[], max_length=50)


class TicketOpened(Event):
    """A complaint became a ticket routed to its department."""

    type: Literal["ticket_opened"] = "ticket_opened"
    version: Literal[1] = 1
    payload: TicketOpenedPayload


class TicketAssignedPayload(Payload):
    customer_id: ClientId
    ticket_id: DerivedId
    department: Department
    assignee: Name
    assigned_on: BusinessDate


class TicketAssigned(Event):
    type: Literal["ticket_assigned"] = "ticket_assigned"
    version: Literal[1] = 1
    payload: TicketAssignedPayload


class TicketResolvedPayload(Payload):
    customer_id: ClientId
    ticket_id: DerivedId
    department: Department
    resolution: RequiredText
    resolved_on: BusinessDate


class TicketResolved(Event):
    """The department fixed it; the service centre re-visits the customer."""

    type: Literal["ticket_resolved"] = "ticket_resolved"
    version: Literal[1] = 1
    payload: TicketResolvedPayload


class TicketVerifiedPayload(Payload):
    customer_id: ClientId
    ticket_id: DerivedId
    verified_on: BusinessDate
    record_no: DerivedId


class TicketVerified(Event):
    """A satisfied re-visit closed the ticket."""

    type: Literal["ticket_verified"] = "ticket_verified"
    version: Literal[1] = 1
    payload: TicketVerifiedPayload


class TicketReopenedPayload(Payload):
    customer_id: ClientId
    ticket_id: DerivedId
    reopened_on: BusinessDate
    record_no: DerivedId


class TicketReopened(Event):
    """A dissatisfied re-visit reopened the ticket."""

    type: Literal["ticket_reopened"] = "ticket_reopened"
    version: Literal[1] = 1
    payload: TicketReopenedPayload


class TicketOverduePayload(Payload):
    customer_id: ClientId
    ticket_id: DerivedId
    department: Department
    subject: ComplaintSubject
    breach: SlaBreach
    deadline: BusinessDate
    announced_on: BusinessDate


class TicketOverdue(Event):
    """A ticket missed its assignment or resolution deadline (once per breach)."""

    type: Literal["ticket_overdue"] = "ticket_overdue"
    version: Literal[1] = 1
    payload: TicketOverduePayload


class CapaOpenedPayload(Payload):
    capa_id: DerivedId
    subject: ComplaintSubject
    owner: Department
    action: RequiredText
    due_date: BusinessDate
    opened_on: BusinessDate
    source_period: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$")
    ticket_ids: list[DerivedId] = Field(default=[], max_length=1000)
    review_id: DerivedId | None = Field(
        default=None, description="the report review (评审) that opened it"
    )


class CapaOpened(Event):
    """A corrective/preventive action, owned by a department until verified."""

    key_field: ClassVar[str] = "capa_id"
    type: Literal["capa_opened"] = "capa_opened"
    version: Literal[1] = 1
    payload: CapaOpenedPayload


class CapaVerifiedPayload(Payload):
    capa_id: DerivedId
    verified_on: BusinessDate
    evidence: RequiredText


class CapaVerified(Event):
    key_field: ClassVar[str] = "capa_id"
    type: Literal["capa_verified"] = "capa_verified"
    version: Literal[1] = 1
    payload: CapaVerifiedPayload
