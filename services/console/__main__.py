"""`python -m services.console`: the console on FOLLOWUP_HTTP_PORT (default 8106)."""

import sys

import uvicorn

from services.console.app import create_app
from services.console.settings import ConsoleSettings
from services.kit.logs import configure_logging


def main() -> int:
    settings = ConsoleSettings()
    configure_logging(settings.log_level, "console")
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
    )
    return 0


sys.exit(main())
