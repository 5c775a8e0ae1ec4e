"""The Friday batch: templates, and a filled workbook or CSV imported whole.

`POST /v1/imports?dry_run=true` answers the validation report (per sheet,
row and column, the rules and messages of `POST /v1/events`), as JSON or,
with `format=xlsx`, as the uploaded rows with the broken cells marked.
Without `dry_run` a file with any problem appends nothing (422 listing them);
a clean file appends every fact, and importing it again appends nothing.
"""

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse

from services.kit.http import (
    AUTH_RESPONSES,
    COMMAND_RESPONSES,
    READ_RESPONSES,
    Refusal,
    Unprocessable,
    field_problem,
)
from services.kit.keys import FACT_SCOPES, Principal
from services.kit.security import forbidden, require
from services.kit.service import RuntimeDep
from services.ledger import sheets
from services.ledger.api.facts import (
    Appender,
    known_in,
    may_append,
    recorder,
    stores_of,
)
from services.ledger.domain.facts import OutsideScopeError
from services.ledger.domain.imports import COLUMNS, DEPARTMENTS
from services.ledger.handlers import ImportRefusedError, import_rows
from services.ledger.models import ImportReport

router = APIRouter(prefix="/v1/imports", tags=["ledger"])
Fact = Literal["contract_registered", "shipped", "installed", "powered_on", "delivered"]
Department = Literal["production", "after_sales", "retail_store"]
Reader = Annotated[Principal, Depends(require(*FACT_SCOPES.values()))]


def _department_of(principal: Principal, asked: str | None) -> str:
    """The template asked for, else the one of the key's role."""
    if asked is not None:
        return asked
    if principal.role in DEPARTMENTS:
        return principal.role
    raise field_problem(
        "department", f"required for a {principal.role} key: one of {list(DEPARTMENTS)}"
    )


@router.get(
    "/template.xlsx",
    response_class=Response,
    responses={**READ_RESPONSES, 200: {"content": {sheets.XLSX: {}}}},
)
def template_xlsx(principal: Reader, department: Department | None = None) -> Response:
    """A department's template: one sheet per fact it reports, one column
    per field (required ones in bold), drop-down lists of the closed
    vocabularies kept on a hidden sheet."""
    chosen = _department_of(principal, department)
    return Response(
        sheets.template_xlsx(DEPARTMENTS[chosen]),
        media_type=sheets.XLSX,
        headers={"Content-Disposition": f'attachment; filename="{chosen}.xlsx"'},
    )


@router.get(
    "/template.csv",
    response_class=Response,
    responses={**READ_RESPONSES, 200: {"content": {"text/csv": {}}}},
)
def template_csv(principal: Reader, fact: Fact) -> Response:
    """The header line of one fact's CSV (UTF-8)."""
    del principal  # any department may read any template
    return Response(
        sheets.template_csv(fact),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{fact}.csv"'},
    )


@router.post(
    "",
    response_model=ImportReport,
    responses={
        **AUTH_RESPONSES,
        400: {
            "model": Refusal,
            "description": "not a readable workbook or UTF-8 CSV",
        },
        413: COMMAND_RESPONSES[413],
        415: {"model": Refusal, "description": "neither a workbook (.xlsx) nor CSV"},
        422: {
            "model": Unprocessable,
            "description": "the file's problems (`item`: its row, `field`: its"
            " column, and its `sheet`); nothing appended",
        },
        200: {"content": {sheets.XLSX: {}}},
    },
)
async def post_import(
    request: Request,
    *,
    runtime: RuntimeDep,
    principal: Appender,
    dry_run: Annotated[bool, Query(description="validate only")] = False,
    fact: Annotated[Fact | None, Query(description="the facts of a CSV")] = None,
    format: Annotated[Literal["json", "xlsx"], Query()] = "json",
) -> Response:
    """Import a filled template: the body is the file itself, with
    `Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`
    or `text/csv` (then `fact` names its facts)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    data = await request.body()
    try:
        if kind == sheets.XLSX:
            rows, problems = sheets.read_xlsx(data)
        elif kind in ("text/csv", "application/csv"):
            if fact is None:
                raise field_problem(
                    "fact", f"required for a CSV: one of {list(COLUMNS)}"
                )
            rows, problems = sheets.read_csv(data, fact)
        else:
            sent = kind or "no content type"
            raise HTTPException(
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                detail=f"send {sheets.XLSX} or text/csv, not {sent}",
            )
    except sheets.UnreadableFileError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc)) from None

    try:
        report, located = await asyncio.to_thread(
            import_rows,
            rows=rows,
            problems=problems,
            actor=principal.actor,
            may_append=may_append(principal),
            stores=stores_of(principal),
            dry_run=dry_run,
            source=f"import:{principal.key_id}",
            publish=runtime.publish,
            known=known_in(runtime),
            record=recorder(runtime, principal),
            wait_until_applied=runtime.wait_until_applied,
        )
    except OutsideScopeError as exc:
        raise forbidden(principal, f"import these facts: {exc}") from None
    except ImportRefusedError as exc:
        return JSONResponse(
            {"detail": exc.detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    if format == "xlsx":
        return Response(
            sheets.report_xlsx(rows, located),
            media_type=sheets.XLSX,
            headers={"Content-Disposition": 'attachment; filename="report.xlsx"'},
        )
    return JSONResponse(report.model_dump(mode="json"))
