"""The bad-input catalogue: each gives a clear message naming the file (and line), exit 2, and
leaves the file byte-identical. Fixture pairs in fixtures/error-* cover the parse errors too."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import time

import pytest

GOOD = b"FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n"

CATALOGUE = [
    ("binary", b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)), "binary"),
    ("latin-1", "FROM debian\nLABEL author=\"Jos\xe9\"\n".encode("latin-1"), "UTF-8"),
    ("empty", b"", "empty"),
    ("only-comments", b"# just a comment\n\n# another\n", "no instructions"),
    ("no-from", b"RUN apt-get update\nCMD [\"x\"]\n", "FROM"),
    ("unknown-instruction", b"FROM debian\nFROB x\n", ":2: error: unknown instruction: FROB"),
    ("jinja", b"FROM {{ base }}\n{% if x %}\nRUN a\n{% endif %}\n", "unknown instruction"),
    ("unterminated-heredoc", b"FROM debian\nRUN <<EOF\necho hi\n", "heredoc"),
    ("continuation-at-eof", b"FROM debian\nRUN apt-get update \\\n", "continuation"),
    ("too-large", b"FROM debian:12\n" + b"RUN echo x > /tmp/x\n" * 600_000, "too large"),
    # a NUL past the first 8 KiB went through once
    ("nul-after-8k", b"FROM debian:12\n" + b"# " + b"x" * 9000 + b"\nRUN a\x00b\n", ":3: error: file looks binary"),
    ("utf-16-le-bom", "\ufeffFROM debian:12\nRUN apt-get update\n".encode("utf-16-le"),
     ": file is UTF-16 (little-endian, with a byte-order mark), not UTF-8; Dockerfiles must be UTF-8: "
     "convert it, e.g. iconv -f UTF-16 -t UTF-8"),
    ("utf-16-be-bom", "\ufeffFROM debian:12\n".encode("utf-16-be"), "UTF-16 (big-endian, with a byte-order mark)"),
    ("utf-16-le", "FROM debian:12\nLABEL a=\"привет\"\n".encode("utf-16-le"), "UTF-16 (little-endian, without"),
    ("utf-16-be", "FROM debian:12\n".encode("utf-16-be"), "UTF-16 (big-endian, without a byte-order mark)"),
    ("utf-32", "FROM debian:12\n".encode("utf-32"), "UTF-32 (little-endian, with a byte-order mark)"),
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
    assert code == 2 and f"{f}:1: error: --gid 100: the base image (debian family) already has group users (100)" in err
    assert f.read_bytes() == GOOD
# --- files and writes (issue 12): non-regular files, interrupted or refused writes ---


@contextlib.contextmanager
def no_hang(seconds: float = 5):
    """Fail instead of hanging forever: SIGALRM interrupts a blocking open() of a FIFO."""

    def alarm(*_):
        raise TimeoutError("blocked (a FIFO opened without O_NONBLOCK?)")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_fifo_named_on_the_command_line_is_never_opened(tmp_path, cli):
    f = tmp_path / "Dockerfile"
    os.mkfifo(f)
    with no_hang():
        code, out, err = cli(["--write", f])
    assert code == 2 and f"{f}: error: not a regular file (a FIFO)" in err and "Traceback" not in err
    assert stat.S_ISFIFO(f.lstat().st_mode)


def test_fifo_found_in_a_folder_is_an_error_and_the_other_files_are_fixed(tmp_path, cli):
    good = tmp_path / "Dockerfile"
    good.write_bytes(GOOD)
    os.mkfifo(tmp_path / "Dockerfile.pipe")
    with no_hang():
        code, out, err = cli(["--write", tmp_path])
    assert code == 2 and "Dockerfile.pipe: error: not a regular file (a FIFO)" in err
    assert b"USER appuser" in good.read_bytes()


def _swap_for_fifo_after_stat(monkeypatch, path):
    """The file is checked (os.stat says regular), then a FIFO takes its place before it is opened."""
    real_stat = os.stat

    def swapping_stat(p, *a, **k):
        st = real_stat(p, *a, **k)
        if os.fspath(p) == str(path) and stat.S_ISREG(st.st_mode):
            os.unlink(path)
            os.mkfifo(path)
        return st

    monkeypatch.setattr(os, "stat", swapping_stat)


def test_fifo_swapped_in_between_check_and_read_is_refused(tmp_path, monkeypatch):
    from fixer.errors import DockerfixError
    from fixer.output import read_file

    f = tmp_path / "Dockerfile"
    f.write_bytes(GOOD)
    _swap_for_fifo_after_stat(monkeypatch, f)
    with no_hang(), pytest.raises(DockerfixError, match=r"^not a regular file \(a FIFO\)$"):
        read_file(str(f))


def test_fifo_swapped_in_between_read_and_write_is_refused(tmp_path, monkeypatch):
    from fixer.errors import DockerfixError
    from fixer.output import read_file, write_atomic

    f = tmp_path / "Dockerfile"
    f.write_bytes(GOOD)
    data, _ = read_file(str(f))
    _swap_for_fifo_after_stat(monkeypatch, f)
    with no_hang(), pytest.raises(DockerfixError, match=r"^not a regular file \(a FIFO\)"):
        write_atomic(str(f), b"new", data)
    assert stat.S_ISFIFO(f.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile"]


@pytest.mark.parametrize("where", ["fsync", "replace", "chmod"])
def test_interrupt_during_the_write_leaves_no_temporary_file(where, tmp_path, monkeypatch):
    from fixer.output import write_atomic

    f = tmp_path / "Dockerfile"
    f.write_bytes(GOOD)

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, where, interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(str(f), b"new", GOOD)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile"]
    assert f.read_bytes() == GOOD


@pytest.mark.parametrize(
    "code,cause",
    [(errno.EROFS, "read-only file system"), (errno.EACCES, "permission denied"),
     (errno.ENOSPC, "no space left on device"), (errno.EDQUOT, "disk quota exceeded")],
)
def test_a_failed_write_names_its_cause(code, cause, tmp_path, cli, monkeypatch):
    f = tmp_path / "Dockerfile"
    f.write_bytes(GOOD)

    def fail(*a, **k):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "replace", fail)
    code_, out, err = cli(["--write", f])
    assert code_ == 2 and f"{f}: error: cannot write: {cause}; not written\n" in err and "Traceback" not in err
    assert f.read_bytes() == GOOD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile"]


def _mount_read_only_tmpfs_works() -> bool:
    if not shutil.which("unshare") or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _mount_read_only_tmpfs_works(), reason="needs root and unshare -m to mount a file system")
def test_read_only_file_system_is_named_as_such(tmp_path):
    """A real read-only mount (in a private mount namespace): the cause is the file system, not the file."""
    from test_cli import ROOT_DOCKERFILE

    mnt = tmp_path / "ro"
    mnt.mkdir()
    script = ('mount -t tmpfs tmpfs "$1" && printf %s "$2" > "$1/Dockerfile" && mount -o remount,ro "$1" '
              '&& cd "$1" && "$3" -m fixer --write Dockerfile; echo "exit $?"; cat Dockerfile')
    p = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", mnt, ROOT_DOCKERFILE, sys.executable],
                       capture_output=True, text=True, timeout=60)
    assert p.stdout == f"exit 2\n{ROOT_DOCKERFILE}", (p.stdout, p.stderr)
    assert p.stderr == "Dockerfile: error: cannot write: read-only file system; not written\n"


def test_dangling_symlink_and_symlink_loop_found_in_a_folder_are_skipped_with_a_note(tmp_path, cli):
    good = tmp_path / "Dockerfile"
    good.write_bytes(GOOD)
    (tmp_path / "Dockerfile.old").symlink_to("gone/Dockerfile")
    (tmp_path / "Dockerfile.a").symlink_to("Dockerfile.b")
    (tmp_path / "Dockerfile.b").symlink_to("Dockerfile.a")
    code, out, err = cli(["--write", tmp_path])
    assert code == 0, err
    assert f"dockerfix: skipping dangling symlink {tmp_path / 'Dockerfile.old'}\n" in err
    assert f"dockerfix: skipping symlink loop {tmp_path / 'Dockerfile.a'}\n" in err
    assert f"dockerfix: skipping symlink loop {tmp_path / 'Dockerfile.b'}\n" in err
    assert b"USER appuser" in good.read_bytes() and f"{good}: fixed: " in err and "failed" not in err
    assert cli(["--write", "-q", tmp_path])[2] == ""


@pytest.mark.parametrize("kind,message", [("dangling", "dangling symlink"), ("loop", "symlink loop")])
def test_dangling_symlink_or_loop_named_on_the_command_line_is_an_error(kind, message, tmp_path, cli):
    link = tmp_path / "Dockerfile"
    link.symlink_to("gone" if kind == "dangling" else "Dockerfile")
    code, out, err = cli(["--write", link])
    assert code == 2 and f"{link}: error: {message}" in err and "Traceback" not in err
# --- hostile but well-formed input: no traceback, ever (issue 12) -------------------------------------
# Generated here (the files would be large); a few small ones are in fuzz/regressions/.

DEEP_RUNS = [
    ("command-substitution-165", "echo " + "$(" * 165 + "id" + ")" * 165),
    ("braces-1000", "{ " * 1000 + "true" + "; }" * 1000),
    ("subshells-1000", "(" * 1000 + "true" + ")" * 1000),
    ("arithmetic-2000", "echo " + "$((" * 2000 + "1" + "))" * 2000),
    ("parameter-defaults-500", "echo " + "${a:-" * 500 + "x" + "}" * 500),
    ("functions-500", "".join(f"f{i}() {{ " for i in range(500)) + "true" + "; }" * 500),
    ("loops-500", "for i in 1; do " * 500 + "true" + "; done" * 500),
]


@pytest.mark.parametrize("name,script", DEEP_RUNS, ids=[c[0] for c in DEEP_RUNS])
def test_too_deeply_nested_run_counts_as_needing_root(name, script, tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_text(f"FROM debian:bookworm-slim\nWORKDIR /home\nRUN {script}\nEXPOSE 8080\n")
    t = time.perf_counter()
    code, out, err = cli(["-v", f])
    assert time.perf_counter() - t < 2  # about 0.05 s; generous for a loaded machine
    assert code == 0 and "Traceback" not in err
    assert "line 3: the shell is too deeply nested to read, so it is assumed to need root" in err, err
    assert "after line 3" in err


@pytest.mark.parametrize("op,n", [("&&", 1000), ("||", 10000)])
def test_long_command_lists_are_read(op, n, tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_text("FROM debian:bookworm-slim\nRUN " + f" {op} \\\n    ".join(["echo ok"] * n + ["apt-get update"]) + "\n")
    t = time.perf_counter()
    code, out, err = cli(["-v", f])
    assert time.perf_counter() - t < 2
    assert code == 0 and f"line {n + 2}: apt-get update needs root" in err, err[-2000:]


@pytest.mark.parametrize(
    "text,user",
    [("RUN useradd -u ² foo", "foo"),  # its uid is not known: --numeric-user falls back to the name
     ("RUN useradd -u 5 -g ² foo", "5"), ("RUN adduser -D -u ² foo", "foo"),
     ("RUN addgroup -g ² grp", "10001:10001"), ("EXPOSE ²", "10001:10001"), ("EXPOSE ١٢٣/tcp", "10001:10001")],
)
def test_unicode_digits_are_not_numbers(text, user, tmp_path, cli):
    """str.isdigit() takes '²' and '١٢٣': int() raised ValueError on them."""
    f = tmp_path / "Dockerfile"
    f.write_text(f"FROM debian:bookworm-slim\n{text}\nRUN apt-get update\n")
    code, out, err = cli(["--numeric-user", "--write", f])
    assert code == 0 and "Traceback" not in err, err
    assert f.read_text().endswith(f"\nUSER {user}\n")
    assert "below 1024" not in err  # '١٢٣' was read as port 123


def test_unicode_digit_user_is_not_a_uid(tmp_path, cli):
    """`USER ١٢٣` is a user name to Docker, not uid 123: not reused as a plain id."""
    f = tmp_path / "Dockerfile"
    f.write_text("FROM debian:bookworm-slim\nUSER ١٢٣\nUSER root\nRUN apt-get update\n")
    code, out, err = cli(["--format", "json", f])
    import json

    (report,) = json.loads(out)
    assert code == 0 and report["user_after"] == "appuser" and report["user_ids"] == "10001:10001"
    assert "line 2: USER '١٢٣' is not a plain user name or id; not reused" in report["warnings"]


def test_unicode_digit_option_is_a_clear_error(tmp_path, cli):
    import subprocess
    import sys

    f = tmp_path / "Dockerfile"
    f.write_bytes(GOOD)
    proc = subprocess.run([sys.executable, "-m", "fixer", "--uid", "²", str(f)], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "--uid" in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    "config,message",
    [("", "--config needs a file name (it was given an empty one)"),  # was a ValueError from os.path
     (".", "configuration .: cannot read: Is a directory")],
)
def test_bad_config_option_is_a_clear_error(config, message, tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "Dockerfile"
    f.write_bytes(GOOD)
    code, out, err = cli(["--config", config, "--write", f])
    assert code == 2 and err == f"dockerfix: error: {message}\n", err
    assert f.read_bytes() == GOOD


@pytest.fixture
def fix_breaks_on_boom(monkeypatch):
    """Fault injection: fix() raises a stray exception (a bug) for inputs that contain BOOM."""
    import fixer.pipeline

    real = fixer.pipeline.fix

    def fix(data, *a, **k):
        if b"BOOM" in data:
            raise KeyError("boom")
        return real(data, *a, **k)

    monkeypatch.setattr(fixer.pipeline, "fix", fix)


BOOM = b"FROM debian:bookworm-slim\n# BOOM\nRUN apt-get update\n"
INTERNAL = "error: internal error: KeyError: 'boom' (a bug in dockerfix: please report it, with the file if you can)"


def test_internal_error_is_reported_and_the_next_file_still_fixed(tmp_path, cli, fix_breaks_on_boom):
    bad, good = tmp_path / "a.Dockerfile", tmp_path / "b.Dockerfile"
    bad.write_bytes(BOOM)
    good.write_bytes(GOOD)
    code, out, err = cli(["--write", bad, good])
    assert code == 2 and "Traceback" not in err
    assert f"{bad}: {INTERNAL}\n" in err, err
    assert bad.read_bytes() == BOOM and good.read_bytes().endswith(b"USER appuser\n")


def test_internal_error_gives_stdin_its_text_back(cli, fix_breaks_on_boom):
    code, out, err = cli(["-", "--stdin-filename", "Dockerfile"], input=BOOM.decode())
    assert code == 2 and out == BOOM.decode() and f"Dockerfile: {INTERNAL}\n" in err


def test_internal_error_in_json_report(tmp_path, cli, fix_breaks_on_boom):
    import json

    f = tmp_path / "Dockerfile"
    f.write_bytes(BOOM)
    code, out, err = cli(["--format", "json", f])
    (report,) = json.loads(out)
    assert code == 2 and report["error"] == f"{f}: internal error: KeyError: 'boom'" and report["changed"] is False


def _many_env_and_workdir_lines(n: int) -> bytes:
    """n WORKDIR + ENV as a user, then n WORKDIR + ENV + RUN as root."""
    return ("FROM debian:12\nUSER 1000\n" + "".join(f"WORKDIR /u{i}\nENV U{i}=x\n" for i in range(n))
            + "USER root\n" + "".join(f"WORKDIR /r{i}\nENV R{i}=$U{i}\nRUN echo $R{i} > f\n" for i in range(n))).encode()


def test_cost_is_linear_in_env_and_workdir_lines():
    """Each RUN copied every ENV and scanned every earlier WORKDIR: 40,000 ENV lines took 6 s,
    90,000 took 36 s. Timed in-process, best of a few runs (the machine may be busy)."""
    from fixer.pipeline import fix
    from fixer.plan import Options
    from fixer.source import MAX_BYTES

    def best(data: bytes, runs: int) -> float:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            assert fix(data, Options()).changed
            times.append(time.perf_counter() - t)
        return min(times)

    small, large = _many_env_and_workdir_lines(1500), _many_env_and_workdir_lines(6000)
    assert len(large) < MAX_BYTES
    t_small, t_large = best(small, 3), best(large, 3)
    assert t_large < 20  # about 0.6 s
    assert t_large < 8 * t_small, (t_small, t_large)  # 4x the lines; quadratic would be 16x
