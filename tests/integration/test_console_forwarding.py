"""The console's forwarder (issue 12): `/api/{service}/{path}` reaches that
service with the caller's own key, idempotency key, content type and body,
and the service's answer (status, body, content headers) comes back
unchanged; an unknown service is 404; no key gets the service's own 401."""

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from services.console.app import create_app as console_app
from services.console.settings import ConsoleSettings
from services.kit.service import create_app
from services.kit.settings import Settings
from services.survey.service import SERVICE as SURVEY
from tests.support import auth
from tests.support.processes import free_port

pytestmark = pytest.mark.integration


class Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a thread has no signals
        pass


@contextmanager
def serving(app: Any) -> Iterator[str]:
    port = free_port()
    server = Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "the app failed to start"
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def echo_app() -> FastAPI:
    """Answers with what it was sent, a chosen status and a CSV body."""
    app = FastAPI()

    @app.api_route("/v1/{path:path}", methods=["GET", "POST"])
    async def echo(path: str, request: Request) -> Response:
        seen = {
            "method": request.method,
            "path": path,
            "query": request.url.query,
            "authorization": request.headers.get("authorization"),
            "idempotency-key": request.headers.get("idempotency-key"),
            "content-type": request.headers.get("content-type"),
            "cookie": request.headers.get("cookie"),
            "body": (await request.body()).decode(),
        }
        return Response(
            content=json.dumps(seen),
            status_code=int(request.query_params.get("status", "200")),
            media_type="text/csv",
            headers={
                "Content-Disposition": 'attachment; filename="x.csv"',
                "X-Internal": "not forwarded",
            },
        )

    return app


def console(**urls: str) -> TestClient:
    settings = ConsoleSettings.model_validate({f"{k}_url": v for k, v in urls.items()})
    return TestClient(console_app(settings))


def test_the_call_and_the_answer_pass_through_unchanged() -> None:
    with serving(echo_app()) as upstream, console(ledger=upstream) as http:
        r = http.post(
            "/api/ledger/v1/imports?dry_run=true&fact=shipped&status=409",
            content=b"a,b\n1,2\n",
            headers={
                "Authorization": "Bearer fu_x",
                "Idempotency-Key": "k-1",
                "Content-Type": "text/csv",
                "Cookie": "session=secret",
            },
        )
        assert r.status_code == 409
        assert r.headers["content-type"].startswith("text/csv")
        assert r.headers["content-disposition"] == 'attachment; filename="x.csv"'
        assert "x-internal" not in r.headers
        seen = json.loads(r.text)
        assert seen == {
            "method": "POST",
            "path": "imports",
            "query": "dry_run=true&fact=shipped&status=409",
            "authorization": "Bearer fu_x",
            "idempotency-key": "k-1",
            "content-type": "text/csv",
            "cookie": None,  # the console passes no cookie on
            "body": "a,b\n1,2\n",
        }


def test_an_unknown_service_or_path_is_404_and_a_dead_one_502() -> None:
    with console(feedback=f"http://127.0.0.1:{free_port()}") as http:
        r = http.get("/api/payroll/v1/anything")
        assert r.status_code == 404
        assert "payroll" in r.json()["detail"]
        assert http.get("/api/ledger/docs").status_code == 404
        assert http.get("/api/ledger/v1/../docs").status_code == 404
        assert http.get("/api/feedback/v1/tickets").status_code == 502
        page = http.get("/")
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]


def test_a_real_services_answers_pass_through(settings: Settings) -> None:
    """The survey's own 401 (no key), 403 (a key without the scope), 422 and
    200: the same status and body as asked directly."""
    visitor = auth.bearer(auth.issue(settings, "visitor"))
    dashboard = auth.bearer(auth.issue(settings, "dashboard"))
    with (
        serving(create_app(SURVEY, settings)) as survey,
        console(survey=survey) as http,
        TestClient(create_app(SURVEY, settings)) as direct,
    ):
        path = "/v1/questionnaires/retail_followup?lang=en"
        unkeyed = http.get(f"/api/survey{path}")
        assert unkeyed.status_code == 401
        assert unkeyed.headers["www-authenticate"] == "Bearer"
        assert unkeyed.json() == direct.get(path).json()

        keyed = http.get(f"/api/survey{path}", headers=visitor)
        assert keyed.status_code == 200
        assert keyed.json() == direct.get(path, headers=visitor).json()
        assert keyed.json()["greeting"]

        refused = http.post("/api/survey/v1/visit-records", json={}, headers=dashboard)
        assert refused.status_code == 403
        assert "may not" in refused.json()["detail"]

        invalid = http.post("/api/survey/v1/visit-records", json={}, headers=visitor)
        assert invalid.status_code == 422
        assert invalid.json() == (
            direct.post("/v1/visit-records", json={}, headers=visitor).json()
        )
        assert {p["field"] for p in invalid.json()["detail"]} >= {
            "visit_id",
            "visited_on",
            "visitor",
        }
