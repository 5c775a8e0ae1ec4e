"""Reporting's HTTP routes: the monthly report as JSON, XLSX, PDF and print
view, its periods and freeze; the dashboard's page and JSON."""

from services.reporting.api.dashboard import api as dashboard_api
from services.reporting.api.dashboard import page as dashboard_page
from services.reporting.api.reports import router as reports

routers = [reports, dashboard_api, dashboard_page]

__all__ = ["routers"]
