"""`python -m deploy.tools.migrate <service>`: apply a service's migrations.

The Kubernetes init container of every service pod (deploy/k8s): the store
schema's and the views schema's new migrations, under the kit's advisory lock
(replicas rolling together wait for each other), before the new version
serves. The services still migrate at start (a no-op by then), so a process
started any other way stays correct.
"""

import importlib
import sys

from services.kit.db import STORE, VIEWS, migrate
from services.kit.service import Service
from services.kit.topics import SERVICES


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in SERVICES:
        print(f"usage: python -m deploy.tools.migrate <{'|'.join(SERVICES)}>")
        return 2
    name = argv[0]
    service: Service = importlib.import_module(f"services.{name}.service").SERVICE
    settings = service.settings_class()
    for schema, side in (
        (settings.store_schema_for(name), STORE),
        (settings.schema_for(name), VIEWS),
    ):
        applied = migrate(settings.database_url, schema, service.migrations, side)
        print(f"{schema}: {len(applied)} migration(s) applied {applied}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
