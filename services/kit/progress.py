"""How far a long piece of work has got, shown to the person waiting for it.

One class for every long command (a rebuild, a department's upload, the
benchmarks' phases): on a terminal a bar redrawn in place at most five
times a second; in a log or a pipe one line each time another tenth is done,
so CI logs stay short and still show that the work moves.
"""

import sys
import time
from typing import TextIO

WIDTH = 30
REDRAW_S = 0.2


class Progress:
    """`done` of `total` units of `phase`, with rate and time left."""

    def __init__(
        self,
        phase: str,
        total: int,
        *,
        unit: str = "",
        stream: TextIO | None = None,
        bar: bool | None = None,
    ) -> None:
        self.phase = phase
        self.total = total
        self.unit = unit
        self.stream = stream if stream is not None else sys.stdout
        self.bar = self.stream.isatty() if bar is None else bar
        self.started = time.perf_counter()
        self.done = 0
        self._next_tenth = 1
        self._drawn_at = 0.0
        self._ended = False

    def line(self) -> str:
        """The progress as one line of text."""
        elapsed = time.perf_counter() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        share = min(self.done / self.total, 1.0) if self.total else 1.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta = f" {left:5.0f}s left" if rate > 0 and self.done < self.total else ""
        unit = f" {self.unit}" if self.unit else ""
        if self.bar:
            filled = int(share * WIDTH)
            bar = "#" * filled + "." * (WIDTH - filled)
            return (
                f"  {self.phase} [{bar}] {share * 100:3.0f}% {self.done:,}/"
                f"{self.total:,}{unit} {elapsed:6.1f}s {rate:,.0f}/s{eta}"
            )
        return (
            f"  {self.phase}: {self.done:>9,}/{self.total:,}{unit}"
            f" ({share * 100:>3.0f}%) {elapsed:6.1f}s {rate:>9,.0f}/s{eta}"
        )

    def update(self, done: int) -> None:
        """Report `done` units of work; prints only when there is news."""
        self.done = done
        if self.bar:
            if done >= self.total:
                self.finish()  # the line ends with the work
                return
            now = time.perf_counter()
            if now - self._drawn_at >= REDRAW_S:
                self._drawn_at = now
                self.stream.write("\r" + self.line())
                self.stream.flush()
            return
        tenth = done * 10 // max(self.total, 1)
        if tenth < self._next_tenth:
            return
        self._next_tenth = tenth + 1
        print(self.line(), file=self.stream, flush=True)

    def finish(self) -> None:
        """End the bar's line (a no-op for line output, or when ended)."""
        if self.bar and not self._ended:
            self._ended = True
            self.stream.write("\r" + self.line() + "\n")
            self.stream.flush()
