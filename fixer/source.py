"""Step 1: the lossless source model.

A Dockerfile is kept as the exact list of its lines, each with its own line ending, so that the
output is `lines[:k] + inserted + lines[k:]` and every byte outside the inserted lines is kept by
construction (comments, blank lines, continuation style, heredocs, CRLF, BOM, no final newline).
"""

from __future__ import annotations

from .errors import DockerfixError
from .record import dataclass

BOM = "\ufeff"
# the largest of 966 real Dockerfiles is 20 KB; anything past 1 MiB is refused at once (bounded
# time and memory), not analysed for seconds
MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Source:
    lines: tuple[str, ...]  # each line with its own ending ("\n", "\r\n" or "" for the last)
    newline: str  # the file's own line ending, used for inserted lines

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def encode(self) -> bytes:
        return self.text.encode("utf-8")

    def with_inserted(self, after_line: int, new_lines: list[str]) -> "Source":
        """Insert `new_lines` (without endings) after 1-based line `after_line` (0 = at the top)."""
        nl = self.newline
        lines = list(self.lines)
        block = [ln + nl for ln in new_lines]
        if after_line >= len(lines) and lines and not lines[-1].endswith("\n"):
            # inserting after a last line that has no newline: it gets one, the block keeps the
            # file's "no final newline"
            lines[-1] = lines[-1] + nl
            block[-1] = block[-1][: -len(nl)]
        lines[after_line:after_line] = block
        return Source(tuple(lines), nl)


def split_lines(text: str) -> tuple[str, ...]:
    """Split on "\\n" only (as BuildKit's scanner does), keeping the endings."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return tuple(lines)


def detect_newline(lines: tuple[str, ...]) -> str:
    crlf = sum(1 for ln in lines if ln.endswith("\r\n"))
    lf = sum(1 for ln in lines if ln.endswith("\n")) - crlf
    return "\r\n" if crlf > lf else "\n"


# checked before the NULs (UTF-32's before UTF-16's, which starts the same way)
BOMS = ((b"\xff\xfe\x00\x00", "UTF-32", "little"), (b"\x00\x00\xfe\xff", "UTF-32", "big"),
        (b"\xff\xfe", "UTF-16", "little"), (b"\xfe\xff", "UTF-16", "big"))


def wide_encoding(data: bytes) -> tuple[str, str] | None:
    """("UTF-16", "little-endian, with a byte-order mark") when `data` is UTF-16 or UTF-32 text,
    else None. Without a BOM, a sample that decodes as UTF-16 with most of every other byte NUL
    (as ASCII is in UTF-16) and few of the others is UTF-16."""
    for bom, name, order in BOMS:
        if data.startswith(bom):
            return name, f"{order}-endian, with a byte-order mark"
    sample = data[:4096]
    sample = sample[: len(sample) // 2 * 2]
    for zeros, other, order in ((sample[1::2], sample[0::2], "little"), (sample[0::2], sample[1::2], "big")):
        if len(zeros) >= 2 and zeros.count(0) * 2 > len(zeros) and other.count(0) * 10 <= len(other):
            try:
                sample.decode(f"utf-16-{order[0]}e")
            except UnicodeDecodeError:
                continue
            return "UTF-16", f"{order}-endian, without a byte-order mark"
    return None


def check_size(size: int) -> None:
    """Refuse input over MAX_BYTES (called before reading a file, and again on what was read)."""
    if size > MAX_BYTES:
        raise DockerfixError(
            f"file is too large ({size} bytes; dockerfix reads Dockerfiles up to {MAX_BYTES // (1024 * 1024)} MiB)"
        )


def decode(data: bytes) -> Source:
    """Bytes -> Source, or a DockerfixError saying clearly why the bytes are not a Dockerfile."""
    check_size(len(data))
    wide = wide_encoding(data)
    if wide:
        raise DockerfixError(f"file is {wide[0]} ({wide[1]}), not UTF-8; Dockerfiles must be UTF-8: "
                             f"convert it, e.g. iconv -f {wide[0]} -t UTF-8")
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not body.strip():
        raise DockerfixError("file is empty")
    nul = data.find(b"\x00")  # anywhere: a NUL after the first 8 KiB went through once
    if nul >= 0:
        raise DockerfixError("file looks binary (it contains NUL bytes), not a Dockerfile",
                             data.count(b"\n", 0, nul) + 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise DockerfixError(
            f"file is not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); "
            "Dockerfiles must be UTF-8",
            line,
        ) from None
    lines = split_lines(text)
    return Source(lines, detect_newline(lines))
