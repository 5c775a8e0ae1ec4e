"""The survey's HTTP API: questionnaires, visit records, failed attempts."""

from services.survey.api.attempts import router as attempts
from services.survey.api.questionnaires import router as questionnaires
from services.survey.api.records import router as records
from services.survey.api.visits import router as visits

ROUTERS = (questionnaires, records, visits, attempts)
