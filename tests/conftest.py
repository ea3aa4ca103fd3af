import sys
from pathlib import Path

import pytest


sys.path.insert(0, str(Path(__file__).resolve().parent))
from paths import FIXTURES, ROOT  # noqa: E402,F401


@pytest.fixture(scope="session")
def cli():
    """Run the real command line in-process: cli(args, input=None) -> (exit, stdout, stderr)."""
    from typer.testing import CliRunner

    from fixer.cli import build_app

    app = build_app()
    runner = CliRunner()

    def run(args, input=None):
        res = runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)
        # decode the bytes ourselves: CliRunner.stdout normalises \r\n, which would hide CRLF bugs
        return res.exit_code, res.stdout_bytes.decode(), res.stderr_bytes.decode()

    return run
