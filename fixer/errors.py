"""The one exception type dockerfix raises for bad input: it carries the line it is about."""

from __future__ import annotations


class DockerfixError(Exception):
    """A clear, user-facing error about one Dockerfile (exit status 2).

    `line` is 1-based, or None when the error is about the file as a whole.
    """

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def format(self, path: str, severity: str | None = None) -> str:
        """`PATH:LINE: MESSAGE` (the JSON report's `error`), or with `severity` what stderr shows,
        `PATH:LINE: error: MESSAGE` (as compilers and linters print it; no line: `PATH: error: ...`)."""
        where = f"{path}:{self.line}" if self.line else path
        return f"{where}: {severity + ': ' if severity else ''}{self.message}"


class ConfigError(DockerfixError):
    """A configuration file that cannot be used: exit 2 even with --exit-zero (as ruff)."""
