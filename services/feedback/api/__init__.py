"""The feedback service's HTTP API: tickets, CAPAs, the SLA check."""

from services.feedback.api.capas import router as capas
from services.feedback.api.sla import router as sla
from services.feedback.api.tickets import router as tickets

ROUTERS = (tickets, capas, sla)
