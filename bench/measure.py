"""Timing commands the way the benchmark reports them.

Each command runs under ``/usr/bin/time -v`` (for CPU time and peak memory);
wall time is taken around it with ``time.perf_counter``. Commands that are
compared run alternately in one loop (A B, B A, A B, ...), so that whatever
the machine does meanwhile falls on both, and the ratio of each pair is
taken before the median.
"""

from __future__ import annotations

import os
import shlex
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable


class CommandFailed(Exception):
    """A measured command exited non-zero; the benchmark reports it as such."""


@dataclass
class Command:
    """One command line to measure, and what to do (untimed) before each run."""

    label: str
    argv: list[str]
    prepare: Callable[[], None] | None = None
    cwd: str | None = None

    def shell(self) -> str:
        """The command as a user would type it from the repository root."""
        return shlex.join(self.argv)


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds, the command and its children
    rss_kb: int  # peak resident set size of the largest process


@dataclass
class Stats:
    command: Command
    samples: list[Sample] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # stdout of each timed run

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def rss_kb(self) -> float:
        return statistics.median(s.rss_kb for s in self.samples)

    @property
    def spread(self) -> tuple[float, float]:
        walls = [s.wall for s in self.samples]
        return min(walls), max(walls)


def parse_time_v(text: str) -> tuple[float, int]:
    """Return (user+sys seconds, max RSS KB) from GNU time -v output."""
    user = sys_ = 0.0
    rss = 0
    for line in text.splitlines():
        key, _, value = line.strip().rpartition(": ")
        if key == "User time (seconds)":
            user = float(value)
        elif key == "System time (seconds)":
            sys_ = float(value)
        elif key == "Maximum resident set size (kbytes)":
            rss = int(value)
    return user + sys_, rss


def run_once(command: Command) -> tuple[Sample, str]:
    """Run the command once; return its sample and its stdout."""
    if command.prepare:
        command.prepare()
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-v", "-o", report.name, *command.argv],
            cwd=command.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wall = time.perf_counter() - start
        cpu, rss = parse_time_v(report.read())
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise CommandFailed(f"{command.label} exited {proc.returncode}: {command.shell()}\n{tail}")
    return Sample(wall, cpu, rss), proc.stdout


def alternate(commands: list[Command], runs: int, warmup: int = 1) -> list[Stats]:
    """Run the commands alternately (ABBA order), `warmup` untimed rounds first."""
    for _ in range(warmup):
        for command in commands:
            run_once(command)
    stats = [Stats(c) for c in commands]
    for i in range(runs):
        order = list(range(len(commands)))
        if i % 2:
            order.reverse()
        for k in order:
            sample, stdout = run_once(commands[k])
            stats[k].samples.append(sample)
            stats[k].outputs.append(stdout)
    return stats


def paired_ratio(numerator: Stats, denominator: Stats, measure: str = "wall") -> float:
    """Median over runs of numerator/denominator ("wall" or "cpu" time), run i with run i."""
    return statistics.median(
        getattr(a, measure) / max(getattr(b, measure), 1e-3) for a, b in zip(numerator.samples, denominator.samples)
    )


def tree_bytes(root: str, suffixes: tuple[str, ...] = ()) -> tuple[int, int]:
    """(file count, total bytes) under root, only files ending in a suffix if given."""
    count = total = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if suffixes and not name.endswith(suffixes):
                continue
            count += 1
            total += os.path.getsize(os.path.join(dirpath, name))
    return count, total
