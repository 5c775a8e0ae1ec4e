"""The survey's HTTP API: questionnaires, visit records, service visits, failed
attempts."""

from services.survey.api.attempts import router as attempts
from services.survey.api.questionnaires import router as questionnaires
from services.survey.api.records import router as records
from services.survey.api.service_visits import router as service_visits
from services.survey.api.visits import router as visits

ROUTERS = (questionnaires, records, service_visits, visits, attempts)
