"""Step 3's handlers for programs that write files: where each kind of program writes (cp, ln,
mkdir, tar, curl, git, ...) and where installers install (make, npm, gem, cargo, go, pip). Which
program has which handler, its options that take a value, and whether it fills the folder it names
is data (`handler`, `with_value`, `filler` in data/commands.toml); the paths a handler finds go to
the walk's `targets`, which checks them against the root-owned folders. Each handler takes the walk
(`shell._Analyzer`), the command's entry, its name, its arguments and the offset of the command.
"""

from __future__ import annotations

import posixpath

from .commands import lookup
from .shellfacts import UNKNOWN, base, options


def copy(w, cmd, name: str, args: list[str], offset: int) -> None:
    """cp, mv, install: the last operand or `-t DIR` (`makes_dirs`: `install -d` creates its operands;
    `sets_owner`: `install -o` needs root; `moves`: mv also removes its sources)."""
    pos, opts = options(args, cmd.with_value)
    target = opts.get("-t") or opts.get("--target-directory")
    if any(o in opts for o in cmd.makes_dirs):
        return w.targets(name, offset, pos, made=True)
    if any(o in opts for o in cmd.sets_owner):
        w.root(offset, name, f"{name} -o/-g needs root: it sets a file's owner")
        return
    if target:
        return w.targets(name, offset, [target], fill=cmd.filler)
    if cmd.moves:
        # moving also removes the source
        return w.targets(name, offset, pos[-1:] + pos[:-1], fill=cmd.filler)
    if pos:
        w.targets(name, offset, pos[-1:] if len(pos) > 1 else pos, fill=cmd.filler)


def link(w, cmd, name, args, offset):
    """ln: the link it makes (`-t DIR`, the last operand, or the target's name in the working folder)."""
    pos, opts = options(args, cmd.with_value)
    if opts.get("-t") or opts.get("--target-directory"):
        return w.targets(name, offset, [opts.get("-t") or opts.get("--target-directory")], fill=cmd.filler)
    if len(pos) == 1:
        return w.targets(name, offset, [posixpath.basename(pos[0]) or pos[0]], fill=cmd.filler)
    w.targets(name, offset, pos[-1:], fill=cmd.filler)


def operands(w, cmd, name, args, offset):
    """touch, tee, truncate: every operand."""
    pos, _ = options(args, cmd.with_value)
    w.targets(name, offset, pos)


def mkdir(w, cmd, name, args, offset):
    """mkdir: the folders it creates (made for the program's data unless the build fills them)."""
    pos, opts = options(args, cmd.with_value, grouped=True)
    w.targets(name, offset, pos, prove=False, made=True)
    if "-p" not in opts and "--parents" not in opts:
        # a new folder (mkdir fails on one that exists) where only root can create one
        for p in pos:
            if w.proof_path(p, mkdir=True):
                w.prove(offset, name, f"mkdir {p} creates a folder where only root can")
                break


def remove(w, cmd, name, args, offset):
    """rm, rmdir, unlink, shred: what they remove (never proof of root: `rm -f` of nothing succeeds)."""
    pos, _ = options(args)
    for p in pos:
        full = posixpath.normpath(p if p.startswith("/") else posixpath.join(w.cwd or UNKNOWN, p))
        tmp = next((t for t in ("/tmp", "/var/tmp") if full.startswith(t + "/")), None)
        made = any(m == full or m.startswith(full + "/") for m in w.tmp_made)
        if tmp and not made and not full.startswith(tmp + "/" + UNKNOWN):
            # /tmp is sticky: only an entry's owner may remove it, and the steps before ran as root
            w.root(offset, name, f"{name} {full} needs root: earlier steps ran as root and may have "
                                    f"left files there, which {tmp}'s sticky bit lets only their owner remove")
            return
    w.targets(name, offset, pos, prove=False)  # `rm -f` of nothing succeeds: no proof


def chmod(w, cmd, name, args, offset):
    """chmod MODE FILES (or --reference=REF FILES)."""
    pos, opts = options(args, cmd.with_value)
    w.targets(name, offset, pos if "--reference" in opts else pos[1:])


def sed(w, cmd, name, args, offset):
    """sed -i: the files it edits."""
    inplace = any(a == "-i" or a.startswith("-i") or a.startswith("--in-place") or
                  (a.startswith("-") and not a.startswith("--") and "i" in a[1:] and "e" not in a[1:])
                  for a in args)
    if not inplace:
        return
    pos, opts = options(args, cmd.with_value)
    files = pos if ("-e" in opts or "--expression" in opts or "-f" in opts or "--file" in opts) else pos[1:]
    w.targets(name, offset, files)


