"""The terminal side of the command line: colour, the progress line, and where the report goes."""

from __future__ import annotations

import os
import sys


def use_color(choice: str, isatty: bool) -> bool:
    """--color always/never; with auto (the default): NO_COLOR set and not empty turns colour off
    (no-color.org), FORCE_COLOR set and not empty turns it on (force-color.org; NO_COLOR wins, as
    in CPython), TERM=dumb off, else colour on a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return isatty and os.environ.get("TERM") != "dumb"


_DIFF_COLORS = (("+++", "\x1b[1m"), ("---", "\x1b[1m"), ("@@", "\x1b[36m"), ("+", "\x1b[32m"), ("-", "\x1b[31m"))


def color_diff(patch: str) -> str:
    """A unified diff coloured as git and black colour it: headers bold, hunks cyan, removed red,
    added green. Each line's colour ends before its newline."""
    out = []
    for line in patch.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        code = next((c for prefix, c in _DIFF_COLORS if body.startswith(prefix)), None)
        out.append(f"{code}{body}\x1b[0m{line[len(body):]}" if code else line)
    return "".join(out)


class Progress:
    """`dockerfix: 120/966 files (310 files/s)` on stderr while files are processed, redrawn at
    most ten times a second; only when stderr is a terminal. Anything else printed on stderr (or
    on stdout, the same terminal) first clears the line, so messages never mix with it."""

    def __init__(self, total: int, enabled: bool):
        self.total = total
        self.enabled = enabled and _isatty(sys.stderr)
        self.shown = False
        self.last = 0.0
        self.start = 0.0

    def __enter__(self):
        if self.enabled:
            import time

            self.start = time.monotonic()
            self.stream = sys.stderr
            sys.stderr = _ClearFirst(self.stream, self)
        return self

    def __exit__(self, *exc):
        if self.enabled:
            self.clear()
            sys.stderr = self.stream

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        import time

        now = time.monotonic()
        if done < self.total and now - self.last < 0.1 and self.shown:
            return
        self.last = now
        rate = done / (now - self.start) if now > self.start else 0.0
        self.stream.write(f"\r\x1b[Kdockerfix: {done}/{self.total} files ({rate:.0f} files/s)")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


class _ClearFirst:
    """stderr, clearing the progress line before each write."""

    def __init__(self, stream, progress: Progress):
        self._stream = stream
        self._progress = progress

    def write(self, text: str) -> int:
        self._progress.clear()
        return self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Output:
    """Where the report goes: stdout as it is made (flushed, so bots can stream), or with
    --output-file kept until the end and written atomically (a reader never sees half a report)."""

    def __init__(self, path: str | None, progress: Progress):
        self.path = path
        self.data = bytearray()
        self.progress = progress

    def isatty(self) -> bool:
        return self.path is None and _isatty(sys.stdout)

    def write(self, text: str | bytes) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        if self.path is not None:
            self.data += data
            return
        self.progress.clear()
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()

    def close(self) -> None:
        if self.path is None:
            sys.stdout.flush()
            return
        from .output import write_report

        write_report(self.path, bytes(self.data))
