"""`dockerfix lsp`: a language server (pygls) over stdio.

- Diagnostics: a warning (code DFX001) on the line that makes the final stage run as root (its
  `USER root`, or its `FROM` when no USER says otherwise), with the reason; warnings on their
  lines; an error on the line of a parse error, and on the first line when the configuration is
  broken or dockerfix itself fails on the document.
- Code action "Run as a non-root user" (quickfix, also under source.fixAll.dockerfix) and
  document formatting: both are exactly the edit `dockerfix -` makes. Next to the quick fix,
  "Leave this stage alone" writes `# dockerfix: ignore -- ` above the final stage's FROM, for the
  user to finish with the reason (the `ignored` rule).
- Options come from the configuration files that govern the document (as on the command line),
  read again when one of them changes.
- Hostile input never stops it: `Frames` cuts the stream into messages and survives bad frames,
  `Protocol` answers every request (pygls leaves some unanswered), and an exception inside
  dockerfix becomes an error diagnostic or an error response.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import traceback
from typing import Any, BinaryIO, Iterator
from urllib.parse import unquote, urlparse

from lsprotocol import types as t
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcParseError
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.protocol.json_rpc import RPCRequest
from pygls.workspace import TextDocument

from . import __version__
from .config import FILE_NAMES, Finder, validated_options
from .errors import DockerfixError
from .output import edit_of, position
from .repository import Cache
from .pipeline import fix
from .plan import Options
from .result import Result
from .shellfacts import Memo
from . import recache

SOURCE = "dockerfix"
CODE = "DFX001"
FIX_TITLE = "Run as a non-root user"
FIX_ALL = "source.fixAll.dockerfix"
IGNORE_TITLE = "Leave this stage alone (# dockerfix: ignore)"
IGNORE_COMMENT = "# dockerfix: ignore -- "

log = logging.getLogger(__name__)


class Frames:
    """Cuts the client's byte stream into messages, and survives bad frames.

    A frame is header lines (`Content-Length: N` among them), an empty line and N bytes of JSON.
    `feed` yields each message (the decoded JSON), or a JsonRpcParseError for a frame it cannot
    read: a Content-Length that is not a number, or N bytes that are not JSON (N too short, or
    the body is broken). It then reads on from the next frame's header. A frame whose N is too
    long but whose body is one whole JSON message followed by nothing but white space or the next
    frame's header is read as that message. (pygls's own loop would lose every message after one
    bad header, and wait forever on a too large Content-Length.)"""

    HEADER = recache.compile(rb"Content-Length:", re.IGNORECASE)
    MAX_HEADER = 4096

    def __init__(self) -> None:
        self.buf = b""
        self._decoder = json.JSONDecoder()

    def feed(self, data: bytes) -> Iterator[Any]:
        self.buf += data
        while True:
            m = self.HEADER.search(self.buf)
            if m is None:
                self._skip(len(self.buf) - len(self.HEADER.pattern))  # keep what may be a header's start
                return
            self._skip(m.start())
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) <= self.MAX_HEADER:
                    return  # the rest of the header is on its way
                self.buf = self.buf[len(self.HEADER.pattern):]
                yield JsonRpcParseError("a Content-Length header with no empty line after it")
                continue
            # skipped text (JSON can't hold a raw line break) may say Content-Length: the last one counts
            *_, m = self.HEADER.finditer(self.buf, 0, end)
            self._skip(m.start())
            end -= m.start()
            value = self.buf[len(self.HEADER.pattern): end].split(b"\r\n")[0].strip()
            start = end + 4
            if not value.isdigit():
                self.buf = self.buf[start:]
                yield JsonRpcParseError(f"invalid Content-Length header {value.decode('latin-1')!r}")
                continue
            n = int(value)
            body = self.buf[start: start + n]
            msg, size = None, None
            if len(body) == n:
                try:
                    msg, size = json.loads(body), n
                except (ValueError, RecursionError):
                    pass
            if size is None and (len(body) == n or body.rstrip().endswith(b"}")):
                msg, size = self._whole(body)
                if size is not None:
                    log.warning("Content-Length %d, but the message it holds is %d bytes long", n, size)
            if size is not None:
                self.buf = self.buf[start + size:]
                yield msg
            elif len(body) == n:
                self.buf = self.buf[start + n:]
                yield JsonRpcParseError(f"the {n} bytes of a message are not JSON")
            else:
                return  # the rest of the body is on its way

    def _skip(self, n: int) -> None:
        junk, self.buf = self.buf[: max(n, 0)], self.buf[max(n, 0):]
        if junk.strip() and not junk.lstrip().lower().startswith(b"content-type:"):
            log.warning("skipped %d bytes outside any message", len(junk))

    def _whole(self, data: bytes) -> tuple[Any, int | None]:
        """The JSON message `data` starts with and its size in bytes, when only white space or
        another frame's header follows it; (None, None) otherwise."""
        text = data.decode("utf-8", "surrogateescape")
        try:
            msg, stop = self._decoder.raw_decode(text, len(text) - len(text.lstrip()))
        except (ValueError, RecursionError):
            return None, None
        rest = text[stop:].lstrip()
        if rest and not rest.lower().startswith("content-"):
            return None, None
        return msg, len(text[:stop].encode("utf-8", "surrogateescape"))


