"""Where the real-build tests take Debian from: the host's apt sources, or DOCKERFIX_E2E_MIRROR
(no root, buildah or network needed: file:// mirrors)."""

from __future__ import annotations

import pytest

import bases


def test_mirror_candidates_follow_the_hosts_apt_sources(tmp_path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text(
        "# deb http://commented.example/debian bookworm main\n"
        "deb-src http://source-only.example/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://one-line.example/debian/ bookworm main\n"
        "deb http://security.example/debian-security bookworm-security main\n"
    )
    (tmp_path / "sources.list.d/a.sources").write_text(
        "Types: deb\n"
        "# a comment inside a stanza\n"
        "URIs: http://disabled.example/debian\n"
        "Suites: bookworm\n"
        "Enabled: no\n"
        "\n"
        "Types: deb deb-src\n"
        "URIs: http://deb822.example/debian\n"
        " http://second-uri.example/debian\n"
        "Suites: trixie trixie-updates\n"
        "Components: main\n"
        "\n"
        "Types: deb\n"
        "URIs: http://updates-only.example/debian\n"
        "Suites: trixie-updates trixie-backports\n"
    )
    (tmp_path / "sources.list.d/b.list").write_text("deb http://one-line.example/debian bookworm contrib\n")
    (tmp_path / "sources.list.d/c.list.disabled").write_text("deb http://disabled-file.example/debian bookworm main\n")
    assert bases.mirror_candidates(tmp_path) == [
        "http://one-line.example/debian",
        "http://deb822.example/debian",
        "http://second-uri.example/debian",
    ]


@pytest.fixture
def fresh_mirror(monkeypatch):
    bases.mirror.cache_clear()
    yield monkeypatch
    bases.mirror.cache_clear()


def test_mirror_override_is_used_when_it_serves_the_suite(tmp_path, fresh_mirror):
    (tmp_path / "dists" / bases.SUITE).mkdir(parents=True)
    (tmp_path / "dists" / bases.SUITE / "Release").write_text("Suite: stable\n")
    fresh_mirror.setenv("DOCKERFIX_E2E_MIRROR", f"file://{tmp_path}/")
    assert bases.mirror() == f"file://{tmp_path}"


def test_no_mirror_is_a_clear_reason(tmp_path, fresh_mirror):
    fresh_mirror.setenv("DOCKERFIX_E2E_MIRROR", f"file://{tmp_path}")
    with pytest.raises(RuntimeError, match=f"no Debian mirror serving {bases.SUITE} found in DOCKERFIX_E2E_MIRROR "
                                           f"\\(tried: file://{tmp_path}\\)"):
        bases.mirror()
