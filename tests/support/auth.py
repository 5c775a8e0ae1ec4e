"""API keys for tests: every call to a service carries a real key of the
deployment under test (issue "Who may do what"), issued through the kit's
own key store, never a bypass."""

from collections.abc import Sequence

from services.kit import keys
from services.kit.settings import Settings


def issue(
    settings: Settings,
    role: str = "admin",
    *,
    owner: str | None = None,
    department: str | None = None,
    store_ids: Sequence[str] = (),
    days: int | None = 365,
) -> str:
    """A new key of `role` in the deployment of `settings`."""
    _, key = keys.create(
        settings,
        role=role,
        owner=owner or f"test {role}",
        department=department,
        store_ids=store_ids,
        days=days,
    )
    return key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def headers(
    settings: Settings,
    role: str = "admin",
    *,
    department: str | None = None,
    store_ids: Sequence[str] = (),
) -> dict[str, str]:
    """`Authorization` headers of a fresh key of `role`."""
    return bearer(issue(settings, role, department=department, store_ids=store_ids))
