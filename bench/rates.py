"""A phase's rate, its progress on the terminal, and CPU time per unit."""

from dataclasses import dataclass

from services.kit.progress import Progress

__all__ = ["Progress", "Rate", "per_unit"]


def per_unit(seconds: float, count: int, unit: str = "event") -> str:
    """`seconds` spread over `count` things, in µs each."""
    return f"{seconds / max(count, 1) * 1e6:.1f} µs/{unit}"


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
