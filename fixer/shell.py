"""Step 3: what a RUN's shell does, read with tree-sitter-bash.

`analyze_shell(script, ctx)` parses the text BuildKit hands to `/bin/sh -c` (continuations
already joined; for `RUN <<EOF` the heredoc body) and visits every simple command: through `&&`,
`||`, `;`, pipes, subshells, `if`/`for`/`while`/`case`, functions, `$(…)`, and one level of
`sh -c '…'`. `analyze_exec(argv, ctx)` does the same for the JSON exec form.

For each command it decides whether it needs root and why ("apt-get install needs root"), which
users and groups it creates (useradd, adduser, groupadd, addgroup), and which package manager
(and so which distro family) it shows. The rule is conservative: the build must never break, so a
command we cannot read (an unknown program, a path behind an unknown variable) that may write into
a root-owned folder counts as needing root. Heredoc bodies fed to a command (`cat <<EOF > f`) are
data and not analysed. The tree-sitter parser is created once, on first use (import cost matters).
"""

from __future__ import annotations

import posixpath
from collections import ChainMap
from collections.abc import Collection, Mapping, Sequence

from .record import dataclass, field
from .snippets import is_number

UNKNOWN = "\x00"  # marks the part of a word that comes from a variable or `$(…)` we cannot resolve
# How deep the walk may go into one RUN (nested `$(…)`, `{ }`, `if`, functions, wrappers like
# `env env …`; a chain `a && b || c` is read as one level). The development corpus reaches 26; at
# 100 the deepest walk measured uses about 410 Python frames, well inside the default limit of
# 1,000. Past it the rest of the script is not read and the RUN counts as needing root.
MAX_NESTING = 100

