"""`dockerfix lsp` driven by real LSP clients over stdio: pygls's LanguageClient through the whole
lifecycle, and a hand-written JSON-RPC exchange (Content-Length framing)."""

from __future__ import annotations

import asyncio
import json
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="the language server needs pygls: pip install -e '.[test]'")

from lsprotocol import types as t  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

from test_cli import ROOT_DOCKERFILE  # noqa: E402

SERVER = [sys.executable, "-m", "fixer", "lsp", "--stdio"]
FIX_ALL = "source.fixAll.dockerfix"
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
        action, leave = actions
        assert action.title == "Run as a non-root user" and action.kind == t.CodeActionKind.QuickFix
        assert leave.title.startswith("Leave this stage alone") and not leave.is_preferred
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


def cli_json(text: str, cwd: Path) -> dict:
    p = subprocess.run([sys.executable, "-m", "fixer", "--format", "json", "-"], input=text.encode(),
                       capture_output=True, cwd=cwd, timeout=60)
    return json.loads(p.stdout)[0]


IGNORE_CASES = {
    # name: (text, the text after "Leave this stage alone")
    "directive": ("# syntax=docker/dockerfile:1\nFROM debian:bookworm\nRUN apt-get update\n",
                  "# syntax=docker/dockerfile:1\n# dockerfix: ignore -- \nFROM debian:bookworm\nRUN apt-get update\n"),
    "final stage": ("FROM golang:1.22 AS build\nRUN go build\n\n# the image\n  FROM debian:bookworm\nCOPY --from=build /x /x\n",
                    "FROM golang:1.22 AS build\nRUN go build\n\n# the image\n# dockerfix: ignore -- \n"
                    "  FROM debian:bookworm\nCOPY --from=build /x /x\n"),
    "crlf": ("FROM alpine:3.20\r\nRUN apk add curl\r\n",
             "# dockerfix: ignore -- \r\nFROM alpine:3.20\r\nRUN apk add curl\r\n"),
}


def test_lsp_leave_this_stage_alone(tmp_path):
    """Next to the fix, a quick fix writes `# dockerfix: ignore -- ` right above the final stage's
    FROM (after a parser directive); the CLI then leaves the file alone by the `ignored` rule."""

    async def run():
        client, next_diagnostics = await _session(tmp_path)
        await asyncio.wait_for(client.initialize_async(t.InitializeParams(capabilities=t.ClientCapabilities())), 30)
        client.initialized(t.InitializedParams())
        for i, (name, (text, expected)) in enumerate(IGNORE_CASES.items()):
            uri = (tmp_path / f"{i}.Dockerfile").as_uri()
            client.text_document_did_open(t.DidOpenTextDocumentParams(
                t.TextDocumentItem(uri=uri, language_id="dockerfile", version=1, text=text)))
            (d,) = await next_diagnostics(uri)
            actions = await asyncio.wait_for(client.text_document_code_action_async(t.CodeActionParams(
                t.TextDocumentIdentifier(uri), d.range, t.CodeActionContext(diagnostics=[d]))), 30)
            assert [a.title for a in actions] == ["Run as a non-root user",
                                                  "Leave this stage alone (# dockerfix: ignore)"], name
            ignored = apply(text, actions[1].edit.changes[uri])
            assert ignored == expected, name
            report = cli_json(ignored, tmp_path)
            assert not report["changed"] and report["rule"] == "ignored", name
            # not a fix-all: saving never writes the comment
            actions = await client.text_document_code_action_async(t.CodeActionParams(
                t.TextDocumentIdentifier(uri), d.range, t.CodeActionContext(diagnostics=[], only=[FIX_ALL])))
            assert [a.title for a in actions] == ["Run as a non-root user"], name
        await client.shutdown_async(None)
        client.exit(None)
        await asyncio.sleep(0.3)
        await client.stop()

    asyncio.run(run())


def _frame(msg: dict | bytes, length: int | str | None = None) -> bytes:
    body = msg if isinstance(msg, bytes) else json.dumps(msg).encode()
    return b"Content-Length: %s\r\n\r\n" % str(len(body) if length is None else length).encode() + body


