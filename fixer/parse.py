"""Step 2: Docker's line grammar, the way BuildKit reads it.

A small lexer that follows BuildKit's own parser (moby/buildkit frontend/dockerfile/parser) line
for line: parser directives (`# escape=`, `# syntax=`, `# check=`), BOM on the first line, comment
lines and blank lines inside continuations, the continuation regex (an escaped escape token at the
end of a line does not continue it), builder flags, JSON versus shell form, and heredocs for RUN,
COPY and ADD. Each instruction keeps its exact 1-based line span, so the edit step only ever inserts
whole lines between instructions. `tests/test_parse_buildkit.py` checks agreement with BuildKit's Go
parser (PyPI `dockerfile`) on every fixture, on generated files and on a real-world corpus.

Go's `unicode.IsSpace` differs from Python's `str.isspace`, and some of BuildKit's loops look at
bytes, not characters; the helpers below copy those details so that the spans agree exactly.
"""

from __future__ import annotations

import json
import re

from . import lazyre
from .errors import DockerfixError
from .record import dataclass, field
from .source import BOM, Source
from . import recache

# unicode.IsSpace in Go: these, and nothing else (Python's isspace also takes \x1c-\x1f).
_GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)
# unicode.IsSpace(rune(b)) for a single byte, as BuildKit's byte loops use it.
_GO_BYTE_SPACE = frozenset("\t\n\v\f\r \x85\xa0")
_RE_WHITESPACE = recache.compile(r"[\t\v\f\r ]+")
_WORDS_SLOW = recache.compile("[\"'\x1c-\x1f]")  # what `_parse_words` must read character by character
_RE_DIRECTIVE = recache.compile(r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*")
_RE_HEREDOC = lazyre.compile(r"([0-9]*)<<(-?)([^<]*)")  # only lines with <<
_VALID_DIRECTIVES = ("escape", "syntax", "check")
MAX_LINE = 64 * 1024  # bufio.MaxScanTokenSize: BuildKit refuses longer lines

INSTRUCTIONS = frozenset(
    "add arg cmd copy entrypoint env expose from healthcheck label maintainer onbuild run shell "
    "stopsignal user volume workdir".split()
)
HEREDOC_INSTRUCTIONS = frozenset(("run", "copy", "add"))


_GO_SPACE_CHARS = "".join(sorted(_GO_SPACE))  # for str.strip, which takes a string of characters


def go_lstrip(s: str) -> str:
    return s.lstrip(_GO_SPACE_CHARS)


def go_strip(s: str) -> str:
    return s.strip(_GO_SPACE_CHARS)


def _trim_newline(s: str) -> str:
    return s.rstrip("\r\n")


def _is_comment(raw: str) -> bool:
    return go_lstrip(_trim_newline(raw)).startswith("#")


@dataclass(frozen=True)
class Heredoc:
    name: str
    fd: int
    expand: bool
    chomp: bool
    content: str


@dataclass
class Instruction:
    cmd: str  # lower-case keyword, e.g. "run"
    keyword: str  # as written, e.g. "Run"
    flags: tuple[str, ...]
    args: str  # what follows the flags, trimmed
    value: tuple[str, ...]  # BuildKit's parsed arguments for this keyword
    json: bool
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive (includes heredoc bodies)
    original: str  # the logical line: continuations joined, comment lines dropped
    heredocs: tuple[Heredoc, ...] = ()
    sub: "Instruction | None" = None  # ONBUILD's instruction
    # (offset in `original`, source line) for each piece joined into `original`
    pieces: tuple[tuple[int, int], ...] = field(default=(), repr=False)

    def line_of(self, offset: int) -> int:
        """The source line that holds character `offset` of `original`."""
        line = self.start_line
        for start, ln in self.pieces:
            if start > offset:
                break
            line = ln
        return line

    def flag(self, name: str) -> str | None:
        """Value of builder flag `--name=value` (None when absent; "" for a bare flag)."""
        prefix = "--" + name
        for f in self.flags:
            if f == prefix:
                return ""
            if f.startswith(prefix + "="):
                return f[len(prefix) + 1 :]
        return None


@dataclass
class Dockerfile:
    source: Source
    instructions: list[Instruction]
    escape: str  # "\\" or "`"
    directives: dict[str, str]
    warnings: list[str]


# --- directives ---------------------------------------------------------------------------------


class _Directives:
    def __init__(self) -> None:
        self.escape = "\\"
        self.done = False
        self.seen: dict[str, str] = {}

    def possible(self, line: str, lineno: int) -> None:
        if self.done:
            return
        m = _RE_DIRECTIVE.fullmatch(line)
        if not m:
            self.done = True
            return
        key = m.group(1).lower()
        if key not in _VALID_DIRECTIVES:
            self.done = True
            return
        if key in self.seen:
            raise DockerfixError(f"only one {key} parser directive can be used", lineno)
        value = m.group(2)
        self.seen[key] = value
        if key == "escape":
            if value not in ("`", "\\"):
                raise DockerfixError(
                    f"invalid escape token '{value}' does not match ` or \\", lineno
                )
            self.escape = value

    def trim_continuation(self, line: str) -> tuple[str, bool]:
        """BuildKit's continuation regex (`continuation_re`) replaced by its group where it
        matches (the line continues), without the regular expression: it can only match the
        escape token that ends the line before blanks and tabs, not itself escaped
        (tests/test_parse_buildkit.py checks that the two agree)."""
        e = self.escape
        end = line.rstrip(" \t")
        if not end.endswith(e):
            return line, True
        if len(end) == 1:
            return "", False
        if end[-2] == e:
            return line, True
        return end[:-1], False


def continuation_re(escape: str) -> re.Pattern:
    """BuildKit's line-continuation regex for an escape token (`trim_continuation` does what
    `.sub(r"\1", line, count=1)` of it does)."""
    e = re.escape(escape)
    return re.compile(rf"([^{e}]){e}[ \t]*\Z|^{e}[ \t]*\Z")


# --- the line loop ------------------------------------------------------------------------------


def parse(source: Source) -> Dockerfile:
    """Parse like BuildKit's `parser.Parse`; raise DockerfixError where it errors (and for an
    unknown instruction or a file that ends inside a continuation, which BuildKit reports later
    or not at all but which no correct fix can be built on)."""
    d = _Directives()
    lines = source.lines
    n = len(lines)
    out: list[Instruction] = []
    warnings: list[str] = []
    i = 0  # index of the next line to read
    while i < n:
        raw = lines[i]
        if len(raw) > MAX_LINE // 4 and len(raw.encode("utf-8")) > MAX_LINE:  # 4 bytes a character at most
            raise DockerfixError(f"line longer than BuildKit's maximum of {MAX_LINE - 1} bytes", i + 1)
        if i == 0 and raw.startswith(BOM):
            raw = raw[1:]
        i += 1
        start_line = i
        token = go_lstrip(_trim_newline(raw))
        d.possible(token, i)
        if token.startswith("#"):
            token = ""
        line, end = d.trim_continuation(token)
        if end and line == "":
            continue
        pieces = [(0, start_line)]
        empty_continuation = False
        ended_in_continuation = not end
        while not end and i < n:
            raw = lines[i]
            if len(raw) > MAX_LINE // 4 and len(raw.encode("utf-8")) > MAX_LINE:
                raise DockerfixError(
                    f"line longer than BuildKit's maximum of {MAX_LINE - 1} bytes", i + 1
                )
            i += 1
            tok = _trim_newline(raw)
            d.possible(tok, i)
            if _is_comment(raw):
                continue
            if not go_lstrip(tok):
                empty_continuation = True
                continue
            piece, end = d.trim_continuation(tok)
            pieces.append((len(line), i))
            line += piece
        ended_in_continuation = not end
        if empty_continuation:
            warnings.append(f"line {start_line}: empty continuation line")
        inst = _node_from_line(line, d, start_line)
        inst.pieces = tuple(pieces)
        target = inst.sub if inst.cmd == "onbuild" and inst.sub is not None else inst
        heredocs: list[Heredoc] = []
        if target.cmd in HEREDOC_INSTRUCTIONS and not target.json:
            for doc in _heredocs_from_line(line):
                content = []
                terminated = False
                while i < n:
                    raw = lines[i]
                    i += 1
                    cand = _trim_newline(raw)
                    if doc.chomp:
                        cand = cand.lstrip("\t")
                    if cand == doc.name:
                        terminated = True
                        break
                    content.append(raw)
                if not terminated:
                    raise DockerfixError(
                        f"unterminated heredoc <<{doc.name} (no line '{doc.name}' before the end of the file)",
                        start_line,
                    )
                heredocs.append(
                    Heredoc(doc.name, doc.fd, doc.expand, doc.chomp, "".join(content))
                )
            if heredocs:
                ended_in_continuation = False
        if ended_in_continuation:
            raise DockerfixError(
                "the file ends inside a line continuation (a trailing "
                f"'{d.escape}' with no next line); is the file truncated?",
                start_line,
            )
        inst.end_line = i
        inst.heredocs = tuple(heredocs)
        if target is not inst:
            target.heredocs = tuple(heredocs)
        out.append(inst)
    if not out:
        raise DockerfixError("file has no instructions (only comments or blank lines)")
    return Dockerfile(source, out, d.escape, dict(d.seen), warnings)


# --- one logical line -> instruction ------------------------------------------------------------


def _split_command(line: str) -> tuple[str, str]:
    parts = _RE_WHITESPACE.split(go_strip(line), maxsplit=1)
    return parts[0], (parts[1] if len(parts) == 2 else "")


def _node_from_line(line: str, d: _Directives, lineno: int) -> Instruction:
    keyword, rest = _split_command(line)
    flags: list[str] = []
    args = ""
    if rest:
        args, flags = _extract_builder_flags(rest)
    args = go_strip(args)
    cmd = keyword.lower()
    value: tuple[str, ...] = ()
    is_json = False
    sub = None
    if cmd not in INSTRUCTIONS:
        raise DockerfixError(f"unknown instruction: {keyword}", lineno)
    if cmd in ("run", "cmd", "entrypoint", "shell"):
        value, is_json = _maybe_json(args, lineno)
    elif cmd in ("add", "copy", "volume"):
        value, is_json = _maybe_json_to_list(args, lineno)
    elif cmd in ("expose", "from"):
        value = tuple(_RE_WHITESPACE.split(args)) if args else ()
    elif cmd in ("maintainer", "stopsignal", "user", "workdir"):
        value = (args,) if args else ()
    elif cmd == "arg":
        value = tuple(_parse_words(args, d.escape))
    elif cmd in ("env", "label"):
        value = _parse_name_val(args, cmd.upper(), d.escape, lineno)
    elif cmd == "healthcheck":
        value, is_json = _parse_health(args, lineno)
    elif cmd == "onbuild":
        if args:
            sub = _node_from_line(args, d, lineno)
            sub.start_line = lineno
            value = sub.value
    return Instruction(
        cmd=cmd,
        keyword=keyword,
        flags=tuple(flags),
        args=args,
        value=value,
        json=is_json,
        start_line=lineno,
        end_line=lineno,
        original=line,
        sub=sub,
    )


def _as_bytes_str(s: str) -> str:
    """A str with one char per UTF-8 byte, for BuildKit's byte-wise loops."""
    return s.encode("utf-8", "surrogatepass").decode("latin-1")


def _from_bytes_str(s: str) -> str:
    return s.encode("latin-1").decode("utf-8", "surrogateescape")


def _extract_builder_flags(line: str) -> tuple[str, list[str]]:
    """BuildKit's extractBuilderFlags: leading `--flag[=value]` words, then the rest."""
    if not line.startswith("--") and not go_lstrip(line).startswith("--"):
        return line, []
    b = _as_bytes_str(line)
    words: list[str] = []
    IN_SPACES, IN_WORD, IN_QUOTE = 0, 1, 2
    phase = IN_SPACES
    word: list[str] = []
    quote = ""
    blank_ok = False
    pos = 0
    n = len(b)
    while pos <= n:
        ch = b[pos] if pos != n else ""
        if phase == IN_SPACES:
            if pos == n:
                break
            if ch in _GO_BYTE_SPACE:
                pos += 1
                continue
            if ch != "-" or pos + 1 == n or b[pos + 1] != "-":
                return _from_bytes_str(b[pos:]), [_from_bytes_str(w) for w in words]
            phase = IN_WORD
        if phase in (IN_WORD, IN_QUOTE) and pos == n:
            w = "".join(word)
            if w != "--" and (blank_ok or w):
                words.append(w)
            break
        if phase == IN_WORD:
            if ch in _GO_BYTE_SPACE:
                phase = IN_SPACES
                w = "".join(word)
                if w == "--":
                    return _from_bytes_str(b[pos:]), [_from_bytes_str(x) for x in words]
                if blank_ok or w:
                    words.append(w)
                word = []
                blank_ok = False
                pos += 1
                continue
            if ch in ("'", '"'):
                quote = ch
                blank_ok = True
                phase = IN_QUOTE
                pos += 1
                continue
            if ch == "\\":
                if pos + 1 == n:
                    pos += 1
                    continue
                pos += 1
                ch = b[pos]
            word.append(ch)
            pos += 1
            continue
        if phase == IN_QUOTE:
            if ch == quote:
                phase = IN_WORD
                pos += 1
                continue
            if ch == "\\":
                if pos + 1 == n:
                    phase = IN_WORD
                    pos += 1
                    continue
                pos += 1
                ch = b[pos]
            word.append(ch)
            pos += 1
    return "", [_from_bytes_str(w) for w in words]


class _NotStringArray(Exception):
    pass


def _reject_constant(name: str):
    raise ValueError(name)


_JSON = json.JSONDecoder(parse_constant=_reject_constant)


def _parse_json(rest: str) -> list[str] | None:
    rest = go_lstrip(rest)
    if not rest.startswith("["):
        return None
    try:
        # BuildKit decodes with json.NewDecoder(...).Decode: the first value only, so text after
        # the closing bracket (`CMD ["x"]  # comment`) is ignored, not an error
        data, _ = _JSON.raw_decode(rest)
    except ValueError:
        return None
    if not isinstance(data, list):
        return None
    if not all(isinstance(x, str) for x in data):
        raise _NotStringArray
    return data


_NOT_STRINGS = "when using JSON array syntax, arrays must be comprised of strings only"


def _maybe_json(rest: str, lineno: int) -> tuple[tuple[str, ...], bool]:
    if rest == "":
        return (), False
    try:
        data = _parse_json(rest)
    except _NotStringArray:
        raise DockerfixError(_NOT_STRINGS, lineno) from None
    if data is not None:
        return tuple(data), True
    return (rest,), False


def _maybe_json_to_list(rest: str, lineno: int) -> tuple[tuple[str, ...], bool]:
    try:
        data = _parse_json(rest)
    except _NotStringArray:
        raise DockerfixError(_NOT_STRINGS, lineno) from None
    if data is not None:
        return tuple(data), True
    return (tuple(_RE_WHITESPACE.split(rest)) if rest else ()), False


def _parse_health(rest: str, lineno: int) -> tuple[tuple[str, ...], bool]:
    b = _as_bytes_str(rest)
    sep = 0
    while sep < len(b) and b[sep] not in _GO_BYTE_SPACE:
        sep += 1
    nxt = sep
    while nxt < len(b) and b[nxt] in _GO_BYTE_SPACE:
        nxt += 1
    if sep == 0:
        return (), False
    typ = _from_bytes_str(b[:sep])
    value, is_json = _maybe_json(_from_bytes_str(b[nxt:]), lineno)
    return (typ,) + value, is_json


def _parse_words(rest: str, escape: str) -> list[str]:
    """BuildKit's parseWords: split on spaces outside quotes; quotes and escapes are kept."""
    if not _WORDS_SLOW.search(rest) and escape not in rest:  # no quote, no escape: only spaces split
        return rest.split()  # Python's spaces are Go's and \x1c-\x1f, which the search excludes
    words: list[str] = []
    IN_SPACES, IN_WORD, IN_QUOTE = 0, 1, 2
    phase = IN_SPACES
    quote = ""
    blank_ok = False
    buf: list[str] = []
    pos = 0
    n = len(rest)
    while pos <= n:
        ch = rest[pos] if pos != n else ""
        if phase == IN_SPACES:
            if pos == n:
                break
            if ch in _GO_SPACE:
                pos += 1
                continue
            phase = IN_WORD
        if phase in (IN_WORD, IN_QUOTE) and pos == n:
            if blank_ok or buf:
                words.append("".join(buf))
            break
        if phase == IN_WORD:
            if ch in _GO_SPACE:
                phase = IN_SPACES
                if blank_ok or buf:
                    words.append("".join(buf))
                buf = []
                blank_ok = False
                pos += 1
                continue
            if ch in ("'", '"'):
                quote = ch
                blank_ok = True
                phase = IN_QUOTE
            if ch == escape:
                if pos + 1 == n:
                    pos += 1
                    continue
                buf.append(ch)
                pos += 1
                ch = rest[pos]
            buf.append(ch)
            pos += 1
            continue
        if phase == IN_QUOTE:
            if ch == quote:
                phase = IN_WORD
            if ch == escape and quote != "'":
                if pos + 1 == n:
                    phase = IN_WORD
                    pos += 1
                    continue
                pos += 1
                buf.append(ch)
                ch = rest[pos]
            buf.append(ch)
            pos += 1
    return words


def _parse_name_val(rest: str, key: str, escape: str, lineno: int) -> tuple[str, ...]:
    words = _parse_words(rest, escape)
    if not words:
        return ()
    if "=" not in words[0]:
        parts = _RE_WHITESPACE.split(rest, maxsplit=1)
        if len(parts) < 2:
            raise DockerfixError(f"{key} must have two arguments", lineno)
        return (parts[0], parts[1])
    out: list[str] = []
    for word in words:
        if "=" not in word:
            raise DockerfixError(
                f"Syntax error - can't find = in {json.dumps(word)}. Must be of the form: name=value",
                lineno,
            )
        k, v = word.split("=", 1)
        out += (k, v)
    return tuple(out)


# --- heredoc words (BuildKit's shell lexer, as far as heredoc detection needs it) ---------------


class _LexError(Exception):
    pass


def _shell_words(line: str, raw: bool) -> list[str]:
    """Words of `line` as BuildKit's shell.Lex.ProcessWords splits them (escape `\\`, no
    environment, unset variables kept). With raw=True quotes and escapes stay in the words."""
    words: list[str] = []
    buf: list[str] = []
    in_word = False
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if ch in _GO_SPACE:
            if in_word:
                words.append("".join(buf))
                buf = []
                in_word = False
            i += 1
            continue
        in_word = True
        if ch == "'":
            j = line.find("'", i + 1)
            if j < 0:
                raise _LexError("unterminated single quote")
            buf.append(line[i : j + 1] if raw else line[i + 1 : j])
            i = j + 1
        elif ch == '"':
            j = i + 1
            part: list[str] = []
            while True:
                if j >= n:
                    raise _LexError("unterminated double quote")
                c = line[j]
                if c == '"':
                    break
                if c == "\\" and j + 1 < n and line[j + 1] in '"\\$`':
                    part.append(line[j : j + 2] if raw else line[j + 1])
                    j += 2
                    continue
                part.append(c)
                j += 1
            body = "".join(part)
            buf.append('"' + body + '"' if raw else body)
            i = j + 1
        elif ch == "$" and i + 1 < n and line[i + 1] == "{":
            j = line.find("}", i + 2)
            if j < 0:
                raise _LexError("unterminated ${")
            buf.append(line[i : j + 1])
            i = j + 1
        elif ch == "\\":
            if i + 1 < n:
                buf.append(line[i : i + 2] if raw else line[i + 1])
                i += 2
            else:
                i += 1
        else:
            buf.append(ch)
            i += 1
    if in_word:
        words.append("".join(buf))
    return words


def _heredocs_from_line(line: str) -> list[Heredoc]:
    if "<<" not in line:
        return []
    try:
        words = _shell_words(line, raw=True)
    except _LexError:
        return []
    docs = []
    for word in words:
        m = _RE_HEREDOC.fullmatch(word)
        if not m or not m.group(3):
            continue
        rest = m.group(3)
        try:
            plain = _shell_words(rest, raw=False)
            rawq = _shell_words(rest, raw=True)
        except _LexError:
            continue
        if len(plain) != 1:
            continue
        name = plain[0]
        q1 = name.count("'") + name.count('"')
        q2 = rawq[0].count("'") + rawq[0].count('"')
        docs.append(Heredoc(name, int(m.group(1) or 0), q1 == q2, m.group(2) == "-", ""))
    return docs
