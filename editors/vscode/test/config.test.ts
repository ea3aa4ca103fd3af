// Unit tests of the client wiring that need no VS Code: node --test out/test/ (after tsc).
// (The extension host itself, @vscode/test-electron, downloads VS Code: not run here.)
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DOCUMENT_SELECTOR, FIX_ALL, expand, serverCommand } from "../src/config";

const ROOT = path.join(__dirname, "..", "..");
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

test("no settings: dockerfix lsp from PATH, in the workspace folder", () => {
  assert.deepEqual(serverCommand({}, "/ws"), { command: "dockerfix", args: ["lsp"], options: { cwd: "/ws" } });
  assert.deepEqual(serverCommand({ path: "", interpreter: "  " }), { command: "dockerfix", args: ["lsp"], options: undefined });
});

test("dockerfix.path: that executable, with lsp; it wins over the interpreter", () => {
  const c = serverCommand({ path: "${workspaceFolder}/.venv/bin/dockerfix", interpreter: "/usr/bin/python3" }, "/ws");
  assert.deepEqual(c, { command: "/ws/.venv/bin/dockerfix", args: ["lsp"], options: { cwd: "/ws" } });
});

test("dockerfix.interpreter: python -m fixer lsp", () => {
  const c = serverCommand({ interpreter: "~/venvs/df/bin/python" });
  assert.deepEqual(c, { command: path.join(os.homedir(), "venvs/df/bin/python"), args: ["-m", "fixer", "lsp"], options: undefined });
});

test("expand leaves other text alone", () => {
  assert.equal(expand("/opt/~x/${env:HOME}", "/ws"), "/opt/~x/${env:HOME}");
  assert.equal(expand("~"), os.homedir());
});

test("the document selector: the dockerfile language and the names the brief and the CLI use", () => {
  assert.deepEqual(DOCUMENT_SELECTOR[0], { language: "dockerfile" });
  const patterns = DOCUMENT_SELECTOR.slice(1).map((s) => s.pattern);
  assert.deepEqual(patterns, ["**/Dockerfile*", "**/*.Dockerfile", "**/Containerfile*"]);
  for (const p of patterns) {
    assert.ok(manifest.activationEvents.includes(`workspaceContains:${p}`), p);
  }
  assert.ok(manifest.activationEvents.includes("onLanguage:dockerfile"));
});

test("package.json contributes the settings serverCommand reads, and the restart command", () => {
  const props = manifest.contributes.configuration.properties;
  assert.deepEqual(Object.keys(props).sort(), ["dockerfix.interpreter", "dockerfix.path"]);
  for (const p of Object.values(props) as { type: string; default: string }[]) {
    assert.equal(p.type, "string");
    assert.equal(p.default, "");
  }
  assert.deepEqual(manifest.contributes.commands.map((c: { command: string }) => c.command), ["dockerfix.restart"]);
  assert.equal(manifest.main, "./out/src/extension.js");
  assert.ok(fs.existsSync(path.join(ROOT, manifest.main)), "compiled extension entry point");
  assert.ok(manifest.dependencies["vscode-languageclient"]);
});

test("the fix-all kind is the one the server offers", () => {
  const lsp = fs.readFileSync(path.join(ROOT, "..", "..", "fixer", "lsp.py"), "utf8");
  assert.match(lsp, new RegExp(`^FIX_ALL = "${FIX_ALL.replace(/\./g, "\\.")}"$`, "m"));
});