class Protocol(LanguageServerProtocol):
    """pygls's protocol, answering what pygls would leave unanswered."""

    def receive(self, item: Any) -> None:
        """Handle one item from `Frames`: a message, or a frame that could not be read."""
        if isinstance(item, JsonRpcException):
            return self.send_error(None, item.code, item.message)
        msg_id = item.get("id") if isinstance(item, dict) else None
        msg_id = msg_id if isinstance(msg_id, (int, str)) else None
        if not isinstance(item, dict) or item.get("jsonrpc") != "2.0":
            return self.send_error(msg_id, t.ErrorCodes.InvalidRequest, "not a JSON-RPC 2.0 message")
        try:
            message = self.structure_message(item)
        except JsonRpcException as e:  # a known method with params of the wrong shape
            if "method" in item and msg_id is not None:
                self.send_error(msg_id, e.code, f"{e.message}: {item['method']}")
            return
        self.handle_message(message)

    def handle_message(self, message: Any) -> None:
        method = getattr(message, "method", None)
        request = isinstance(message, RPCRequest)
        if method not in (None, t.EXIT):  # not a response, nor exit
            if self._workspace is None and method != t.INITIALIZE:
                if request:
                    self.send_error(message.id, t.ErrorCodes.ServerNotInitialized,
                                    "the server is not initialized: send initialize first")
                return  # the LSP says: drop notifications before initialize
            if self._shutdown:
                if request:
                    self.send_error(message.id, t.ErrorCodes.InvalidRequest,
                                    "the server is shut down: only exit is accepted")
                return
        super().handle_message(message)

    def send_error(self, msg_id: int | str | None, code: int, message: str) -> None:
        # written out: lsprotocol's ResponseErrorMessage leaves out an id that is null
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": int(code), "message": message}})

    @lsp_method(t.INITIALIZE)
    def lsp_initialize(self, params: t.InitializeParams):
        # dockerfix counts characters in UTF-16 code units (output.position): the one encoding
        # every client supports; pygls would choose the first the client lists
        if params.capabilities.general is not None:
            params.capabilities.general.position_encodings = [t.PositionEncodingKind.Utf16]
        return (yield from super().lsp_initialize(params))

    @property
    def exit_status(self) -> int:
        """The LSP's: 0 when shutdown came first, 1 otherwise."""
        return 0 if self._shutdown else 1


server = LanguageServer("dockerfix", __version__, text_document_sync_kind=t.TextDocumentSyncKind.Incremental,
                        protocol_cls=Protocol)
