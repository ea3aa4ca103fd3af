#!/usr/bin/env python3
"""Generate fixer/data/service-users.toml from Debian's own package metadata.

For each package named below (and the packages it depends on that create the account), this
downloads the binary package from the host's apt sources (`apt-get download`, no root needed:
run it in an empty folder), extracts its maintainer scripts (`dpkg-deb -e`) and its file list
(`dpkg-deb -c`), and reads:

- the account its `preinst`/`postinst` creates: `adduser --system ... NAME` / `useradd -r ... NAME`,
  with `--home`/`-d`, `--group`/`--ingroup`/`-g` (shell variables assigned in the script with a
  plain value are expanded; a helper function's positional arguments are bound at each call);
- the folders the script hands to that account (`chown USER[:GROUP] PATH`, `dpkg-statoverride
  --add USER ...  PATH`, also inside helper functions such as redis-tools' `Setup_dir`);
- the programs the package installs in /usr/bin and /usr/sbin (a Dockerfile whose ENTRYPOINT/CMD
  runs one of them runs that package's service).

Each entry records the package version and the script and command it was read from. Nothing is
hand-written: run `python scripts/service_users.py > fixer/data/service-users.toml` and then
`python -m fixer.datafiles`. Only packages of Debian bookworm are listed (grafana and influxdb are
not in bookworm's archive).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile

PACKAGES = [
    "redis-server", "redis-tools", "mosquitto", "postgresql-common", "postgresql-15", "memcached",
    "nginx-common", "rabbitmq-server", "mariadb-server", "varnish", "bind9", "squid", "haproxy",
    "prometheus",
]
SUITE = "bookworm"


def sh(*argv: str, cwd: str | None = None) -> str:
    return subprocess.run(argv, cwd=cwd, check=True, capture_output=True, text=True).stdout


def logical_lines(text: str) -> list[str]:
    """Lines with backslash continuations joined and comments dropped."""
    out, cur = [], ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        out.append(cur + line)
        cur = ""
    if cur:
        out.append(cur)
    return out


ASSIGN = re.compile(r"^\s*(?:local\s+)?([A-Za-z_]\w*)=(\"[^\"`$]*\"|'[^']*'|[^\s\"'`$;|&]*|\"?\$\{?[0-9A-Za-z_]+\}?\"?)\s*$")
FUNC = re.compile(r"^\s*([A-Za-z_]\w*)\s*\(\)\s*\{?\s*$")


def expand(text: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?([0-9A-Za-z_]+)\}?", lambda m: env.get(m.group(1), m.group(0)), text)


def words_of(cmd: str) -> list[str]:
    """The words of one simple command (up to a redirection, `||`, `&&`, `;` or a pipe)."""
    cmd = re.split(r"\|\||&&|;|\|", cmd)[0]
    try:
        words = shlex.split(cmd)
    except ValueError:
        return []
    return [w for w in words if not re.match(r"^\d*[<>]", w)]


def scan(lines: list[str], env: dict[str, str], funcs: dict[str, list[str]], found: dict, script: str,
         depth: int = 0) -> None:
    for line in lines:
        m = ASSIGN.match(line)
        if m:
            value = m.group(2).strip("\"'")
            env[m.group(1)] = expand(value, env)
            continue
        words = words_of(expand(line.strip(), env))
        # look through `if ! getent ...; then` and `then`/`do` prefixes
        while words and words[0] in ("then", "do", "else", "if", "!", "elif"):
            words = words[1:]
        if not words:
            continue
        name = words[0]
        if name in funcs and depth < 3:
            local = dict(env)
            for i, w in enumerate(words[1:], 1):
                local[str(i)] = w
            scan(funcs[name], local, funcs, found, script, depth + 1)
            continue
        if name in ("adduser", "useradd") and ("--system" in words or "-r" in words or "--system" in line):
            acct = parse_account(words)
            if acct and "$" not in acct["user"]:
                acct["command"] = " ".join(words)
                acct["script"] = script
                found["accounts"].append(acct)
        elif name == "chown":
            args = [w for w in words[1:] if not w.startswith("-")]
            if len(args) >= 2:
                owner = args[0].split(":")[0].split(".")[0]
                for p in args[1:]:
                    found["chowns"].append((owner, p))
        elif name == "dpkg-statoverride" and "--add" in words:
            i = words.index("--add")
            rest = words[i + 1:]
            if len(rest) >= 4:
                found["chowns"].append((rest[0], rest[3]))
        elif name == "find" and "chown" in words:  # find DIR ... | xargs chown USER (mariadb)
            pass


def parse_account(words: list[str]) -> dict | None:
    acct: dict = {"user": None, "group": None, "home": None}
    i = 1
    positional = []
    while i < len(words):
        w = words[i]
        if w in ("--home", "-d", "--home-dir"):
            acct["home"] = words[i + 1] if i + 1 < len(words) else None
            i += 2
            continue
        if w in ("--ingroup", "-g", "--gid"):
            acct["group"] = words[i + 1] if i + 1 < len(words) else None
            i += 2
            continue
        if w in ("--group",):
            acct["group"] = "="  # a group named after the user
            i += 1
            continue
        if w in ("--shell", "-s", "--gecos", "-c", "--uid", "-u", "--comment", "--firstuid", "--lastuid"):
            i += 2
            continue
        if w.startswith("-"):
            i += 1
            continue
        positional.append(w)
        i += 1
    if not positional:
        return None
    acct["user"] = positional[-1]
    if acct["group"] in ("=", None):
        acct["group"] = acct["user"] if acct["group"] == "=" else None
    return acct


def read_scripts(folder: str) -> tuple[dict, str]:
    found: dict = {"accounts": [], "chowns": []}
    for script in ("preinst", "postinst"):
        path = os.path.join(folder, script)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = logical_lines(f.read())
        funcs: dict[str, list[str]] = {}
        body: list[str] = []
        cur = None
        for line in lines:
            m = FUNC.match(line)
            if m and cur is None:
                cur = m.group(1)
                funcs[cur] = []
                continue
            if cur is not None:
                if line.strip() == "}":
                    cur = None
                else:
                    funcs[cur].append(line)
                continue
            body.append(line)
        scan(body, {}, funcs, found, script)
    return found, ""


def field(deb: str, name: str) -> str:
    return sh("dpkg-deb", "-f", deb, name).strip()


def programs(deb: str) -> list[str]:
    out = []
    for line in sh("dpkg-deb", "-c", deb).splitlines():
        path = line.split()[5] if len(line.split()) > 5 else ""
        m = re.match(r"^\./usr/(?:[^ ]*/)?s?bin/([^/]+)$", path)  # also /usr/lib/postgresql/15/bin
        if m:
            out.append(m.group(1))
    return sorted(set(out))


def depends(deb: str) -> list[str]:
    text = field(deb, "Depends") + "," + field(deb, "Pre-Depends")
    return [re.split(r"[\s(:]", d.strip().split("|")[0].strip())[0] for d in text.split(",") if d.strip()]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="service-users-") as tmp:
        info: dict[str, dict] = {}
        todo = list(PACKAGES)
        while todo:
            pkg = todo.pop(0)
            if pkg in info:
                continue
            sh("apt-get", "download", "-q", pkg, cwd=tmp)
            deb = next(os.path.join(tmp, f) for f in os.listdir(tmp) if f.startswith(pkg + "_") and f.endswith(".deb"))
            ctl = os.path.join(tmp, pkg + ".control")
            os.mkdir(ctl)
            sh("dpkg-deb", "-e", deb, ctl)
            found, _ = read_scripts(ctl)
            info[pkg] = {"version": field(deb, "Version"), "source": (field(deb, "Source") or pkg).split()[0],
                         "programs": programs(deb), "depends": depends(deb), **found}
            # a dependency built from the same source may be the one that creates the account
            for d in info[pkg]["depends"]:
                if d not in info and d not in todo and d.startswith(pkg.split("-")[0]):
                    todo.append(d)
        print(render(info))


def account_of(pkg: str, info: dict, seen=()) -> tuple[str, dict] | None:
    """(package, account) of the service account `pkg` creates, or a dependency of it does."""
    if info[pkg]["accounts"]:
        return pkg, info[pkg]["accounts"][0]
    for d in info[pkg]["depends"]:
        if d in info and d not in seen:
            got = account_of(d, info, (*seen, pkg))
            if got:
                return got
    return None


def render(info: dict) -> str:
    out = [
        "# The service accounts that distribution packages create when installed, and their data folders.",
        "#",
        "# GENERATED by scripts/service_users.py from Debian " + SUITE + "'s binary packages (their preinst and",
        "# postinst scripts, `dpkg-deb -e`, and file lists, `dpkg-deb -c`): do not edit by hand; run",
        "#   python scripts/service_users.py > fixer/data/service-users.toml && python -m fixer.datafiles",
        "#",
        "# Each [package.NAME]: `user` and `group` the package's maintainer script creates (itself or a",
        "# dependency built from the same source: `created_by`), `home` as given to adduser, `owns` the",
        "# folders the script hands to the user (chown, dpkg-statoverride), `programs` what it installs",
        "# in /usr/bin and /usr/sbin, and `source`: package, version, script and the command read.",
        "# A package whose script creates no account (nginx-common: www-data comes from base-passwd) is",
        "# not listed.",
        "",
    ]
    for pkg in sorted(info):
        got = account_of(pkg, info)
        if got is None:
            continue
        by, acct = got
        user = acct["user"]
        owns = sorted({p for o, p in info[by]["chowns"] if o == user and p.startswith("/") and "$" not in p and "*" not in p})
        if by != pkg:
            owns = sorted(set(owns) | {p for o, p in info[pkg]["chowns"] if o == user and p.startswith("/") and "$" not in p})
        out.append(f"[package.{toml_key(pkg)}]")
        out.append(f"version = {q(info[pkg]['version'])}")
        out.append(f"user = {q(user)}")
        out.append(f"group = {q(acct['group'] or user)}")
        out.append(f"home = {q(acct['home'] or '')}")
        out.append(f"owns = [{', '.join(q(p) for p in owns)}]")
        progs = set(info[pkg]["programs"])  # and those of its dependencies built from the same source
        for d in info[pkg]["depends"]:
            if d in info and info[d]["source"] == info[pkg]["source"]:
                progs |= set(info[d]["programs"])
        out.append(f"programs = [{', '.join(q(p) for p in sorted(progs))}]")
        if by != pkg:
            out.append(f"created_by = {q(by)}")
        origin = f"Debian {SUITE} {by} {info[by]['version']} {acct['script']}: {acct['command']}"
        out.append(f"source = {q(origin)}")
        out.append("")
    return "\n".join(out)


def toml_key(k: str) -> str:
    return k if re.match(r"^[A-Za-z0-9_-]+$", k) else q(k)


def q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


if __name__ == "__main__":
    sys.exit(main())
