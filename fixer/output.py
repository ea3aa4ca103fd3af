"""Step 8: output: atomic in-place writes, git-apply-able unified diffs, JSON reports."""

from __future__ import annotations

import errno
import os
import stat

from .errors import DockerfixError

NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(path: str, old: bytes, new: bytes) -> str:
    """A unified diff with `a/` and `b/` prefixes that `git apply` accepts, including files whose
    last line has no newline, files with CRLF endings, and names git quotes."""
    import difflib  # here, as tempfile below: a --check that changes nothing needs neither

    a = old.decode("utf-8").splitlines(keepends=True) if old else []
    b = new.decode("utf-8").splitlines(keepends=True) if new else []
    a = _split_lf(a)
    b = _split_lf(b)
    path = diff_path(path)
    out = []
    tab = "\t" if " " in path else ""  # git ends a name with a space with a tab (for patch(1))
    for i, line in enumerate(difflib.unified_diff(a, b, fromfile="a", tofile="b")):
        if i < 2:  # `--- a` and `+++ b`: the file's name as git writes it
            out.append(f"{line[:4]}{git_quote(line[4] + '/' + path)}{tab}\n")
            continue
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n" + NO_NEWLINE)
    return "".join(out)


_C_ESCAPES = {0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f", 0x0D: "r", 0x22: '"', 0x5C: "\\"}


def git_quote(name: str) -> str:
    """A file name as git writes it in a patch (quote.c, core.quotePath on): in double quotes
    with C escapes when it has a control character, a quote, a backslash or a byte >= 0x80 (as
    octal, byte by byte of its UTF-8 or its raw bytes), else as it is."""
    raw = os.fsencode(name)
    if not any(b < 0x20 or b >= 0x7F or b in _C_ESCAPES for b in raw):
        return name
    out = []
    for b in raw:
        if b in _C_ESCAPES:
            out.append("\\" + _C_ESCAPES[b])
        elif b < 0x20 or b >= 0x7F:
            out.append(f"\\{b:03o}")
        else:
            out.append(chr(b))
    return '"' + "".join(out) + '"'


def edit_of(old: bytes, new: bytes, after_line: int | None = None) -> tuple[int, int, bytes]:
    """The CLI's change as one replacement: (byte offset, bytes removed, bytes inserted). dockerfix
    only inserts, so the removed length is 0; SARIF fixes and the language server use this.
    `after_line` (1-based, the line the block follows) places the insertion at that line's end."""
    if after_line is not None and len(new) >= len(old):
        off = 0
        for _ in range(after_line):
            nl = old.find(b"\n", off)
            off = len(old) if nl < 0 else nl + 1
        k = len(new) - len(old)
        if new[:off] == old[:off] and new[off + k:] == old[off:]:
            return off, 0, new[off:off + k]
    n = min(len(old), len(new))
    i = 0
    while i < n and old[i] == new[i]:
        i += 1
    j = 0
    while j < n - i and old[len(old) - 1 - j] == new[len(new) - 1 - j]:
        j += 1
    return i, len(old) - i - j, new[i:len(new) - j]


def position(data: bytes, offset: int) -> tuple[int, int]:
    """(line, character) of a byte offset, both 0-based, the character counted in UTF-16 code
    units: what LSP positions and SARIF's default `utf16CodeUnits` columns (plus one) use. A
    BOM is not counted as a character."""
    line = data.count(b"\n", 0, offset)
    start = data.rfind(b"\n", 0, offset) + 1
    text = data[start:offset].decode("utf-8", "replace")
    if line == 0 and text.startswith("\ufeff"):
        text = text[1:]
    return line, len(text.encode("utf-16-le")) // 2


def diff_path(path: str) -> str:
    """The path as `git apply` wants it in `a/PATH`: relative to the current folder when the file
    is under it, normalised (no `./`, no `..` segments), with forward slashes."""
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            rel = path
        if not rel.startswith(".."):
            path = rel
    else:
        path = os.path.normpath(path)
    # an absolute path outside the current folder: `a//abs` would not apply; git strips one level
    return path.replace(os.sep, "/").lstrip("/")


def _split_lf(lines: list[str]) -> list[str]:
    """str.splitlines also splits on \\r, \\v, \\f, \\x1c.. and \\u2028; diff on \\n only."""
    text = "".join(lines)
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


NOT_REGULAR = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISSOCK, "a socket"))
_NONBLOCK = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def _require_regular(st: os.stat_result) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise DockerfixError("is a directory, not a Dockerfile")
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in NOT_REGULAR if test(st.st_mode)), "of an unknown type")
        raise DockerfixError(f"not a regular file ({kind})")