class Raw:
    """A hand-written client: Content-Length frames out; messages in, read by a thread so that a
    server that never answers fails the test instead of hanging it; stderr drained the same way."""

    def __init__(self, cwd: Path, cmd: list[str] = SERVER):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     cwd=cwd)
        self.inbox: queue.Queue = queue.Queue()
        self.stderr = b""
        threading.Thread(target=self._read, daemon=True).start()
        self._errors = threading.Thread(target=self._drain, daemon=True)
        self._errors.start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                k, _, v = line.decode().partition(":")
                headers[k.strip().lower()] = v.strip()
            self.inbox.put(json.loads(out.read(int(headers["content-length"]))))

    def _drain(self) -> None:
        self.stderr = self.proc.stderr.read()

    def write(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, msg: dict) -> None:
        self.write(_frame(msg))

    def until(self, pred) -> dict:
        while True:
            m = self.inbox.get(timeout=30)
            if pred(m):
                return m

    def answer(self, id_) -> dict:
        return self.until(lambda m: m.get("id") == id_ and "method" not in m)

    def initialize(self) -> dict:
        self.send({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"processId": None, "rootUri": None,
                                                                                "capabilities": {}}})
        init = self.answer(0)
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        return init

    def open(self, uri: str, text: str) -> None:
        self.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}})

    def diagnostics(self, uri: str) -> list[dict]:
        return self.until(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                          and m["params"]["uri"] == uri)["params"]["diagnostics"]

    def request(self, id_, method: str, params) -> dict:
        self.send({"jsonrpc": "2.0", "id": id_, "method": method, "params": params})
        return self.answer(id_)

    def shutdown_and_exit(self, shutdown: bool = True) -> int:
        if shutdown:
            assert self.request("bye", "shutdown", None)["result"] is None
        self.send({"jsonrpc": "2.0", "method": "exit", "params": None})
        try:
            return self.proc.wait(timeout=30)
        finally:
            self._errors.join(10)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


@pytest.fixture
def raw(tmp_path):
    clients: list[Raw] = []

    def start(cmd: list[str] = SERVER) -> Raw:
        clients.append(Raw(tmp_path, cmd))
        return clients[-1]

    yield start
    for c in clients:
        c.kill()


def _formatting(uri: str) -> dict:
    return {"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": True}}


def _code_action(uri: str) -> dict:
    return {"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0},
                                                    "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": []}}


def test_lsp_raw_json_rpc(tmp_path, raw):
    s = raw()
    init = s.initialize()
    assert init["result"]["capabilities"]["documentFormattingProvider"]
    uri = (tmp_path / "Dockerfile").as_uri()
    s.open(uri, "FROM debian:bookworm-slim\nUSER root\nCMD [\"sleep\", \"1\"]\n")
    (d,) = s.diagnostics(uri)
    assert d["range"]["start"]["line"] == 1 and d["code"] == "DFX001"  # USER root decides
    (edit,) = s.request(2, "textDocument/formatting", _formatting(uri))["result"]
    assert edit["range"]["start"] == {"line": 2, "character": 0} and edit["newText"].endswith("USER appuser\n")
    assert s.shutdown_and_exit() == 0


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


# -- hostile input: every request is answered, the server stays up ---------------------------------------------

PARSE_ERROR = -32700


@pytest.mark.parametrize("bad", ["short", "long", "letters", "invalid-json"])
def test_lsp_answers_after_a_bad_frame(tmp_path, raw, bad):
    """A frame whose Content-Length is too short, too long or not a number, or whose body is not JSON:
    a -32700 Parse error (id null) for it, except that a too-long frame holding one whole JSON message is
    handled as that message; the requests that follow are answered, shutdown and exit included."""
    s = raw()
    s.initialize()
    uri = (tmp_path / "Dockerfile").as_uri()
    s.open(uri, ROOT_DOCKERFILE)
    s.diagnostics(uri)
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "textDocument/formatting",
                       "params": _formatting(uri)}).encode()
    frame = {"short": _frame(body, len(body) - 10), "long": _frame(body, len(body) + 10),
             "letters": _frame(body, "abc"), "invalid-json": _frame(b'{"jsonrpc": "2.0", "id": 7, "method": ')}[bad]
    s.write(frame + _frame({"jsonrpc": "2.0", "id": 8, "method": "textDocument/formatting",
                            "params": _formatting(uri)}))
    if bad == "long":  # the one message it holds
        assert s.answer(7)["result"][0]["newText"].endswith("USER appuser\n")
    else:
        err = s.until(lambda m: "error" in m)
        assert err["id"] is None and err["error"]["code"] == PARSE_ERROR
    assert s.answer(8)["result"][0]["newText"].endswith("USER appuser\n")
    assert s.shutdown_and_exit() == 0


