"""Real-build tests: skipped (with the reason) where buildah, root or a Debian mirror is missing,
except when DOCKERFIX_REQUIRE_E2E=1 (as `.ci/run` sets it): then a missing prerequisite is a failure.
They touch only the cache folder `bases.CACHE` and temporary folders (see bases.py)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

import bases

REQUIRED = os.environ.get("DOCKERFIX_REQUIRE_E2E") == "1"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def terminal_log(config):
    """bases.log for a pytest session: each line shown at once, even while output is captured
    (making the bases takes minutes: without it pytest looks hung)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    lock = threading.Lock()  # the bases are made in two threads

    def log(msg: str) -> None:
        with lock, capture.global_and_fixture_disabled():
            if reporter is None:
                print(f"[e2e] {msg}", file=sys.stderr, flush=True)
            else:
                reporter.write_line(f"[e2e] {msg}")

    return log


@pytest.fixture(scope="session")
def e2e(pytestconfig):
    why = bases.missing_prerequisites()
    if why:
        msg = (f"e2e: {why}; the real-build tests need root, buildah, debootstrap (apt-get install -y buildah "
               "debootstrap) and a Debian mirror; set DOCKERFIX_REQUIRE_E2E=1 to fail instead of skip")
        if REQUIRED:
            pytest.fail(msg)
        pytest.skip(msg)
    bases.log = terminal_log(pytestconfig)
    bases.configure()
    try:
        bases.ensure_bases()
        yield bases
    finally:
        bases.cleanup()
