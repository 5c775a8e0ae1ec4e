"""`python -m services.feedback [serve|rebuild]`: the feedback service."""

import sys

from services.feedback.service import SERVICE
from services.feedback.settings import FeedbackSettings
from services.kit.service import main

# Fail at start, not at the first request, on a bad FOLLOWUP_FEEDBACK_SLA.
FeedbackSettings()
sys.exit(main(SERVICE))
