"""Whether the repository around a Dockerfile lints it with hadolint, so that the fix should not
bring a finding it did not have.

hadolint reports DL3066 ("non-numeric user-id may not be resolvable by host system", info) on
`USER appuser`, and its default failure threshold (info) fails the lint job on it: a pull request
that turns the repository's CI red. Where the repository shows that it runs hadolint, dockerfix
writes the numeric `USER uid:gid` (as `--numeric-user` does), unless its hadolint configuration
ignores DL3066. The evidence, read from the Dockerfile's folder up to the repository root:
`.hadolint.yaml`/`.hadolint.yml` (hadolint's own configuration file) in one of those folders;
at the root, a `.pre-commit-config.yaml`, `.gitlab-ci.yml`, `.github/workflows/*.yml`/`*.yaml`,
`Makefile` or `Taskfile.yml` that names hadolint. Each folder is read once per process.
"""

from __future__ import annotations

import os

from .evidence import folders_up, read_small as _read, yaml_list as _yaml_list

CONFIGS = (".hadolint.yaml", ".hadolint.yml")
ROOT_FILES = (".pre-commit-config.yaml", ".pre-commit-config.yml", ".gitlab-ci.yml", "Makefile", "Taskfile.yml")


def _config(folder: str) -> tuple[str, bool] | None:
    """(path, ignores DL3066) of hadolint's configuration file in `folder`, or None."""
    for name in CONFIGS:
        path = os.path.join(folder, name)
        text = _read(path)
        if text is not None:
            return path, "DL3066" in {x.upper() for x in _yaml_list(text, "ignored")}
    return None


def _named_at_root(root: str) -> str | None:
    """The file at the repository root that runs hadolint (names it), or None."""
    files = [os.path.join(root, n) for n in ROOT_FILES]
    wf = os.path.join(root, ".github", "workflows")
    try:
        files += sorted(os.path.join(wf, n) for n in os.listdir(wf) if n.endswith((".yml", ".yaml")))
    except OSError:
        pass
    for path in files:
        text = _read(path)
        if text is not None and "hadolint" in text.lower():
            return path
    return None


def runs_hadolint(dockerfile: str | None, root: str | None, remember=None) -> str | None:
    """Why the repository lints this Dockerfile with hadolint and DL3066 would be a new finding
    ("./.hadolint.yaml is hadolint's configuration"), or None (no sign of hadolint, or its
    configuration ignores DL3066). `remember(kind, folder, compute)` (the run's repository
    cache) reads each folder once."""
    remember = remember or (lambda kind, folder, compute: compute(folder))
    if dockerfile is None or root is None:
        return None
    for folder in folders_up(dockerfile, root):
        found = remember("hadolint configuration", folder, _config)
        if found is not None:
            path, ignores = found
            return None if ignores else f"{os.path.relpath(path, root)} configures hadolint"
    named = remember("hadolint at the root", os.path.realpath(root), _named_at_root)
    return f"{os.path.relpath(named, os.path.realpath(root))} runs hadolint" if named else None
