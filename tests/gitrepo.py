"""A local git repository with two commits, for the tests of the scripts that fetch labelled files
at their commits (tests/fresh.py, tests/expert.py --fetch) from a `file://` URL."""

from __future__ import annotations

import subprocess
from pathlib import Path


def two_commits(folder: Path, first: dict[str, str], second: dict[str, str]) -> str:
    """Make `folder` a repository whose first commit holds the files `first` (path -> text) and
    whose second changes them as `second` says; fetchable by commit. Returns the first commit."""
    folder.mkdir(parents=True)

    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=folder,
                              check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    git("config", "uploadpack.allowReachableSHA1InWant", "true")
    for files in (first, second):
        for name, text in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)
        git("add", "-A")
        git("commit", "-qm", "commit")
        if files is first:
            commit = git("rev-parse", "HEAD")
    return commit
