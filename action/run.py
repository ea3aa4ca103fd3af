"""The GitHub Action's steps (action.yml). Inputs arrive in environment variables, never inside the
script text (no script injection); outputs go to $GITHUB_OUTPUT.

    run.py install   pip install dockerfix (DOCKERFIX_VERSION from PyPI, else this checkout) into
                     a virtualenv in $RUNNER_TEMP (system Pythons refuse pip, PEP 668);
                     DOCKERFIX_PREINSTALLED=1 uses the Python that runs this script instead
    run.py fix       dockerfix --write on DOCKERFIX_PATHS with DOCKERFIX_ARGS; outputs changed,
                     files (JSON list) and body (a Markdown file for a pull-request body)
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def install() -> int:
    if os.environ.get("DOCKERFIX_PREINSTALLED") == "1":
        print("dockerfix: using the installed dockerfix (DOCKERFIX_PREINSTALLED=1)")
        return 0
    version = os.environ.get("DOCKERFIX_VERSION", "").strip()
    spec = f"dockerfix=={version}" if version else HERE
    code = subprocess.call([sys.executable, "-m", "venv", _venv()])
    return code or subprocess.call([_python(), "-m", "pip", "install", "--quiet", spec])


def fix() -> int:
    paths = os.environ.get("DOCKERFIX_PATHS", ".").split() or ["."]
    args = shlex.split(os.environ.get("DOCKERFIX_ARGS", ""))
    fail_on_error = os.environ.get("DOCKERFIX_FAIL_ON_ERROR", "true").strip().lower() != "false"
    base = [_python(), "-m", "fixer"]
    report = subprocess.run([*base, *args, "--format", "json", "--", *paths], capture_output=True, text=True)
    if report.returncode not in (0, 2) or not report.stdout.strip():
        sys.stderr.write(report.stderr)
        return report.returncode or 2
    files = [r["path"] for r in json.loads(report.stdout) if r["changed"]]
    body = os.path.join(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir(), "dockerfix-pr-body.md")
    with open(body, "w", encoding="utf-8") as f:
        done = subprocess.run([*base, *args, "--write", "--format", "markdown", "--", *paths], stdout=f,
                              stderr=subprocess.PIPE, text=True)
    sys.stderr.write(done.stderr)
    _output("changed", "true" if files else "false")
    _output("files", json.dumps(files))
    _output("body", body)
    if done.returncode == 2 and fail_on_error:
        print("::error::dockerfix could not process some files (see above); set fail-on-error: false to go on")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit({"install": install, "fix": fix}[sys.argv[1]]())