server.resolver = None  # the base-image resolver this server passes to the pipeline (set by main)
# the repositories around the open documents: cheap reads, kept per repository root for 30 s
REPOSITORIES = Cache(cheap=True, ttl=30.0)
SHELLS = Memo()  # RUN lines already analysed: an edit re-reads only the instruction it changed


def path_of(uri: str) -> str | None:
    u = urlparse(uri)
    return unquote(u.path) if u.scheme == "file" else None


def _config_files(folder: str) -> list[tuple[str, int, int]]:
    """The configuration files from `folder` up, with their mtime and size: when this changes,
    the configuration is read again."""
    out = []
    while True:
        for name in FILE_NAMES:
            try:
                st = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            out.append((os.path.join(folder, name), st.st_mtime_ns, st.st_size))
        parent = os.path.dirname(folder)
        if parent == folder:
            return out
        folder = parent


_configs: dict[str, tuple[list, Options | DockerfixError]] = {}  # folder -> (its _config_files, options)


def options_for(path: str | None) -> Options:
    """The options of the configuration that governs the document (defaults for a document with
    no file). A broken configuration raises DockerfixError, worded as on the command line."""
    if path is None:
        return Options()
    folder = os.path.dirname(os.path.abspath(path))
    files = _config_files(folder)
    if folder not in _configs or _configs[folder][0] != files:
        try:
            cfg = Finder().for_folder(folder)
            opts = validated_options(cfg)
            _configs[folder] = (files, opts)
        except DockerfixError as e:
            _configs[folder] = (files, e)
    found = _configs[folder][1]
    if isinstance(found, DockerfixError):
        raise DockerfixError(found.message)
    return found


def failure(e: Exception) -> str:
    return f"dockerfix failed on this file: {type(e).__name__}: {e} (a bug in dockerfix: please report it)"


def analyse(uri: str, text: str) -> tuple[bytes, Result | None, Exception | None]:
    """The document's fix, or the error that stops it: a DockerfixError (the file or its
    configuration), or any other exception (a bug: logged, never fatal to the server)."""
    path = path_of(uri)
    # a lone surrogate (the client's JSON can carry one) stays invalid UTF-8, which decode() reports
    data = text.encode("utf-8", "surrogatepass")
    try:
        return data, fix(data, options_for(path), os.path.dirname(path) if path else None, path,
                         resolver=server.resolver, repositories=REPOSITORIES, shells=SHELLS), None
    except DockerfixError as e:
        return data, None, e
    except Exception as e:
        log.error("%s on %s:\n%s", type(e).__name__, uri, "".join(traceback.format_exception(e, limit=-3)).rstrip())
        return data, None, e


