"""Which files are Dockerfiles and which folders a walk skips: shared by the command line's file
discovery and the repository scan of the rules (`rules/role/consumers`), which sit in different
layers (pyproject.toml's `[tool.importlinter]`), so both import it from here."""

from __future__ import annotations

import fnmatch

NAME_PATTERNS = ("Dockerfile", "Containerfile", "*.Dockerfile", "*.dockerfile", "Dockerfile.*", "Containerfile.*")
NOT_DOCKERFILES = ("*.dockerignore", "*.containerignore")
SKIP_DIRS = frozenset(
    (".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".direnv")
)


def is_dockerfile_name(name: str) -> bool:
    if any(fnmatch.fnmatchcase(name, p) for p in NOT_DOCKERFILES):
        return False
    return any(fnmatch.fnmatchcase(name, p) for p in NAME_PATTERNS)
