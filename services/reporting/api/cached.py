"""The routes' one way to answer from the response cache
(`handlers.RESPONSES`): async, so that a hit takes no worker thread."""

from collections.abc import Callable

from fastapi import Response
from pydantic import BaseModel

from services.kit.service import Runtime
from services.reporting import views
from services.reporting.handlers import RESPONSES, Key


async def cached(
    runtime: Runtime, key: Key, compute: Callable[[views.Connection], BaseModel]
) -> Response:
    """The answer kept under `key` and the read model's positions now, or
    `compute`d (in a worker thread) and kept; as JSON."""
    body = await RESPONSES.answer_async(runtime.apool, runtime.pool, key, compute)
    return Response(body, media_type="application/json")
