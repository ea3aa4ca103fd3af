// Starts `dockerfix lsp` for Dockerfiles. The server does the work: diagnostics, the quick fix
// "Run as a non-root user", "Leave this stage alone", and `source.fixAll.dockerfix` for
// "editor.codeActionsOnSave". Formatting stays with the user's own formatter.
import * as vscode from "vscode";
import { LanguageClient, ServerOptions, LanguageClientOptions } from "vscode-languageclient/node";
import { DOCUMENT_SELECTOR, serverCommand, Settings } from "./config";

let client: LanguageClient | undefined;

function settings(): Settings {
  const c = vscode.workspace.getConfiguration("dockerfix");
  return { path: c.get<string>("path", ""), interpreter: c.get<string>("interpreter", "") };
}

async function start(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const run = serverCommand(settings(), folder);
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannelName: "dockerfix",
  };
  client = new LanguageClient("dockerfix", "dockerfix", serverOptions, clientOptions);
  await client.start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("dockerfix")) {
        await client?.stop();
        await start();
      }
    }),
    vscode.commands.registerCommand("dockerfix.restart", async () => {
      await client?.stop();
      await start();
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
