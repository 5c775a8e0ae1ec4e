"""`python -m services.survey [serve|rebuild]`: the survey service."""

import sys

from services.kit.service import main
from services.survey.service import SERVICE

sys.exit(main(SERVICE))
