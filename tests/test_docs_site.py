"""The reference in docs/: MkDocs builds it in strict mode without a warning (broken links and
anchors, pages missing from the nav are warnings there), the rules page is what
scripts/rules_page.py writes from the rule modules (a new or changed rule shows up as a stale
page), and every rule module says what it captures."""

from __future__ import annotations

import importlib
import inspect
import shutil
import subprocess
import sys

from paths import ROOT

from fixer import rules

SCRIPT = ROOT / "scripts" / "rules_page.py"


def mkdocs_build(root, site) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                           str(root / "mkdocs.yml"), "--site-dir", str(site)], cwd=root, capture_output=True,
                          text=True, timeout=300)


def test_the_docs_build_in_strict_mode_without_a_warning(tmp_path):
    done = mkdocs_build(ROOT, tmp_path / "site")
    assert done.returncode == 0 and "WARNING" not in done.stderr, done.stderr
    assert (tmp_path / "site" / "rules" / "index.html").is_file()


def test_a_broken_link_or_anchor_fails_the_build(tmp_path):
    for i, broken in enumerate(("[gone](no-such-page.md)", "[gone](rules.md#no-such-rule)")):
        copy = tmp_path / f"copy{i}"
        shutil.copytree(ROOT / "docs", copy / "docs")
        shutil.copy(ROOT / "mkdocs.yml", copy)
        with open(copy / "docs" / "index.md", "a") as f:
            f.write(f"\nSee {broken}.\n")
        done = mkdocs_build(copy, copy / "site")
        assert done.returncode != 0 and "no-such-" in done.stderr, done.stderr


def test_the_rules_page_is_generated_from_the_rule_modules():
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_check_fails_on_a_stale_page(tmp_path, monkeypatch):
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        page = importlib.import_module("rules_page")
    finally:
        sys.path.remove(str(SCRIPT.parent))
    stale = tmp_path / "rules.md"
    stale.write_text(page.render().replace("## base-user-unknown\n", ""))
    monkeypatch.setattr(page, "PAGE", stale)
    monkeypatch.setattr(page, "ROOT", tmp_path)
    assert page.main(["--check"]) == 1
    assert page.main([]) == 0 and page.main(["--check"]) == 0


def test_every_rule_has_a_section_with_its_docstring_example_and_override():
    text = (ROOT / "docs" / "rules.md").read_text()
    for spec, rule in zip(rules.ORDER, rules.in_order()):
        doc = inspect.getdoc(importlib.import_module(f"fixer.rules.{spec}"))
        # the concept, not just the one-line summary: a paragraph beyond the first line
        assert doc and doc.startswith(f"{rule.name}: ") and len(doc.split("\n\n")) >= 2, spec
        assert f"\n## {rule.name}\n" in text
        assert rule.example.rstrip() in text
        assert (f"--force {rule.name} PATH" in text) == rule.overridable
