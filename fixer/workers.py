"""Many files fixed in worker processes: a run over a folder uses the machine's CPUs, as ruff and
black do, and prints, writes and reports in the files' order as a run in one process does.

Only the pipeline (`pipeline.fix`, pure: bytes in, a `Result` out) runs in the workers; reading
the options, verifying, writing, diffs and every message stay in the command's own process, which
takes each file's result in order. Workers are forked (Linux): they start with the command's
modules and configuration already in memory, so a worker costs a few milliseconds, not a
start-up. The files are read and parsed in the workers too: a file whose base image only a
registry can answer comes back as `Later`, and those files go to workers forked again once the
command has looked their images up together (`Results`), so a run with a warm cache has no serial
pre-pass. Where a worker cannot give a result (any error, a result that
cannot be sent back) the command does that file itself, so errors are reported exactly as in one
process. Elsewhere (macOS, Windows: no safe fork), with fewer than `MIN_FILES` files, for stdin
and with --verify, one process does everything.
"""

from __future__ import annotations

import os
import sys

MIN_FILES = 24  # below this, forking costs more than it saves (a pre-commit run, an editor's file)

# a forked worker's job (set by `_start` in the worker, before its first file; never in the command)
_JOB: dict = {}


def available() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def count(requested: int | None, files: int) -> int:
    """How many processes for `files` files: `requested` (--jobs) when given, else one per CPU
    this process may use, from MIN_FILES files on."""
    if requested is not None:
        return max(1, min(requested, files))
    if files < MIN_FILES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, files // (MIN_FILES // 2)))


def _start(job, final: bool) -> None:
    import gc

    gc.enable()  # forked while the command starts with the collector off (fixer.entry)
    _JOB["fix"], _JOB["final"] = job, final


def _run(path: str):
    try:
        return _JOB["fix"](path, _JOB["final"])
    except BaseException:  # noqa: BLE001 - the command does this file itself and reports it
        return None


class Later:
    """A worker's answer for a file it cannot finish alone in the first round (`job(path, False)`:
    a base image only a registry can answer): `what` is handed to `again` in the command's process,
    and the file is done again by a worker forked after that (`job(path, True)`)."""

    __slots__ = ("what",)

    def __init__(self, what):
        self.what = what


class Results:
    """`job(path, final)` for each of `paths`, in order, from `jobs` forked processes: iterate it
    once, alongside the paths; an item is None where the command must do the file itself.

    With `again` (a function of a list), the first round runs with `final` False: a file whose
    job returns a `Later` waits. At the first such file the rest of the first round is taken,
    `again([what, ...])` runs in the command's process (the base-image look-ups, concurrently),
    and the waiting files go to a second round of workers forked after it (`final` True), which
    start with everything `again` learnt. Without `again`, one round with `final` True."""

    def __init__(self, paths: list[str], job, jobs: int, again=None):
        for stream in (sys.stdout, sys.stderr):  # a worker flushes its copy of a buffer when it ends
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        self._paths, self._job, self._jobs, self._again = paths, job, jobs, again
        self._index = 0
        self._first: list | None = None  # the first round's items from the first Later on
        self._pool, self._it = self._start(paths, final=again is None)

    def _start(self, paths: list[str], final: bool):
        import multiprocessing

        pool = multiprocessing.get_context("fork").Pool(self._jobs, initializer=_start, initargs=(self._job, final))
        chunk = max(1, min(16, len(paths) // (self._jobs * 8)))
        return pool, pool.imap(_run, paths, chunksize=chunk)

    def _next(self):
        try:
            return next(self._it)
        except Exception:  # noqa: BLE001 - a result that could not be sent back: the command does it
            return None

    def __iter__(self):
        return self

    def __next__(self):
        index = self._index
        if index >= len(self._paths):
            raise StopIteration
        self._index += 1
        if self._first is None:
            item = self._next()
            if not isinstance(item, Later):
                return item
            self._first = [None] * index + [item] + [self._next() for _ in self._paths[index + 1:]]
            self._pool.terminate()
            waiting = [i for i, x in enumerate(self._first) if isinstance(x, Later)]
            self._again([self._first[i].what for i in waiting])
            self._pool, self._it = self._start([self._paths[i] for i in waiting], final=True)
        item = self._first[index]
        self._first[index] = None
        return self._next() if isinstance(item, Later) else item

    def close(self) -> None:
        self._pool.terminate()
