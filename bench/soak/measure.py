"""Each process's memory and open connections, sampled every few seconds from ``/proc``: a
process counts with its children (a proxy's Prisma query engine holds LiteLLM's database
connections), a connection is an established TCP connection to one of the stack's servers
(the PostgreSQL servers and Redis). The bridge's own connections (``application_name``
``litellm-bridge`` in ``pg_stat_activity``, matched by port) are counted apart from LiteLLM's
and Open WebUI's own."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from devtools import dbs

from .periodic import Periodic
from .stack import Stack


@dataclass(frozen=True)
class Sample:
    at: float
    name: str
    start: int
    """Which start of the process (1 the first, 2 after its first restart, ...)."""
    rss_mb: float
    connections: int
    bridge_connections: int
    """Of ``connections``, the bridge's own."""


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _family(pid: int, tree: dict[int, list[int]]) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _established(ports: set[int]) -> dict[str, int]:
    """Socket inode -> local port of each established TCP connection to ``ports``."""
    inodes: dict[str, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if fields[3] == "01" and remote_port in ports:
                inodes[fields[9]] = int(fields[1].rsplit(":", 1)[1], 16)
    return inodes


_BRIDGE_PORTS = "SELECT client_port FROM pg_stat_activity WHERE application_name = 'litellm-bridge'"


def _bridge_ports(servers: list[str]) -> set[int] | None:
    """The client ports of the bridge's connections to ``servers``; None if one cannot say."""
    ports: set[int] = set()
    for url in servers:
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
                ports |= {port for (port,) in conn.execute(_BRIDGE_PORTS) if port is not None}
        except psycopg.Error:
            return None
    return ports


def _sockets(pid: int) -> set[str]:
    found: set[str] = set()
    try:
        for fd in os.scandir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(fd.path)
            except OSError:
                continue
            if target.startswith("socket:["):
                found.add(target[8:-1])
    except OSError:
        pass
    return found


class Sampler(Periodic):
    def __init__(self, stack: Stack, every: float = 5.0) -> None:
        super().__init__(every)
        self.stack = stack
        self.samples: list[Sample] = []

    def ports(self) -> set[int]:
        ports = {5432, self.stack.redis.port}
        if self.stack.postgres is not None:
            ports.add(self.stack.postgres.port)
        return ports

    def servers(self) -> list[str]:
        found = [dbs.server_url()]
        if self.stack.postgres is not None:
            found.append(self.stack.postgres.url)
        return found

    def tick(self) -> None:
        bridge_ports = _bridge_ports(self.servers())
        if bridge_ports is None:
            return  # a server is down (a fault): no sample this time
        tree = _children()
        established = _established(self.ports())
        now = time.time()
        for name, process in self.stack.processes.items():
            if process.popen is None or process.popen.poll() is not None:
                continue
            family = _family(process.popen.pid, tree)
            sockets = set().union(*(_sockets(pid) for pid in family)) & established.keys()
            self.samples.append(
                Sample(
                    now,
                    name,
                    process.starts,
                    sum(_rss_mb(pid) for pid in family),
                    len(sockets),
                    sum(established[inode] in bridge_ports for inode in sockets),
                )
            )

    def stop(self, timeout: float = 30) -> None:
        super().stop(timeout)
        self.tick()
