"""Corrective and preventive actions (CAPA, 纠正预防措施).

Reviews of the monthly report open them (domain.md, closed loop, 4):
product-quality ones are owned by the producing company, service-quality and
suggestion ones by the quality department. The service centre tracks each until
it is verified: open → verified, and nothing after.
"""

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from schemas.types import ComplaintSubject, Department
from services.feedback.domain.errors import TransitionNotAllowed


class CapaState(StrEnum):
    OPEN = "open"
    VERIFIED = "verified"


class CapaAction(StrEnum):
    VERIFY = "verify"


_OWNERS = {
    ComplaintSubject.PRODUCT_QUALITY: Department.PRODUCING_COMPANY,
    ComplaintSubject.SERVICE_QUALITY: Department.QUALITY,
    ComplaintSubject.SUGGESTION: Department.QUALITY,
}


@dataclass(frozen=True)
class Capa:
    """`action` is what is to be done, as the review wrote it."""

    capa_id: str
    subject: ComplaintSubject
    owner: Department
    action: str
    opened_on: date
    due_date: date
    state: CapaState = CapaState.OPEN
    verified_on: date | None = None
    evidence: str | None = None


def owner_for(subject: ComplaintSubject) -> Department:
    """The department that owns a CAPA about `subject`."""
    return _OWNERS[subject]


def open_capa(
    capa_id: str,
    subject: ComplaintSubject,
    action: str,
    opened_on: date,
    due_date: date,
) -> Capa:
    """Open a CAPA, owned by the department the subject calls for."""
    if not action.strip():
        raise ValueError("a CAPA needs an action")
    if due_date < opened_on:
        raise ValueError(f"a CAPA due {due_date} cannot be opened on {opened_on}")
    return Capa(capa_id, subject, owner_for(subject), action, opened_on, due_date)


def verify(capa: Capa, evidence: str, on: date) -> Capa:
    """Record that the service centre verified the action, with its evidence."""
    if capa.state is not CapaState.OPEN:
        raise TransitionNotAllowed(capa.state, CapaAction.VERIFY)
    if not evidence.strip():
        raise ValueError("cannot verify a CAPA without evidence")
    if on < capa.opened_on:
        raise ValueError(f"cannot verify on {on}, before opening on {capa.opened_on}")
    return replace(capa, state=CapaState.VERIFIED, verified_on=on, evidence=evidence)


def is_past_due(capa: Capa, as_of: date) -> bool:
    """Whether the CAPA is still open after its due date.

    A CAPA verified late is no longer past due: the tracking is over.
    """
    return capa.state is CapaState.OPEN and as_of > capa.due_date
