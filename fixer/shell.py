"""Step 3: what a RUN's shell does, read with tree-sitter-bash.

`analyze_shell(script, ctx)` parses the text BuildKit hands to `/bin/sh -c` (continuations
already joined; for `RUN <<EOF` the heredoc body) and visits every simple command: through `&&`,
`||`, `;`, pipes, subshells, `if`/`for`/`while`/`case`, functions, `$(…)`, and one level of
`sh -c '…'`. `analyze_exec(argv, ctx)` does the same for the JSON exec form.

This module is the walk over the syntax tree: control flow, variables, words, redirects. Each
simple command it reaches goes to `shelleffects.Effects`, which applies what `data/commands.toml`
says its program does (`commands.py` reads it): whether it needs root and why ("apt-get install
needs root"), which package manager (and so which distro family) it shows, which users and groups
it creates (`shellsystem.py`), what it writes (`shellwrite.py`), which programs run others. The
rule is conservative: the build must never break, so a command we cannot read (an unknown
program, a path behind an unknown variable) that may write into a root-owned folder counts as
needing root. Heredoc bodies fed to a command (`cat <<EOF > f`) are data and not analysed. The
tree-sitter parser is created once, on first use (import cost matters).
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Sequence

from . import lazyre
from .commands import Knowledge, knowledge
from .shelleffects import Effects
from .shellfacts import (  # noqa: F401 (the records and helpers are this step's API too)
    UNKNOWN, Chown, CreatedGroup, CreatedUser, Finding, Rename, ShellContext, ShellFacts, base, is_option,
    options, plain_var, under,
)
from .shellfacts import plain_var as _plain_var  # noqa: F401 (stages' name for it)

# How deep the walk may go into one RUN (nested `$(…)`, `{ }`, `if`, functions, wrappers like
# `env env …`; a chain `a && b || c` is read as one level). The development corpus reaches 26; at
# 100 the deepest walk measured uses about 410 Python frames, well inside the default limit of
# 1,000. Past it the rest of the script is not read and the RUN counts as needing root.
MAX_NESTING = 100

_PARSER = None
_UNESCAPE = lazyre.compile(r"\\(.)", re.DOTALL)  # a backslash and the character it quotes
# a word that is an escaped blank before an operator (`\ |`, `\ &&`, `\ ;`): a handful of them in
# one pipeline make tree-sitter-bash's parse time explode (2 ms at 18, 0.6 s at 26, minutes at 60);
# no Dockerfile of the development corpus has even one
_ESCAPED_BLANK_OP = lazyre.compile(r"\\[ \t]+[|&;]")
MAX_ESCAPED_BLANKS = 12


def _parser():
    global _PARSER
    if _PARSER is None:
        ts, bash = _binding("tree_sitter"), _binding("tree_sitter_bash")
        _PARSER = ts.Parser(ts.Language(bash.language()))
    return _PARSER


def _binding(package: str):
    """`package._binding`, the compiled module that is all dockerfix uses of tree-sitter and its
    bash grammar, loaded without running the packages' `__init__`: tree_sitter's imports typing
    and tree_sitter_bash's importlib.resources (pathlib, urllib, ipaddress: ~6 ms per start, for
    query files dockerfix never reads). The loader classes are taken from the interpreter's own
    import machinery, always loaded: `importlib.machinery` would import the `importlib` package,
    whose __init__ imports warnings (~2.5 million instructions). Anything unexpected: the
    ordinary import."""
    import os
    import sys

    name = package + "._binding"
    if name in sys.modules:
        return sys.modules[name]
    try:  # CPython's names for importlib._bootstrap(_external), loaded before any Python code runs
        boot, external = sys.modules["_frozen_importlib"], sys.modules["_frozen_importlib_external"]
        ModuleSpec = boot.ModuleSpec  # noqa: N806 (the class)
        ExtensionFileLoader, PathFinder = external.ExtensionFileLoader, external.PathFinder  # noqa: N806
        EXTENSION_SUFFIXES = external.EXTENSION_SUFFIXES  # noqa: N806
    except (KeyError, AttributeError):  # pragma: no cover - another interpreter
        from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader, ModuleSpec, PathFinder
    spec = PathFinder.find_spec(package)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for suffix in EXTENSION_SUFFIXES:
            path = os.path.join(folder, "_binding" + suffix)
            if os.path.isfile(path):
                loader = ExtensionFileLoader(name, path)
                module = loader.create_module(ModuleSpec(name, loader, origin=path))
                loader.exec_module(module)
                sys.modules[name] = module  # a later `import tree_sitter` uses this one
                return module
    import importlib

    return importlib.import_module(name)


# --- the API -----------------------------------------------------------------------------------


def analyze_shell(script: str, ctx: ShellContext | None = None, known: Knowledge | None = None) -> ShellFacts:
    """What the shell script does; `known`: the command knowledge (default: data/commands.toml)."""
    a = _Analyzer(ctx or ShellContext(), known=known)
    a.script(script, 0)
    return a.facts


def analyze_exec(argv: Sequence[str], ctx: ShellContext | None = None, known: Knowledge | None = None) -> ShellFacts:
    """What the exec-form command line does (see `analyze_shell`)."""
    a = _Analyzer(ctx or ShellContext(), known=known)
    a.command([str(x) for x in argv], 0)
    return a.facts


class _Analyzer(Effects):
    def __init__(self, ctx: ShellContext, depth: int = 0, known: Knowledge | None = None):
        self.ctx = ctx
        self.known = known or knowledge()  # what each command does (data/commands.toml)
        self.depth = depth
        self.facts = ShellFacts()
        # the script's own assignments go into the first map; ctx.env is read, never copied (a
        # copy per RUN made many ENV x many RUN quadratic); a subshell reads through a new child
        self.env: ChainMap = ChainMap({}, ctx.env or {})
        self.cwd: str | None = ctx.workdir or "/"
        self.src = b""
        self.base = 0  # char offset of this script inside the outer one
        # whether the command being read must succeed for the RUN to succeed: it always runs and
        # its failure fails the build (top-level `&&` chains, the last command, after `set -e`)
        self.checked = True
        self.errexit = False
        self.spelled: dict[str, str] = {}  # word as expanded -> as written, for the current command
        self.tmp_made: set[str] = set()  # paths under /tmp this script created (so its user owns them)
        self._at = (0, 0)  # (byte, char) offsets of the last node `offset` measured
        self.level = 0  # how deep the walk is (MAX_NESTING); an inner `sh -c` continues the count
        self.too_deep = False
        self.unsure = 0  # > 0 under sudo, left of `||`, in a condition: success proves nothing

    # --- words ------------------------------------------------------------------------------------

    def word(self, node) -> str:
        if not self._deeper(node):
            return UNKNOWN
        try:
            return self._word(node)
        finally:
            self.level -= 1

    def _word(self, node) -> str:
        t = node.type
        text = node.text.decode("utf-8", "replace")
        if t == "word":  # a backslash quotes the character after it (a last one stays)
            return _UNESCAPE.sub(r"\1", text) if "\\" in text else text
        if t == "raw_string":
            return text[1:-1]
        if t == "ansi_c_string":
            return text[2:-1]
        if t in ("string", "concatenation", "translated_string"):
            parts = []
            for c in node.children:
                if c.type == '"' or c.type == "$":
                    continue
                if c.type == "string_content":
                    s = c.text.decode("utf-8", "replace")
                    parts.append(s.replace('\\"', '"').replace("\\$", "$").replace("\\\\", "\\").replace("\\`", "`"))
                else:
                    parts.append(self.word(c))
            return "".join(parts)
        if t == "simple_expansion":
            name = text[1:]
            if name == "PWD":
                return self.cwd or UNKNOWN
            value = self.env.get(name)
            return UNKNOWN if value is None else value
        if t == "expansion":
            return self._expansion(node)
        if t == "number":
            return text
        if t in ("command_substitution", "process_substitution", "arithmetic_expansion"):
            self.walk(node)
            if t == "command_substitution" and "mktemp" in text:
                return "/tmp/" + UNKNOWN
            return UNKNOWN
        # anything else (brace expressions, globs…) is taken literally
        return text

    def _expansion(self, node) -> str:
        name = None
        op = None
        rest = []
        for c in node.children:
            if c.type in ("${", "}"):
                continue
            if c.type == "variable_name" and name is None:
                name = c.text.decode()
            elif op is None and c.type in (":-", "-", ":=", "=", ":+", "+", ":?", "?"):
                op = c.type
            elif op is not None:
                rest.append(c)
            else:
                return UNKNOWN  # ${#x}, ${x%y}, ${!x}, substrings…
        if name is None:
            return UNKNOWN
        val = self.env.get(name)
        if op is None:
            return val if val is not None else UNKNOWN
        default = "".join(self.word(c) for c in rest)
        if op in (":-", ":="):
            return val if val else default
        if op in ("-", "="):
            return val if val is not None else default
        if op in (":+", "+"):
            return default if val else ""
        return val if val is not None else UNKNOWN

    # --- walking --------------------------------------------------------------------------------------

    def script(self, script: str, start: int) -> None:
        if script.count("\\") >= MAX_ESCAPED_BLANKS and len(_ESCAPED_BLANK_OP.findall(script)) >= MAX_ESCAPED_BLANKS:
            # tree-sitter-bash's parse time grows exponentially with a pipeline of words that are an
            # escaped blank (`apt-get update \ | \ | ...`: a continuation with a space after the
            # backslash), and it holds the interpreter meanwhile: not parsed, read as unreadable
            if self._cwd_root_owned():
                self.root(0, "sh", "the shell could not be read (a chain of escaped blanks), so it is assumed to need root")
            self.facts.parse_error = True
            return
        src = script.encode("utf-8", "surrogatepass")
        tree = _parser().parse(src)
        saved = self.src, self.base, self._at
        self.src, self.base, self._at = src, start, (0, 0)
        if tree.root_node.has_error:
            self.facts.parse_error = True
            if self._cwd_root_owned():
                self.root(0, "sh", "the shell could not be read, so it is assumed to need root")
        self.walk(tree.root_node)
        self.src, self.base, self._at = saved

    def offset(self, node) -> int:
        """The node's character offset. The walk goes forward, so only the bytes since the last
        call are decoded (decoding from the start each time is quadratic in long scripts)."""
        b = node.start_byte
        last_b, last_c = self._at if self._at[0] <= b else (0, 0)
        c = last_c + len(self.src[last_b:b].decode("utf-8", "replace"))
        self._at = (b, c)
        return self.base + c

    def _deeper(self, where) -> bool:
        """Go one level deeper (`where`: the node or offset); past MAX_NESTING, False, and the RUN
        needs root."""
        if self.level < MAX_NESTING:
            self.level += 1
            return True
        if not self.too_deep:
            self.too_deep = True
            offset = where if isinstance(where, int) else self.offset(where)
            self.root(offset, "sh", "the shell is too deeply nested to read, so it is assumed to need root")
        return False
    def walk(self, node) -> None:
        if not self._deeper(node):
            return
        try:
            self._walk(node)
        finally:
            self.level -= 1

    def _walk(self, node) -> None:
        t = node.type
        if t in ("heredoc_body", "comment"):
            return
        if t == "command":
            self.simple(node)
            return
        if t == "variable_assignment":
            self.assign(node)
            return
        if t == "declaration_command":
            for c in node.children:
                if c.type == "variable_assignment":
                    self.assign(c)
                else:
                    self.walk(c)
            return
        if t == "file_redirect":
            self.redirect(node)
            return
        saved_checked = self.checked
        if t == "program":
            last = [c for c in node.named_children if c.type != "comment"][-1:]
            for c in node.children:
                self.checked = saved_checked and (self.errexit or c in last)
                self.walk(c)
            self.checked = saved_checked
            return
        # only `a && b` and a redirection pass on "must succeed": `||`, `if`, loops, pipelines,
        # subshells, functions and `$(…)` may skip a command or ignore its failure
        if not (t == "redirected_statement" or (t == "list" and any(c.type == "&&" for c in node.children))):
            self.checked = False
        if t == "subshell" or t == "pipeline":
            saved_cwd, saved_env = self.cwd, self.env
            self.env = self.env.new_child()
            for c in node.children:
                self.walk(c)
            self.cwd, self.env = saved_cwd, saved_env
        elif t == "list":
            # `a && b || c` nests to the left, one level per operator: read the chain as one level.
            # Its commands must succeed only when every operator is `&&` (`checked`); an operand
            # left of a `||` may fail, so its success proves nothing (`unsure`)
            spine = [node]
            while spine[-1].children and spine[-1].children[0].type == "list":
                spine.append(spine[-1].children[0])
            seq = []
            for n in reversed(spine):
                seq += n.children[1:] if n is not spine[-1] else n.children
            self.checked = self.checked and all(c.type == "&&" for c in seq if c.type in ("&&", "||"))
            fallible, later_or = [], False
            for c in reversed(seq):
                later_or = later_or or c.type == "||"
                fallible.append(later_or and c.type not in ("&&", "||"))
            for c, f in zip(seq, reversed(fallible)):
                self.unsure += f
                self.walk(c)
                self.unsure -= f
        elif t in ("if_statement", "elif_clause", "while_statement"):
            for i, c in enumerate(node.children):
                cond = node.field_name_for_child(i) == "condition"
                self.unsure += cond
                self.walk(c)
                self.unsure -= cond
        else:
            # a function's body runs only when called; read it anyway (calls are usually right after)
            for c in node.children:
                self.walk(c)
        self.checked = saved_checked

    def assign(self, node) -> None:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        v = self.word(value) if value is not None else ""  # this walks a `$(…)` in the value
        for c in node.children:
            if c.type == "command_substitution" and (value is None or c.start_byte != value.start_byte):
                self.walk(c)
        if name is None:
            return
        self.env[name.text.decode()] = v

    def redirect(self, node) -> None:
        op = None
        dest = node.child_by_field_name("destination")
        for c in node.children:
            if c.type in (">", ">>", ">|", "&>", "&>>", "<>"):
                op = c.type
        if op is None or dest is None:
            if dest is not None:
                self.word(dest)  # walk a `$(…)` in it
            return
        path = self.word(dest)
        why = self.writes_root(path)
        if why:
            self.root(self.offset(node), op, f"the redirect {op} {path.replace(UNKNOWN, '…')} needs root: {why}")
            if self.proof_path(path):
                self.prove(self.offset(node), op, f"the redirect {op} {path} writes a folder of root's")

    def simple(self, node) -> None:
        argv: list[str] = []
        raws: list[str] = []
        prefix_env: dict[str, str] = {}
        for i, c in enumerate(node.children):
            t = c.type
            if t == "variable_assignment":
                n = c.child_by_field_name("name")
                v = c.child_by_field_name("value")
                if n is not None:
                    prefix_env[n.text.decode()] = self.word(v) if v is not None else ""
            elif t == "file_redirect":
                self.redirect(c)
            elif t in ("herestring_redirect", "heredoc_redirect"):
                self.walk(c)
            elif t == "command_name":
                argv.append("".join(self.word(x) for x in c.children))
                raws.append(c.text.decode("utf-8", "replace"))
            elif node.field_name_for_child(i) == "argument":
                argv.append(self.word(c))
                raws.append(c.text.decode("utf-8", "replace"))
        if not argv:
            # `FOO=bar` alone sets a shell variable
            self.env.update(prefix_env)
            return
        saved = {k: self.env.get(k) for k in prefix_env}
        self.env.update(prefix_env)
        self.spelled = {a: r for a, r in zip(argv, raws) if "$" in r}
        self.command(argv, self.offset(node))
        self.spelled = {}
        for k, v in saved.items():  # `FOO=1 cmd` sets FOO for cmd only
            if v is None:
                self.env.pop(k, None)
            else:
                self.env[k] = v
