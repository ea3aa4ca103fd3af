"""windows-unknown: what makes a file a Windows image beyond its base (the file name), and what does not."""

from __future__ import annotations

import pytest
from test_rules_program import repo, report

from fixer.pipeline import fix

from fixer.plan import Options

LINUXISH = b"FROM registry.example.com/build/agent:3\nRUN apt-get update && apt-get install -y curl\n"
NEUTRAL = b"FROM registry.example.com/build/agent:3\nRUN setup.exe /quiet\n"


def test_file_name_says_windows(tmp_path):
    f = tmp_path / "Dockerfile.windows"
    r = fix(NEUTRAL, Options(), str(tmp_path), str(f))
    assert r.rule == "windows-unknown" and "the file name Dockerfile.windows says Windows" in r.skipped


def test_windows_in_a_longer_name(tmp_path):
    f = tmp_path / "agent-windows.Dockerfile"
    r = fix(NEUTRAL, Options(), str(tmp_path), str(f))
    assert r.rule == "windows-unknown"


def test_a_linux_package_manager_outweighs_the_file_name(tmp_path):
    f = tmp_path / "Dockerfile.windows"
    r = fix(LINUXISH, Options(), str(tmp_path), str(f))
    assert r.rule is None and r.changed


def test_windows_inside_a_word_is_no_sign(tmp_path):
    f = tmp_path / "Dockerfile.nowindowsdriver"
    r = fix(LINUXISH, Options(), str(tmp_path), str(f))
    assert r.rule is None and r.changed


def test_escape_backtick_alone_is_no_sign():
    data = b"# escape=`\nFROM debian:bookworm-slim\nRUN apt-get update && `\n    apt-get install -y curl\n"
    r = fix(data, Options())
    assert r.rule is None and r.changed


def test_urls_are_not_drive_paths():
    data = b"FROM debian:bookworm-slim\nRUN apt-get update && curl -o /tmp/x https://example.com/a:b/c\n"
    r = fix(data, Options())
    assert r.rule is None and r.changed


def test_powershell_on_a_linux_base_is_no_windows_image():
    data = (b'FROM mcr.microsoft.com/powershell:ubuntu-22.04\nSHELL ["pwsh", "-Command"]\n'
            b'RUN apt-get update; apt-get install -y git\nRUN Write-Host $env:PATH\n')
    r = fix(data, Options())
    assert r.rule is None and r.changed and r.family == "debian" and r.user_after == "appuser"


# --- build-arg-base-no-shell (issue 21) ---------------------------------------------------------

ARG_BASE = ('ARG FINAL_BASE=python:3.12-slim\nFROM python:3.12-slim AS build\nRUN pip install --prefix=/out lintsql\n'
            'FROM ${FINAL_BASE}\nCOPY --from=build /out /usr/local\nWORKDIR /sql\nENTRYPOINT ["lintsql"]\n')
BUILD_ARG_WORKFLOW = ("on: push\njobs:\n  image:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n"
                      "        include:\n          - suffix: ''\n            final: python:3.12-slim\n"
                      "          - suffix: -hardened\n            final: {final}\n    steps:\n"
                      "      - uses: docker/build-push-action@v6\n        with:\n          file: Dockerfile\n"
                      "          push: true\n          tags: acme/lintsql:latest${{{{ matrix.suffix }}}}\n"
                      "          build-args: |\n            FINAL_BASE=${{{{ matrix.final }}}}\n")


@pytest.mark.parametrize("final", ["dhi.io/python:3.12-debian12", "gcr.io/distroless/python3-debian12"])
def test_ci_builds_the_final_stage_on_a_base_with_no_shell(cli, tmp_path, final):
    r = repo(tmp_path, {"Dockerfile": ARG_BASE, ".github/workflows/image.yml": BUILD_ARG_WORKFLOW.format(final=final)})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "build-arg-base-no-shell", rep
    assert rep["skipped"].startswith(f".github/workflows/image.yml:13 builds it with FINAL_BASE={final}"), rep


def test_a_base_with_a_shell_passed_by_ci_is_fixed(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": ARG_BASE,
                        ".github/workflows/image.yml": BUILD_ARG_WORKFLOW.format(final="dhi.io/python:3.12-debian12-dev")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_a_build_arg_in_a_script_or_bake(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": ARG_BASE, "build.sh": (
        "docker build --build-arg FINAL_BASE=cgr.dev/chainguard/python:latest -t acme/lintsql:slim .\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "build-arg-base-no-shell" and rep["skipped"].startswith("build.sh:1 builds it"), rep
    (r / "build.sh").unlink()
    (r / "docker-bake.hcl").write_text('target "min" {\n  tags = ["acme/lintsql:min"]\n'
                                       '  args = {\n    FINAL_BASE = "scratch"\n  }\n}\n')
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "build-arg-base-no-shell" and rep["skipped"].startswith("docker-bake.hcl:1 builds it"), rep
