"""The GitHub Action (action.yml): its structure, and its steps run the way the runner runs them
(step `env:` with the `${{ }}` expressions filled in, GITHUB_OUTPUT, GITHUB_ACTION_PATH)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from paths import ROOT

from test_cli import NONROOT_DOCKERFILE, ROOT_DOCKERFILE, write

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def test_action_structure():
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"paths", "args", "version", "verify", "fail-on-error", "pr-branch", "github-token"}
    step_ids = {s.get("id") for s in ACTION["runs"]["steps"]}
    for name, out in ACTION["outputs"].items():
        m = EXPR.fullmatch(out["value"])
        assert m and m.group(1) == f"steps.fix.outputs.{name}" and "fix" in step_ids
    for step in ACTION["runs"]["steps"]:
        # inputs reach scripts through env only: an input inside run: would be script injection
        assert "${{" not in step["run"], step["name"]
        for value in step.get("env", {}).values():
            assert EXPR.fullmatch(value).group(1).startswith("inputs.")


def run_action(repo: Path, inputs: dict, tmp: Path, path: str | None = None) -> tuple[list[int], dict]:
    """Run the composite action's steps like the runner: returns exit codes and outputs."""
    defaults = {k: v.get("default", "") for k, v in ACTION["inputs"].items()}
    # verify: false unless a test says otherwise: the host's container engines are never used here
    values = {**defaults, "verify": "false", **inputs}
    out_file = tmp / "github_output"
    out_file.write_text("")
    codes = []
    for step in ACTION["runs"]["steps"]:
        env = {**os.environ, "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_OUTPUT": str(out_file),
               "RUNNER_TEMP": str(tmp), "DOCKERFIX_PREINSTALLED": "1",
               # python3 in run: is the Python that runs the tests (dockerfix is installed there)
               "PATH": path or f"{tmp / 'bin'}{os.pathsep}{os.environ['PATH']}"}
        for k, v in step.get("env", {}).items():
            env[k] = EXPR.sub(lambda m: values[m.group(1).split(".", 1)[1]], v)
        codes.append(subprocess.run(["bash", "-c", step["run"]], cwd=repo, env=env, timeout=300).returncode)
        if codes[-1]:
            break
    outputs = dict(line.split("=", 1) for line in out_file.read_text().splitlines())
    return codes, outputs


def _python3_shim(tmp: Path) -> None:
    (tmp / "bin").mkdir(exist_ok=True)
    shim = tmp / "bin" / "python3"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    shim.chmod(0o755)


def test_action_fixes_and_reports(tmp_path):
    _python3_shim(tmp_path)
    repo = tmp_path / "repo"
    write(repo / "Dockerfile", ROOT_DOCKERFILE)
    write(repo / "svc" / "api.Dockerfile", ROOT_DOCKERFILE)
    write(repo / "ok" / "Dockerfile", NONROOT_DOCKERFILE)
    codes, out = run_action(repo, {"args": "--numeric-user --uid 1500"}, tmp_path)
    assert codes == [0, 0]
    assert out["changed"] == "true"
    assert sorted(json.loads(out["files"])) == ["./Dockerfile", "./svc/api.Dockerfile"]
    assert "USER 1500:1500" in (repo / "Dockerfile").read_text()
    body = Path(out["body"]).read_text()
    assert body.startswith("## Run containers as a non-root user") and "This pull request changes 2" in body
    codes, out = run_action(repo, {}, tmp_path)
    assert codes == [0, 0] and out["changed"] == "false" and json.loads(out["files"]) == []


def test_action_fail_on_error(tmp_path):
    _python3_shim(tmp_path)
    repo = tmp_path / "repo"
    write(repo / "Dockerfile", ROOT_DOCKERFILE)
    write(repo / "templates" / "Dockerfile", "{% if x %}\nFROM debian\n{% endif %}\n")
    codes, out = run_action(repo, {}, tmp_path)
    assert codes == [0, 2] and out["changed"] == "true"  # the good file is still fixed
    write(repo / "Dockerfile", ROOT_DOCKERFILE)
    codes, out = run_action(repo, {"fail-on-error": "false"}, tmp_path)
    assert codes == [0, 0] and out["changed"] == "true"


