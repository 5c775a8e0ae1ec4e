"""The feedback service's HTTP shapes: `XCreate` in, `XRead` out."""

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from schemas.limits import (
    MAX_BATCH_ITEMS,
    BusinessDate,
    DerivedId,
    Name,
    RequiredText,
)
from schemas.types import ComplaintSubject, Department, FeedbackForm, SlaBreach
from services.kit.http import PERIOD_PATTERN


def _stripped(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


# Text a command must give: blank or whitespace only is refused as missing;
# within the contracts' limits (schemas/limits.py).
Text = Annotated[RequiredText, BeforeValidator(_stripped)]
# A person who acts or is assigned: a name of the contracts, blank refused.
Person = Annotated[Name, BeforeValidator(_stripped)]


class Command(BaseModel):
    """A command's body; who gives it is the API key's owner (its actor)."""

    model_config = ConfigDict(extra="forbid")


class VersionedCommand(Command):
    """A command on an existing ticket or CAPA may name the version it was
    read at (or send it as `If-Match`): a stale one is refused with 409."""

    version: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="the version read (optimistic concurrency)",
    )


class TicketAssign(VersionedCommand):
    department: Department | None = Field(
        default=None, description="default: the department holding the ticket"
    )
    assignee: Person
    assigned_on: BusinessDate | None = Field(default=None, description="default: today")


class TicketResolve(VersionedCommand):
    resolution: Text
    resolved_on: BusinessDate | None = Field(default=None, description="default: today")


class CapaSource(BaseModel):
    """What a CAPA comes from: a monthly report's review, or tickets."""

    model_config = ConfigDict(extra="forbid")

    period: str | None = Field(
        default=None, pattern=PERIOD_PATTERN, description="report period, YYYY-MM"
    )
    ticket_ids: list[DerivedId] = Field(default=[], max_length=MAX_BATCH_ITEMS)
    review_id: DerivedId | None = Field(
        default=None, description="the report review (评审) that opened it"
    )

    @model_validator(mode="after")
    def _named(self) -> "CapaSource":
        if self.period is None and not self.ticket_ids and self.review_id is None:
            raise ValueError(
                "name a report period, a report review or at least one ticket id"
            )
        return self


class CapaCreate(Command):
    source: CapaSource
    subject: ComplaintSubject
    owner: Department | None = Field(
        default=None,
        description="producing_company for product quality, quality otherwise",
    )
    action: Text
    due: BusinessDate
    opened_on: BusinessDate | None = Field(default=None, description="default: today")


class CapaVerify(VersionedCommand):
    verified_on: BusinessDate | None = Field(default=None, description="default: today")
    evidence: Text


class Appended(BaseModel):
    """A command was decided: its event is in the outbox, on its way to the log
    (and applied to the read model, when asked to wait)."""

    id: str
    event_id: UUID
    version: int = Field(description="the ticket's or CAPA's version now")
    applied: bool | None = None


class HistoryEntry(BaseModel):
    event_id: UUID
    type: str
    actor: str
    on: date
    detail: dict[str, Any]


class TicketRead(BaseModel):
    """An information feedback form (信息反馈单) and where it stands."""

    ticket_id: str
    customer_id: str
    complaint_id: str
    visit_id: str
    record_no: str
    subject: ComplaintSubject
    form: FeedbackForm = Field(
        description="complaint, service_request, problem_report or suggestion"
    )
    items: list[str] = Field(description="what a service request asks for")
    description: str
    customer_suggestion: str
    department: Department
    informed: list[Department]
    status: str
    assignee: str | None
    opened_on: date
    first_assigned_on: date | None
    assigned_on: date | None
    resolution: str | None
    resolved_on: date | None
    resolutions: int
    verified_on: date | None
    reopened_on: date | None
    revisits: list[str]
    assign_by: date
    resolve_by: date
    overdue: list[SlaBreach] = Field(description="SLAs breached as of `as_of`")
    version: int = Field(description="send it back (`version` or If-Match)")
    history: list[HistoryEntry] | None = None


class TicketPage(BaseModel):
    items: list[TicketRead]
    next: str | None


class CapaRead(BaseModel):
    """A corrective/preventive action (纠正预防措施), tracked until verified."""

    capa_id: str
    subject: ComplaintSubject
    owner: Department
    action: str
    opened_on: date
    due_date: date
    source_period: str | None
    review_id: str | None = Field(description="the report review that opened it")
    ticket_ids: list[str]
    status: str
    verified_on: date | None
    evidence: str | None
    past_due: bool = Field(description="open after its due date, as of `as_of`")
    version: int = Field(description="send it back (`version` or If-Match)")


class CapaPage(BaseModel):
    items: list[CapaRead]
    next: str | None


class OverdueAnnounced(BaseModel):
    """The breaches this check announced (others announced them before)."""

    as_of: date
    announced: list[dict[str, str]]
    applied: bool | None = None
