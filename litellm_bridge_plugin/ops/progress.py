"""``litellm-bridge sync``'s signs of life: its phases (read, plan, write n of m) and rate as
it goes, with ``rich`` on a terminal, as plain timed lines otherwise (a log, CI), on stderr
(stdout keeps the result); nothing with ``--quiet``."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from litellm_bridge_plugin.engine import observed

PHASES = {"read": "reading LiteLLM and Open WebUI", "plan": "planning", "write": "writing"}


class Lines:
    """A line per phase with the time it began, and the rate when writing ends."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.began = time.monotonic()
        self.phase_began = self.began
        self.total: int | None = None
        self.done = 0
        self.written = 0.0

    def _say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.began:6.1f}s] {text}", file=self.out, flush=True)

    def phase(self, name: str, total: int | None = None) -> None:
        self.phase_began, self.total, self.done = time.monotonic(), total, 0
        said = PHASES.get(name, name)
        self._say(f"{said} {total} change(s)" if total is not None else said)

    def advance(self, done: int) -> None:
        self.done += done
        if self.total and self.done >= self.total:
            seconds = time.monotonic() - self.phase_began
            rate = self.done / seconds if seconds > 0 else float(self.done)
            self._say(f"wrote {self.done} of {self.total} ({rate:,.0f} a second)")


class Bar:
    """rich's progress display: a spinner while reading and planning, a bar while writing."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TaskID,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
        )
        self.task: TaskID | None = None
        self.phase_began = time.monotonic()

    def _finish(self) -> None:
        """The phase under way is over (read and plan have no count: done is all)."""
        if self.task is not None:
            task = self.progress.tasks[-1]
            self.progress.update(self.task, completed=task.total)

    def phase(self, name: str, total: int | None = None) -> None:
        self._finish()
        self.phase_began = time.monotonic()
        self.task = self.progress.add_task(
            PHASES.get(name, name), total=1 if total is None else total, rate=""
        )

    def advance(self, done: int) -> None:
        if self.task is None:
            return
        self.progress.advance(self.task, done)
        seconds = time.monotonic() - self.phase_began
        if seconds > 0:
            rate = f"{self.progress.tasks[-1].completed / seconds:,.0f}/s"
            self.progress.update(self.task, rate=rate)

    def close(self) -> None:
        self._finish()
        self.progress.stop()


@contextmanager
def shown(quiet: bool, out: TextIO | None = None) -> Iterator[None]:
    """Show the reconciles run inside: a bar on a terminal, lines otherwise, or nothing."""
    if quiet:
        yield
        return
    stream = out or sys.stderr
    if stream.isatty():
        bar = Bar()
        bar.progress.start()
        try:
            with observed.reporting(bar):
                yield
        finally:
            bar.close()
        return
    with observed.reporting(Lines(stream)):
        yield