# a server whose pipeline raises an unexpected exception on every document that says BOOM
BOOM_SERVER = [sys.executable, "-c", """if True:
    import sys
    from fixer import lsp
    real_fix = lsp.fix
    def fix(data, *args, **kwargs):
        if b"BOOM" in data:
            raise RecursionError("maximum recursion depth exceeded")
        return real_fix(data, *args, **kwargs)
    lsp.fix = fix
    sys.exit(lsp.main([]))
"""]


def test_lsp_pipeline_failure_is_an_error_diagnostic_and_an_error_response(tmp_path, raw):
    s = raw(BOOM_SERVER)
    s.initialize()
    uri = (tmp_path / "Dockerfile").as_uri()
    s.open(uri, "FROM alpine\nRUN echo BOOM\n")
    (d,) = s.diagnostics(uri)
    assert d["severity"] == 1 and d["range"]["start"]["line"] == 0
    assert "RecursionError: maximum recursion depth exceeded" in d["message"] and "bug" in d["message"]
    for i, (method, params) in enumerate([("textDocument/formatting", _formatting(uri)),
                                          ("textDocument/codeAction", _code_action(uri))]):
        err = s.request(i, method, params)["error"]
        assert err["code"] == -32803 and "RecursionError" in err["message"]  # RequestFailed
    # the server goes on: the next text is analysed
    s.send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": ROOT_DOCKERFILE}]}})
    (d,) = s.diagnostics(uri)
    assert d["code"] == "DFX001"
    assert s.shutdown_and_exit() == 0
    assert b"RecursionError" in s.stderr and len(s.stderr) < 5000  # a short report, not 1,000 frames


@pytest.mark.parametrize("text", [
    "FROM alpine\nRUN " + "echo $(" * 2000 + "x" + ")" * 2000 + "\n",  # deep shell nesting
    "FROM alpine\nRUN echo \ud800\n",  # a lone surrogate: no UTF-8 encoding exists
    "FROM alpine\nRUN echo \x00\x01\x7f\n",
    "FROM alpine\n" + "RUN apk add curl\n" * 100_000,  # larger than dockerfix reads
], ids=["deep-nesting", "lone-surrogate", "control-bytes", "huge"])
def test_lsp_hostile_documents_get_diagnostics_and_answers(tmp_path, raw, text):
    s = raw()
    s.initialize()
    uri = (tmp_path / "Dockerfile").as_uri()
    s.open(uri, text)
    diags = s.diagnostics(uri)
    assert all(d["severity"] in (1, 2, 3) and d["message"] for d in diags)
    for i, (method, params) in enumerate([("textDocument/formatting", _formatting(uri)),
                                          ("textDocument/codeAction", _code_action(uri))]):
        answer = s.request(i, method, params)
        assert "result" in answer or answer["error"]["code"] == -32803
    assert s.shutdown_and_exit() == 0
    assert len(s.stderr) < 5000


def test_lsp_unopened_document_is_an_invalid_params_error(tmp_path, raw):
    (tmp_path / "Dockerfile").write_text(ROOT_DOCKERFILE)  # on disk, but never opened
    s = raw()
    s.initialize()
    uri = (tmp_path / "Dockerfile").as_uri()
    for i, (method, params) in enumerate([("textDocument/formatting", _formatting(uri)),
                                          ("textDocument/codeAction", _code_action(uri))]):
        err = s.request(i, method, params)["error"]
        assert err["code"] == -32602 and "not open" in err["message"] and uri in err["message"]
    assert s.shutdown_and_exit() == 0
    assert b"Traceback" not in s.stderr


def test_lsp_exit_without_shutdown_is_status_1(tmp_path, raw):
    s = raw()
    s.initialize()
    assert s.shutdown_and_exit(shutdown=False) == 1
    for shutdown in (False, True):  # the end of input without exit: the same rule
        s = raw()
        s.initialize()
        if shutdown:
            s.request(1, "shutdown", None)
        s.proc.stdin.close()
        assert s.proc.wait(timeout=30) == (0 if shutdown else 1)