def _line_range(text: str, line: int) -> t.Range:
    lines = text.split("\n")
    n = lines[line] if 0 <= line < len(lines) else ""
    n = n[:-1] if n.endswith("\r") else n
    return t.Range(t.Position(line, 0), t.Position(line, len(n.encode("utf-16-le", "surrogatepass")) // 2))


def diagnostics(text: str, res: Result | None, err: Exception | None) -> list[t.Diagnostic]:
    if err is not None:
        line, msg = (err.line, err.message) if isinstance(err, DockerfixError) else (None, failure(err))
        return [t.Diagnostic(_line_range(text, (line or 1) - 1), msg, severity=t.DiagnosticSeverity.Error,
                             source=SOURCE)]
    if res is None or not res.changed:
        return []
    msg = f"The final build stage runs as {res.user_before}"
    msg += f"; last root step: {res.root_step}" if res.root_step else ""
    msg += f". Fix: USER {res.user_after} after line {res.insert_after}."
    out = [t.Diagnostic(_line_range(text, (res.root_line or 1) - 1), msg, severity=t.DiagnosticSeverity.Warning,
                        code=CODE, source=SOURCE)]
    for w in res.warnings:
        m = re.match(r"line (\d+): (.*)", w)
        if m:
            out.append(t.Diagnostic(_line_range(text, int(m.group(1)) - 1), m.group(2),
                                    severity=t.DiagnosticSeverity.Information, source=SOURCE))
    return out


def text_edits(data: bytes, res: Result | None) -> list[t.TextEdit]:
    """The CLI's edit as LSP text edits (positions in UTF-16 code units)."""
    if res is None or not res.changed:
        return []
    offset, length, inserted = edit_of(data, res.output, res.insert_after)
    start = t.Position(*position(data, offset))
    end = t.Position(*position(data, offset + length))
    return [t.TextEdit(t.Range(start, end), inserted.decode("utf-8"))]


def ignore_edit(uri: str, data: bytes) -> t.TextEdit | None:
    """`# dockerfix: ignore -- ` on a line of its own right above the final stage's FROM: in the
    comment lines the `ignored` rule reads, and after any parser directive (those can only be the
    file's first lines, above every instruction). None unless the `ignored` rule then leaves the
    document alone."""
    from .decide import Context
    from .parse import parse
    from .source import BOM, decode

    path = path_of(uri)
    opts = options_for(path)
    df = parse(decode(data))
    src = df.source
    line = Context(df, opts, resolver=server.resolver).an.final.from_inst.start_line
    offset = len("".join(src.lines[: line - 1]).encode("utf-8")) or (3 if data.startswith(BOM.encode()) else 0)
    nl = "\r\n" if src.lines[line - 1].endswith("\r\n") else src.newline
    comment = IGNORE_COMMENT + nl
    after = data[:offset] + comment.encode("utf-8") + data[offset:]
    if fix(after, opts, os.path.dirname(path) if path else None, path, resolver=server.resolver,
           repositories=REPOSITORIES).rule != "ignored":
        return None
    pos = t.Position(*position(data, offset))
    return t.TextEdit(t.Range(pos, pos), comment)


def _publish(ls: LanguageServer, doc: TextDocument) -> None:
    _, res, err = analyse(doc.uri, doc.source)
    ls.text_document_publish_diagnostics(
        t.PublishDiagnosticsParams(uri=doc.uri, diagnostics=diagnostics(doc.source, res, err), version=doc.version)
    )


def _open(ls: LanguageServer, uri: str) -> TextDocument | None:
    return ls.workspace.text_documents.get(unquote(uri))  # pygls's key


def _analysed(ls: LanguageServer, uri: str) -> tuple[TextDocument, bytes, Result | None, Exception | None]:
    """An open document and its analysis, for a request: an error response when the document is
    not open (pygls would read the file from disk) or dockerfix fails on it."""
    doc = _open(ls, uri)
    if doc is None:
        raise JsonRpcInvalidParams(f"{uri} is not open: dockerfix acts only on documents sent with didOpen")
    data, res, err = analyse(uri, doc.source)
    if err is not None and not isinstance(err, DockerfixError):
        raise JsonRpcException(failure(err), code=t.LSPErrorCodes.RequestFailed)
    return doc, data, res, err


@server.feature(t.INITIALIZED)
def initialized(ls: LanguageServer, params: t.InitializedParams) -> None:
    """Have the client watch the configuration files, when it can register that."""
    caps = ls.client_capabilities.workspace
    if caps and caps.did_change_watched_files and caps.did_change_watched_files.dynamic_registration:
        watchers = [t.FileSystemWatcher(glob_pattern=f"**/{name}") for name in FILE_NAMES]
        ls.client_register_capability(t.RegistrationParams([t.Registration(
            "dockerfix-configuration", t.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            t.DidChangeWatchedFilesRegistrationOptions(watchers))]))


@server.feature(t.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: LanguageServer, params: t.DidChangeWatchedFilesParams) -> None:
    REPOSITORIES.clear()
    for doc in list(ls.workspace.text_documents.values()):
        _publish(ls, doc)


@server.feature(t.TEXT_DOCUMENT_DID_OPEN)
@server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
@server.feature(t.TEXT_DOCUMENT_DID_SAVE)
def did_open_change_save(ls: LanguageServer, params: Any) -> None:
    doc = _open(ls, params.text_document.uri)
    if doc is not None:
        _publish(ls, doc)


@server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: LanguageServer, params: t.DidCloseTextDocumentParams) -> None:
    ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


@server.feature(
    t.TEXT_DOCUMENT_CODE_ACTION,
    t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False),
)
def code_action(ls: LanguageServer, params: t.CodeActionParams) -> list[t.CodeAction]:
    uri = params.text_document.uri
    doc, data, res, err = _analysed(ls, uri)
    edits = text_edits(data, res)
    if not edits:
        return []
    diags = [d for d in diagnostics(doc.source, res, err) if d.code == CODE]
    want = params.context.only
    r = params.range
    hits = [d for d in diags if not (r.end.line < d.range.start.line or r.start.line > d.range.end.line)]
    out = []
    edit = t.WorkspaceEdit(changes={uri: edits})
    if (want is None or t.CodeActionKind.QuickFix in want) and hits:
        out.append(t.CodeAction(FIX_TITLE, kind=t.CodeActionKind.QuickFix, diagnostics=hits, is_preferred=True,
                                edit=edit))
        ignore = ignore_edit(uri, data)
        if ignore is not None:
            out.append(t.CodeAction(IGNORE_TITLE, kind=t.CodeActionKind.QuickFix, diagnostics=hits,
                                    edit=t.WorkspaceEdit(changes={uri: [ignore]})))
    if want is not None and any(str(k) == FIX_ALL or str(k) == "source.fixAll" for k in want):
        out.append(t.CodeAction(FIX_TITLE, kind=FIX_ALL, diagnostics=diags, edit=edit))
    return out


