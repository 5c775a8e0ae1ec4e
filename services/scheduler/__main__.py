"""`python -m services.scheduler [serve|rebuild]`: the scheduler service."""

import sys

from services.kit.service import main
from services.scheduler.service import SERVICE

sys.exit(main(SERVICE))
