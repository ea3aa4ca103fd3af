"""A bounded fuzz run of `fixer.pipeline.fix` (fuzz/fuzz_fix.py), seeded with the fixtures' inputs.

Coverage-guided with atheris where it is installed (the test extras install it on Linux x86-64,
CPython 3.11-3.13); elsewhere the script's plain random mutator runs the same checks. The length
of the run is DOCKERFIX_FUZZ_SECONDS (default 30; .ci/run uses 120). A failing input is kept in
the test's temporary folder and shown in the failure message, base64-encoded.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paths import FIXTURES, ROOT

SCRIPT = ROOT / "fuzz" / "fuzz_fix.py"


REGRESSIONS = ROOT / "fuzz" / "regressions"


def _harness():
    spec = importlib.util.spec_from_file_location("fuzz_fix", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod._load(instrument=False)
    return mod


@pytest.mark.parametrize("name", sorted(p.name for p in REGRESSIONS.iterdir()))
def test_fuzz_regressions(name: str):
    """Every input the fuzzer ever failed on (fuzz/regressions/) passes the harness's checks."""
    _harness().check((REGRESSIONS / name).read_bytes())


def test_fuzz_fix_bounded(tmp_path: Path):
    seconds = int(os.environ.get("DOCKERFIX_FUZZ_SECONDS", "30"))
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for case in sorted(FIXTURES.iterdir()):
        if (case / "Dockerfile").is_file():
            shutil.copy(case / "Dockerfile", seeds / case.name)
    for f in REGRESSIONS.iterdir():
        shutil.copy(f, seeds / ("regression-" + f.name))
    work = tmp_path / "corpus"
    work.mkdir()
    if importlib.util.find_spec("atheris"):
        # -timeout: one input taking over 10 s is a bug too (the tool runs on every save)
        args = [f"-max_total_time={seconds}", "-timeout=10", "-max_len=16384", "-rss_limit_mb=4096",
                f"-dict={ROOT / 'fuzz' / 'dockerfile.dict'}", f"-artifact_prefix={tmp_path}/", str(work), str(seeds)]
    else:
        args = ["--plain", f"-max_total_time={seconds}", str(seeds)]
    proc = subprocess.run([sys.executable, str(SCRIPT), *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=seconds + 300)
    crashes = sorted(tmp_path.glob("crash-*")) + sorted(tmp_path.glob("timeout-*"))
    shown = "\n".join(f"{c.name}: {base64.b64encode(c.read_bytes()).decode()}" for c in crashes)
    assert proc.returncode == 0 and not crashes, (
        f"fuzzing found a failing input (exit {proc.returncode}):\n{shown}\n{proc.stderr[-4000:]}"
    )
    assert "Done " in proc.stderr or "DONE plain" in proc.stderr, proc.stderr[-2000:]
