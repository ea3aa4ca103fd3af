"""github-action: the Dockerfile is a GitHub Docker container action's image.

An `action.yml`/`action.yaml` with `runs.using: docker` and `runs.image: Dockerfile` (or a path to
this Dockerfile, or `docker://IMAGE` naming the image the repository builds from it: its builds'
tags, or for the main Dockerfile an image named after the repository) in the Dockerfile's folder or
a folder above it (up to the repository root) makes it an action. GitHub's documentation says Docker container actions must run as the default user,
root ("Docker actions must be run by the default Docker user (root)"): the workspace they write into
is mounted with the runner's ownership. A Dockerfile with `LABEL com.github.actions.name=...` (the
metadata Docker actions carried before action.yml, in any of its stages) is one too, and so is one
whose image a composite action's step runs (`uses: docker://org/tool@sha256:...` in `action.yml`).

The action file is read without a YAML library (pyyaml is only a test extra): a small line-based
read of the top-level `runs:` block and its `using:` and `image:` keys (quotes and `#` comments
stripped), which is all an action's metadata needs here.
"""

from __future__ import annotations

import os
import re

from ... import lazyre

NAME = "github-action"
SUMMARY = "A GitHub Docker container action's image (`action.yml` with `runs.using: docker`): GitHub runs these as root."
EXAMPLE = "# action.yml\nruns:\n  using: docker\n  image: Dockerfile"

ACTION_FILES = ("action.yml", "action.yaml")
KEY_RE = lazyre.compile(r"^(\s*)([\w-]+)\s*:\s*(.*?)\s*$")


STEP_DOCKER_RE = re.compile(r"^\s*-?\s*uses:\s*['\"]?docker://([^\s'\"#]+)", re.M)


def _value(raw: str) -> str:
    raw = re.sub(r"\s+#.*$", "", raw).strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        raw = raw[1:-1]
    return raw


def runs(text: str) -> dict[str, str]:
    """The scalar keys of the top-level `runs:` block of an action file."""
    out: dict[str, str] = {}
    inside = False
    indent = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = KEY_RE.match(line)
        if not line[0].isspace():
            inside = bool(m) and m.group(2) == "runs" and not _value(m.group(3))
            indent = None
            continue
        if inside and m:
            if indent is None:
                indent = len(m.group(1))
            if len(m.group(1)) == indent:
                out[m.group(2)] = _value(m.group(3))
    return out


def action_for(repo, dockerfile: str) -> str | None:
    """The action file that builds `dockerfile`, searching its folder and those above up to the
    repository root (through the repository model: nothing outside the root is read)."""
    target = os.path.realpath(dockerfile)
    for d in repo.folders_up(dockerfile):
        for name in ACTION_FILES:
            path = os.path.join(d, name)
            if os.path.isfile(path):
                text = repo.read(path, limit=1 << 20)
                if text is None:
                    continue
                keys = runs(text)
                image = keys.get("image", "")
                if keys.get("using", "").lower() == "composite":
                    # a composite action's steps that run the image (`uses: docker://org/tool@sha256:...`)
                    for m in STEP_DOCKER_RE.finditer(text):
                        if repo.builds_image(target, m.group(1)):
                            return path
                    continue
                if keys.get("using", "").lower() != "docker" or not image:
                    continue
                if image.startswith("docker://"):
                    # the image the repository publishes from this Dockerfile (`docker://org/tool:v2`)
                    if repo.builds_image(target, image[len("docker://"):]):
                        return path
                elif os.path.realpath(os.path.join(d, image)) == target:
                    return path
    return None


def _action_label(ctx) -> int | None:
    """The line of a `LABEL com.github.actions.name=...` (the metadata of a Docker action from
    before action.yml, still read by GitHub), in any stage of the file: the image is an action's."""
    for stage in ctx.stages.stages:
        for inst in stage.instructions:
            if inst.cmd == "label" and "com.github.actions." in inst.original:
                return inst.start_line
    return None


def check(ctx) -> str | None:
    line = _action_label(ctx)
    if line is not None:
        return (f"line {line}: its LABEL com.github.actions.* describes a Docker container action, and GitHub "
                f"requires those to run as the default user, root")
    if ctx.path is None:
        return None
    found = action_for(ctx.repository, ctx.path) if ctx.repository is not None else None
    if found is None:
        return None
    rel = os.path.relpath(found, os.path.dirname(os.path.realpath(ctx.path)))
    return (f"{rel} runs this Dockerfile as a Docker container action (runs.using: docker, or a composite action's "
            f"`uses: docker://` step), and GitHub requires those to run as the default user, root")
