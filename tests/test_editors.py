"""Format-on-save: the exact command lines docs/editors.md gives for each editor, run the way that
editor runs them (the file's text on stdin, its placeholders filled in)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from test_cli import NONROOT_DOCKERFILE, ROOT_DOCKERFILE

# editor -> (argv with the editor's placeholder for the file's path, the placeholder); docs/editors.md's
# snippets ("Editors" section) use exactly these
INVOCATIONS = {
    "vscode-custom-local-formatters": (["dockerfix", "--stdin-filename", "${file}", "-"], "${file}"),
    "neovim-conform": (["dockerfix", "--stdin-filename", "$FILENAME", "-"], "$FILENAME"),
    "helix": (["dockerfix", "-"], None),
    "emacs-apheleia": (["dockerfix", "--stdin-filename", "filepath", "-"], "filepath"),
}


def run(editor: str, path: Path, data: bytes):
    argv, placeholder = INVOCATIONS[editor]
    argv = [str(path) if a == placeholder else a for a in argv]
    p = subprocess.run([sys.executable, "-m", "fixer", *argv[1:]], input=data, capture_output=True,
                       cwd=path.parent, timeout=60)
    return p.returncode, p.stdout, p.stderr.decode()


@pytest.mark.parametrize("editor", sorted(INVOCATIONS))
def test_editor_invocation(editor, tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("left on disk, never touched\n")
    # needs a fix: the fixed text
    code, out, err = run(editor, path, ROOT_DOCKERFILE.encode())
    assert code == 0 and out.decode().startswith(ROOT_DOCKERFILE[:60]) and b"\nUSER appuser\n" in out
    # nothing to do: the same bytes back
    code, out, _ = run(editor, path, NONROOT_DOCKERFILE.encode())
    assert code == 0 and out == NONROOT_DOCKERFILE.encode()
    # CRLF and BOM kept
    crlf = ("\ufeff" + ROOT_DOCKERFILE.replace("\n", "\r\n")).encode()
    code, out, _ = run(editor, path, crlf)
    assert code == 0 and out.startswith(b"\xef\xbb\xbfFROM") and b"USER appuser\r\n" in out
    assert b"\n" not in out.replace(b"\r\n", b"")
    # a parse error: the original text back, the message (with the line) on stderr, exit 2
    broken = b"FROM debian\nRUN <<EOF\nnever closed\n"
    code, out, err = run(editor, path, broken)
    name = str(path) if INVOCATIONS[editor][1] else "-"
    assert code == 2 and out == broken and f"{name}:2:" in err
    # too big (over 1 MiB): the whole text back, exit 2
    big = ROOT_DOCKERFILE.encode() + b"# padding\n" * 120_000
    code, out, err = run(editor, path, big)
    assert code == 2 and out == big and "MiB" in err
    assert path.read_text() == "left on disk, never touched\n"
