"""API keys: who may do what (architecture.md point 11).

A key reads `fu_<role>_<key id>_<secret>`: the role and the key id are there so
a person can tell keys apart in a list; the secret (32 random bytes, base32)
makes it unguessable. Only the SHA-256 of the whole key is stored (a key has
256 bits of entropy, so a slow hash buys nothing), with its owner, role,
scopes, department or stores, expiry and revocation.

Roles and their scopes (`ROLES`) follow the departments of domain.md:

| role | may |
| --- | --- |
| production | append `contract_registered`, `shipped`; read |
| after_sales | append `installed`, `powered_on`; read |
| retail_store | append `delivered` for its own store ids; read |
| visitor | record visits and failed attempts; read, with contacts (pii) |
| handler | assign and resolve tickets of its own department; read |
| quality | open and verify CAPAs, record report reviews; handle quality tickets; read |
| manager | read everything, reports, what-if, the audit trail; contacts (pii) |
| dashboard | read reports and lists, contacts masked |
| admin | everything, and keys, tick, SLA check, rebuild, dead letters, audit |

`python -m services.kit.keys create --role visitor --owner 张三` prints a new
key once; `list` shows keys without secrets; `revoke <key id>` ends one.
"""

import argparse
import base64
import hashlib
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.limits import MAX_NAME
from services.kit.db import KIT_MIGRATIONS, connect, migrate
from services.kit.settings import Settings

# Scopes: one word per kind of act.
FACT_SCOPES = {
    "contract_registered": "facts:contract_registered",
    "shipped": "facts:shipped",
    "installed": "facts:installed",
    "powered_on": "facts:powered_on",
    "delivered": "facts:delivered",
}
READ = "read"
PII = "pii"
RECORD_VISITS = "visits:record"
HANDLE_TICKETS = "tickets:handle"
MANAGE_CAPAS = "capas:manage"
REVIEW_REPORTS = "reports:review"
WHAT_IF = "whatif"
AUDIT = "audit"
ADMIN = "admin"

ROLES: dict[str, frozenset[str]] = {
    "production": frozenset(
        {FACT_SCOPES["contract_registered"], FACT_SCOPES["shipped"], READ}
    ),
    "after_sales": frozenset(
        {FACT_SCOPES["installed"], FACT_SCOPES["powered_on"], READ}
    ),
    "retail_store": frozenset({FACT_SCOPES["delivered"], READ}),
    "visitor": frozenset({RECORD_VISITS, READ, PII}),
    "handler": frozenset({HANDLE_TICKETS, READ}),
    "quality": frozenset({MANAGE_CAPAS, REVIEW_REPORTS, HANDLE_TICKETS, READ}),
    "manager": frozenset({READ, PII, WHAT_IF, AUDIT}),
    "dashboard": frozenset({READ}),
    "admin": frozenset(
        {
            *FACT_SCOPES.values(),
            RECORD_VISITS,
            HANDLE_TICKETS,
            MANAGE_CAPAS,
            REVIEW_REPORTS,
            READ,
            PII,
            WHAT_IF,
            AUDIT,
            ADMIN,
        }
    ),
}


@dataclass(frozen=True)
class Principal:
    """Who a valid key says is acting."""

    key_id: str
    owner: str
    role: str
    scopes: frozenset[str]
    department: str | None = None
    store_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def actor(self) -> str:
        """What every event this key appends names as its actor: the owner,
        and the role and key id the audit trail (services/kit/audit.py) finds
        the key's events by; within the contracts' length of a name."""
        suffix = f" ({self.role} key {self.key_id})"
        return self.owner[: MAX_NAME - len(suffix)] + suffix

    def may(self, scope: str) -> bool:
        return scope in self.scopes


def identity_schema(settings: Settings) -> str:
    """The kit's schema of keys, shared by the services' edges."""
    return f"{settings.schema_prefix}identity"


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def new_key(role: str) -> tuple[str, str]:
    """A fresh (key id, key)."""
    key_id = secrets.token_hex(4)
    secret = base64.b32encode(secrets.token_bytes(32)).decode().rstrip("=").lower()
    return key_id, f"fu_{role}_{key_id}_{secret}"


