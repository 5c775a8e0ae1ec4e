"""Reporting's HTTP routes: the monthly report as JSON and XLSX, its periods."""

from services.reporting.api.reports import router

__all__ = ["router"]
