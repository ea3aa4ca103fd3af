"""The pipeline's layers (issue 20): `lint-imports` checks pyproject.toml's `[tool.importlinter]`
contracts (each layer imports only those below it, lazy imports included; only the rule registry and
decide import a rule), and an upward import added to a copy of the package breaks them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lint_imports(cwd: str, pythonpath: str) -> subprocess.CompletedProcess:
    exe = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    run_module = "from importlinter.cli import lint_imports_command as c; c()"
    cmd = [exe] if os.path.exists(exe) else [sys.executable, "-c", run_module]
    env = {**os.environ, "PYTHONPATH": pythonpath}
    return subprocess.run([*cmd, "--no-cache", "--no-logo"], cwd=cwd, env=env, capture_output=True, text=True)


def test_the_contracts_hold():
    out = lint_imports(ROOT, ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 kept, 0 broken" in out.stdout, out.stdout


def test_an_upward_import_breaks_them(tmp_path):
    """The cycle issue 20 removed (image facts importing a rule, inside a function) and a rule's
    helper imported by another step are each caught."""
    shutil.copytree(os.path.join(ROOT, "fixer"), tmp_path / "fixer", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(os.path.join(ROOT, "pyproject.toml"), tmp_path / "pyproject.toml")
    facts = tmp_path / "fixer" / "facts.py"
    facts.write_text(facts.read_text() + "\n\ndef _upward():\n"
                     "    from .rules.program.drops_privileges import drop_tool\n    return drop_tool\n")
    out = lint_imports(str(tmp_path), str(tmp_path))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "0 kept, 2 broken" in out.stdout, out.stdout
    assert "fixer.facts -> fixer.rules.program.drops_privileges" in out.stdout, out.stdout
