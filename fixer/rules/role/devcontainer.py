"""devcontainer: the Dockerfile builds a development container.

A Dockerfile in a `.devcontainer/` folder, or one that a `devcontainer.json` names in
`build.dockerfile` (or the older `dockerFile`), is a development environment: the dev-container
tooling chooses the user (`remoteUser`, `containerUser` in devcontainer.json) and often creates it
itself (the common-utils feature). A USER in the image fights that choice.

A final stage named `dev-envs` (the target Docker Desktop's Dev Environments build, named in
compose-dev.yaml) or `devcontainer` is one too, whatever file it is in.

devcontainer.json files are looked for (through the repository model, which never reads outside
the repository) in the Dockerfile's folder and each folder above it up to the repository root: `.devcontainer.json`, `.devcontainer/devcontainer.json` and
`.devcontainer/*/devcontainer.json`. They are JSONC (comments and trailing commas), read with
`json` after stripping both; paths are relative to the devcontainer.json's folder.
"""

from __future__ import annotations

import json
import os
import re

from ... import lazyre

NAME = "devcontainer"
SUMMARY = "A development container's image (in `.devcontainer/` or named by a devcontainer.json): its remoteUser/containerUser decides."
EXAMPLE = '// .devcontainer/devcontainer.json\n{ "build": { "dockerfile": "Dockerfile" }, "remoteUser": "vscode" }'

_JSONC_RE = lazyre.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', re.S)


def load_jsonc(text: str) -> dict | None:
    """A JSONC document (comments, trailing commas) as a dict, or None."""
    text = _JSONC_RE.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text)
    text = re.sub(r'"(?:\\.|[^"\\])*"|,(\s*[}\]])', lambda m: m.group(1) if m.group(1) is not None else m.group(0), text)
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _candidates(repo, folder: str) -> list[str]:
    dev = os.path.join(folder, ".devcontainer")
    return ([os.path.join(folder, ".devcontainer.json"), os.path.join(dev, "devcontainer.json")]
            + [os.path.join(dev, sub, "devcontainer.json") for sub in repo.listing(dev)])


def config_for(repo, dockerfile: str) -> tuple[str, dict] | None:
    """(path, settings) of the devcontainer.json that builds `dockerfile`, searching up to the root."""
    target = os.path.realpath(dockerfile)
    for d in repo.folders_up(dockerfile):
        for path in _candidates(repo, d):
            text = repo.read(path, limit=1 << 20) if os.path.isfile(path) else None
            data = load_jsonc(text) if text else None
            if not data:
                continue
            build = data.get("build") if isinstance(data.get("build"), dict) else {}
            name = build.get("dockerfile") or build.get("dockerFile") or data.get("dockerFile")
            if isinstance(name, str) and os.path.realpath(os.path.join(os.path.dirname(path), name)) == target:
                return path, data
    return None


# final-stage names that say the stage is a development environment
DEV_STAGES = ("dev-envs", "devcontainer", "dev-container")


def check(ctx) -> str | None:
    final = ctx.an.final
    if final.name in DEV_STAGES:
        return (f"line {final.from_inst.start_line}: the final stage {final.name} is a development environment "
                f"(Docker Dev Environments build the `dev-envs` target): the dev tooling chooses its user; "
                f"fix the application's own stage with --target")
    if ctx.path is None:
        return None
    path = os.path.realpath(ctx.path)
    found = config_for(ctx.repository, path) if ctx.repository is not None else None
    in_folder = ".devcontainer" in path.split(os.sep)[:-1]
    if found is None and not in_folder:
        return None
    if found is None:
        return ("the Dockerfile is in a .devcontainer folder: a development container, whose user the dev-container "
                "tooling chooses (remoteUser/containerUser in devcontainer.json)")
    json_path, data = found
    rel = os.path.relpath(json_path, os.path.dirname(path))
    users = [f"{k} {data[k]}" for k in ("remoteUser", "containerUser") if isinstance(data.get(k), str)]
    who = (f"its {' and '.join(users)} decides the user" if users
           else "it sets no remoteUser/containerUser, so the developer works as the image's user by choice")
    return f"{rel} builds this Dockerfile as a development container: {who}"
