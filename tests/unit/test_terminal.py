"""Ctrl-C in a terminal ends `make demo` with status 0 (devtools/terminal.py): a real make,
a real pseudo-terminal, Ctrl-C typed into it."""

from __future__ import annotations

import contextlib
import os
import pty
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = """
import sys, time
from devtools import terminal
with terminal.foreground():
    try:
        print("ready", flush=True)
        time.sleep(60)
    except KeyboardInterrupt:
        print("stopped quietly", flush=True)
sys.exit(0)
"""


def _typed_ctrl_c(tmp_path: Path, program: str) -> str:
    """Run ``make`` on a target running ``program`` in a new terminal, type Ctrl-C once it is
    ready; everything the terminal showed, and the shell's ``$?`` after make."""
    (tmp_path / "prog.py").write_text(program)
    (tmp_path / "Makefile").write_text(f"demo:\n\t@{sys.executable} prog.py\n")
    script = f"cd {tmp_path}; make -s demo; echo make-status=$?"
    pid, fd = pty.fork()
    if pid == 0:  # the child: a shell on the new terminal, as a person's
        # Ctrl-C as in a person's terminal, even if this test runs with SIGINT ignored (a
        # background job of a non-interactive shell; the ignoring would pass to make)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.environ["PYTHONPATH"] = str(ROOT)
        os.execv("/bin/sh", ["/bin/sh", "-c", script])  # noqa: S606 (a fixed shell)
    seen = b""
    deadline = time.monotonic() + 60
    typed = False
    try:
        while b"make-status=" not in seen and time.monotonic() < deadline:
            try:
                seen += os.read(fd, 1024)
            except OSError:
                break
            if b"ready" in seen and not typed:
                os.write(fd, b"\x03")  # what the terminal turns into SIGINT for its foreground
                typed = True
        time.sleep(0.2)
        with contextlib.suppress(OSError):
            seen += os.read(fd, 1024)
    finally:
        os.close(fd)
        os.waitpid(pid, 0)
    return seen.decode(errors="replace")


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_ctrl_c_ends_make_demo_with_status_0(tmp_path: Path) -> None:
    shown = _typed_ctrl_c(tmp_path, PROGRAM)
    assert "stopped quietly" in shown, shown
    assert "make-status=0" in shown, shown
    assert "Interrupt" not in shown and "Error" not in shown, shown


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_without_it_make_reports_the_interrupt(tmp_path: Path) -> None:
    """What the demo avoids (and what shows this test can fail): make is interrupted too."""
    shown = _typed_ctrl_c(tmp_path, PROGRAM.replace("with terminal.foreground():", "if True:"))
    assert "make-status=0" not in shown, shown
