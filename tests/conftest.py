import os
import sys
from pathlib import Path

import pytest


sys.path.insert(0, str(Path(__file__).resolve().parent))
# base-image look-ups read the machine's engine, cache and registries: tests that want them say so
# (tests/test_facts.py); everything else sees the knowledge file only, as on any machine
os.environ["DOCKERFIX_LOOKUP"] = "off"
from paths import FIXTURES, ROOT  # noqa: E402,F401


@pytest.fixture(scope="session")
def cli():
    """Run the real command line in-process: cli(args, input=None) -> (exit, stdout, stderr)."""
    from typer.testing import CliRunner

    from fixer.cli import build_app, normalise_force

    app = build_app()
    runner = CliRunner()

    def run(args, input=None):
        # as main() does: a bare `--force` is `--force drops-privileges`
        res = runner.invoke(app, normalise_force([str(a) for a in args]), input=input, catch_exceptions=False)
        # decode the bytes ourselves: CliRunner.stdout normalises \r\n, which would hide CRLF bugs
        return res.exit_code, res.stdout_bytes.decode(), res.stderr_bytes.decode()

    return run
