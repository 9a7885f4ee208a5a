"""``litellm-bridge sync``'s progress: timed lines without a terminal, rich's bar on one."""

from __future__ import annotations

import io

from rich.console import Console

from litellm_bridge_plugin.engine import observed
from litellm_bridge_plugin.ops.progress import Bar, Lines


def _run() -> None:
    observed.phase("read")
    observed.phase("plan")
    observed.phase("write", 3)
    observed.advance(2)
    observed.advance(1)


def test_lines_say_each_phase_and_the_rate() -> None:
    out = io.StringIO()
    with observed.reporting(Lines(out)):
        _run()
    lines = out.getvalue().splitlines()
    assert [line.split("] ", 1)[1].split(" (")[0] for line in lines] == [
        "reading LiteLLM and Open WebUI",
        "planning",
        "writing 3 change(s)",
        "wrote 3 of 3",
    ]
    assert "a second)" in lines[-1]


def test_nothing_is_told_outside_a_reporting_context() -> None:
    out = io.StringIO()
    lines = Lines(out)
    with observed.reporting(lines):
        pass
    _run()  # no one asked: nothing said, nothing raised
    assert out.getvalue() == ""


def test_the_bar_on_a_terminal_ends_with_every_change_written() -> None:
    screen = io.StringIO()
    bar = Bar(Console(file=screen, force_terminal=True, width=120))
    bar.progress.start()
    with observed.reporting(bar):
        _run()
    bar.close()
    shown = screen.getvalue()
    assert "writing" in shown and "3/3" in shown and "planning" in shown