def test_example_workflow_uses_the_action_s_real_inputs_and_outputs():
    wf = yaml.safe_load((ROOT / "examples" / "github-workflow-dockerfix-pr.yml").read_text())
    steps = wf["jobs"]["dockerfix"]["steps"]
    ours = next(s for s in steps if s.get("id") == "dockerfix")
    assert set(ours["with"]) <= set(ACTION["inputs"])
    used = set(re.findall(r"steps\.dockerfix\.outputs\.([\w-]+)", yaml.safe_dump(wf)))
    assert used and used <= set(ACTION["outputs"])


def test_action_counts_only_the_files_it_wrote(tmp_path):
    """`files` and the pull-request body name exactly the files written: not one whose write was
    refused (read-only), nor one that failed, was left alone, or was a second name of a written file."""
    _python3_shim(tmp_path)
    repo = tmp_path / "repo"
    write(repo / "Dockerfile", ROOT_DOCKERFILE)
    (repo / "Dockerfile.prod").symlink_to("Dockerfile")
    ro = write(repo / "ro" / "Dockerfile", ROOT_DOCKERFILE)
    ro.chmod(0o444)
    write(repo / "templates" / "Dockerfile", "{% if x %}\nFROM debian\n{% endif %}\n")
    write(repo / "ok" / "Dockerfile", NONROOT_DOCKERFILE)
    codes, out = run_action(repo, {"fail-on-error": "false"}, tmp_path)
    assert codes == [0, 0]
    assert out["changed"] == "true" and json.loads(out["files"]) == ["./Dockerfile"]
    assert ro.read_text() == ROOT_DOCKERFILE
    body = Path(out["body"]).read_text()
    assert "This pull request changes 1 Dockerfile so" in body
    assert body.count("```diff\n") == 1 and "<summary><code>Dockerfile</code>:" in body
    assert "| `Dockerfile` | `appuser` (10001:10001) |" in body
    assert "./ro/Dockerfile: file is read-only; not written" in body and "./templates/Dockerfile:1:" in body
    codes, out = run_action(repo, {"fail-on-error": "false", "paths": "ro templates"}, tmp_path)
    assert codes == [0, 0] and out["changed"] == "false" and json.loads(out["files"]) == []
    assert "nothing to change" in Path(out["body"]).read_text()


def _fake_gh(tmp: Path, prs: list[dict] | None) -> Path:
    """A stand-in for GitHub's `gh` on PATH: GitHub is unreachable from the machines these tests run
    on, so the closed pull requests come from this script (`prs`; None: gh fails as without a
    token). It logs its arguments and token to the returned file."""
    (tmp / "bin").mkdir(exist_ok=True)
    log = tmp / "gh.log"
    (tmp / "prs.json").write_text(json.dumps(prs))
    gh = tmp / "bin" / "gh"
    gh.write_text(f"""#!{sys.executable}
import json, os, sys
with open({str(log)!r}, "a") as f:
    f.write(json.dumps([sys.argv[1:], os.environ.get("GH_TOKEN")]) + "\\n")
prs = json.load(open({str(tmp / 'prs.json')!r}))
if prs is None:
    sys.exit("gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable.")
print(json.dumps(prs))
""")
    gh.chmod(0o755)
    return log


