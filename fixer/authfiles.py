"""Where registry credentials are read (Docker's and Podman's files), apart from the registry
client: the look-up cache (fixer.facts) stamps a remembered failure with these files' state, so
a credential added or changed after a refused look-up is tried at once, without importing the
client (~25 ms) on every run."""

from __future__ import annotations

import os


def auth_files() -> list[str]:
    """Where credentials are read, in order: REGISTRY_AUTH_FILE, Podman's auth.json, Docker's
    config.json (DOCKER_CONFIG or ~/.docker)."""
    out = []
    if os.environ.get("REGISTRY_AUTH_FILE"):
        out.append(os.environ["REGISTRY_AUTH_FILE"])
    if os.environ.get("XDG_RUNTIME_DIR"):
        out.append(os.path.join(os.environ["XDG_RUNTIME_DIR"], "containers", "auth.json"))
    docker = os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    out.append(os.path.join(docker, "config.json"))
    return out


def stamp() -> str:
    """The state of the credential files (name, size, modification time), as one string."""
    parts = []
    for path in auth_files():
        try:
            st = os.stat(path)
        except OSError:
            parts.append(f"{path}:-")
        else:
            parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)
