"""The console's one app: `/` the static pages of web/, `/api/{service}/{path}`
forwarded to that service.

The forwarder passes the method, the query string, the body and the headers
that carry meaning (`Authorization`, `Idempotency-Key`, `If-Match`,
`Content-Type`, `Accept`) and answers with the service's status, body and
content headers unchanged: a 401, 403, 409 or 422 is the service's own.
Only `/v1/...` paths are forwarded (the APIs, not their docs or probes).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from services.console.settings import ConsoleSettings

WEB = Path(__file__).parent / "web"
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
PASSED = ("authorization", "idempotency-key", "if-match", "content-type", "accept")
ANSWERED = (
    "content-type",
    "content-disposition",
    "www-authenticate",
    "retry-after",
    "etag",
    "location",
)


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()
    urls = settings.urls()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=settings.timeout_s) as client:
            app.state.client = client
            yield

    app = FastAPI(
        title="followup console",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.get("/healthz")
    @app.get("/readyz")
    def alive() -> dict[str, str]:
        return {"status": "ok"}

    @app.api_route("/api/{service}/{path:path}", methods=METHODS)
    async def forward(service: str, path: str, request: Request) -> Response:
        base = urls.get(service)
        if base is None:
            return JSONResponse(
                {"detail": f"no service {service!r}; one of {', '.join(urls)}"},
                status.HTTP_404_NOT_FOUND,
            )
        if not path.startswith("v1/") or ".." in path.split("/"):
            return JSONResponse(
                {"detail": "the console forwards only /v1/... paths"},
                status.HTTP_404_NOT_FOUND,
            )
        target = f"{base}/{path}"
        if request.url.query:
            target += f"?{request.url.query}"
        client: httpx.AsyncClient = request.app.state.client
        try:
            answer = await client.request(
                request.method,
                target,
                content=await request.body(),
                headers={h: v for h in PASSED if (v := request.headers.get(h))},
            )
        except httpx.HTTPError as exc:
            return JSONResponse(
                {"detail": f"{service} did not answer: {type(exc).__name__}"},
                status.HTTP_502_BAD_GATEWAY,
            )
        return Response(
            content=answer.content,
            status_code=answer.status_code,
            headers={h: v for h in ANSWERED if (v := answer.headers.get(h))},
        )

    app.mount("/", StaticFiles(directory=WEB, html=True), name="web")
    return app