@server.feature(t.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: LanguageServer, params: t.DocumentFormattingParams) -> list[t.TextEdit]:
    _, data, res, _ = _analysed(ls, params.text_document.uri)
    return text_edits(data, res)


def serve(stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Run the server until exit (or the end of input); its exit status."""
    server.protocol.set_writer(StdoutWriter(stdout))
    frames = Frames()
    try:
        while chunk := stdin.read1(1 << 16):
            for item in frames.feed(chunk):
                try:
                    server.protocol.receive(item)
                except Exception:  # pygls answers what it can; the loop must go on whatever happens
                    log.exception("cannot handle a message")
    except SystemExit as e:  # pygls's exit handler
        return int(e.code or 0)
    except BrokenPipeError:
        log.error("the client closed the connection")
    return server.protocol.exit_status


def _log_to_stderr() -> None:
    """Warnings and errors to stderr (the editor's log), but not the errors a request is answered
    with: the client has those already."""
    h = logging.StreamHandler()
    h.setFormatter(logging.Formatter("dockerfix lsp: %(levelname)s: %(message)s"))
    h.addFilter(lambda r: not (r.exc_info and isinstance(r.exc_info[1], JsonRpcException)))
    logging.basicConfig(level=logging.WARNING, handlers=[h])


USAGE = """usage: dockerfix lsp [--stdio]

Run the dockerfix language server over standard input and output: diagnostics on the line that
makes the final stage run as root, a quick fix "Run as a non-root user", and document formatting.
"""


def main(argv: list[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        sys.stdout.write(USAGE)
        return 0
    unknown = [a for a in argv if a != "--stdio"]
    if unknown:
        sys.stderr.write(f"dockerfix lsp: error: unknown argument {unknown[0]!r} (only --stdio)\n{USAGE}")
        return 2
    _log_to_stderr()
    from . import facts

    server.resolver = facts.resolver_from({}, local=True)  # cache and engine only: never the network
    return serve(sys.stdin.buffer, sys.stdout.buffer)
