"""`python -m services.reporting [serve|rebuild]`: the reporting service."""

import sys

from services.kit.service import main
from services.reporting.service import SERVICE

sys.exit(main(SERVICE))
