#!/usr/bin/env python3
"""Make the release tag that the snippets in README.md and docs/ name (pre-commit `rev: vX.Y.Z`, the
Action's `uses: OWNER/dockerfix@vX.Y.Z`), after checking that everything names the same version.

usage: python scripts/release.py [--repo PATH] [--push REMOTE]

  1. the version is pyproject.toml's; fixer/__init__.py, editors/vscode/package.json and a
     `## [VERSION]` section of CHANGELOG.md must agree, and every `rev:`/`@v` in README.md, docs/*.md and
     examples/github-workflow-dockerfix-pr.yml must name `vVERSION`;
  2. the working tree must be clean (the tag is of what is committed);
  3. an annotated tag `vVERSION` is made at HEAD (nothing is done when it is already there; an
     existing tag at another commit is an error: a published tag is never moved);
  4. with --push REMOTE, the tag is pushed there; else the command to push it is printed.

Exit status 0 when the tag is there (made or found), 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


def git(repo: Path, *args: str, check: bool = True) -> str:
    r = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if check and r.returncode:
        raise SystemExit(f"release: git {' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout.strip() if r.returncode == 0 else ""


def problems(repo: Path, version: str) -> list[str]:
    tag = f"v{version}"
    out = []
    init = (repo / "fixer" / "__init__.py").read_text()
    m = re.search(r'^__version__ = "([^"]+)"', init, re.M)
    if not m or m.group(1) != version:
        out.append(f"fixer/__init__.py says {m.group(1) if m else 'no version'}, pyproject.toml {version}")
    package = repo / "editors" / "vscode" / "package.json"
    if package.exists() and json.loads(package.read_text())["version"] != version:
        out.append(f"editors/vscode/package.json is not at {version}")
    if not re.search(rf"^## \[{re.escape(version)}\]", (repo / "CHANGELOG.md").read_text(), re.M):
        out.append(f"CHANGELOG.md has no `## [{version}]` section")
    pages = [repo / "README.md", *sorted((repo / "docs").glob("*.md"))]
    readme = "".join(p.read_text() for p in pages if p.exists())
    workflow = repo / "examples" / "github-workflow-dockerfix-pr.yml"
    named = set(re.findall(r"^\s*rev: (\S+)", readme, re.M))
    named |= set(re.findall(r"OWNER/dockerfix@([^\s\"']+)", readme + (workflow.read_text() if workflow.exists() else "")))
    if named != {tag}:
        out.append(f"the snippets name {', '.join(sorted(named)) or 'no tag'}, not {tag}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    ap.add_argument("--push", metavar="REMOTE")
    a = ap.parse_args(argv)
    repo = a.repo.resolve()
    version = tomllib.loads((repo / "pyproject.toml").read_text())["project"]["version"]
    tag = f"v{version}"
    found = problems(repo, version)
    if git(repo, "status", "--porcelain"):
        found.append("the working tree has uncommitted changes: commit them first")
    head = git(repo, "rev-parse", "HEAD")
    tagged = git(repo, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}", check=False)
    if tagged and tagged != head:
        found.append(f"{tag} already names {tagged[:12]}, not HEAD ({head[:12]}): a published tag is never moved")
    if found:
        for p in found:
            print(f"release: {p}", file=sys.stderr)
        return 1
    if not tagged:
        git(repo, "tag", "-a", tag, "-m", f"dockerfix {version}")
        print(f"release: tagged {head[:12]} as {tag}")
    else:
        print(f"release: {tag} is already HEAD ({head[:12]})")
    if a.push:
        git(repo, "push", a.push, f"refs/tags/{tag}")
        print(f"release: pushed {tag} to {a.push}")
    else:
        print(f"release: now push it: git push origin {tag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