def prepare(settings: Settings) -> None:
    """Create the identity schema and its table if missing."""
    migrate(
        settings.database_url,
        identity_schema(settings),
        KIT_MIGRATIONS.parent,
        "identity",
    )


def create(
    settings: Settings,
    *,
    role: str,
    owner: str,
    department: str | None = None,
    store_ids: Sequence[str] = (),
    days: int | None = 365,
    scopes: Sequence[str] | None = None,
) -> tuple[str, str]:
    """Issue a key; return (key id, the key — shown this once)."""
    if role not in ROLES:
        msg = f"unknown role {role!r}; one of {sorted(ROLES)}"
        raise ValueError(msg)
    if role == "handler" and not department:
        msg = "a handler key acts for one department: give --department"
        raise ValueError(msg)
    if role == "retail_store" and not store_ids:
        msg = "a retail store key appends for its stores: give --store"
        raise ValueError(msg)
    prepare(settings)
    key_id, key = new_key(role)
    expires = datetime.now(UTC) + timedelta(days=days) if days else None
    with connect(settings.database_url, identity_schema(settings)) as conn:
        conn.execute(
            "INSERT INTO api_keys (key_id, key_hash, owner, role, scopes, department,"
            " store_ids, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                key_id,
                digest(key),
                owner,
                role,
                sorted(scopes if scopes is not None else ROLES[role]),
                department,
                list(store_ids),
                expires,
            ),
        )
    return key_id, key


def revoke(settings: Settings, key_id: str) -> bool:
    """End a key now; False if there is no such key (or it was revoked)."""
    prepare(settings)
    with connect(settings.database_url, identity_schema(settings)) as conn:
        cur = conn.execute(
            "UPDATE api_keys SET revoked_at = now()"
            " WHERE key_id = %s AND revoked_at IS NULL",
            (key_id,),
        )
        return cur.rowcount == 1


def listed(settings: Settings) -> list[dict[str, Any]]:
    """Every key, without its secret."""
    prepare(settings)
    with connect(settings.database_url, identity_schema(settings)) as conn:
        rows = conn.execute(
            "SELECT key_id, owner, role, scopes, department, store_ids, created_at,"
            " expires_at, revoked_at FROM api_keys ORDER BY created_at"
        ).fetchall()
    names = (
        "key_id",
        "owner",
        "role",
        "scopes",
        "department",
        "store_ids",
        "created_at",
        "expires_at",
        "revoked_at",
    )
    return [dict(zip(names, r, strict=True)) for r in rows]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m services.kit.keys create|list|revoke`."""
    parser = argparse.ArgumentParser(prog="python -m services.kit.keys")
    sub = parser.add_subparsers(dest="action", required=True)
    make = sub.add_parser("create", help="issue a key (printed once)")
    make.add_argument("--role", required=True, choices=sorted(ROLES))
    make.add_argument("--owner", required=True, help="the person or system")
    make.add_argument("--department", help="for a handler: the department it acts for")
    make.add_argument(
        "--store", action="append", default=[], help="a store id (repeat)"
    )
    make.add_argument("--days", type=int, default=365, help="valid for; 0: no expiry")
    sub.add_parser("list", help="every key, without secrets")
    end = sub.add_parser("revoke", help="end a key now")
    end.add_argument("key_id")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.action == "create":
        try:
            key_id, key = create(
                settings,
                role=args.role,
                owner=args.owner,
                department=args.department,
                store_ids=args.store,
                days=args.days or None,
            )
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        print(f"key {key_id} for {args.owner} ({args.role}); shown once, keep it safe:")
        print(key)
        return 0
    if args.action == "list":
        for entry in listed(settings):
            print(
                "  ".join(
                    f"{k}={v.isoformat() if isinstance(v, datetime) else v}"
                    for k, v in entry.items()
                )
            )
        return 0
    if revoke(settings, args.key_id):
        print(f"revoked {args.key_id}")
        return 0
    print(f"no live key {args.key_id}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
