"""Where dockerfix keeps what it learns between runs (base-image facts, compiled patterns)."""

from __future__ import annotations

import os
import sys


def cache_dir() -> str:
    """$XDG_CACHE_HOME/dockerfix, else the platform's cache folder."""
    if os.environ.get("XDG_CACHE_HOME"):
        return os.path.join(os.environ["XDG_CACHE_HOME"], "dockerfix")
    home = os.path.expanduser("~")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "dockerfix")
    if sys.platform == "win32":
        return os.path.join(os.environ.get("LOCALAPPDATA") or home, "dockerfix", "Cache")
    return os.path.join(home, ".cache", "dockerfix")
