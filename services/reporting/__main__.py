"""`python -m services.reporting [serve|rebuild]`: the reporting service."""

import sys

from services.kit.service import main
from services.reporting.service import SERVICE
from services.reporting.settings import ReportingSettings

# Fail at start, not at the first request, on a bad FOLLOWUP_REPORT_CUTOFF_DAY.
ReportingSettings()
sys.exit(main(SERVICE))
