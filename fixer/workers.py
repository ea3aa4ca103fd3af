"""Many files fixed in worker processes: a run over a folder uses the machine's CPUs, as ruff and
black do, and prints, writes and reports in the files' order as a run in one process does.

Only the pipeline (`pipeline.fix`, pure: bytes in, a `Result` out) runs in the workers; reading
the options, verifying, writing, diffs and every message stay in the command's own process, which
takes each file's result in order. Workers are forked (Linux): they start with the command's
modules, configuration and base-image look-ups already in memory, so a worker costs a few
milliseconds, not a start-up. Where a worker cannot give a result (any error, a result that
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


def _start(job) -> None:
    import gc

    gc.enable()  # forked while the command starts with the collector off (fixer.entry)
    _JOB["fix"] = job


def _run(path: str):
    try:
        return _JOB["fix"](path)
    except BaseException:  # noqa: BLE001 - the command does this file itself and reports it
        return None


class Results:
    """`job(path)` for each of `paths`, in order, from `jobs` forked processes: iterate it once,
    alongside the paths; an item is None where the command must do the file itself."""

    def __init__(self, paths: list[str], job, jobs: int):
        import multiprocessing

        for stream in (sys.stdout, sys.stderr):  # a worker flushes its copy of a buffer when it ends
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        self._pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_start, initargs=(job,))
        chunk = max(1, min(16, len(paths) // (jobs * 8)))
        self._it = self._pool.imap(_run, paths, chunksize=chunk)

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._it)
        except StopIteration:
            raise
        except Exception:  # noqa: BLE001 - a result that could not be sent back: the command does it
            return None

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()
