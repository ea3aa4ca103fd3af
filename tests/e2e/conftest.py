"""Real-build tests: skipped (with the reason) where buildah or root is missing, except when
DOCKERFIX_REQUIRE_E2E=1 (as `.ci/run` sets it): then a missing prerequisite is a failure."""

from __future__ import annotations

import os

import pytest

import bases

REQUIRED = os.environ.get("DOCKERFIX_REQUIRE_E2E") == "1"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def e2e():
    why = bases.missing_prerequisites()
    if why:
        msg = (f"e2e: {why}; real-build tests need root, buildah and debootstrap "
               "(apt-get install -y buildah debootstrap); set DOCKERFIX_REQUIRE_E2E=1 to fail instead of skip")
        if REQUIRED:
            pytest.fail(msg)
        pytest.skip(msg)
    bases.ensure_bases()
    return bases
