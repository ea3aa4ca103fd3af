"""`dockerfix lsp`: a language server (pygls) over stdio.

- Diagnostics: a warning (code DFX001) on the line that makes the final stage run as root (its
  `USER root`, or its `FROM` when no USER says otherwise), with the reason; warnings on their
  lines; an error on the line of a parse error.
- Code action "Run as a non-root user" (quickfix, also under source.fixAll.dockerfix) and
  document formatting: both are exactly the edit `dockerfix -` makes.
- Options come from the configuration files that govern the document (as on the command line).
"""

from __future__ import annotations

import os
import re
import sys
from urllib.parse import unquote, urlparse

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer

from . import __version__
from .config import Finder
from .errors import DockerfixError
from .output import edit_of, position
from .plan import Options, Result, fix

SOURCE = "dockerfix"
CODE = "DFX001"
FIX_TITLE = "Run as a non-root user"
FIX_ALL = "source.fixAll.dockerfix"

server = LanguageServer("dockerfix", __version__, text_document_sync_kind=t.TextDocumentSyncKind.Full)
_finder = Finder()


def path_of(uri: str) -> str | None:
    u = urlparse(uri)
    return unquote(u.path) if u.scheme == "file" else None


def options_for(path: str | None) -> Options:
    """The options of the configuration that governs the document (defaults when there is none
    or it cannot be read: the command line reports a broken configuration)."""
    try:
        cfg = _finder.for_path(path) if path else None
        opts = Options(**cfg.values) if cfg else Options()
        opts.validate()
        return opts
    except DockerfixError:
        return Options()


def analyse(uri: str, text: str) -> tuple[bytes, Result | None, DockerfixError | None]:
    path = path_of(uri)
    data = text.encode("utf-8")
    try:
        return data, fix(data, options_for(path), os.path.dirname(path) if path else None), None
    except DockerfixError as e:
        return data, None, e


def _line_range(text: str, line: int) -> t.Range:
    lines = text.split("\n")
    n = lines[line] if 0 <= line < len(lines) else ""
    n = n[:-1] if n.endswith("\r") else n
    return t.Range(t.Position(line, 0), t.Position(line, len(n.encode("utf-16-le")) // 2))


def diagnostics(text: str, res: Result | None, err: DockerfixError | None) -> list[t.Diagnostic]:
    if err is not None:
        return [t.Diagnostic(_line_range(text, (err.line or 1) - 1), err.message, severity=t.DiagnosticSeverity.Error,
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


def _publish(ls: LanguageServer, uri: str) -> None:
    doc = ls.workspace.get_text_document(uri)
    _, res, err = analyse(uri, doc.source)
    ls.text_document_publish_diagnostics(
        t.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics(doc.source, res, err), version=doc.version)
    )


@server.feature(t.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: t.DidOpenTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: t.DidChangeTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: LanguageServer, params: t.DidSaveTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: LanguageServer, params: t.DidCloseTextDocumentParams) -> None:
    ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


@server.feature(
    t.TEXT_DOCUMENT_CODE_ACTION,
    t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False),
)
def code_action(ls: LanguageServer, params: t.CodeActionParams) -> list[t.CodeAction]:
    uri = params.text_document.uri
    doc = ls.workspace.get_text_document(uri)
    data, res, err = analyse(uri, doc.source)
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
    if want is not None and any(str(k) == FIX_ALL or str(k) == "source.fixAll" for k in want):
        out.append(t.CodeAction(FIX_TITLE, kind=FIX_ALL, diagnostics=diags, edit=edit))
    return out


@server.feature(t.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: LanguageServer, params: t.DocumentFormattingParams) -> list[t.TextEdit]:
    uri = params.text_document.uri
    doc = ls.workspace.get_text_document(uri)
    data, res, _ = analyse(uri, doc.source)
    return text_edits(data, res)


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
    server.start_io()
    return 0
