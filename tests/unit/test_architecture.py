"""The project's shape, enforced by reading every module's imports (ast, no
import is executed), as an import-linter contract would:

- a service's `domain/` is pure: it imports no I/O, web, broker, database,
  spreadsheet or metrics library, and not the kit;
- no service imports another service (the kit and `schemas` are shared);
- a service's `api/` holds routes only: it imports no database driver and
  writes no SQL;
- every service has the same layout (style.md, "This project's own shape").
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SERVICES_DIR = ROOT / "services"
# The console is an edge with no state (static pages and a forwarder to the
# five APIs: no database, no broker, no domain): not held to the services'
# layout, but, like the kit, it imports no service.
EDGES = ("console",)
SERVICES = sorted(
    p.name
    for p in SERVICES_DIR.iterdir()
    if (p / "__init__.py").exists() and p.name not in ("kit", *EDGES)
)
# What a pure domain never imports (each with its submodules).
IMPURE = (
    "psycopg",
    "psycopg_pool",
    "fastapi",
    "starlette",
    "kafka",
    "aiokafka",
    "httpx",
    "uvicorn",
    "services.kit",
    "openpyxl",
    "prometheus_client",
)
DRIVERS = ("psycopg", "psycopg_pool")
SQL_WORDS = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ")
# The layout of style.md every service has; store.py, events.py, handlers.py
# and jobs.py only where a service has commands, derived events or jobs.
LAYOUT = (
    "domain/__init__.py",
    "api/__init__.py",
    "views.py",
    "projection.py",
    "models.py",
    "service.py",
    "__main__.py",
)


@dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> Iterator[Import]:
    """Every module a file imports, relative imports resolved."""
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> Iterator[Import]:
    """Every module a source in `package` imports, relative imports resolved."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base)
                module = f"{prefix}.{node.module}" if node.module else prefix
            else:
                module = node.module or ""
            yield Import(module, node.lineno)
            # `from services import ledger` names a module too.
            for alias in node.names:
                yield Import(f"{module}.{alias.name}", node.lineno)


def within(module: str, names: tuple[str, ...]) -> bool:
    return any(module == n or module.startswith(f"{n}.") for n in names)


def modules(*parts: str) -> list[Path]:
    base = SERVICES_DIR.joinpath(*parts)
    if base.suffix == ".py":
        return [base] if base.exists() else []
    return sorted(base.rglob("*.py")) if base.exists() else []


def where(path: Path, imp: Import) -> str:
    return f"{path.relative_to(ROOT)}:{imp.line} imports {imp.module}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_imports_no_io(service: str) -> None:
    broken = [
        where(path, imp)
        for path in modules(service, "domain")
        for imp in imports_of(path)
        if within(imp.module, IMPURE)
    ]
    assert broken == []


@pytest.mark.parametrize("service", [*SERVICES, "kit", *EDGES])
def test_no_service_imports_another(service: str) -> None:
    allowed = (f"services.{service}", "services.kit")
    broken = [
        where(path, imp)
        for path in modules(service)
        for imp in imports_of(path)
        if within(imp.module, ("services",))
        and imp.module != "services"
        and not within(imp.module, allowed)
    ]
    assert broken == []


def sql_literals(path: Path) -> Iterator[str]:
    for line, text in sql_in(path.read_text(encoding="utf-8")):
        yield f"{path.relative_to(ROOT)}:{line} {text[:40]!r}"


def sql_in(source: str) -> Iterator[tuple[int, str]]:
    """String literals (f-string parts too) that hold an SQL statement."""
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and any(word in node.value.upper() for word in SQL_WORDS)
        ):
            yield node.lineno, node.value


@pytest.mark.parametrize("service", SERVICES)
def test_routes_import_no_driver_and_write_no_sql(service: str) -> None:
    routes = modules(service, "api") + modules(service, "api.py")
    broken = [
        where(path, imp)
        for path in routes
        for imp in imports_of(path)
        if within(imp.module, DRIVERS)
    ] + [found for path in routes for found in sql_literals(path)]
    assert broken == []


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_one_layout(service: str) -> None:
    base = SERVICES_DIR / service
    missing = [part for part in LAYOUT if not (base / part).exists()]
    stray = [p for p in ("api.py", "queries.py") if (base / p).exists()]
    assert (missing, stray) == ([], [])


def test_the_checks_see_each_kind_of_violation() -> None:
    """The checker itself, on sources that break each rule."""
    api = "services.ledger.api"
    source = (
        "import psycopg.rows\n"
        "from .. import views\n"
        "from ...survey.store import RECORD\n"
        "from services import scheduler\n"
        "Q = f'select * FROM units WHERE id = {x}'\n"
    )
    found = [i.module for i in imports_in(source, api)]
    assert "services.ledger.views" in found
    assert "services.survey.store" in found
    assert "services.scheduler" in found
    assert within("psycopg.rows", DRIVERS)
    assert not within("psycopgx", DRIVERS)
    assert [line for line, _ in sql_in(source)] == [5]
