"""`python -m services.ledger [serve|rebuild]`: the ledger service."""

import sys

from services.kit.service import main
from services.ledger.service import SERVICE

sys.exit(main(SERVICE))
