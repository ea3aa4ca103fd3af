"""dockerfix against the expert-labelled set (see tests/expert.py): each labelled file gives the
expert's outcome, and a fix switches to the user the expert expects where the label names one.
Files where dockerfix still disagrees are listed with the reason in
tests/data/expert-labels-known-misses.tsv and fail strictly as expected (fixing one is news)."""

from __future__ import annotations

import pytest

import expert

ROWS = expert.labels() if expert.LABELS.exists() else []
MISSES = expert.known_misses()


@pytest.fixture(scope="module")
def paths():
    if not (expert.CORPUS / "MANIFEST.tsv").exists():
        pytest.skip("../shared/corpus/dev is not next to the repository")
    return expert.manifest()


def test_labels_are_well_formed():
    assert len(ROWS) >= 150
    assert len({r.file for r in ROWS}) == len(ROWS)
    for r in ROWS:
        assert r.outcome in ("fix", "leave"), r
        assert (r.rule == "-") == (r.outcome == "fix"), r
        assert r.kind in ("app", "infra"), r
        assert r.evidence.strip(), r
    assert set(MISSES) <= {r.file for r in ROWS}


@pytest.mark.parametrize("label", ROWS, ids=[r.file for r in ROWS])
def test_expert_outcome(label, paths, tmp_path, request):
    if label.file in MISSES:
        request.applymarker(pytest.mark.xfail(reason=MISSES[label.file], strict=True))
    report = expert.run(label, paths, tmp_path)  # an error (a Jinja template, say) leaves the file too
    assert expert.outcome(report) == label.outcome, (
        f"expert: {label.outcome} {label.rule} ({label.evidence}); dockerfix: rule {report['rule']}, "
        f"{report['skipped'] or report['user_after'] or report['error']}")
    if label.outcome == "fix" and label.user != "-":
        assert report["user_after"] == label.user or report["user_after"].split(":")[0] == label.user, report
