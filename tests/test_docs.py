"""What the README and the reference in docs/ show is what the shipped files do: the example diff
is the real output, the release tags in the snippets follow pyproject's version, and the VS Code
extension's own tests (tsc + node's test runner, no VS Code) pass where its npm dependencies are
installed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from paths import ROOT

from fixer import __version__

README = (ROOT / "README.md").read_text()
CI = (ROOT / "docs" / "ci.md").read_text()  # Bots and CI, Lint findings, Use in CI, pre-commit
EDITORS = (ROOT / "docs" / "editors.md").read_text()
VSCODE = ROOT / "editors" / "vscode"


def pyproject_version() -> str:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_readme_example_diff_is_the_real_output_of_the_shipped_example():
    shown = re.search(r"```diff\n(--- a/examples/Dockerfile\n.*?)```\n", README, re.S).group(1)
    done = subprocess.run([sys.executable, "-m", "fixer", "examples/Dockerfile"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and shown == done.stdout


def test_release_tags_in_the_snippets_follow_the_version():
    """The pre-commit `rev:` and the Action's `@vX` name the release tag of pyproject's version (the
    tag must exist on GitHub when that version is released); the extension has the same version."""
    version = pyproject_version()
    assert version == __version__
    tag = f"v{version}"
    revs = re.findall(r"^\s*rev: (\S+)", README + CI, re.M)
    uses = re.findall(r"OWNER/dockerfix@([^\s\"']+)", README + CI + (ROOT / "examples" / "github-workflow-dockerfix-pr.yml")
                      .read_text())
    assert revs and uses and set(revs) | set(uses) == {tag}
    assert re.search(rf"^## \[{re.escape(version)}\]", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert json.loads((VSCODE / "package.json").read_text())["version"] == version


def test_readme_code_action_on_save_is_the_server_s_kind():
    from fixer.lsp import FIX_ALL

    snippet = re.search(r'"editor\.codeActionsOnSave": (\{[^}]*\})', EDITORS).group(1)
    assert json.loads(snippet) == {FIX_ALL: "explicit"}
    contributes = json.loads((VSCODE / "package.json").read_text())["contributes"]["configuration"]["properties"]
    for setting in contributes:
        assert f"`{setting}`" in EDITORS


def test_readme_fleet_recipe_names_the_shipped_script():
    block = CI[CI.index("**Many repositories**"):CI.index("## Lint findings")]
    for path in re.findall(r"\$PWD/(examples/\S+\.sh)", block):
        assert (ROOT / path).is_file(), path
    assert "FLEET=$PWD/examples/fleet/dockerfix-fleet.sh" in block


@pytest.mark.skipif(not (shutil.which("npm") and (VSCODE / "node_modules" / ".bin" / "tsc").exists()),
                    reason="the VS Code extension's dependencies are not installed (cd editors/vscode && npm ci)")
def test_vscode_extension_compiles_and_its_unit_tests_pass():
    done = subprocess.run(["npm", "test", "--silent"], cwd=VSCODE, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^# fail 0$", done.stdout, re.M) and re.search(r"^# pass [1-9]", done.stdout, re.M)



NVIM = shutil.which("nvim")


@pytest.mark.skipif(NVIM is None, reason="Neovim is not installed (apt-get install neovim: Debian 12 has 0.7)")
def test_readme_neovim_snippet_without_plugins_attaches_dockerfix(tmp_path):
    """The plugin-free Neovim snippet in docs/editors.md (for 0.7 to 0.10), as the user's init.lua: opening a
    Dockerfile starts `dockerfix lsp`, whose diagnostic arrives."""
    import os

    snippet = re.search(r"```lua\n(-- init\.lua\n.*?)```", EDITORS, re.S).group(1)
    (tmp_path / "init.lua").write_text(snippet)
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN apt-get update && apt-get install -y curl\n"
                                         "CMD [\"curl\", \"http://x\"]\n")
    (tmp_path / "check.lua").write_text(
        'local ok = vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 100)\n'
        'local out = {}\n'
        'for _, d in ipairs(vim.diagnostic.get(0)) do table.insert(out, (d.source or "") .. ": " .. d.message) end\n'
        'io.stdout:write((ok and "OK " or "TIMEOUT ") .. table.concat(out, " | ") .. "\\n")\n'
        'vim.cmd("qa!")\n')
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_STATE_HOME": str(tmp_path / "state")}
    done = subprocess.run([NVIM, "--headless", "-u", "init.lua", "-c", "luafile check.lua", "Dockerfile"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=90)
    assert done.stdout.startswith("OK dockerfix: The final build stage runs as root"), done.stdout + done.stderr
