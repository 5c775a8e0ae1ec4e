"""The reporting response cache (`services/reporting/handlers.py`): an answer
is reused only while the read model's consumer positions are those it was
computed at (never stale), computed once for concurrent askers (single
flight), and the cache stays within its bounds."""

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest
from psycopg.pq import TransactionStatus
from pydantic import BaseModel

from services.reporting.handlers import ResponseCache


class Answer(BaseModel):
    value: int


class FakeInfo:
    transaction_status = TransactionStatus.IDLE


class FakeConn:
    """Answers the positions query with the pool's current positions."""

    def __init__(self, pool: "FakePool") -> None:
        self.pool = pool
        self.info = FakeInfo()
        self.rows: list[tuple[str, int, int]] = []

    def execute(self, query: str, *_: Any) -> "FakeConn":
        if "consumer_positions" in query:
            self.rows = list(self.pool.positions)
        return self

    def fetchall(self) -> list[tuple[str, int, int]]:
        return self.rows


class FakePool:
    def __init__(self) -> None:
        self.positions = [("t", 0, 10), ("t", 1, 5)]
        self.in_use = 0
        self.most_in_use = 0
        self.lock = threading.Lock()

    @contextmanager
    def connection(self) -> Iterator[FakeConn]:
        with self.lock:
            self.in_use += 1
            self.most_in_use = max(self.most_in_use, self.in_use)
        try:
            yield FakeConn(self)
        finally:
            with self.lock:
                self.in_use -= 1


class FakeAsyncConn:
    def __init__(self, pool: FakePool) -> None:
        self.pool = pool

    async def execute(self, query: str, *_: Any) -> "FakeAsyncConn":
        assert "consumer_positions" in query
        return self

    async def fetchall(self) -> list[tuple[str, int, int]]:
        return list(self.pool.positions)


class FakeAsyncPool:
    """The asyncio pool beside `pool`: reads the same positions."""

    def __init__(self, pool: FakePool) -> None:
        self.pool = pool
        self.used = 0

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[FakeAsyncConn]:
        self.used += 1
        yield FakeAsyncConn(self.pool)


class CountingPool(FakePool):
    """Counts the connections taken (the worker thread's path)."""

    def __init__(self) -> None:
        super().__init__()
        self.taken = 0

    @contextmanager
    def connection(self) -> Iterator[FakeConn]:
        self.taken += 1
        with super().connection() as conn:
            yield conn


class Counter:
    """A computation that counts its runs and answers its run number."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.runs = 0
        self.delay_s = delay_s
        self.lock = threading.Lock()

    def __call__(self, _: Any) -> Answer:
        with self.lock:
            self.runs += 1
            run = self.runs
        time.sleep(self.delay_s)
        return Answer(value=run)


def value(body: bytes) -> int:
    return int(json.loads(body)["value"])


def test_an_answer_is_reused_only_while_the_positions_are_unchanged() -> None:
    cache, pool, compute = ResponseCache(), FakePool(), Counter()
    first = cache.answer(pool, ("cards", "2026-11"), compute)  # type: ignore[arg-type]
    again = cache.answer(pool, ("cards", "2026-11"), compute)  # type: ignore[arg-type]
    assert (value(first), value(again), compute.runs) == (1, 1, 1)
    # An event applied on one partition: the next answer is computed afresh.
    pool.positions = [("t", 0, 10), ("t", 1, 6)]
    moved = cache.answer(pool, ("cards", "2026-11"), compute)  # type: ignore[arg-type]
    assert (value(moved), compute.runs) == (2, 2)
    # Another key is another answer.
    other = cache.answer(pool, ("cards", "2026-10"), compute)  # type: ignore[arg-type]
    assert (value(other), compute.runs) == (3, 3)


def test_concurrent_askers_compute_once_and_wait_without_a_connection() -> None:
    cache, pool, compute = ResponseCache(), FakePool(), Counter(delay_s=0.3)
    answers: list[int] = []

    def ask() -> None:
        response = cache.answer(pool, ("trend", "2026-11"), compute)  # type: ignore[arg-type]
        answers.append(value(response))

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert answers == [1] * 20
    assert compute.runs == 1
    assert pool.most_in_use < 20  # followers gave their connection back


def test_a_failed_computation_is_not_kept_and_the_next_asker_computes() -> None:
    cache, pool = ResponseCache(), FakePool()

    def failing(_: Any) -> Answer:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cache.answer(pool, ("visits",), failing)  # type: ignore[arg-type]
    compute = Counter()
    assert value(cache.answer(pool, ("visits",), compute)) == 1  # type: ignore[arg-type]
    assert len(cache) == 1


def test_the_cache_keeps_within_its_entries_and_bytes() -> None:
    cache, pool, compute = ResponseCache(max_entries=2), FakePool(), Counter()
    for period in ("a", "b", "c"):
        cache.answer(pool, ("cards", period), compute)  # type: ignore[arg-type]
    assert len(cache) == 2
    cache.answer(pool, ("cards", "a"), compute)  # type: ignore[arg-type]
    assert compute.runs == 4  # the least recently used went first
    small = ResponseCache(max_bytes=15)  # one {"value":N} (11 bytes), not two
    small.answer(pool, ("x",), compute)  # type: ignore[arg-type]
    small.answer(pool, ("y",), compute)  # type: ignore[arg-type]
    assert len(small) == 1


def test_from_an_async_route_a_hit_takes_no_worker_thread_connection() -> None:
    cache, pool, compute = ResponseCache(), CountingPool(), Counter()
    apool = FakeAsyncPool(pool)

    async def ask() -> int:
        body = await cache.answer_async(apool, pool, ("cards", "2026-11"), compute)  # type: ignore[arg-type]
        return value(body)

    assert asyncio.run(ask()) == 1  # a miss: computed in a worker thread
    assert (pool.taken, apool.used) == (1, 1)
    assert asyncio.run(ask()) == 1  # a hit: the positions read, nothing else
    assert (pool.taken, apool.used, compute.runs) == (1, 2, 1)
    pool.positions = [("t", 0, 11), ("t", 1, 5)]  # an event applied
    assert asyncio.run(ask()) == 2
    assert (pool.taken, apool.used, compute.runs) == (2, 3, 2)


def test_async_askers_of_a_new_answer_compute_it_once() -> None:
    cache, pool, compute = ResponseCache(), FakePool(), Counter(delay_s=0.3)
    apool = FakeAsyncPool(pool)

    async def ask_together() -> list[int]:
        bodies = await asyncio.gather(
            *(
                cache.answer_async(apool, pool, ("trend", "2026-11"), compute)  # type: ignore[arg-type]
                for _ in range(20)
            )
        )
        return [value(b) for b in bodies]

    assert asyncio.run(ask_together()) == [1] * 20
    assert compute.runs == 1
