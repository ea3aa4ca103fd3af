"""windows-unknown: what makes a file a Windows image beyond its base (the file name), and what does not."""

from __future__ import annotations

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