def _open_regular(path: str, flags: int) -> tuple[int, os.stat_result]:
    """A file descriptor for `path` if it is a regular file. A FIFO or device can take the file's
    place after any check by name: O_NONBLOCK keeps its open from blocking, and the check that
    counts is fstat of what was opened, before a byte is read."""
    try:
        fd = os.open(path, flags | _NONBLOCK)
    except OSError as e:
        try:
            st = os.stat(path)
        except OSError:
            raise e from None
        _require_regular(st)  # a socket (ENXIO), a directory (EISDIR): say what it is
        raise
    try:
        st = os.fstat(fd)
        _require_regular(st)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def _cause(e: OSError) -> str:
    """What the system said, from the errno: "read-only file system", "permission denied"..."""
    text = os.strerror(e.errno) if e.errno else (e.strerror or str(e))
    return text[:1].lower() + text[1:]


def read_file(path: str) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file (a FIFO, device or socket is never read)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DockerfixError("dangling symlink" if os.path.islink(path) else "no such file") from None
    except OSError as e:
        raise DockerfixError("symlink loop" if e.errno == errno.ELOOP else f"cannot read: {_cause(e)}") from None
    _require_regular(st)
    from .source import MAX_BYTES, check_size

    check_size(st.st_size)  # before reading: memory and time stay bounded
    try:
        fd, st = _open_regular(path, os.O_RDONLY)
        with os.fdopen(fd, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise DockerfixError(f"cannot read: {_cause(e)}") from None
    return data, st


def write_atomic(path: str, data: bytes, expected: bytes) -> None:
    """Replace the file's content with `data` atomically: a temporary file in the same folder,
    fsync, then rename over the original, keeping its mode (and owner when we may). A symlink is
    followed and its target replaced, so the link stays. Refuses if the file changed on disk since
    it was read (`expected`), or is no longer a regular file. On any error, an interruption too,
    the original is untouched and no temporary file is left."""
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except OSError as e:
        raise DockerfixError(f"cannot re-read before writing: {_cause(e)}") from None
    _require_regular(st)
    if not st.st_mode & stat.S_IWUSR:
        raise DockerfixError("file is read-only; not written")
    try:
        # opened for writing (nothing is written through it): the system says whether we may, and
        # why not (a read-only file system, permission denied) by its errno
        fd, st = _open_regular(real, os.O_RDWR)
        with os.fdopen(fd, "rb") as f:
            current = f.read()
    except OSError as e:
        raise DockerfixError(f"cannot write: {_cause(e)}; not written") from None
    if current != expected:
        raise DockerfixError("the file changed on disk while dockerfix was working on it; not written")
    _replace(real, data, stat.S_IMODE(st.st_mode), (st.st_uid, st.st_gid))


def write_report(path: str, data: bytes) -> None:
    """Create or replace a report file (`--output-file`) atomically: a reader never sees half a
    report. A new file gets the mode the umask gives; a file that exists keeps its mode."""
    real = os.path.realpath(path)
    try:
        mode = stat.S_IMODE(os.stat(real).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    except OSError as e:
        raise DockerfixError(f"cannot write: {_cause(e)}") from None
    _replace(real, data, mode, None)


def _replace(real: str, data: bytes, mode: int, owner: tuple[int, int] | None) -> None:
    """Write `data` to a temporary file beside `real`, fsync it, then rename it over `real`."""
    import tempfile

    folder = os.path.dirname(real) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(real) + ".", suffix=".dockerfix", dir=folder)
    except OSError as e:
        raise DockerfixError(
            f"cannot create a temporary file in {folder} to write atomically: {_cause(e)}"
        ) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        if owner is not None and hasattr(os, "chown"):
            try:
                os.chown(tmp, *owner)
            except OSError as e:
                if e.errno not in (errno.EPERM, errno.EINVAL):
                    raise
        os.replace(tmp, real)
    except BaseException as e:  # KeyboardInterrupt too: never leave the temporary file behind
        _unlink(tmp)
        if isinstance(e, OSError):
            raise DockerfixError(f"cannot write: {_cause(e)}; not written") from None
        raise
    try:
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
