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


def _serve(paths: list[str], tasks: int, results: int) -> None:
    """A worker: for each task (a range of indices of `paths`, 8 bytes) read from the fd `tasks`,
    each file's item, written to the fd `results` as a length, then the pickled (index, item)
    (None where the item cannot be pickled), until `tasks` ends."""
    import pickle

    with open(tasks, "rb") as inbox, open(results, "wb") as out:
        while True:
            task = inbox.read(8)
            if len(task) < 8:
                return
            for index in range(int.from_bytes(task[:4], "little"), int.from_bytes(task[4:], "little")):
                item = _run(paths[index])
                try:
                    data = pickle.dumps((index, item), pickle.HIGHEST_PROTOCOL)
                except Exception:  # noqa: BLE001 - the command does this file itself
                    data = pickle.dumps((index, None), pickle.HIGHEST_PROTOCOL)
                out.write(len(data).to_bytes(8, "little") + data)
                out.flush()


class _Round:
    """`jobs` forked workers (os.fork and two pipes each: no multiprocessing, whose import and
    pool, with its threads, cost the command's process some 30 ms before the first file) doing
    `job(path, final)` for each of `paths`, handed out in ranges as workers finish theirs (two in
    hand each, so that none waits for the next); `get(index)` waits for that file's item."""

    def __init__(self, paths: list[str], job, final: bool, jobs: int):
        import select

        self._paths = paths
        self._chunk = max(1, min(16, len(paths) // (jobs * 8)))
        self._sent = 0  # the files handed out so far: paths[:_sent]
        self._items: dict[int, object] = {}
        self._workers: dict[int, list] = {}  # result fd -> [pid, task fd, ranges in hand, bytes read]
        self._poll = select.poll()
        for _ in range(jobs):
            tasks_r, tasks_w = os.pipe()
            results_r, results_w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker
                try:
                    for fd, w in self._workers.items():  # the other workers' pipes: theirs to end
                        os.close(fd)
                        os.close(w[1])
                    os.close(tasks_w)
                    os.close(results_r)
                    _start(job, final)
                    _serve(paths, tasks_r, results_w)
                finally:
                    os._exit(0)
            os.close(tasks_r)
            os.close(results_w)
            self._workers[results_r] = [pid, tasks_w, [], bytearray()]
            self._poll.register(results_r, select.POLLIN)
        for _ in range(2):
            for w in list(self._workers.values()):
                self._hand(w)

    def _hand(self, w: list) -> None:
        if self._sent >= len(self._paths):
            return
        start, end = self._sent, min(len(self._paths), self._sent + self._chunk)
        try:
            os.write(w[1], start.to_bytes(4, "little") + end.to_bytes(4, "little"))
        except OSError:  # the worker is gone: its end is read below
            return
        self._sent = end
        w[2].append((start, end))

    def get(self, index: int):
        while index not in self._items:
            if not self._workers:  # every worker ended: the command does what they did not
                return None
            for fd, _ in self._poll.poll():
                self._read(fd)
        return self._items.pop(index)

    def _read(self, fd: int) -> None:
        import pickle

        w = self._workers[fd]
        try:
            data = os.read(fd, 1 << 20)
        except OSError:
            data = b""
        if not data:  # the worker ended (or died): the files it had in hand are the command's
            self._end(fd, stop=False)
            return
        buf = w[3]
        buf += data
        while len(buf) >= 8:
            size = int.from_bytes(buf[:8], "little")
            if len(buf) < 8 + size:
                break
            try:
                index, item = pickle.loads(buf[8:8 + size])
            except Exception:  # noqa: BLE001 - cannot be: the worker pickled it
                self._end(fd, stop=True)
                return
            del buf[:8 + size]
            self._items[index] = item
            if index == w[2][0][1] - 1:  # a range done: the next one
                w[2].pop(0)
                self._hand(w)

    def _end(self, fd: int, stop: bool) -> None:
        """Done with a worker: its pipes closed (an idle worker reads their end and exits), and
        with `stop` (files still in hand: the command is ending early) killed; then reaped."""
        pid, tasks, ranges, _ = self._workers.pop(fd)
        self._poll.unregister(fd)
        for start, end in ranges:
            for index in range(start, end):
                self._items.setdefault(index, None)
        for f in (fd, tasks):
            try:
                os.close(f)
            except OSError:
                pass
        try:
            if stop and ranges:
                os.kill(pid, 9)  # SIGKILL
            os.waitpid(pid, 0)
        except OSError:
            pass

    def close(self) -> None:
        for fd in list(self._workers):
            self._end(fd, stop=True)


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
        for stream in (sys.stdout, sys.stderr):  # a worker must not write the command's buffers again
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        self._paths, self._job, self._jobs, self._again = paths, job, jobs, again
        self._index = 0
        self._first: list | None = None  # the first round's items from the first Later on
        self._waiting: dict[int, int] = {}  # file index -> its index in the second round
        self._round = _Round(paths, job, again is None, jobs)

    def _next(self, index: int):
        return self._round.get(index)

    def __iter__(self):
        return self

    def __next__(self):
        index = self._index
        if index >= len(self._paths):
            raise StopIteration
        self._index += 1
        if self._first is None:
            item = self._next(index)
            if not isinstance(item, Later):
                return item
            self._first = [None] * index + [item] + [self._next(i) for i in range(index + 1, len(self._paths))]
            self._round.close()
            waiting = [i for i, x in enumerate(self._first) if isinstance(x, Later)]
            self._waiting = {i: k for k, i in enumerate(waiting)}
            self._again([self._first[i].what for i in waiting])
            self._round = _Round([self._paths[i] for i in waiting], self._job, True, self._jobs)
        item = self._first[index]
        self._first[index] = None
        return self._next(self._waiting[index]) if isinstance(item, Later) else item

    def close(self) -> None:
        self._round.close()