def test_frames_are_cut_the_same_however_the_bytes_arrive():
    from fixer.lsp import Frames
    from pygls.exceptions import JsonRpcParseError

    msgs = [{"jsonrpc": "2.0", "id": i, "method": "m", "params": {"text": "}{ \u00e9 Content-Length: 3"}}
            for i in range(6)]
    bodies = [json.dumps(m, ensure_ascii=False).encode() for m in msgs]
    stream = b"".join([
        _frame(bodies[0]),
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" + _frame(bodies[1]),
        _frame(bodies[2], len(bodies[2]) - 5),  # too short: an error, the rest skipped
        _frame(bodies[3], "x1"),  # not a number: an error, the body skipped
        _frame(bodies[4], len(bodies[4]) + 40),  # too long: the one message it holds
        _frame(b"[1, 2"),  # not JSON
        _frame(bodies[5]),
    ])
    expected = [msgs[0], msgs[1], "error", "error", msgs[4], "error", msgs[5]]

    def cut(chunk: int) -> list:
        frames = Frames()
        out = []
        for i in range(0, len(stream), chunk):
            out += ["error" if isinstance(x, JsonRpcParseError) else x for x in frames.feed(stream[i: i + chunk])]
        return out

    for chunk in (1, 7, 64, len(stream)):
        assert cut(chunk) == expected, chunk


def test_lsp_answers_every_request(tmp_path, raw):
    """Before initialize, with params of the wrong shape, not JSON-RPC, after shutdown."""
    s = raw()
    uri = (tmp_path / "Dockerfile").as_uri()
    assert s.request(1, "textDocument/formatting", _formatting(uri))["error"]["code"] == -32002  # ServerNotInitialized
    s.initialize()
    assert s.request(4, "textDocument/formatting", {"textDocument": 5})["error"]["code"] == -32602  # InvalidParams
    s.write(_frame(b"[1, 2]"))
    assert s.until(lambda m: "error" in m) == {"jsonrpc": "2.0", "id": None, "error": {
        "code": -32600, "message": "not a JSON-RPC 2.0 message"}}
    assert s.request(2, "shutdown", None)["result"] is None
    assert s.request(3, "textDocument/formatting", _formatting(uri))["error"]["code"] == -32600  # InvalidRequest
    assert s.shutdown_and_exit(shutdown=False) == 0


# -- incremental sync, positions in UTF-16 ----------------------------------------------------------------------

def _utf16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def test_lsp_range_edits_are_applied_as_ranges(tmp_path):
    """The server announces incremental sync (and UTF-16 positions, even to a client that would prefer
    UTF-8); range edits after non-ASCII text land where the client meant them."""
    line1 = "RUN echo \U0001f433 caf\u00e9 && apk add --no-cache curl"
    text = f"FROM alpine:3.20\n{line1}\nCMD [\"curl\"]\n"

    def rng(l1, c1, l2, c2):
        return t.Range(t.Position(l1, c1), t.Position(l2, c2))

    async def run():
        client, next_diagnostics = await _session(tmp_path)
        init = await asyncio.wait_for(client.initialize_async(t.InitializeParams(capabilities=t.ClientCapabilities(
            general=t.GeneralClientCapabilities(position_encodings=[t.PositionEncodingKind.Utf8,
                                                                    t.PositionEncodingKind.Utf16])))), 30)
        sync = init.capabilities.text_document_sync
        assert sync.change == t.TextDocumentSyncKind.Incremental
        assert init.capabilities.position_encoding == t.PositionEncodingKind.Utf16
        client.initialized(t.InitializedParams())
        uri = (tmp_path / "Dockerfile").as_uri()
        client.text_document_did_open(t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=uri, language_id="dockerfile", version=1, text=text)))
        (d,) = await next_diagnostics(uri)
        assert "apk add" in d.message

        async def change(version, *edits: tuple[t.Range, str]):
            nonlocal text
            client.text_document_did_change(t.DidChangeTextDocumentParams(
                t.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [t.TextDocumentContentChangePartial(range=r, text=new) for r, new in edits]))
            for r, new in edits:  # in order, each on the text the previous one left
                text = apply(text, [t.TextEdit(r, new)])
            return await next_diagnostics(uri)

        # after the emoji (2 UTF-16 units) and the é: replace the package install by `true`, and
        # (a second change in the same notification) rename the base image mid-line
        at = _utf16(line1[: line1.index("apk")])
        (d,) = await change(2, (rng(1, at, 1, _utf16(line1)), "true"), (rng(0, 5, 0, 11), "debian"))
        assert text == "FROM debian:3.20\nRUN echo \U0001f433 caf\u00e9 && true\nCMD [\"curl\"]\n"
        assert d.range.start.line == 0 and d.range.end.character == len("FROM debian:3.20")
        assert "apk add" not in d.message and "last root step" not in d.message
        assert list(await change(3, (rng(2, 0, 2, 0), "USER nobody\n"))) == []  # an insertion
        (d,) = await change(4, (rng(2, 0, 3, 0), ""))  # a deletion across a line end
        assert text == "FROM debian:3.20\nRUN echo \U0001f433 caf\u00e9 && true\nCMD [\"curl\"]\n"
        edits = await client.text_document_formatting_async(t.DocumentFormattingParams(
            t.TextDocumentIdentifier(uri), t.FormattingOptions(tab_size=4, insert_spaces=True)))
        assert apply(text, edits) == cli_fix(text, tmp_path) != text
        await client.shutdown_async(None)
        client.exit(None)
        await asyncio.sleep(0.3)
        await client.stop()

    asyncio.run(run())


