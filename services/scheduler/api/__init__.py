"""HTTP for the service centre: visits, worklist, calendar feed, what-if, tick."""

from services.scheduler.api import policy, tick, visits, worklist

ROUTERS = [visits.router, worklist.router, policy.router, tick.router]
