"""suppressed: linter configuration found in the repository root (not only beside the Dockerfile)."""

from __future__ import annotations

from fixer.plan import Options, fix
from fixer.rules.owner import suppressed

DATA = b"FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nCMD [\"/usr/local/bin/worker\"]\n"


def run(repo, rel="services/worker/Dockerfile"):
    f = repo / rel
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_bytes(DATA)
    return fix(DATA, Options(), str(f.parent), str(f))


def repo_with(tmp_path, name, text):
    (tmp_path / ".git").mkdir()
    (tmp_path / name).write_text(text)
    return tmp_path


def test_trivyignore_yaml_in_repository_root(tmp_path):
    repo = repo_with(tmp_path, ".trivyignore.yaml", "misconfigurations:\n  - id: AVD-DS-0002\n    statement: root on purpose\n")
    r = run(repo)
    assert r.rule == "suppressed" and ".trivyignore.yaml ignores AVD-DS-0002" in r.skipped


def test_hadolint_yml_flow_list_in_repository_root(tmp_path):
    repo = repo_with(tmp_path, ".hadolint.yml", "ignored: [DL3008, DL3002]\n")
    r = run(repo)
    assert r.rule == "suppressed" and ".hadolint.yml ignores DL3002" in r.skipped


def test_checkov_yml_skipping_other_checks_fixes(tmp_path):
    repo = repo_with(tmp_path, ".checkov.yml", "skip-check:\n  - CKV_DOCKER_2\n")
    r = run(repo)
    assert r.rule is None and r.changed


def test_config_outside_the_repository_is_not_read(tmp_path):
    (tmp_path / ".hadolint.yaml").write_text("ignored:\n  - DL3002\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    r = run(repo)
    assert r.rule is None and r.changed


def test_bare_nosemgrep_names_no_rule():
    data = DATA.replace(b"CMD", b"# nosemgrep\nCMD")
    r = fix(data, Options())
    assert r.rule is None and r.changed


def test_folders_are_read_once(tmp_path):
    repo = repo_with(tmp_path, ".hadolint.yaml", "ignored:\n  - DL3008\n")
    suppressed.in_folder.cache_clear()
    for i in range(3):
        run(repo, f"svc{i}/Dockerfile")
    info = suppressed.in_folder.cache_info()
    assert info.misses == 4 and info.hits == 2  # three Dockerfile folders, the root read once
