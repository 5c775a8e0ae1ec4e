"""A phase's rate, its progress on the terminal, and CPU time per unit."""

import time
from dataclasses import dataclass


def per_unit(seconds: float, count: int, unit: str = "event") -> str:
    """`seconds` spread over `count` things, in µs each."""
    return f"{seconds / max(count, 1) * 1e6:.1f} µs/{unit}"


class Progress:
    """Prints a phase's progress each time another tenth of it is done."""

    def __init__(self, phase: str, total: int) -> None:
        self.phase = phase
        self.total = total
        self.started = time.perf_counter()
        self.done = 0
        self._next_tenth = 1

    def update(self, done: int) -> None:
        """Report `done` units of work; prints only when a tenth is crossed."""
        self.done = done
        tenth = done * 10 // max(self.total, 1)
        if tenth < self._next_tenth:
            return
        self._next_tenth = tenth + 1
        elapsed = time.perf_counter() - self.started
        print(
            f"  {self.phase}: {done:>9,}/{self.total:,} ({tenth * 10:>3}%)"
            f" {elapsed:6.1f}s {done / elapsed:>9,.0f}/s",
            flush=True,
        )


@dataclass(frozen=True)
class Rate:
    """`count` things done in `seconds` (plus notes on the phase)."""

    count: int
    seconds: float
    notes: str = ""

    @property
    def per_second(self) -> float:
        """Things per second."""
        return self.count / self.seconds
