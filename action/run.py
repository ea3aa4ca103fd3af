"""The GitHub Action's steps (action.yml). Inputs arrive in environment variables, never inside the
script text (no script injection); outputs go to $GITHUB_OUTPUT.

    run.py install   pip install dockerfix (DOCKERFIX_VERSION from PyPI, else this checkout) into
                     a virtualenv in $RUNNER_TEMP (system Pythons refuse pip, PEP 668);
                     DOCKERFIX_PREINSTALLED=1 uses the Python that runs this script instead
    run.py fix       dockerfix --write on DOCKERFIX_PATHS with DOCKERFIX_ARGS (and --verify, when
                     DOCKERFIX_VERIFY is "true", or "auto" and an engine answers); outputs changed,
                     files (JSON list of the files written) and body (a Markdown file for a
                     pull-request body), both from that one run's report; fingerprint (of the
                     change: each written file's path and inserted text); declined ("true" when
                     DOCKERFIX_PR_BRANCH is set and a closed, unmerged pull request from that branch
                     carries the same fingerprint: the maintainer said no, so no new one is opened)
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the pull-request body, made by the installed dockerfix from the --write run's JSON report
MARKDOWN = "import json, sys; from fixer.report import markdown; sys.stdout.write(markdown(json.load(sys.stdin), write=True))"


def _output(name: str, value: str) -> None:
    path = os.environ.get("GITHUB_OUTPUT")
    line = f"{name}={value}\n"
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line)
    else:
        sys.stdout.write(line)


def _venv() -> str:
    return os.path.join(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir(), "dockerfix-venv")


def _python() -> str:
    if os.environ.get("DOCKERFIX_PREINSTALLED") == "1":
        return sys.executable
    return os.path.join(_venv(), "Scripts" if os.name == "nt" else "bin", "python")


MARK = "<!-- dockerfix-fingerprint: {} -->"


def fingerprint(reports: list[dict]) -> str:
    """The change, whatever the lines around it: each written file's path and the text inserted."""
    change = sorted((os.path.normpath(r["path"]), r["edit"]["text"]) for r in reports if r["changed"])
    return hashlib.sha256(json.dumps(change).encode()).hexdigest()[:16]


def declined(branch: str, mark: str) -> str | None:
    """The URL of a closed, unmerged pull request from `branch` whose body has `mark` (gh's
    `--state closed` includes merged ones); raises CalledProcessError when gh fails."""
    done = subprocess.run(["gh", "pr", "list", "--state", "closed", "--head", branch, "--limit", "100",
                           "--json", "number,url,body,mergedAt"], capture_output=True, text=True, check=True)
    return next((pr["url"] for pr in json.loads(done.stdout) if not pr["mergedAt"] and mark in pr["body"]), None)


def install() -> int:
    if os.environ.get("DOCKERFIX_PREINSTALLED") == "1":
        print("dockerfix: using the installed dockerfix (DOCKERFIX_PREINSTALLED=1)")
        return 0
    version = os.environ.get("DOCKERFIX_VERSION", "").strip()
    spec = f"dockerfix=={version}" if version else HERE
    code = subprocess.call([sys.executable, "-m", "venv", _venv()])
    return code or subprocess.call([_python(), "-m", "pip", "install", "--quiet", spec])


ENGINE = "from fixer.verify import choose_engine, VerifyError\ntry: print(choose_engine(None))\nexcept VerifyError as e: print(e.message)"


def verify_mode(args: list[str]) -> tuple[bool, str]:
    """(run --verify, why not): DOCKERFIX_VERIFY "true", "false" or "auto" (an engine answers)."""
    mode = os.environ.get("DOCKERFIX_VERIFY", "auto").strip().lower() or "auto"
    if "--verify" in args or mode == "true":
        return True, ""
    if mode == "false":
        return False, "the action ran with `verify: false`"
    found = subprocess.run([_python(), "-c", ENGINE], capture_output=True, text=True).stdout.strip()
    if found in ("docker", "podman", "buildah"):
        return True, ""
    return False, f"no container engine on this runner ({found or 'none found'})"


def fix() -> int:
    paths = os.environ.get("DOCKERFIX_PATHS", ".").split() or ["."]
    args = shlex.split(os.environ.get("DOCKERFIX_ARGS", ""))
    fail_on_error = os.environ.get("DOCKERFIX_FAIL_ON_ERROR", "true").strip().lower() != "false"
    verify, why_not = verify_mode(args)
    if verify and "--verify" not in args:
        args.append("--verify")
    # one run writes and reports: `files` and the body describe exactly what this run wrote
    done = subprocess.run([_python(), "-m", "fixer", *args, "--write", "--format", "json", "--", *paths],
                          capture_output=True, text=True)
    sys.stderr.write(done.stderr)
    if verify and done.returncode == 1:  # refuted fixes were left alone: the body lists them
        done.returncode = 0
    if done.returncode not in (0, 2) or not done.stdout.strip():
        return done.returncode or 2
    reports = json.loads(done.stdout)
    for r in reports:
        r["changed"] = bool(r["changed"] and not r["error"])  # a file whose write failed was not changed
    files = [r["path"] for r in reports if r["changed"]]
    body = os.path.join(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir(), "dockerfix-pr-body.md")
    with open(body, "w", encoding="utf-8") as f:
        made = subprocess.run([_python(), "-c", MARKDOWN], input=json.dumps(reports), stdout=f, text=True)
    if made.returncode:
        return made.returncode
    fp = fingerprint(reports) if files else ""
    mark = MARK.format(fp)
    branch = os.environ.get("DOCKERFIX_PR_BRANCH", "").strip()
    no = None
    if files:
        if branch:
            try:
                no = declined(branch, mark)
            except (OSError, subprocess.CalledProcessError) as e:
                print(f"::error::cannot list the closed pull requests from {branch} with gh: "
                      f"{getattr(e, 'stderr', None) or e}")
                return 2
            if no:
                print(f"::notice::not proposing this change again: {no} proposed it and was closed "
                      "without merging (reopen it, or change pr-branch, to have it again)")
        with open(body, "a", encoding="utf-8") as f:
            if not verify:
                f.write(f"\n**Not proven.** dockerfix did not build or run the images: {why_not}. Build the "
                        "fixed image and run it (its writes included) before merging, or run the action where "
                        "docker answers (`verify: auto`).\n")
            if branch:
                f.write("\nClosing this pull request without merging it tells dockerfix not to propose this "
                        "change again; reopen it to have it back.\n")
            f.write(f"\n{mark}\n")
    _output("changed", "true" if files else "false")
    _output("files", json.dumps(files))
    _output("body", body)
    _output("fingerprint", fp)
    _output("declined", "true" if no else "false")
    if done.returncode == 2 and fail_on_error:
        print("::error::dockerfix could not process some files (see above); set fail-on-error: false to go on")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit({"install": install, "fix": fix}[sys.argv[1]]())
