"""The edge every service shares (services/kit/service.py guard_requests):
413 over the body limit, 415 for a body that is not JSON, and the one 422
shape, which never echoes the offending value."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from schemas.limits import MAX_BODY_BYTES
from services.kit.service import guard_requests


class Reading(BaseModel):
    value: float = Field(allow_inf_nan=False)
    count: int


def app() -> TestClient:
    api = FastAPI()
    guard_requests(api)

    @api.get("/readings/{name}")
    def get(name: str, kind: str = "") -> dict[str, str]:
        return {"name": name, "kind": kind}

    @api.post("/readings")
    def post(body: Reading) -> dict[str, float]:
        return {"value": body.value}

    return TestClient(api)


def test_nan_and_infinity_get_a_422_not_a_500() -> None:
    client = app()
    for raw in (b'{"value": NaN, "count": 1}', b'{"value": 1, "count": Infinity}'):
        answer = client.post(
            "/readings", content=raw, headers={"content-type": "application/json"}
        )
        assert answer.status_code == 422, answer.text
        assert all(set(d) <= {"field", "rule"} for d in answer.json()["detail"])


def test_a_422_names_each_field_without_the_body_root() -> None:
    answer = app().post("/readings", json={"value": "x"})
    assert answer.status_code == 422
    assert sorted(d["field"] for d in answer.json()["detail"]) == ["count", "value"]


def test_a_body_that_is_not_json_gets_415() -> None:
    answer = app().post(
        "/readings", content=b"value=1", headers={"content-type": "text/plain"}
    )
    assert answer.status_code == 415
    assert "application/json" in answer.json()["detail"]


def test_a_body_over_the_limit_gets_413_before_it_is_read() -> None:
    answer = app().post(
        "/readings",
        content=b"{}",
        headers={
            "content-type": "application/json",
            "content-length": str(MAX_BODY_BYTES + 1),
        },
    )
    assert answer.status_code == 413


def test_a_control_character_in_a_parameter_gets_a_422_naming_it() -> None:
    client = app()
    assert client.get("/readings/a", params={"kind": "x\x00y"}).json() == {
        "detail": [{"field": "kind", "rule": "must not contain control characters"}]
    }
    assert client.get("/readings/a%00b").status_code == 422
    assert client.get("/readings/温度", params={"kind": "电"}).status_code == 200