def curl(w, cmd, name, args, offset):
    """curl: -o FILE, -O (a file in the working folder), --output-dir DIR."""
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
    w.targets(name, offset, out, fill=cmd.filler)


def wget(w, cmd, name, args, offset):
    """wget: -O FILE, -P DIR, or a file in the working folder."""
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
    w.targets(name, offset, [out], fill=cmd.filler)


def tar(w, cmd, name, args, offset):
    """tar: extracting writes into -C DIR (or the working folder); creating writes the -f file."""
    first = args[0] if args else ""
    extract = any(a in ("-x", "--extract", "--get") for a in args) or (
        first and not first.startswith("-") and "x" in first
    ) or any(a.startswith("-") and not a.startswith("--") and "x" in a for a in args)
    if not extract:
        # creating an archive writes the -f file
        pos, opts = options(args, cmd.with_value)
        f = opts.get("-f") or opts.get("--file")
        if f is None:
            for k, a in enumerate(args):
                if a.startswith("-") and not a.startswith("--") and a.endswith("f") and k + 1 < len(args):
                    f = args[k + 1]
        if f and f != "-":
            w.targets(name, offset, [f], fill=cmd.filler)
        return
    dest = "."
    for k, a in enumerate(args):
        if a in ("-C", "--directory") and k + 1 < len(args):
            dest = args[k + 1]
        elif a.startswith("--directory="):
            dest = a.split("=", 1)[1]
    w.targets(name, offset, [dest + "/x"], fill=cmd.filler)


def unzip(w, cmd, name, args, offset):
    """unzip: into -d DIR or the working folder (-l, -t, -p only read)."""
    dest = "."
    for k, a in enumerate(args):
        if a == "-d" and k + 1 < len(args):
            dest = args[k + 1]
    if "-l" in args or "-t" in args or "-p" in args:
        return
    w.targets(name, offset, [dest + "/x"], fill=cmd.filler)


def git(w, cmd, name, args, offset):
    """git: clone writes its folder, config --global/--system their files; -C DIR moves first."""
    pos, opts = options(args, cmd.with_value)
    if opts.get("-C"):
        saved = w.cwd
        c = opts["-C"]
        w.cwd = c if c.startswith("/") else posixpath.join(w.cwd or "/", c) if w.cwd else None
        try:
            return git(w, cmd, name, [a for a in args if a not in ("-C", c)], offset)
        finally:
            w.cwd = saved
    if not pos:
        return
    sub = pos[0]
    if sub == "config" and ("--global" in opts or "--system" in opts):
        if "--system" in opts:
            return w.targets(name, offset, ["/etc/gitconfig"], fill=cmd.filler)
        return w.targets(name, offset, ["/root/.gitconfig"], fill=cmd.filler)
    if sub in ("clone",):
        dest = pos[2] if len(pos) > 2 else "./" + posixpath.basename(pos[1] if len(pos) > 1 else "repo")
        return w.targets(name, offset, [dest + "/x"], fill=cmd.filler)
    if sub in ("version", "--version", "log", "status", "rev-parse", "describe", "show", "ls-remote",
               "diff", "ls-files"):
        return
    w.unknown(f"git {sub}", offset)


def dd(w, cmd, name, args, offset):
    """dd of=FILE."""
    for a in args:
        if a.startswith("of="):
            w.targets(name, offset, [a[3:]])


def compress(w, cmd, name, args, offset):
    """gzip, xz, zstd, ... and their inverses: they replace their operands (not with -c, -l, -t)."""
    pos, opts = options(args)
    if any(o in opts for o in ("-c", "--stdout", "-l", "-t", "--list", "--test")):
        return
    w.targets(name, offset, pos)


def gpg(w, cmd, name, args, offset):
    """gpg: its home (--homedir, $GNUPGHOME, root's) and -o FILE."""
    home = None
    for k, a in enumerate(args):
        if a == "--homedir" and k + 1 < len(args):
            home = args[k + 1]
    env_home = w.env.get("GNUPGHOME")
    w.targets(name, offset, [(home or env_home or "/root/.gnupg") + "/x"])
    out = [args[k + 1] for k, a in enumerate(args) if a in ("-o", "--output") and k + 1 < len(args)]
    w.targets(name, offset, out)


