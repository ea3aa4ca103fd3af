// What the extension starts and for which documents. No `vscode` import here, so that the unit
// tests (node --test, without VS Code) can check it.
import * as os from "os";
import * as path from "path";

/** The settings the extension reads (package.json: contributes.configuration). */
export interface Settings {
  path: string; // the dockerfix executable; wins over interpreter
  interpreter: string; // a Python with dockerfix installed
}

/** What vscode-languageclient's `Executable` needs (transport: stdio, the default). */
export interface Command {
  command: string;
  args: string[];
  options?: { cwd?: string };
}

/** The action on save and the code action kind the server offers (fixer/lsp.py: FIX_ALL). */
export const FIX_ALL = "source.fixAll.dockerfix";

/** Dockerfiles by language id, and by name for files VS Code does not know as Dockerfiles. */
export const DOCUMENT_SELECTOR = [
  { language: "dockerfile" },
  { scheme: "file", pattern: "**/Dockerfile*" },
  { scheme: "file", pattern: "**/*.Dockerfile" },
  { scheme: "file", pattern: "**/Containerfile*" },
];

/** `~` and `${workspaceFolder}` in a setting, as VS Code users write them. */
export function expand(value: string, workspaceFolder?: string): string {
  let v = value.trim();
  if (v === "~" || v.startsWith("~/")) {
    v = path.join(os.homedir(), v.slice(1));
  }
  if (workspaceFolder !== undefined) {
    v = v.split("${workspaceFolder}").join(workspaceFolder);
  }
  return v;
}

/** The command that starts the server: `dockerfix.path lsp`, else `dockerfix.interpreter -m fixer
 *  lsp`, else `dockerfix lsp` from PATH. The server runs in the workspace folder, where the
 *  configuration files are found relative to each document anyway. */
export function serverCommand(settings: Partial<Settings>, workspaceFolder?: string): Command {
  const exe = expand(settings.path ?? "", workspaceFolder);
  const python = expand(settings.interpreter ?? "", workspaceFolder);
  const options = workspaceFolder !== undefined ? { cwd: workspaceFolder } : undefined;
  if (exe) {
    return { command: exe, args: ["lsp"], options };
  }
  if (python) {
    return { command: python, args: ["-m", "fixer", "lsp"], options };
  }
  return { command: "dockerfix", args: ["lsp"], options };
}
