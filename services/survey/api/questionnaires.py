"""HTTP: the questionnaire of each visit kind, for a front end to render."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from schemas.types import VisitKind
from services.kit.http import COMMAND_RESPONSES, READ_RESPONSES
from services.kit.keys import READ
from services.kit.security import require
from services.survey.domain.questionnaires import QUESTIONNAIRES
from services.survey.domain.questions import Lang

router = APIRouter(
    prefix="/v1/questionnaires",
    tags=["questionnaires"],
    responses=READ_RESPONSES,
    dependencies=[Depends(require(READ))],
)

LangQuery = Annotated[Lang, Query(description="zh (default) or en")]


@router.get("")
def list_questionnaires(lang: LangQuery = "zh") -> list[dict[str, Any]]:
    """Every visit kind's questionnaire, in the order of the schedule."""
    return [q.as_dict(lang) for q in QUESTIONNAIRES.values()]


@router.get("/{kind}", responses={404: COMMAND_RESPONSES[404]})
def get_questionnaire(kind: str, lang: LangQuery = "zh") -> dict[str, Any]:
    """The questionnaire a visitor follows for a visit of `kind`.

    `questions[].stored_in` says where each answer goes in a visit record:
    `answers` (by question id) or `record` (the record field of that name).
    """
    try:
        questionnaire = QUESTIONNAIRES[VisitKind(kind)]
    except ValueError:
        kinds = ", ".join(VisitKind)
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"no questionnaire for kind {kind!r}; kinds: {kinds}",
        ) from None
    return questionnaire.as_dict(lang)