def make(w, cmd, name, args, offset):
    """make install: system folders; make -C DIR: that folder; else an unknown program."""
    pos, opts = options(args, cmd.with_value)
    if any(t in ("install", "altinstall", "install-strip") or t.startswith("install") for t in pos):
        w.root(offset, name, f"{name} install needs root: it installs into system folders")
        return
    d = opts.get("-C") or opts.get("--directory")
    if d:
        why = w.writes_root(d.rstrip("/") + "/x")
        if why:
            w.root(offset, name, f"{name} -C {d} needs root: {why}")
        return
    w.unknown(name, offset)


def npm(w, cmd, name, args, offset):
    """npm, pnpm: -g installs into the system prefix; --prefix DIR into DIR."""
    pos, opts = options(args, cmd.with_value)
    if "-g" in opts or "--global" in opts or opts.get("--location") == "global":
        w.root(offset, name, f"{name} install -g needs root: it installs into the system prefix")
        return
    if pos and pos[0] in ("config",) and ("-g" in opts or "--global" in opts):
        w.root(offset, name, f"{name} config -g needs root")
        return
    if pos and pos[0] in ("--version", "-v", "version", "view", "ls", "list", "help"):
        return
    if opts.get("--prefix"):
        return w.targets(name, offset, [opts["--prefix"] + "/x"])
    w.unknown(f"{name} {pos[0] if pos else ''}".strip(), offset)


def yarn(w, cmd, name, args, offset):
    if args and args[0] == "global":
        w.root(offset, name, "yarn global needs root: it installs into the system prefix")
        return
    pos, _ = options(args)
    if pos and pos[0] in ("--version", "-v", "version", "help"):
        return
    w.unknown(f"yarn {pos[0] if pos else ''}".strip(), offset)


def corepack(w, cmd, name, args, offset):
    if args and args[0] in ("enable", "prepare", "install"):
        w.root(offset, name, f"corepack {args[0]} needs root: it writes the global prefix")
        return
    w.unknown(name, offset)


def gem(w, cmd, name, args, offset):
    """gem install: the system gem folder, unless --user-install or -i DIR."""
    pos, opts = options(args, cmd.with_value)
    if pos and pos[0] in ("install", "update", "uninstall", "pristine", "cleanup"):
        if "--user-install" in opts:
            return
        d = opts.get("-i") or opts.get("--install-dir")
        if d:
            return w.targets(name, offset, [d + "/x"])
        w.root(offset, name, f"gem {pos[0]} needs root: it installs into the system gem folder")
        return
    if pos and pos[0] in ("sources", "update") or (pos and pos[0] == "env"):
        return
    w.unknown(name, offset)


def bundle(w, cmd, name, args, offset):
    # bundle install writes into the system gem folder unless configured otherwise
    if w.env.get("BUNDLE_PATH") or w.env.get("GEM_HOME"):
        p = w.env.get("BUNDLE_PATH") or w.env.get("GEM_HOME")
        return w.targets(name, offset, [p + "/x"]) if w.writes_root(p + "/x") else w.unknown(name, offset)
    w.root(offset, name, "bundle install needs root: it installs into the system gem folder")


def cargo(w, cmd, name, args, offset):
    """cargo install: $CARGO_HOME (root's) or --root DIR."""
    if args and args[0] == "install":
        root_dir = w.env.get("CARGO_HOME") or "/root/.cargo"
        for k, a in enumerate(args):
            if a == "--root" and k + 1 < len(args):
                root_dir = args[k + 1]
        return w.targets(name, offset, [root_dir + "/bin/x"]) or w.unknown(name, offset)
    w.unknown(name, offset)


def nvm(w, cmd, name, args, offset):
    """nvm install/alias/...: $NVM_DIR, root's ~/.nvm by default (nvm's own folder, not the
    working folder); `use`, `ls`, `current`, `which`, `version` only read it."""
    if args and args[0] in ("install", "uninstall", "alias", "unalias", "reinstall-packages", "install-latest-npm",
                            "cache"):
        return w.targets(name, offset, [(w.env.get("NVM_DIR") or "/root/.nvm") + "/x"])
    if args and args[0] in ("use", "ls", "list", "ls-remote", "current", "which", "version", "version-remote",
                            "--version", "--help", "deactivate"):
        return
    w.unknown(name, offset)


def go(w, cmd, name, args, offset):
    """go install/get: $GOPATH (root's)."""
    if args and args[0] in ("version", "env"):
        return
    gopath = w.env.get("GOPATH") or "/root/go"
    if args and args[0] in ("install", "get"):
        why = w.writes_root(gopath + "/x")
        if why:
            w.root(offset, name, f"go {args[0]} needs root: {why}")
            return
    w.unknown(f"go {args[0] if args else ''}".strip(), offset)