_PARSER = None


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
    query files dockerfix never reads). Anything unexpected: the ordinary import."""
    import importlib
    import os
    import sys
    from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader, ModuleSpec, PathFinder

    name = package + "._binding"
    if name in sys.modules:
        return sys.modules[name]
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
    return importlib.import_module(name)


# --- the API -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShellContext:
    workdir: str = "/"
    workdir_root_owned: bool = True
    user_dirs: Collection[str] = ()  # normalised folders a non-root USER made; read, never copied
    env: Mapping = field(default_factory=dict)  # None: a variable without a value we can know


@dataclass(frozen=True)
class Finding:
    offset: int  # character offset into the script (0 for exec form)
    command: str
    reason: str


@dataclass
class CreatedUser:
    name: str
    uid: int | None = None
    group: str | None = None
    offset: int = 0
    spelled: str | None = None  # the name as written when it comes from a variable: `$USERNAME`
    tool_owner: bool = False  # created with no home and a shell that refuses logins (/bin/false)


@dataclass
class Chown:
    """A `chown OWNER PATHS` whose failure fails the build (so OWNER exists in the image)."""

    user: str  # the user part as expanded; "" for `chown :group`
    group: str | None
    paths: list[str]  # as expanded (relative ones joined to the working folder); UNKNOWN marks the unknown
    offset: int = 0
    spelled: str | None = None  # the user part as written, when it comes from a variable


@dataclass
class Rename:
    """`usermod -l NEW OLD` / `groupmod -n NEW OLD` (new None: `userdel OLD`); `uid`: `usermod -u`."""

    old: str
    new: str | None
    group: bool = False
    uid: int | None = None


@dataclass
class CreatedGroup:
    name: str
    gid: int | None = None
    offset: int = 0


@dataclass
class ShellFacts:
    root: list[Finding] = field(default_factory=list)
    users: list[CreatedUser] = field(default_factory=list)
    groups: list[CreatedGroup] = field(default_factory=list)
    families: list[str] = field(default_factory=list)
    installs_shadow: bool = False
    parse_error: bool = False
    # uids/gids given to users and groups whose names are only known at build time
    unnamed_ids: list[int] = field(default_factory=list)
    chowns: list[Chown] = field(default_factory=list)
    renames: list[Rename] = field(default_factory=list)
    subid_users: list[str] = field(default_factory=list)  # users given subordinate ids (user namespaces)
    # commands that could only have succeeded as root (`proves_root`): a subset of `root`
    proofs: list[Finding] = field(default_factory=list)
    # folders `mkdir`/`install -d` create, and paths other commands write (both absolute and known):
    # a folder made and never filled by the build is made for the program's data
    made_dirs: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)


def analyze_shell(script: str, ctx: ShellContext | None = None) -> ShellFacts:
    a = _Analyzer(ctx or ShellContext())
    a.script(script, 0)
    return a.facts


def analyze_exec(argv: Sequence[str], ctx: ShellContext | None = None) -> ShellFacts:
    a = _Analyzer(ctx or ShellContext())
    a.command([str(x) for x in argv], 0)
    return a.facts


# --- knowledge -----------------------------------------------------------------------------------

# package manager -> family it shows
PACKAGE_MANAGERS = {
    "apt": "debian", "apt-get": "debian", "aptitude": "debian", "dpkg": "debian",
    "dpkg-reconfigure": "debian", "apt-key": "debian", "add-apt-repository": "debian",
    "debconf-set-selections": "debian", "apt-mark": "debian",
    "apk": "alpine",
    "yum": "rhel", "dnf": "rhel", "dnf5": "rhel", "microdnf": "rhel", "tdnf": "rhel", "rpm": "rhel",
    "yum-config-manager": "rhel",
    "zypper": "suse",
    "pacman": "arch",
    "emerge": "gentoo",
}
# query tools of a package manager: evidence of the family, no root
PACKAGE_QUERIES = {
    "dpkg-query": "debian", "apt-cache": "debian", "apt-config": "debian", "dpkg-architecture": "debian",
}
# sub-commands / options that only read
READ_ONLY = {
    "dpkg": {"--print-architecture", "--print-foreign-architectures", "-l", "--list", "-s", "--status",
             "-L", "--listfiles", "-S", "--search", "--compare-versions", "-p", "--print-avail",
             "--version", "--help", "--get-selections"},
    "apt": {"list", "search", "show", "policy", "depends", "rdepends", "--version", "--help"},
    "apt-get": {"--version", "--help", "check", "changelog"},
    "apt-mark": {"showmanual", "showauto", "showhold"},
    "apk": {"info", "--print-arch", "version", "search", "policy", "dot", "stats", "--version", "--help"},
    "rpm": {"-q", "--query", "-qa", "-qi", "-ql", "-qf", "-qp", "--eval", "-E", "--version", "--help",
            "--showrc", "-V", "--verify"},
    "yum": {"list", "info", "search", "repolist", "provides", "whatprovides", "--version", "help",
            "check-update", "deplist"},
    "dnf": {"list", "info", "search", "repolist", "provides", "repoquery", "--version", "help",
            "check-update", "--dump-variables"},
    "zypper": {"search", "se", "info", "if", "list-updates", "lu", "repos", "lr", "--version"},
    "pacman": {"-Q", "-Qi", "-Ql", "-Qs", "-Qq", "-Si", "-Ss", "--version", "-V"},
}
USER_TOOLS = {"useradd", "adduser", "groupadd", "addgroup", "usermod", "groupmod", "userdel", "groupdel",
              "deluser", "delgroup", "chpasswd", "passwd", "gpasswd", "newusers", "pwconv", "grpconv"}
ROOT_TOOLS = {
    "chown": "changing a file's owner needs root",
    "chgrp": "changing a file's group needs root",
    "setcap": "setting file capabilities needs root",
    "update-ca-certificates": "it writes the system trust store",
    "update-ca-trust": "it writes the system trust store",
    "ldconfig": "it writes /etc/ld.so.cache",
    "locale-gen": "it writes the system locales",
    "localedef": "it writes the system locales",
    "update-locale": "it writes /etc/default/locale",
    "update-alternatives": "it writes /etc/alternatives",
    "alternatives": "it writes /etc/alternatives",
    "sudo": "sudo switches to root",
    "gosu": "switching user needs root",
    "su-exec": "switching user needs root",
    "su": "switching user needs root",
    "runuser": "switching user needs root",
    "setpriv": "changing credentials needs root",
    "chroot": "chroot needs root",
    "mount": "mount needs root",
    "sysctl": "it writes kernel settings",
    "systemctl": "it changes system services",
    "update-rc.d": "it changes system services",
    "rc-update": "it changes system services",
    "chsh": "it edits /etc/passwd",
    "visudo": "it edits /etc/sudoers",
    "fc-cache": "it writes the system font cache",
    "update-mime-database": "it writes system data",
}
# What PROVES that a RUN ran as root, when the original build succeeded (for base images dockerfix
# does not know: `rules/user/base_user_unknown`). Much narrower than `root` (which also counts what
# MAY need root, such as any unknown program in a root-owned folder): a package manager changing
# the system, a user tool, giving a file to root, the tools below, and writing (creating, copying,
# editing, linking; never deleting: `rm -f` of nothing succeeds) in the folders below, which are
# root's in every image. /usr/local/lib and /etc as a whole are not among them: vendors' non-root
# images hand those (site-packages, /etc/nginx, a group-writable /etc/passwd) to their user; nor is
# pip/npm -g (pip falls back to a user install). A command under sudo, on the left of `||`, or in
# an `if`/`while` condition proves nothing.
PM_CHANGES = {"install", "add", "update", "upgrade", "dist-upgrade", "full-upgrade", "remove", "purge", "del",
              "autoremove", "reinstall", "in", "up", "rm", "dup", "groupinstall", "localinstall", "erase",
              "build-dep", "--add-architecture", "-i", "--install", "-P", "--purge", "-r", "--remove",
              "-U", "--upgrade", "-e", "--erase", "--import", "-ivh", "-Uvh", "-Uv", "-iv"}
PROVING_TOOLS = {"setcap", "update-ca-certificates", "update-ca-trust", "ldconfig", "locale-gen",
                 "update-locale", "update-alternatives", "alternatives", "update-rc.d", "rc-update", "visudo"}
PROOF_TREES = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib32",
               "/usr/lib64", "/usr/libexec", "/usr/include", "/usr/local/bin", "/usr/local/sbin", "/etc/apt",
               "/etc/apk", "/etc/yum.repos.d", "/etc/dnf", "/etc/zypp", "/etc/ssl", "/etc/pki",
               "/etc/ld.so.conf.d", "/etc/sudoers", "/etc/sudoers.d", "/etc/security", "/etc/pam.d",
               "/etc/profile.d", "/etc/systemd", "/etc/cron.d", "/var/lib/dpkg", "/var/lib/apt", "/var/lib/rpm",
               "/var/cache/apt")
# `mkdir DIR` (without -p) of a new folder right inside one of these: they are root's in every image
PROOF_PARENTS = frozenset(("/", "/etc", "/usr", "/usr/local", "/var", "/var/lib", "/opt", "/srv", "/home"))

# programs that only read, print or change the shell's own state
HARMLESS = {
    ":", "true", "false", "echo", "printf", "test", "[", "[[", "cat", "head", "tail", "ls", "grep",
    "egrep", "fgrep", "zgrep", "sort", "uniq", "wc", "cut", "tr", "env", "printenv", "id", "whoami",
    "groups", "uname", "sleep", "which", "command", "type", "hash", "set", "unset", "export", "readonly",
    "declare", "typeset", "local", "shift", "trap", "wait", "umask", "ulimit", "read", "pwd", "exit",
    "return", "break", "continue", "date", "sha1sum", "sha224sum", "sha256sum", "sha384sum",
    "sha512sum", "md5sum", "b2sum", "cksum", "du", "df", "basename", "dirname", "realpath",
    "readlink", "stat", "file", "nproc", "getconf", "seq", "expr", "yes", "source", ".", "getent",
    "diff", "cmp", "awk", "gawk", "mawk", "jq", "base64", "od", "xxd", "hexdump", "strings", "free",
    "uptime", "ps", "lscpu", "arch", "dpkg-architecture", "tty", "logname", "locale", "mktemp",
    "shopt", "alias", "let", "eval", "exec", "getopts", "sh", "bash", "dash", "ash",
    "lsb_release", "ldd", "column", "fold", "fmt", "nl", "rev", "tac", "paste",
    "join", "comm", "look", "less", "more", "zcat", "bzcat", "xzcat", "envsubst", "tput", "clear",
    "history", "times", "pgrep", "nslookup", "dig", "host", "ping", "gpgv",
    "sha256", "shasum", "timeout", "nice", "nohup", "time", "stdbuf", "ionice", "xargs", "find",
}
SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox-sh"}
# wrappers that run the rest of the line as a command
WRAPPERS = {"env", "nice", "nohup", "time", "stdbuf", "ionice", "timeout", "exec", "command", "xargs",
            "busybox", "chronic", "unbuffer", "tini", "dumb-init", "catatonit"}
# writers: program -> how to find what it writes
SAFE_PREFIXES = ("/tmp", "/var/tmp", "/dev", "/proc", "/run/secrets")
SAFE_FOLDERS = frozenset(SAFE_PREFIXES)


def under(path: str, folders: Collection[str]) -> str | None:
    """The closest of `folders` (normalised absolute paths) that is `path` or holds it, or None.
    It walks up `path`'s parents, so with a set it costs the path's depth, not len(folders)."""
    while path not in folders:
        parent = posixpath.dirname(path)
        if parent == path:
            return None
        path = parent
    return path


def _base(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _plain_var(raw: str | None) -> str | None:
    """`$NAME` or `${NAME}` (quotes dropped) as written, or None for anything else."""
    import re

    raw = (raw or "").strip("\"")
    return raw if re.fullmatch(r"\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})", raw) else None


def _is_option(a: str) -> bool:
    return a.startswith("-") and a != "-"


def _options(args: list[str], with_value=frozenset(), grouped: bool = False) -> tuple[list[str], dict[str, str]]:
    """(positional arguments, options) of a command line; a flag maps to "". Options in
    `with_value` take the next word (or `--opt=value`). With `grouped`, short options are read the
    getopt way: `-u1000` is `-u 1000`, and `-SDu 1000` is `-S -D -u 1000`."""
    pos: list[str] = []
    opts: dict[str, str] = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            pos += args[i + 1:]
            break
        if a.startswith("--") and "=" in a:
            k, v = a.split("=", 1)
            opts[k] = v
        elif a in with_value and i + 1 < len(args):
            opts[a] = args[i + 1]
            i += 1
        elif grouped and a.startswith("-") and not a.startswith("--") and len(a) > 2 and a[:2] in with_value:
            opts[a[:2]] = a[2:]
        elif grouped and a.startswith("-") and not a.startswith("--") and len(a) > 2:
            for k, ch in enumerate(a[1:]):
                if "-" + ch in with_value:
                    rest = a[k + 2:]
                    if rest:
                        opts["-" + ch] = rest
                    elif i + 1 < len(args):
                        opts["-" + ch] = args[i + 1]
                        i += 1
                    break
                opts["-" + ch] = ""
        elif _is_option(a):
            opts[a] = ""
        else:
            pos.append(a)
        i += 1
    return pos, opts


# commands whose target, when it is a folder, receives what they write
FILLERS = frozenset(("cp", "mv", "install", "ln", "tar", "unzip", "git", "curl", "wget", "rsync", "bsdtar"))


class _Analyzer:
    def __init__(self, ctx: ShellContext, depth: int = 0):
        self.ctx = ctx
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

    # --- paths ------------------------------------------------------------------------------------

    def _cwd_root_owned(self) -> bool:
        if self.cwd is None:
            return True
        if self.cwd == self.ctx.workdir:
            return self.ctx.workdir_root_owned
        return self._root_owned_abs(self.cwd)

    def _root_owned_abs(self, path: str) -> bool:
        p = posixpath.normpath(path)
        # the safe folder itself may not be writable (/tmp is), but what is under it is ours
        return under(p, SAFE_FOLDERS) is None and under(p, self.ctx.user_dirs) in (None, "/")

    def writes_root(self, path: str) -> str | None:
        """Why writing `path` needs root, or None."""
        if path in ("", "-") or path.startswith("/dev/") or path == "/dev/null":
            return None
        if path.startswith("~"):
            return "it writes under root's home"
        if path.startswith("/"):
            known = path.split(UNKNOWN, 1)[0]
            if UNKNOWN in path and posixpath.dirname(known) in ("", "/") and not any(
                known.startswith(p + "/") for p in SAFE_PREFIXES
            ):
                return "the folder is not known and may be root-owned"
            if not self._root_owned_abs(known):
                return None
            if UNKNOWN in path:
                d = known.rstrip("/") if known.endswith("/") else posixpath.dirname(known)
            else:
                d = posixpath.dirname(path[:-2] if path.endswith("/x") else path)
            return f"{d or '/'} is root-owned"
        if path.startswith(UNKNOWN):
            return "the folder is not known and may be root-owned"
        if self._cwd_root_owned():
            where = self.cwd if self.cwd is not None else "an unknown folder"
            return f"the working folder {where} is root-owned"
        return None

    def _cwd_reason(self, what: str) -> str | None:
        if self._cwd_root_owned():
            where = self.cwd if self.cwd is not None else "an unknown folder"
            return f"{what} may write into the root-owned folder {where}"
        return None

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
        if t == "word":
            out, i = [], 0
            while i < len(text):
                if text[i] == "\\" and i + 1 < len(text):
                    out.append(text[i + 1])
                    i += 2
                    continue
                out.append(text[i])
                i += 1
            return "".join(out)
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

    def script(self, script: str, base: int) -> None:
        src = script.encode("utf-8", "surrogatepass")
        tree = _parser().parse(src)
        saved = self.src, self.base, self._at
        self.src, self.base, self._at = src, base, (0, 0)
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

    def root(self, offset: int, command: str, reason: str) -> None:
        self.facts.root.append(Finding(offset, command, reason))

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
    def prove(self, offset: int, command: str, reason: str) -> None:
        """`command` could only have succeeded as root (see PM_CHANGES): record it as proof."""
        if not self.unsure:
            self.facts.proofs.append(Finding(offset, command, reason))

    def _proof_path(self, path: str, mkdir: bool = False) -> bool:
        """Writing `path` (a created folder with `mkdir`) proves root: see PROOF_TREES."""
        if UNKNOWN in path or not path.startswith("/"):
            return False
        p = posixpath.normpath(path[:-2] if path.endswith("/x") else path)
        if mkdir and posixpath.dirname(p) in PROOF_PARENTS:
            return True
        return any(p == t or p.startswith(t + "/") for t in PROOF_TREES)

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
            if self._proof_path(path):
                self.prove(self.offset(node), op, f"the redirect {op} {path} writes a folder of root's")

    def simple(self, node) -> None:
        argv: list[str] = []
        raws: list[str] = []
        prefix_env: dict[str, str] = {}
        for i, c in enumerate(node.children):
            f = node.field_name_for_child(i)
            if c.type == "variable_assignment":
                n = c.child_by_field_name("name")
                v = c.child_by_field_name("value")
                if n is not None:
                    prefix_env[n.text.decode()] = self.word(v) if v is not None else ""
            elif c.type == "file_redirect":
                self.redirect(c)
            elif c.type in ("herestring_redirect", "heredoc_redirect"):
                self.walk(c)
            elif c.type == "command_name":
                argv.append("".join(self.word(x) for x in c.children))
                raws.append(c.text.decode("utf-8", "replace"))
            elif f == "argument":
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

    # --- commands -------------------------------------------------------------------------------------

    def command(self, argv: list[str], offset: int) -> None:
        if not argv or not self._deeper(offset):
            return
        try:
            self._command(argv, offset)
        finally:
            self.level -= 1

    def _command(self, argv: list[str], offset: int) -> None:
        name = _base(argv[0])
        args = argv[1:]
        shown = argv[0].replace(UNKNOWN, "…")

        if UNKNOWN in argv[0]:
            why = self._cwd_reason(f"{shown} (a command we cannot resolve)")
            if why:
                self.root(offset, shown, why)
            return

        # wrappers: look at the command they run
        if name in WRAPPERS:
            rest = self._unwrap(name, args)
            if rest is not None:
                if name == "xargs" and not rest:
                    rest = ["echo"]
                self.command(rest, offset)
                return
        if name == "sudo":
            self.root(offset, "sudo", "sudo needs root")
            i = 0
            while i < len(args) and _is_option(args[i]):
                i += 2 if args[i] in ("-u", "-g", "-C", "-h", "-p", "-U") else 1
            self.unsure += 1  # a user may sudo: what it runs proves nothing about who runs the RUN
            self.command(args[i:], offset)
            self.unsure -= 1
            return

        # one level of sh -c '…'
        if name in SHELLS:
            if "-c" in args or any(a.startswith("-") and not a.startswith("--") and "c" in a for a in args):
                idx = next(
                    (k for k, a in enumerate(args) if a == "-c" or (a.startswith("-") and not a.startswith("--") and "c" in a)),
                    None,
                )
                if idx is not None and idx + 1 < len(args):
                    inner = args[idx + 1]
                    if self.depth >= 1 or UNKNOWN in inner:
                        why = self._cwd_reason(f"{name} -c")
                        if why:
                            self.root(offset, name, why)
                        return
                    sub = _Analyzer(self.ctx, self.depth + 1)
                    sub.env, sub.cwd, sub.level, sub.checked = self.env.new_child(), self.cwd, self.level, self.checked
                    sub.unsure = self.unsure
                    sub.script(inner, 0)
                    for fnd in sub.facts.root:
                        self.root(offset, fnd.command, fnd.reason)
                    for fnd in sub.facts.proofs:
                        self.prove(offset, fnd.command, fnd.reason)
                    for u in sub.facts.users:
                        u.offset = offset
                        self.facts.users.append(u)
                    for g in sub.facts.groups:
                        g.offset = offset
                        self.facts.groups.append(g)
                    self.facts.families += sub.facts.families
                    self.facts.installs_shadow |= sub.facts.installs_shadow
                    self.facts.unnamed_ids += sub.facts.unnamed_ids
                    for ch in sub.facts.chowns:
                        ch.offset = offset
                        self.facts.chowns.append(ch)
                    self.facts.renames += sub.facts.renames
                    self.facts.subid_users += sub.facts.subid_users
                    self.facts.made_dirs += sub.facts.made_dirs
                    self.facts.writes += sub.facts.writes
                    return
            scripts = [a for a in args if not _is_option(a)]
            if scripts:  # `sh ./install.sh`: an unknown program
                why = self._cwd_reason(f"{name} {scripts[0]}".replace(UNKNOWN, "…"))
                if why:
                    self.root(offset, name, why)
            return

        if name == "cd":
            target = next((a for a in args if not _is_option(a)), None)
            if target is None or target == "~":
                self.cwd = "/root"
            elif UNKNOWN in target and not target.startswith("/tmp/"):
                self.cwd = None
            elif target.startswith("/"):
                self.cwd = posixpath.normpath(target)
            elif target == "-":
                self.cwd = None
            elif self.cwd is not None:
                self.cwd = posixpath.normpath(posixpath.join(self.cwd, target))
            return
        if name in ("pushd",):
            return self.command(["cd", *args], offset)

        # package managers
        fam = PACKAGE_MANAGERS.get(name) or PACKAGE_QUERIES.get(name)
        if fam:
            if fam not in self.facts.families:
                self.facts.families.append(fam)
            if any(a in ("shadow", "shadow-utils", "passwd") for a in args[1:]) and args and args[0] in (
                "add", "install", "in", "-S", "-Sy", "-Syu"
            ) or (name == "microdnf" and "shadow-utils" in args):
                self.facts.installs_shadow = True  # useradd/groupadd are there after this
            if name in PACKAGE_QUERIES:
                return
            ro = READ_ONLY.get(name, set())
            words = [a for a in args if a]
            first = next((a for a in words if not _is_option(a)), None)
            opts = [a for a in words if _is_option(a)]
            if (first in ro) or (opts and any(o in ro or o.split("=")[0] in ro for o in opts) and (
                name in ("dpkg", "rpm", "pacman") or first is None)) or (
                name == "rpm" and any(o.startswith("-q") for o in opts)) or (
                name == "pacman" and any(o.startswith("-Q") or o in ("-Si", "-Ss", "-Sl") for o in opts)):
                return
            if not args or args in (["--help"], ["-h"], ["--version"], ["-v"], ["-V"]):
                return
            sub = f" {first}" if first and name != "dpkg" else ""
            self.root(offset, name, f"{name}{sub} needs root (package manager)")
            if any(a in PM_CHANGES or (name == "pacman" and a.startswith(("-S", "-U", "-R"))) for a in words):
                self.prove(offset, name, f"{name}{sub} changes the system's packages")
            return
        if name in USER_TOOLS:
            self.user_tool(name, args, offset)
            self.root(offset, name, f"{name} needs root (it edits /etc/passwd and /etc/group)")
            if name not in ("passwd", "gpasswd", "pwconv", "grpconv"):
                self.prove(offset, name, f"{name} edits /etc/passwd and /etc/group")
            return

        if name in ROOT_TOOLS:
            if name == "chown":
                self._chown(args, offset)
            self.root(offset, name, f"{name} needs root: {ROOT_TOOLS[name]}")
            if name in PROVING_TOOLS:
                self.prove(offset, name, f"{name}: {ROOT_TOOLS[name]}")
            elif name == "chown":
                owner = next((a for a in args if not _is_option(a)), "")
                user = owner.split(":", 1)[0].split(".", 1)[0]
                if user == "root" or user == "0":
                    self.prove(offset, name, f"chown {owner} gives files to root")
            return

        if name == "set":
            for k, a in enumerate(args):
                if a[:1] in "-+" and not a.startswith("--") and "e" in a or a == "-o" and args[k + 1:k + 2] == ["errexit"]:
                    self.errexit = a[0] == "-"
        if name in HARMLESS:
            if name == "find":
                return self._find(args, offset)
            if name == "eval":
                text = " ".join(args)
                if UNKNOWN in text:
                    why = self._cwd_reason("eval of an unknown string")
                    if why:
                        self.root(offset, "eval", why)
                elif self.depth < 1:
                    sub = _Analyzer(self.ctx, self.depth + 1)
                    sub.env, sub.cwd, sub.level, sub.unsure = self.env.new_child(), self.cwd, self.level, self.unsure
                    sub.script(text, 0)
                    for fnd in sub.facts.root:
                        self.root(offset, fnd.command, fnd.reason)
                    for fnd in sub.facts.proofs:
                        self.prove(offset, fnd.command, fnd.reason)
                return
            if name in ("source", "."):
                return
            return

        handler = getattr(self, "_cmd_" + name.replace("-", "_").replace(".", "_"), None)
        if handler is not None:
            handler(name, args, offset)
            return
        if name in ("python", "python2", "python3") or name.startswith("python3.") or name.startswith("python2."):
            return self._python(argv[0], args, offset)
        if name in ("pip", "pip3") or (name.startswith("pip3.") and is_number(name[5:])):
            return self._pip(argv[0], args, offset)
        self.unknown(name, offset)

    def unknown(self, name: str, offset: int) -> None:
        why = self._cwd_reason(name)
        if why:
            self.root(offset, name, why)

    def _unwrap(self, name: str, args: list[str]) -> list[str] | None:
        i = 0
        if name == "env":
            while i < len(args) and (_is_option(args[i]) or "=" in args[i]):
                if args[i] in ("-u", "-C", "-S"):
                    i += 1
                i += 1
            return args[i:] if i < len(args) else None
        if name == "timeout":
            while i < len(args) and _is_option(args[i]):
                i += 2 if args[i] in ("-s", "-k", "--signal", "--kill-after") else 1
            return args[i + 1:] if i < len(args) else None
        if name in ("nice", "ionice", "stdbuf"):
            while i < len(args) and _is_option(args[i]):
                i += 2 if args[i] in ("-n", "-c", "-i", "-o", "-e") else 1
            return args[i:] or None
        if name == "xargs":
            with_value = {"-I", "-n", "-P", "-L", "-s", "-d", "-E", "-a", "--arg-file", "--delimiter"}
            while i < len(args) and _is_option(args[i]):
                i += 2 if args[i] in with_value else 1
            return args[i:]
        if name == "busybox":
            return args or None
        while i < len(args) and _is_option(args[i]):
            i += 1
        return args[i:] or None

    # --- users and groups ----------------------------------------------------------------------------

    def user_tool(self, name: str, args: list[str], offset: int) -> None:
        def num(v: str | None) -> int | None:
            return int(v) if v is not None and is_number(v) else None

        def add_user(n: str, uid: int | None, group: str | None) -> None:
            if n and UNKNOWN not in n:
                shell = opts.get("-s") or opts.get("--shell") or ("/usr/sbin/nologin" if name == "adduser"
                                                                  and "--system" in opts else "/bin/sh")
                no_home = any(o in opts for o in ("-M", "--no-create-home", "-H")) or (
                    name == "useradd" and ("-r" in opts or "--system" in opts) and not (
                        "-m" in opts or "--create-home" in opts))
                self.facts.users.append(CreatedUser(n, uid, group, offset, _plain_var(self.spelled.get(n)),
                                                    no_home and _base(shell) in ("false", "nologin")))
            elif uid is not None:
                self.facts.unnamed_ids.append(uid)

        def add_group(n: str, gid: int | None) -> None:
            if n and UNKNOWN not in n:
                self.facts.groups.append(CreatedGroup(n, gid, offset))
            elif gid is not None:
                self.facts.unnamed_ids.append(gid)

        if name == "useradd":
            pos, opts = _options(
                args,
                {
                    "-b", "--base-dir", "-c", "--comment", "-d", "--home", "--home-dir", "-e", "--expiredate",
                    "-f", "--inactive", "-g", "--gid", "-G", "--groups", "-k", "--skel", "-K", "--key", "-p",
                    "--password", "-R", "--root", "-P", "--prefix", "-s", "--shell", "-u", "--uid", "-Z",
                    "--selinux-user"
                },
                grouped=True,
            )
            if pos:
                group = opts.get("-g") or opts.get("--gid")
                uid = num(opts.get("-u") or opts.get("--uid"))
                add_user(pos[-1], uid, group)
                if group is None and "-N" not in opts and "--no-user-group" not in opts:
                    # USERGROUPS_ENAB (the default) also creates a group named after the user
                    add_group(pos[-1], uid)
        elif name in ("usermod", "groupmod"):
            pos, opts = _options(args, {"-l", "--login", "-n", "--new-name", "-u", "--uid", "-g", "--gid", "-G",
                                        "--groups", "-d", "--home", "-s", "--shell", "-c", "--comment", "-e",
                                        "--expiredate", "-f", "--inactive", "-p", "--password", "-v",
                                        "--add-subuids", "-w", "--add-subgids", "-V", "--del-subuids", "-W",
                                        "--del-subgids", "-R", "--root", "-P", "--prefix", "-Z", "--selinux-user"},
                                 grouped=True)
            if not pos or UNKNOWN in pos[-1]:
                return
            old = pos[-1]
            new = opts.get("-l") or opts.get("--login") if name == "usermod" else opts.get("-n") or opts.get("--new-name")
            uid = num(opts.get("-u") or opts.get("--uid")) if name == "usermod" else None
            if new and UNKNOWN in new:
                new = UNKNOWN  # renamed to a name known only at build time
            if new or uid is not None:
                self.facts.renames.append(Rename(old, new or old, name == "groupmod", uid))
            if any(o in opts for o in ("-v", "--add-subuids", "-w", "--add-subgids")):
                self.facts.subid_users.append(old)
        elif name in ("userdel", "deluser"):
            pos, _ = _options(args, {"-R", "--root", "-P", "--prefix", "--conf", "--backup-to"})
            if len(pos) == 1 and UNKNOWN not in pos[0]:  # `deluser USER GROUP` only leaves a group
                self.facts.renames.append(Rename(pos[0], None))
        elif name == "groupadd":
            pos, opts = _options(
                args,
                {
                    "-g", "--gid", "-K", "--key", "-p", "--password", "-R", "--root", "-P", "--prefix"
                },
                grouped=True,
            )
            if pos:
                add_group(pos[-1], num(opts.get("-g") or opts.get("--gid")))
        elif name == "adduser":
            if any(a.startswith("--") for a in args):  # Debian's adduser
                pos, opts = _options(
                    args,
                    {
                        "--home", "--shell", "--uid", "--gid", "--ingroup", "--gecos", "--comment", "--firstuid",
                        "--lastuid", "--firstgid", "--lastgid", "--conf", "--add_extra_groups", "--extrausers",
                        "-c"
                    },
                    grouped=True,
                )
                if "--group" in opts and "--system" not in opts and len(pos) == 1:
                    add_group(pos[0], num(opts.get("--gid")))
                    return
                if len(pos) == 1:
                    group = opts.get("--ingroup")
                    uid = num(opts.get("--uid"))
                    gid = num(opts.get("--gid"))
                    if group is None and gid is not None:
                        group = str(gid)
                    own_group = "--group" in opts or (group is None and "--system" not in opts)
                    add_user(pos[0], uid, pos[0] if own_group and group is None else group)
                    if own_group:
                        add_group(pos[0], gid if gid is not None else uid)
            else:  # BusyBox adduser [-h DIR] [-g GECOS] [-s SHELL] [-G GRP] [-S] [-D] [-H] [-u UID] [-k SKEL] USER [GROUP]
                pos, opts = _options(
                    args,
                    {
                        "-h", "-g", "-s", "-G", "-u", "-k"
                    },
                    grouped=True,
                )
                if len(pos) == 1:
                    uid = num(opts.get("-u"))
                    group = opts.get("-G")
                    add_user(pos[0], uid, group or pos[0])
                    if group is None:
                        add_group(pos[0], uid)
        elif name == "addgroup":
            if any(a.startswith("--") for a in args):
                pos, opts = _options(
                    args,
                    {
                        "--gid", "--conf", "--firstgid", "--lastgid"
                    },
                    grouped=True,
                )
                if len(pos) == 1:
                    add_group(pos[0], num(opts.get("--gid")))
            else:
                pos, opts = _options(
                    args,
                    {
                        "-g"
                    },
                    grouped=True,
                )
                if len(pos) == 1:  # two names = add a user to a group
                    add_group(pos[0], num(opts.get("-g")))

    def _chown(self, args: list[str], offset: int) -> None:
        """Record `chown OWNER[:GROUP] PATHS` when it must succeed (see `checked`)."""
        pos, opts = _options(args, {"--from"})
        if not self.checked or len(pos) < 2 or any(o.startswith("--reference") for o in opts):
            return
        spec = pos[0]
        if UNKNOWN in spec.split(":", 1)[0]:
            return
        user, _, group = spec.partition(":")
        raw = self.spelled.get(spec, "").strip("\"'")
        spelled = _plain_var(raw.split(":", 1)[0]) if raw.startswith("$") else None
        paths = [posixpath.normpath(p if p.startswith("/") else posixpath.join(self.cwd or UNKNOWN, p))
                 for p in pos[1:]]
        self.facts.chowns.append(Chown(user, group or None, paths, offset, spelled))

    # --- writers --------------------------------------------------------------------------------------

    def _targets(self, name: str, offset: int, paths: list[str], prove: bool = True, made: bool = False) -> None:
        for p in paths:
            full = posixpath.normpath(p if p.startswith("/") else posixpath.join(self.cwd or UNKNOWN, p))
            if UNKNOWN not in full:
                full = full[:-2] if full.endswith("/x") else full
                if not made and name in FILLERS:  # what they write lands in the folder they name
                    full = full.rstrip("/") + "/"
                (self.facts.made_dirs if made else self.facts.writes).append(full)
        for p in paths:
            full = posixpath.normpath(p if p.startswith("/") else posixpath.join(self.cwd or UNKNOWN, p))
            if full.startswith(("/tmp/", "/var/tmp/")):
                self.tmp_made.add(full[:-2] if full.endswith("/x") else full)
            why = self.writes_root(p)
            if why:
                shown = (p[:-2] if p.endswith("/x") else p).replace(UNKNOWN, "…")
                self.root(offset, name, f"{name} {shown} needs root: {why}")
                if prove and self._proof_path(p):
                    self.prove(offset, name, f"{name} {shown} writes a folder of root's")
                return

    def _dest_last(self, name: str, args: list[str], offset: int) -> None:
        pos, opts = _options(args, {"-t", "--target-directory", "-S", "--suffix", "-m", "--mode", "-o", "-g",
                                       "--owner", "--group"})
        target = opts.get("-t") or opts.get("--target-directory")
        if name == "install" and ("-d" in opts or "--directory" in opts):
            return self._targets(name, offset, pos, made=True)
        if name == "install" and ("-o" in opts or "-g" in opts or "--owner" in opts or "--group" in opts):
            self.root(offset, name, f"{name} -o/-g needs root: it sets a file's owner")
            return
        if target:
            return self._targets(name, offset, [target])
        if name in ("mv",):
            # moving also removes the source
            return self._targets(name, offset, pos[-1:] + pos[:-1])
        if pos:
            self._targets(name, offset, pos[-1:] if len(pos) > 1 else pos)

    _cmd_cp = _dest_last
    _cmd_mv = _dest_last
    _cmd_install = _dest_last

    def _cmd_ln(self, name, args, offset):
        pos, opts = _options(args, {"-t", "--target-directory", "-S"})
        if opts.get("-t") or opts.get("--target-directory"):
            return self._targets(name, offset, [opts.get("-t") or opts.get("--target-directory")])
        if len(pos) == 1:
            return self._targets(name, offset, [posixpath.basename(pos[0]) or pos[0]])
        self._targets(name, offset, pos[-1:])

    def _all_paths(self, name, args, offset, with_value=frozenset(), prove: bool = True):
        pos, _ = _options(args, with_value)
        self._targets(name, offset, pos, prove)

    def _cmd_mkdir(self, name, args, offset):
        pos, opts = _options(args, {"-m", "--mode", "-Z", "--context"}, grouped=True)
        self._targets(name, offset, pos, prove=False, made=True)
        if "-p" not in opts and "--parents" not in opts:
            # a new folder (mkdir fails on one that exists) where only root can create one
            for p in pos:
                if self._proof_path(p, mkdir=True):
                    self.prove(offset, name, f"mkdir {p} creates a folder where only root can")
                    break

    def _cmd_touch(self, name, args, offset):
        self._all_paths(name, args, offset, {"-d", "--date", "-r", "--reference", "-t"})

    def _cmd_rm(self, name, args, offset):
        pos, _ = _options(args)
        for p in pos:
            full = posixpath.normpath(p if p.startswith("/") else posixpath.join(self.cwd or UNKNOWN, p))
            tmp = next((t for t in ("/tmp", "/var/tmp") if full.startswith(t + "/")), None)
            made = any(m == full or m.startswith(full + "/") for m in self.tmp_made)
            if tmp and not made and not full.startswith(tmp + "/" + UNKNOWN):
                # /tmp is sticky: only an entry's owner may remove it, and the steps before ran as root
                self.root(offset, name, f"{name} {full} needs root: earlier steps ran as root and may have "
                                        f"left files there, which {tmp}'s sticky bit lets only their owner remove")
                return
        self._targets(name, offset, pos, prove=False)  # `rm -f` of nothing succeeds: no proof

    _cmd_rmdir = _cmd_rm
    _cmd_unlink = _cmd_rm
    _cmd_shred = _cmd_rm

    def _cmd_chmod(self, name, args, offset):
        pos, opts = _options(args, {"--reference"})
        self._targets(name, offset, pos if "--reference" in opts else pos[1:])

    def _cmd_tee(self, name, args, offset):
        self._all_paths(name, args, offset)

    def _cmd_truncate(self, name, args, offset):
        self._all_paths(name, args, offset, {"-s", "--size", "-r", "--reference"})

    def _cmd_sed(self, name, args, offset):
        inplace = any(a == "-i" or a.startswith("-i") or a.startswith("--in-place") or
                      (a.startswith("-") and not a.startswith("--") and "i" in a[1:] and "e" not in a[1:])
                      for a in args)
        if not inplace:
            return
        pos, opts = _options(args, {"-e", "--expression", "-f", "--file", "-l", "--line-length"})
        files = pos if ("-e" in opts or "--expression" in opts or "-f" in opts or "--file" in opts) else pos[1:]
        self._targets(name, offset, files)

    def _cmd_curl(self, name, args, offset):
        out = []
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("-o", "--output") and i + 1 < len(args):
                out.append(args[i + 1])
                i += 1
            elif a.startswith("--output="):
                out.append(a.split("=", 1)[1])
            elif a in ("-O", "--remote-name", "--remote-name-all", "-J") or (
                a.startswith("-") and not a.startswith("--") and "O" in a
            ):
                out.append("./remote")
            elif a.startswith("-") and not a.startswith("--") and a.endswith("o") and i + 1 < len(args):
                out.append(args[i + 1])
                i += 1
            elif a in ("--output-dir",) and i + 1 < len(args):
                out.append(args[i + 1] + "/x")
                i += 1
            i += 1
        self._targets(name, offset, out)

    def _cmd_wget(self, name, args, offset):
        out = None
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("-O", "--output-document") and i + 1 < len(args):
                out = args[i + 1]
                i += 1
            elif a.startswith("--output-document="):
                out = a.split("=", 1)[1]
            elif a.startswith("-O") and len(a) > 2:
                out = a[2:]
            elif a in ("-P", "--directory-prefix") and i + 1 < len(args):
                out = args[i + 1] + "/x"
                i += 1
            elif a.startswith("-") and not a.startswith("--") and "O" in a:  # -qO- / -qO file
                rest = a[a.index("O") + 1:]
                if rest:
                    out = rest
                elif i + 1 < len(args):
                    out = args[i + 1]
                    i += 1
            i += 1
        if out is None:
            out = "./download"
        self._targets(name, offset, [out])

    def _cmd_tar(self, name, args, offset):
        first = args[0] if args else ""
        extract = any(a in ("-x", "--extract", "--get") for a in args) or (
            first and not first.startswith("-") and "x" in first
        ) or any(a.startswith("-") and not a.startswith("--") and "x" in a for a in args)
        if not extract:
            # creating an archive writes the -f file
            pos, opts = _options(args, {"-f", "--file", "-C", "--directory"})
            f = opts.get("-f") or opts.get("--file")
            if f is None:
                for k, a in enumerate(args):
                    if a.startswith("-") and not a.startswith("--") and a.endswith("f") and k + 1 < len(args):
                        f = args[k + 1]
            if f and f != "-":
                self._targets(name, offset, [f])
            return
        dest = "."
        for k, a in enumerate(args):
            if a in ("-C", "--directory") and k + 1 < len(args):
                dest = args[k + 1]
            elif a.startswith("--directory="):
                dest = a.split("=", 1)[1]
        self._targets(name, offset, [dest + "/x"])

    def _cmd_unzip(self, name, args, offset):
        dest = "."
        for k, a in enumerate(args):
            if a == "-d" and k + 1 < len(args):
                dest = args[k + 1]
        if "-l" in args or "-t" in args or "-p" in args:
            return
        self._targets(name, offset, [dest + "/x"])

    def _cmd_git(self, name, args, offset):
        pos, opts = _options(args, {"-C", "-c", "--depth", "-b", "--branch", "--config", "--filter",
                                       "--recurse-submodules", "-o", "--origin", "-j", "--jobs",
                                       "--reference", "--separate-git-dir"})
        if opts.get("-C"):
            saved = self.cwd
            c = opts["-C"]
            self.cwd = c if c.startswith("/") else posixpath.join(self.cwd or "/", c) if self.cwd else None
            try:
                return self._cmd_git(name, [a for a in args if a not in ("-C", c)], offset)
            finally:
                self.cwd = saved
        if not pos:
            return
        sub = pos[0]
        if sub == "config" and ("--global" in opts or "--system" in opts):
            if "--system" in opts:
                return self._targets(name, offset, ["/etc/gitconfig"])
            return self._targets(name, offset, ["/root/.gitconfig"])
        if sub in ("clone",):
            dest = pos[2] if len(pos) > 2 else "./" + posixpath.basename(pos[1] if len(pos) > 1 else "repo")
            return self._targets(name, offset, [dest + "/x"])
        if sub in ("version", "--version", "log", "status", "rev-parse", "describe", "show", "ls-remote",
                   "diff", "ls-files"):
            return
        self.unknown(f"git {sub}", offset)

    def _cmd_dd(self, name, args, offset):
        for a in args:
            if a.startswith("of="):
                self._targets(name, offset, [a[3:]])

    def _cmd_gzip(self, name, args, offset):
        pos, opts = _options(args)
        if any(o in opts for o in ("-c", "--stdout", "-l", "-t", "--list", "--test")):
            return
        self._targets(name, offset, pos)

    _cmd_gunzip = _cmd_gzip
    _cmd_bzip2 = _cmd_gzip
    _cmd_bunzip2 = _cmd_gzip
    _cmd_xz = _cmd_gzip
    _cmd_unxz = _cmd_gzip
    _cmd_zstd = _cmd_gzip

    def _cmd_gpg(self, name, args, offset):
        home = None
        for k, a in enumerate(args):
            if a == "--homedir" and k + 1 < len(args):
                home = args[k + 1]
        env_home = self.env.get("GNUPGHOME")
        self._targets(name, offset, [(home or env_home or "/root/.gnupg") + "/x"])
        out = [args[k + 1] for k, a in enumerate(args) if a in ("-o", "--output") and k + 1 < len(args)]
        self._targets(name, offset, out)

    def _cmd_make(self, name, args, offset):
        pos, opts = _options(args, {"-C", "-f", "-j", "--directory", "--file", "-I"})
        if any(t in ("install", "altinstall", "install-strip") or t.startswith("install") for t in pos):
            self.root(offset, name, f"{name} install needs root: it installs into system folders")
            return
        d = opts.get("-C") or opts.get("--directory")
        if d:
            why = self.writes_root(d.rstrip("/") + "/x")
            if why:
                self.root(offset, name, f"{name} -C {d} needs root: {why}")
            return
        self.unknown(name, offset)

    def _cmd_npm(self, name, args, offset):
        pos, opts = _options(args, {"--prefix", "--cache"})
        if "-g" in opts or "--global" in opts or opts.get("--location") == "global":
            self.root(offset, name, f"{name} install -g needs root: it installs into the system prefix")
            return
        if pos and pos[0] in ("config",) and ("-g" in opts or "--global" in opts):
            self.root(offset, name, f"{name} config -g needs root")
            return
        if pos and pos[0] in ("--version", "-v", "version", "view", "ls", "list", "help"):
            return
        if opts.get("--prefix"):
            return self._targets(name, offset, [opts["--prefix"] + "/x"])
        self.unknown(f"{name} {pos[0] if pos else ''}".strip(), offset)

    _cmd_pnpm = _cmd_npm

    def _cmd_yarn(self, name, args, offset):
        if args and args[0] == "global":
            self.root(offset, name, "yarn global needs root: it installs into the system prefix")
            return
        pos, _ = _options(args)
        if pos and pos[0] in ("--version", "-v", "version", "help"):
            return
        self.unknown(f"yarn {pos[0] if pos else ''}".strip(), offset)

    def _cmd_corepack(self, name, args, offset):
        if args and args[0] in ("enable", "prepare", "install"):
            self.root(offset, name, f"corepack {args[0]} needs root: it writes the global prefix")
            return
        self.unknown(name, offset)

    def _cmd_gem(self, name, args, offset):
        pos, opts = _options(args, {"-i", "--install-dir", "-n", "--bindir", "-v", "--version"})
        if pos and pos[0] in ("install", "update", "uninstall", "pristine", "cleanup"):
            if "--user-install" in opts:
                return
            d = opts.get("-i") or opts.get("--install-dir")
            if d:
                return self._targets(name, offset, [d + "/x"])
            self.root(offset, name, f"gem {pos[0]} needs root: it installs into the system gem folder")
            return
        if pos and pos[0] in ("sources", "update") or (pos and pos[0] == "env"):
            return
        self.unknown(name, offset)

    def _cmd_bundle(self, name, args, offset):
        # bundle install writes into the system gem folder unless configured otherwise
        if self.env.get("BUNDLE_PATH") or self.env.get("GEM_HOME"):
            p = self.env.get("BUNDLE_PATH") or self.env.get("GEM_HOME")
            return self._targets(name, offset, [p + "/x"]) if self.writes_root(p + "/x") else self.unknown(name, offset)
        self.root(offset, name, "bundle install needs root: it installs into the system gem folder")

    def _cmd_cargo(self, name, args, offset):
        if args and args[0] == "install":
            root_dir = self.env.get("CARGO_HOME") or "/root/.cargo"
            for k, a in enumerate(args):
                if a == "--root" and k + 1 < len(args):
                    root_dir = args[k + 1]
            return self._targets(name, offset, [root_dir + "/bin/x"]) or self.unknown(name, offset)
        self.unknown(name, offset)

    def _cmd_go(self, name, args, offset):
        if args and args[0] in ("version", "env"):
            return
        gopath = self.env.get("GOPATH") or "/root/go"
        if args and args[0] in ("install", "get"):
            why = self.writes_root(gopath + "/x")
            if why:
                self.root(offset, name, f"go {args[0]} needs root: {why}")
                return
        self.unknown(f"go {args[0] if args else ''}".strip(), offset)

    def _python(self, name, args, offset):
        if len(args) >= 2 and args[0] == "-m" and args[1] in ("pip", "pip3"):
            return self._pip(name + " -m pip", args[2:], offset)
        if len(args) >= 2 and args[0] == "-m" and args[1] in ("venv", "virtualenv"):
            pos, _ = _options(args[2:], {"--prompt"})
            return self._targets(name, offset, [p + "/x" for p in pos])
        if args and args[0] in ("--version", "-V"):
            return
        self.unknown(name, offset)

    def _venv(self, prog: str) -> str | None:
        """The virtualenv a pip/python runs in, or None for the system one."""
        system = ("/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin", "/sbin", "/usr/local/sbin")
        if "/" in prog:
            d = posixpath.dirname(prog)
            return None if d in system else posixpath.dirname(d)
        venv = self.env.get("VIRTUAL_ENV")
        if venv and UNKNOWN not in venv:
            return venv
        for d in (self.env.get("PATH") or "").split(":"):
            if d and UNKNOWN not in d:
                if d.rstrip("/") in system:
                    return None
                if d.endswith("/bin") and ("venv" in d or "virtualenv" in d or d.startswith("/opt/")):
                    return posixpath.dirname(d)
        return None

    def _pip(self, name, args, offset):
        pos, opts = _options(args, {"-r", "--requirement", "-t", "--target", "--prefix", "--root", "-c",
                                       "--constraint", "-i", "--index-url", "--extra-index-url", "-f",
                                       "--find-links", "--cache-dir", "-e", "--editable", "--src", "-d",
                                       "--dest", "-w", "--wheel-dir", "--trusted-host", "--platform",
                                       "--python-version", "--only-binary", "--no-binary", "--progress-bar",
                                       "--timeout", "--retries", "--proxy", "--log", "-C", "--config-settings",
                                       "--global-option", "--upgrade-strategy", "--implementation", "--abi"})
        sub = pos[0] if pos else ""
        if sub in ("install", "uninstall"):
            target = opts.get("-t") or opts.get("--target") or opts.get("--prefix") or opts.get("--root")
            if target:
                return self._targets(name, offset, [target + "/x"])
            if "--user" in opts:
                return self._targets(name, offset, ["/root/.local/x"])
            venv = self._venv(name.split(" ")[0])
            shown = f"{_base(name)} {sub}"
            if venv is None:
                self.root(offset, name, f"{shown} needs root: it installs into the system site-packages")
                return
            why = self.writes_root(venv + "/lib/x")
            if why:
                self.root(offset, name, f"{shown} needs root: the virtualenv {venv} is root-owned")
                return
            if "-e" in opts or "--editable" in opts or any(p in (".", "./") for p in pos[1:]):
                return self.unknown(f"{name} {sub} -e", offset)
            return
        if sub in ("download", "wheel"):
            d = opts.get("-d") or opts.get("--dest") or opts.get("-w") or opts.get("--wheel-dir") or "."
            return self._targets(name, offset, [d + "/x"])
        if sub in ("config",) and ("--global" in opts or "--site" in opts):
            return self.root(offset, name, f"{name} config needs root: it writes a system config file")
        # show, list, freeze, --version, check, cache: read-only (cache lives in root's home)
        return

    def _find(self, args, offset):
        acts = {"-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprintf", "-fls"}
        if not any(a in acts for a in args):
            return
        starts = []
        for a in args:
            if a.startswith("-") or a in ("(", "!", ")"):
                break
            starts.append(a)
        if "-exec" in args or "-execdir" in args:
            k = args.index("-exec") if "-exec" in args else args.index("-execdir")
            rest = []
            for a in args[k + 1:]:
                if a in (";", "+", "\\;"):
                    break
                rest.append(a)
            if rest:
                saved = self.cwd
                start = (starts or ["."])[0].rstrip("/") or "/"
                self.command([a.replace("{}", start + "/x") for a in rest], offset)
                self.cwd = saved
        if "-delete" in args:
            self._targets("find -delete", offset, [s.rstrip("/") + "/x" for s in (starts or ["."])], prove=False)
