"""`dockerfix lsp` driven by real LSP clients over stdio: pygls's LanguageClient through the whole
lifecycle, and a hand-written JSON-RPC exchange (Content-Length framing)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="the language server needs pygls: pip install -e '.[test]'")

from lsprotocol import types as t  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

from test_cli import ROOT_DOCKERFILE  # noqa: E402

SERVER = [sys.executable, "-m", "fixer", "lsp", "--stdio"]
TRICKY = "# caf\u00e9 \U0001f433\r\nFROM alpine:3.20\r\nRUN apk add --no-cache curl\r\nCMD [\"curl\"]"


def cli_fix(text: str, cwd: Path) -> str:
    p = subprocess.run([sys.executable, "-m", "fixer", "-"], input=text.encode(), capture_output=True, cwd=cwd,
                       timeout=60)
    return p.stdout.decode()


def apply(text: str, edits: list[t.TextEdit]) -> str:
    """Apply LSP text edits (0-based lines, UTF-16 characters), last first."""

    def offset(pos: t.Position) -> int:
        lines = text.split("\n")
        before = sum(len(ln) + 1 for ln in lines[: pos.line])
        line = lines[pos.line] if pos.line < len(lines) else ""
        head = line.encode("utf-16-le")[: 2 * pos.character].decode("utf-16-le")
        return before + len(head)

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text


async def _session(tmp_path: Path):
    client = LanguageClient("dockerfix-test", "1")
    published: dict[str, asyncio.Queue] = {}

    @client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: t.PublishDiagnosticsParams) -> None:
        published.setdefault(params.uri, asyncio.Queue()).put_nowait(params.diagnostics)

    async def next_diagnostics(uri: str):
        q = published.setdefault(uri, asyncio.Queue())
        return await asyncio.wait_for(q.get(), 30)

    await client.start_io(*SERVER, cwd=str(tmp_path))
    return client, next_diagnostics


def test_lsp_lifecycle_with_pygls_client(tmp_path):
    (tmp_path / ".dockerfix.toml").write_text('user = "web"\n')

    async def run():
        client, next_diagnostics = await _session(tmp_path)
        init = await asyncio.wait_for(client.initialize_async(t.InitializeParams(
            capabilities=t.ClientCapabilities(), root_uri=tmp_path.as_uri())), 30)
        caps = init.capabilities
        assert caps.document_formatting_provider and caps.code_action_provider
        assert init.server_info.name == "dockerfix"
        client.initialized(t.InitializedParams())

        uri = (tmp_path / "Dockerfile").as_uri()
        client.text_document_did_open(t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=uri, language_id="dockerfile", version=1, text=ROOT_DOCKERFILE)))
        diags = await next_diagnostics(uri)
        (d,) = diags
        assert d.code == "DFX001" and d.severity == t.DiagnosticSeverity.Warning and d.source == "dockerfix"
        assert d.range.start.line == 0  # FROM decides: no USER
        assert "runs as root" in d.message and "USER web" in d.message  # the configuration is honoured

        actions = await asyncio.wait_for(client.text_document_code_action_async(t.CodeActionParams(
            t.TextDocumentIdentifier(uri), d.range, t.CodeActionContext(diagnostics=[d]))), 30)
        (action,) = actions
        assert action.title == "Run as a non-root user" and action.kind == t.CodeActionKind.QuickFix
        fixed = apply(ROOT_DOCKERFILE, action.edit.changes[uri])
        assert fixed == cli_fix(ROOT_DOCKERFILE, tmp_path) and "USER web\n" in fixed

        edits = await asyncio.wait_for(client.text_document_formatting_async(t.DocumentFormattingParams(
            t.TextDocumentIdentifier(uri), t.FormattingOptions(tab_size=4, insert_spaces=True))), 30)
        assert apply(ROOT_DOCKERFILE, edits) == fixed

        # the fixed text: diagnostics cleared, nothing to format
        client.text_document_did_change(t.DidChangeTextDocumentParams(
            t.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [t.TextDocumentContentChangeWholeDocument(text=fixed)]))
        assert list(await next_diagnostics(uri)) == []
        edits = await client.text_document_formatting_async(t.DocumentFormattingParams(
            t.TextDocumentIdentifier(uri), t.FormattingOptions(tab_size=4, insert_spaces=True)))
        assert not edits

        # a parse error: an error on its line; formatting changes nothing
        client.text_document_did_change(t.DidChangeTextDocumentParams(
            t.VersionedTextDocumentIdentifier(uri=uri, version=3),
            [t.TextDocumentContentChangeWholeDocument(text="FROM debian\nRUN <<EOF\necho open\n")]))
        (err,) = await next_diagnostics(uri)
        assert err.severity == t.DiagnosticSeverity.Error and err.range.start.line == 1
        assert "heredoc" in err.message.lower()

        client.text_document_did_close(t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(uri)))
        assert list(await next_diagnostics(uri)) == []
        await asyncio.wait_for(client.shutdown_async(None), 30)
        client.exit(None)
        await asyncio.sleep(0.5)
        await client.stop()
        return client

    asyncio.run(run())


def test_lsp_edit_is_the_cli_edit_with_crlf_and_non_ascii(tmp_path):
    async def run():
        client, next_diagnostics = await _session(tmp_path)
        await asyncio.wait_for(client.initialize_async(t.InitializeParams(capabilities=t.ClientCapabilities())), 30)
        client.initialized(t.InitializedParams())
        uri = (tmp_path / "x.Dockerfile").as_uri()
        client.text_document_did_open(t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=uri, language_id="dockerfile", version=1, text=TRICKY)))
        (d,) = await next_diagnostics(uri)
        assert d.range.start.line == 1 and d.range.end.character == len("FROM alpine:3.20")
        actions = await client.text_document_code_action_async(t.CodeActionParams(
            t.TextDocumentIdentifier(uri), t.Range(t.Position(0, 0), t.Position(3, 0)),
            t.CodeActionContext(diagnostics=[], only=["source.fixAll.dockerfix"])))
        (action,) = actions
        assert str(action.kind) == "source.fixAll.dockerfix"
        assert apply(TRICKY, action.edit.changes[uri]) == cli_fix(TRICKY, tmp_path)
        await client.shutdown_async(None)
        client.exit(None)
        await asyncio.sleep(0.3)
        await client.stop()

    asyncio.run(run())


def _frame(msg: dict) -> bytes:
    body = json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read(stream) -> dict:
    headers = {}
    while True:
        line = stream.readline()
        assert line, "the server closed its output"
        if line in (b"\r\n", b"\n"):
            break
        k, _, v = line.decode().partition(":")
        headers[k.strip().lower()] = v.strip()
    return json.loads(stream.read(int(headers["content-length"])))


def test_lsp_raw_json_rpc(tmp_path):
    proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=tmp_path)
    try:
        def send(msg):
            proc.stdin.write(_frame(msg))
            proc.stdin.flush()

        def until(pred):
            while True:
                m = _read(proc.stdout)
                if pred(m):
                    return m

        uri = (tmp_path / "Dockerfile").as_uri()
        send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None,
                                                                           "capabilities": {}}})
        init = until(lambda m: m.get("id") == 1)
        assert init["result"]["capabilities"]["documentFormattingProvider"]
        send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        text = "FROM debian:bookworm-slim\nUSER root\nCMD [\"sleep\", \"1\"]\n"
        send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}})
        diag = until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        (d,) = diag["params"]["diagnostics"]
        assert d["range"]["start"]["line"] == 1 and d["code"] == "DFX001"  # USER root decides
        send({"jsonrpc": "2.0", "id": 2, "method": "textDocument/formatting", "params": {
            "textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": True}}})
        (edit,) = until(lambda m: m.get("id") == 2)["result"]
        assert edit["range"]["start"] == {"line": 2, "character": 0} and edit["newText"].endswith("USER appuser\n")
        send({"jsonrpc": "2.0", "id": 3, "method": "shutdown", "params": None})
        assert until(lambda m: m.get("id") == 3)["result"] is None
        send({"jsonrpc": "2.0", "method": "exit", "params": None})
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_lsp_help_and_bad_arguments():
    p = subprocess.run([*SERVER[:-1], "--help"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "usage: dockerfix lsp" in p.stdout
    p = subprocess.run([*SERVER[:-1], "--tcp"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "unknown argument '--tcp'" in p.stderr


def test_lsp_diagnostic_names_the_root_step_only_when_there_is_one():
    from fixer import lsp

    for text, expected in [
        ("FROM debian:12\nCOPY app /app\n", "The final build stage runs as root (no USER: the default). "
                                            "Fix: USER appuser after line 1."),
        ("FROM debian:12\nRUN apt-get install -y curl\n",
         "The final build stage runs as root (no USER: the default); last root step: "
         "line 2: apt-get install needs root (package manager). Fix: USER appuser after line 2."),
    ]:
        data, res, err = lsp.analyse("untitled:Dockerfile", text)
        assert [d.message for d in lsp.diagnostics(text, res, err)] == [expected]