def python(w, cmd, prog, args, offset):
    """python -m pip (read as pip), python -m venv DIR (writes DIR); else an unknown program.
    `prog`: the program as called (with its folder: /opt/venv/bin/python is a virtualenv's)."""
    name = prog
    if len(args) >= 2 and args[0] == "-m" and args[1] in ("pip", "pip3"):
        return _pip(w, lookup("pip", w.known), name + " -m pip", args[2:], offset)
    if len(args) >= 2 and args[0] == "-m" and args[1] in ("venv", "virtualenv"):
        pos, _ = options(args[2:], cmd.with_value)
        return w.targets(name, offset, [p + "/x" for p in pos])
    if args and args[0] in ("--version", "-V"):
        return
    w.unknown(name, offset)


def _venv(w, prog: str) -> str | None:
    """The virtualenv a pip/python runs in, or None for the system one."""
    system = ("/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin", "/sbin", "/usr/local/sbin")
    if "/" in prog:
        d = posixpath.dirname(prog)
        return None if d in system else posixpath.dirname(d)
    venv = w.env.get("VIRTUAL_ENV")
    if venv and UNKNOWN not in venv:
        return venv
    for d in (w.env.get("PATH") or "").split(":"):
        if d and UNKNOWN not in d:
            if d.rstrip("/") in system:
                return None
            if d.endswith("/bin") and ("venv" in d or "virtualenv" in d or d.startswith("/opt/")):
                return posixpath.dirname(d)
    return None


def pip(w, cmd, prog, args, offset):
    """pip install: the system site-packages (root), a root-owned virtualenv (root), --target/--prefix
    DIR, --user (root's home); download/wheel write -d DIR. `prog`: as called (see `python`)."""
    return _pip(w, cmd, prog, args, offset)


def _pip(w, cmd, name, args, offset):
    pos, opts = options(args, cmd.with_value)
    sub = pos[0] if pos else ""
    if sub in ("install", "uninstall"):
        target = opts.get("-t") or opts.get("--target") or opts.get("--prefix") or opts.get("--root")
        if target:
            return w.targets(name, offset, [target + "/x"])
        if "--user" in opts:
            return w.targets(name, offset, ["/root/.local/x"])
        venv = _venv(w, name.split(" ")[0])
        shown = f"{base(name)} {sub}"
        if venv is None:
            w.root(offset, name, f"{shown} needs root: it installs into the system site-packages")
            return
        why = w.writes_root(venv + "/lib/x")
        if why:
            w.root(offset, name, f"{shown} needs root: the virtualenv {venv} is root-owned")
            return
        if "-e" in opts or "--editable" in opts or any(p in (".", "./") for p in pos[1:]):
            return w.unknown(f"{name} {sub} -e", offset)
        return
    if sub in ("download", "wheel"):
        d = opts.get("-d") or opts.get("--dest") or opts.get("-w") or opts.get("--wheel-dir") or "."
        return w.targets(name, offset, [d + "/x"])
    if sub in ("config",) and ("--global" in opts or "--site" in opts):
        return w.root(offset, name, f"{name} config needs root: it writes a system config file")
    # show, list, freeze, --version, check, cache: read-only (cache lives in root's home)
    return


def find(w, cmd, name, args, offset):
    """find -exec CMD (read as CMD on what find starts from), find -delete."""
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
            saved = w.cwd
            start = (starts or ["."])[0].rstrip("/") or "/"
            w.command([a.replace("{}", start + "/x") for a in rest], offset)
            w.cwd = saved
    if "-delete" in args:
        w.targets("find -delete", offset, [s.rstrip("/") + "/x" for s in (starts or ["."])], prove=False)


HANDLERS = {"copy": copy, "link": link, "operands": operands, "mkdir": mkdir, "remove": remove, "chmod": chmod,
            "sed": sed, "curl": curl, "wget": wget, "tar": tar, "unzip": unzip, "git": git, "dd": dd,
            "compress": compress, "gpg": gpg, "make": make, "npm": npm, "yarn": yarn, "corepack": corepack,
            "gem": gem, "bundle": bundle, "cargo": cargo, "nvm": nvm, "go": go, "python": python, "pip": pip, "find": find}
# handlers that take the program as called (with its folder), not its bare name
AS_CALLED = frozenset(("python", "pip"))