def test_action_does_not_propose_a_declined_change_again(tmp_path):
    """With `pr-branch`, a closed, unmerged pull request from that branch whose body carries the
    same fingerprint makes `declined` "true" (the workflow then opens none); a merged one, another
    change, or a reopened (so no longer closed) one do not. The fingerprint ignores the lines around
    the change. (gh is a fake: see _fake_gh.)"""
    _python3_shim(tmp_path)
    repo = tmp_path / "repo"
    inputs = {"pr-branch": "dockerfix/non-root-user", "github-token": "t0ken"}

    def run(prs, text=ROOT_DOCKERFILE, **more):
        write(repo / "Dockerfile", text)
        log = _fake_gh(tmp_path, prs)
        codes, out = run_action(repo, {**inputs, **more}, tmp_path)
        return codes, out, Path(out["body"]).read_text() if "body" in out else "", log

    codes, out, body, log = run([])
    assert codes == [0, 0] and out["changed"] == "true" and out["declined"] == "false"
    mark = f"<!-- dockerfix-fingerprint: {out['fingerprint']} -->"
    assert len(out["fingerprint"]) == 16 and body.rstrip().endswith(mark)
    assert "Closing this pull request without merging it tells dockerfix not to propose this change again" in body
    argv, token = json.loads(log.read_text().splitlines()[-1])
    assert argv == ["pr", "list", "--state", "closed", "--head", "dockerfix/non-root-user", "--limit", "100",
                    "--json", "number,url,body,mergedAt"] and token == "t0ken"

    closed = {"number": 7, "url": "https://github.com/o/r/pull/7", "body": body, "mergedAt": None}
    codes, out, _, _ = run([closed])
    assert codes == [0, 0] and out["changed"] == "true" and out["declined"] == "true"
    # the same insertion with other lines around it is the same change
    codes, out, _, _ = run([closed], "# a new comment\n" + ROOT_DOCKERFILE)
    assert out["declined"] == "true" and mark.endswith(f"{out['fingerprint']} -->")
    # merged, or another change (other options): proposed
    codes, out, _, _ = run([{**closed, "mergedAt": "2026-01-01T00:00:00Z"}])
    assert out["declined"] == "false"
    codes, out, _, _ = run([closed], args="--uid 1500")
    assert out["declined"] == "false" and out["fingerprint"] not in mark
    # gh cannot list: the step fails rather than propose a change that may have been declined
    codes, out, _, _ = run(None)
    assert codes == [0, 2] and "declined" not in out


def test_action_without_pr_branch_does_not_call_gh(tmp_path):
    _python3_shim(tmp_path)
    repo = tmp_path / "repo"
    write(repo / "Dockerfile", ROOT_DOCKERFILE)
    log = _fake_gh(tmp_path, None)
    codes, out = run_action(repo, {}, tmp_path)
    assert codes == [0, 0] and out["declined"] == "false" and not log.exists()
    assert "Closing this pull request" not in Path(out["body"]).read_text()


def test_example_workflow_opens_no_pull_request_for_a_declined_change():
    wf = yaml.safe_load((ROOT / "examples" / "github-workflow-dockerfix-pr.yml").read_text())
    steps = wf["jobs"]["dockerfix"]["steps"]
    ours = next(s for s in steps if s.get("id") == "dockerfix")
    create = next(s for s in steps if s.get("uses", "").startswith("peter-evans/create-pull-request@"))
    assert ours["with"]["pr-branch"] == create["with"]["branch"]
    assert "steps.dockerfix.outputs.declined != 'true'" in create["if"]
    assert "steps.dockerfix.outputs.changed == 'true'" in create["if"]


def test_action_says_nothing_was_proven_without_an_engine(tmp_path):
    """verify: auto (the default) on a runner with no container engine on PATH: the fix is
    written without --verify and the body says that nothing was proven, and why."""
    _python3_shim(tmp_path)
    bash = shutil.which("bash")
    (tmp_path / "bin" / "bash").symlink_to(bash)
    repo = tmp_path / "repo"
    write(repo / "Dockerfile", ROOT_DOCKERFILE)
    codes, out = run_action(repo, {"verify": "auto"}, tmp_path, path=str(tmp_path / "bin"))
    assert codes == [0, 0] and out["changed"] == "true"
    body = Path(out["body"]).read_text()
    assert ("**Not proven.** dockerfix did not build or run the images: no container engine on this runner "
            "(--verify needs docker (with its daemon running), podman or buildah on PATH; none found)") in body
