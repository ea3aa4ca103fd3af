"""suppressed: linter configuration found in the repository root (not only beside the Dockerfile)."""

from __future__ import annotations

from fixer.pipeline import fix

from fixer.plan import Options
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


def test_folders_are_read_once(tmp_path, monkeypatch):
    """A run reads each folder's linter configuration once, through its repository cache."""
    from fixer.repository import Cache

    repo = repo_with(tmp_path, ".hadolint.yaml", "ignored:\n  - DL3008\n")
    read = []
    real = suppressed.in_folder
    monkeypatch.setattr(suppressed, "in_folder", lambda folder: read.append(folder) or real(folder))
    cache = Cache()
    for i in range(3):
        f = repo / f"svc{i}/Dockerfile"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(DATA)
        assert fix(DATA, Options(), str(f.parent), str(f), repositories=cache).changed
    assert sorted(read) == sorted({str(repo), *(str(repo / f"svc{i}") for i in range(3))})  # the root once


def test_a_long_running_cache_sees_a_configuration_added_since(tmp_path):
    """The language server keeps one cache: clearing it (a watched file changed) or its expiry
    makes a linter configuration written after the first reading count."""
    from fixer.repository import Cache

    (tmp_path / ".git").mkdir()
    f = tmp_path / "Dockerfile"
    f.write_bytes(DATA)
    cache = Cache(cheap=True, ttl=30.0)
    assert fix(DATA, Options(), str(tmp_path), str(f), repositories=cache).changed
    (tmp_path / ".hadolint.yaml").write_text("ignored:\n  - DL3002\n")
    assert fix(DATA, Options(), str(tmp_path), str(f), repositories=cache).changed  # within the 30 s
    cache.clear()
    r = fix(DATA, Options(), str(tmp_path), str(f), repositories=cache)
    assert r.rule == "suppressed" and not r.changed


def test_the_quick_test_lets_through_every_line_a_pattern_matches():
    """suppressed checks a line with its patterns only when it has `#` and a linter's name (or is
    not ASCII): never skipping a line one of them matches, whatever its case or letters."""
    lines = ["# hadolint ignore=DL3002", "#HADOLINT global ignore=DL3002", "  # Hadolint ignore = DL3002,DL3008",
             "# trivy:ignore:DS002", "RUN x # TRIVY:IGNORE:AVD-DS-0002", "#checkov:skip=CKV_DOCKER_3",
             "# nosemgrep: dockerfile.security.missing-user", "# NOSEMGREP : last-user-is-root",
             "# hadolınt global ignore=DL3002", "# noſemgrep: missing-user", "# trivy:ignore:DS002 ✓",
             "# checKov:skip=CKV_DOCKER_8", "# a comment", "RUN echo hadolint", "", "#", "# ſ"]
    patterns = (suppressed.HADOLINT_RE, suppressed.TRIVY_RE, suppressed.CHECKOV_RE, suppressed.SEMGREP_RE)
    matched = [line for line in lines if any(p.search(line) for p in patterns)]
    assert len(matched) == 12  # the Unicode spellings too: re.IGNORECASE folds ı to i and ſ to s
    assert all(suppressed._may_name_a_linter(line) for line in matched)
    assert not any(suppressed._may_name_a_linter(line) for line in ("# a comment", "RUN echo hadolint", ""))
