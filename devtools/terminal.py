"""Ctrl-C that ends the demo, not the ``make`` that started it.

A terminal sends Ctrl-C's SIGINT to its whole foreground process group: ``make`` as well as
the demo. Make then reports the target interrupted and exits 130 whatever the demo does. So
while the demo runs it takes the terminal's foreground for a process group of its own (its
children, Open WebUI and the proxy, join it): Ctrl-C reaches the demo, which stops everything
and exits 0, and make sees a target that succeeded. The terminal's foreground goes back to
the group that had it before the demo ends. Without a terminal (scripts, tests) nothing is
changed.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def foreground() -> Iterator[None]:
    """Run the body in a process group of its own that holds the terminal, if there is one
    and this process's group holds it now."""
    taken = _take()
    try:
        yield
    finally:
        if taken is not None:
            tty, before, previous = taken
            with contextlib.suppress(OSError):
                os.tcsetpgrp(tty, before)
            signal.signal(signal.SIGTTOU, previous)
            os.close(tty)


def _take() -> tuple[int, int, Any] | None:
    """(the terminal, the group that held it, SIGTTOU's handler) once taken; None if not."""
    try:
        tty = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    try:
        before = os.tcgetpgrp(tty)
        if before == os.getpgrp():
            # a group not in the foreground may set it only with SIGTTOU ignored
            previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
            os.setpgid(0, 0)
            os.tcsetpgrp(tty, os.getpgrp())
            return tty, before, previous
    except OSError:
        pass
    os.close(tty)
    return None