# -- configuration: errors are diagnostics, edits are picked up -------------------------------------------------

def test_lsp_configuration_errors_and_edits(tmp_path):
    config = tmp_path / ".dockerfix.toml"
    config.write_text('user = "web"\n')
    sub = tmp_path / "svc"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[tool.dockerfix]\nuid = 0\n')

    async def run():
        client, next_diagnostics = await _session(tmp_path)
        registrations: list[t.RegistrationParams] = []

        @client.feature(t.CLIENT_REGISTER_CAPABILITY)
        def on_register(params: t.RegistrationParams) -> None:
            registrations.append(params)

        await asyncio.wait_for(client.initialize_async(t.InitializeParams(capabilities=t.ClientCapabilities(
            workspace=t.WorkspaceClientCapabilities(did_change_watched_files=t.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=True))))), 30)
        client.initialized(t.InitializedParams())
        uri = (tmp_path / "Dockerfile").as_uri()

        async def saved():
            client.text_document_did_save(t.DidSaveTextDocumentParams(t.TextDocumentIdentifier(uri)))
            return await next_diagnostics(uri)

        async def formatted(u=uri):
            return await client.text_document_formatting_async(t.DocumentFormattingParams(
                t.TextDocumentIdentifier(u), t.FormattingOptions(tab_size=4, insert_spaces=True)))

        client.text_document_did_open(t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=uri, language_id="dockerfile", version=1, text=ROOT_DOCKERFILE)))
        (d,) = await next_diagnostics(uri)
        assert "USER web" in d.message

        # broken: an error diagnostic naming the file, and no edit made with defaults instead
        config.write_text('user = \n')
        (d,) = await saved()
        assert d.severity == t.DiagnosticSeverity.Error and d.range.start.line == 0
        assert ".dockerfix.toml" in d.message and "invalid TOML" in d.message
        assert list(await formatted()) == []

        # mended (no restart, no notification about the file: its size and mtime changed)
        config.write_text('user = "svc"\n')
        (d,) = await saved()
        assert d.severity == t.DiagnosticSeverity.Warning and "USER svc" in d.message

        # pyproject.toml: a value the command line would refuse, named as a key of the file
        other = (sub / "Dockerfile").as_uri()
        client.text_document_did_open(t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=other, language_id="dockerfile", version=1, text=ROOT_DOCKERFILE)))
        (d,) = await next_diagnostics(other)
        assert d.severity == t.DiagnosticSeverity.Error and "pyproject.toml" in d.message
        assert "uid 0 must be an integer" in d.message

        # the client watches the configuration files for the server; a change republishes every open document
        await asyncio.sleep(0.2)
        ((reg,),) = [r.registrations for r in registrations]
        assert reg.method == t.WORKSPACE_DID_CHANGE_WATCHED_FILES
        globs = {w["globPattern"] for w in reg.register_options["watchers"]}
        assert globs == {"**/.dockerfix.toml", "**/pyproject.toml"}
        (sub / "pyproject.toml").write_text('[tool.dockerfix]\nuid = 1234\n')
        client.workspace_did_change_watched_files(t.DidChangeWatchedFilesParams([t.FileEvent(
            (sub / "pyproject.toml").as_uri(), t.FileChangeType.Changed)]))
        (d,) = await next_diagnostics(other)  # its own configuration: the default user, uid 1234
        assert "USER appuser" in d.message and "1234" in (await formatted(other))[0].new_text
        (d,) = await next_diagnostics(uri)
        assert "USER svc" in d.message
        await client.shutdown_async(None)
        client.exit(None)
        await asyncio.sleep(0.3)
        await client.stop()

    asyncio.run(run())
