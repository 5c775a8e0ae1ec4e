"""`python -m services.feedback [serve|rebuild]`: the feedback service."""

import sys

from services.feedback.service import SERVICE
from services.kit.service import main

sys.exit(main(SERVICE))
