"""suppressed: another linter was already told that the image runs as root on purpose.

A bot that ignores these opens pull requests the owners already refused. Read, in the Dockerfile:
`# hadolint ignore=DL3002` on the comment lines right above the final stage's last USER or its
FROM (hadolint applies an ignore pragma to the instruction below it), `# hadolint global
ignore=DL3002` anywhere, `# trivy:ignore:DS002` (or AVD-DS-0002, DS-0002), `# checkov:skip=
CKV_DOCKER_3` or CKV_DOCKER_8, and `# nosemgrep` naming semgrep's missing-user or
last-user-is-root rule. In the Dockerfile's folder and in the repository root (where hadolint,
trivy and checkov run from in CI; hadolint's per-user files under $HOME and $XDG_CONFIG_HOME do
not travel with the repository): `.hadolint.yaml`/`.hadolint.yml` whose `ignored` lists DL3002,
`.trivyignore` or `.trivyignore.yaml` listing the trivy ids, `.checkov.yaml`/`.checkov.yml` whose
`skip-check` lists a checkov id. Each folder's files are read once.
"""

from __future__ import annotations

import os
import re

from ... import lazyre
from ...evidence import read_small as _read, yaml_list as _yaml_list

NAME = "suppressed"
SUMMARY = "Another linter was told the image runs as root on purpose (hadolint DL3002, trivy DS002, checkov CKV_DOCKER_3/8, nosemgrep)."
EXAMPLE = "FROM debian:bookworm-slim\n# hadolint ignore=DL3002\nUSER root"

HADOLINT_RE = lazyre.compile(r"^\s*#\s*hadolint\s+(global\s+)?ignore\s*=\s*([\w, ]+)", re.IGNORECASE)
TRIVY_IDS = ("DS002", "AVD-DS-0002", "DS-0002")
TRIVY_RE = lazyre.compile(r"#\s*trivy:ignore:(" + "|".join(TRIVY_IDS) + r")\b", re.IGNORECASE)
CHECKOV_IDS = ("CKV_DOCKER_3", "CKV_DOCKER_8")
CHECKOV_RE = lazyre.compile(r"#\s*checkov:skip=\s*(" + "|".join(CHECKOV_IDS) + r")\b", re.IGNORECASE)
SEMGREP_RE = lazyre.compile(r"#\s*nosemgrep\s*:\s*[\w.,\s-]*?(missing-user|last-user-is-root)", re.IGNORECASE)


def _may_name_a_linter(line: str) -> bool:
    """Whether the patterns below could match `line`: each needs `#` and a linter's name. A test
    without them, since compiling them costs more than the rest of this rule, on every start. On
    a non-ASCII line the patterns decide: re.IGNORECASE also matches ı, ſ and K (Kelvin) for i, s, k."""
    if "#" not in line:
        return False
    if not line.isascii():
        return True
    low = line.lower()
    return "hadolint" in low or "trivy" in low or "checkov" in low or "nosemgrep" in low


def _codes(text: str) -> set[str]:
    return {c.strip().upper() for c in text.split(",")}


def _pragma_above(lines, line: int) -> int | None:
    """The line of a `# hadolint ignore=...DL3002...` among the comments right above `line`."""
    i = line - 2
    while i >= 0 and lines[i].lstrip(" \t\ufeff").startswith("#"):
        m = HADOLINT_RE.match(lines[i]) if _may_name_a_linter(lines[i]) else None
        if m and not m.group(1) and "DL3002" in _codes(m.group(2)):
            return i + 1
        i -= 1
    return None


def in_file(ctx) -> str | None:
    lines = ctx.df.source.lines
    an = ctx.an
    last_user = None
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd == "user":
                last_user = inst
    for inst in (last_user, an.final.from_inst):
        if inst is not None:
            line = _pragma_above(lines, inst.start_line)
            if line:
                return f"line {line}: `# hadolint ignore=DL3002` above {inst.keyword.upper()} on line {inst.start_line}"
    for i, text in enumerate(lines, 1):
        if not _may_name_a_linter(text):
            continue
        m = HADOLINT_RE.match(text)
        if m and m.group(1) and "DL3002" in _codes(m.group(2)):
            return f"line {i}: `# hadolint global ignore=DL3002`"
        for rx, what in ((TRIVY_RE, "trivy:ignore:"), (CHECKOV_RE, "checkov:skip="), (SEMGREP_RE, "nosemgrep: ")):
            m = rx.search(text)
            if m:
                return f"line {i}: `# {what}{m.group(1)}`" if what != "nosemgrep: " else \
                    f"line {i}: `# nosemgrep` names semgrep's {m.group(1)} rule"
    return None


def in_folder(folder: str) -> str | None:
    """Why a linter configuration file in `folder` suppresses the rule, or None (a run reads each
    folder once, through its repository cache)."""
    for name in (".hadolint.yaml", ".hadolint.yml"):
        text = _read(os.path.join(folder, name))
        if text is not None and "DL3002" in {x.upper() for x in _yaml_list(text, "ignored")}:
            return f"{os.path.join(folder, name)} ignores DL3002"
    text = _read(os.path.join(folder, ".trivyignore"))
    if text is not None:
        for i, line in enumerate(text.splitlines(), 1):
            if line.split("#", 1)[0].strip().upper() in TRIVY_IDS:
                return f"{os.path.join(folder, '.trivyignore')} line {i} ignores {line.strip()}"
    text = _read(os.path.join(folder, ".trivyignore.yaml"))
    if text is not None:
        hit = next((x for x in _yaml_list(text, "misconfigurations") if x.upper() in TRIVY_IDS), None)
        if hit:
            return f"{os.path.join(folder, '.trivyignore.yaml')} ignores {hit}"
    for name in (".checkov.yaml", ".checkov.yml"):
        text = _read(os.path.join(folder, name))
        if text is not None:
            hit = next((x for x in _yaml_list(text, "skip-check") if x.upper() in CHECKOV_IDS), None)
            if hit:
                return f"{os.path.join(folder, name)} skips {hit}"
    return None


def check(ctx) -> str | None:
    why = in_file(ctx)
    if why:
        return f"{why}: the owner already said it runs as root on purpose"
    folders = []
    if ctx.path is not None:
        folders.append(os.path.dirname(os.path.abspath(ctx.path)))
    root = ctx.repo_root
    if root is not None and root not in folders:
        folders.append(root)
    for folder in folders:
        why = in_folder(folder) if ctx.repositories is None else ctx.repositories.remember("suppressed", folder, in_folder)
        if why:
            return f"{why}: the owner already said it runs as root on purpose"
    return None
