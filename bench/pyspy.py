"""Where a running service's CPU goes: py-spy sampling its process from the
outside (no change to the service, no pause: `--nonblocking`; only samples
holding the GIL: `--gil`), summarised as the functions holding the most.

    with Sampling(processes, Path("/tmp/prof"), "latency"):
        ...  # the load
    print(summary(Path("/tmp/prof/latency.ledger.txt")))

The raw files (`<phase>.<service>.txt`, py-spy's collapsed stacks) stay in the
directory for a flame graph.
"""

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from subprocess import Popen
from types import TracebackType

RATE_HZ = 100
# Frames that say nothing about the work (the event loop, the thread pool,
# the server's plumbing) are left out of the inclusive list.
PLUMBING = (
    "asyncio/",
    "threading.py",
    "concurrent/futures",
    "uvicorn/",
    "runpy",
    "__main__.py",
    "main (kit/service.py)",
    "anyio/",
    "starlette/",
    "fastapi/routing",
    "middleware/",
    "_core/_tasks",
)


class Sampling:
    """py-spy recording every process of `processes` while the block runs."""

    def __init__(self, processes: dict[str, Popen[bytes]], out: Path, phase: str):
        self.processes = processes
        self.out = out
        self.phase = phase
        self.recorders: dict[str, Popen[bytes]] = {}

    def __enter__(self) -> "Sampling":
        # The venv's own, next to its python, when the venv is not on PATH.
        spy = shutil.which("py-spy", path=str(Path(sys.executable).parent))
        spy = spy or shutil.which("py-spy")
        if spy is None:
            print("  py-spy missing: no profile", flush=True)
            return self
        self.out.mkdir(parents=True, exist_ok=True)
        for name, proc in self.processes.items():
            self.recorders[name] = subprocess.Popen(
                [
                    spy,
                    "record",
                    "--pid",
                    str(proc.pid),
                    "--rate",
                    str(RATE_HZ),
                    "--format",
                    "raw",
                    "--nonblocking",
                    "--gil",  # only samples holding the GIL: Python's CPU
                    "-o",
                    str(self.path(name)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        return self

    def path(self, name: str) -> Path:
        """Where the samples of one service go."""
        return self.out / f"{self.phase}.{name}.txt"

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for recorder in self.recorders.values():
            recorder.send_signal(signal.SIGINT)  # py-spy writes its file on ^C
        for recorder in self.recorders.values():
            try:
                recorder.wait(timeout=30)
            except subprocess.TimeoutExpired:
                recorder.kill()

    def summaries(self, top: int = 12) -> str:
        """Every service's summary, one after the other."""
        return "\n".join(
            summary(self.path(name), top)
            for name in self.recorders
            if self.path(name).exists()
        )


def _function(frame: str) -> str:
    # "name (path/to/file.py:123)" -> "name (file.py)"
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    short = "/".join(path.split("/")[-2:])
    return f"{name} ({short})"


def summary(path: Path, top: int = 12) -> str:
    """Self and inclusive shares of the busiest functions in one recording."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [f for f in stack.split(";") if f]
        if frames:
            own[_function(frames[-1])] += count
        for function in {_function(f) for f in frames}:
            if not any(p in function for p in PLUMBING):
                inclusive[function] += count
    if not total:
        return f"{path.name}: no samples"
    lines = [
        f"{path.name}: {total:,} samples at {RATE_HZ} Hz holding the GIL",
        "  self time:",
        *(f"    {n / total:6.1%} {f}" for f, n in own.most_common(top)),
        "  inclusive (the project's and its libraries' frames):",
        *(f"    {n / total:6.1%} {f}" for f, n in inclusive.most_common(top)),
    ]
    return "\n".join(lines)
