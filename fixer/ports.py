"""Step 7b: ports below 1024 that the fixed image's program binds, each with the concrete change.

A non-root process may bind a port below 1024 under Docker 20.10 and later, which sets
`net.ipv4.ip_unprivileged_port_start=0` in the container; Kubernetes, most other runtimes and
Docker before 20.10 do not, and the program exits with "permission denied" at start. dockerfix
still fixes such a file (the port is one setting away), but says which setting, where, and what to
write instead:

- `ENV ASPNETCORE_URLS=http://+:80`, `ASPNETCORE_HTTP_PORTS=80`, `ASPNETCORE_HTTPS_PORTS=443`,
  `PORT=80`, `SERVER_PORT`, `LISTEN_PORT`, `HTTP_PORT`, ... in the file, or inherited from the base
  image's configuration (.NET 6 and 7 images set `ASPNETCORE_URLS=http://+:80`);
- the program's own options in `ENTRYPOINT`/`CMD` and on the `exec` lines of its script:
  `--port 80`, `--port=80`, `-Dserver.port=80`, `--bind 0.0.0.0:80`, `-b :80`, `--listen :443`,
  `--urls http://+:80`, `runserver 0.0.0.0:80`;
- `listen 80;` (nginx), `Listen 80` (Apache), `server.port = 80` (lighttpd) in a configuration file
  copied from the build context;
- `EXPOSE 80` when nothing above names the port (the program binds it by default).

Windows images get none of these (Windows has no privileged ports). The suggested port is 8000 + the port (80 -> 8080, 443 -> 8443), the convention of the
unprivileged images (nginxinc/nginx-unprivileged, .NET 8's ASPNETCORE_HTTP_PORTS=8080).
"""

from __future__ import annotations

import posixpath
import re

from . import lazyre
from .snippets import is_number
from .stages import env_pairs

WHY = ("below 1024: a non-root process may bind it under Docker 20.10 and later (which sets "
       "net.ipv4.ip_unprivileged_port_start=0), but not on Kubernetes and most other runtimes by default")

# ENV names whose value is the port (or ports) the program itself listens on; a client setting
# such as DB_PORT or SMTP_PORT names someone else's port and is not looked at
PORT_ENVS = lazyre.compile(r"^(?:ASPNETCORE_HTTPS?_PORTS|HTTPS?_PORTS|PORT|(?:\w+_)?(?:SERVER|LISTEN|HTTPS?|WEB|APP)_PORT)$")
URL_ENVS = ("ASPNETCORE_URLS", "URLS", "DOTNET_URLS")
_URL_RE = lazyre.compile(r"^(https?)://([^/;]*?)(?::(\d+))?/?$")
# options of the program that name the port it binds
_OPT_RE = lazyre.compile(
    r"(?<![\w-])(?P<opt>--?(?:D?server\.port|port|http-port|https-port|listen-port|server-port|web-port))(?P<sep>[= ]+)"
    r"['\"]?(?P<port>\d{1,5})(?![\w.:])"
    r"|(?<![\w-])(?P<opt2>-b|--bind|--listen|--addr|--address|--http-addr|--http-address|--urls|--server\.urls|runserver)"
    r"(?P<sep2>[= ]+)['\"]?(?P<host>(?:https?://)?[\w.\[\]*+-]*):(?P<port2>\d{1,5})(?![\w.])"
)
_LISTEN_RE = lazyre.compile(r"^(?P<pre>\s*(?:listen|Listen|server\.port\s*=)\s+(?:[\w.\[\]*]+:)?)(?P<port>\d+)\b", re.M)


def _low(port: str) -> int | None:
    return int(port) if is_number(port) and 0 < int(port) < 1024 else None


def unprivileged(port: int) -> int:
    """The port suggested for `port` (80 -> 8080, 443 -> 8443)."""
    return 8000 + port


def _url_ports(value: str) -> list[tuple[int, str]]:
    """(low port, the value with it changed) for each URL of an ASPNETCORE_URLS-style list."""
    out = []
    for url in value.split(";"):
        m = _URL_RE.match(url.strip())
        if not m:
            continue
        port = _low(m.group(3)) if m.group(3) else (443 if m.group(1) == "https" else 80)
        if port:
            new = f"{m.group(1)}://{m.group(2)}:{unprivileged(port)}"
            out.append((port, value.replace(url.strip(), new)))
    return out


def _env_findings(an) -> list[tuple[int, str, str | None]]:
    """(port, what, the change) for ENV settings in effect at the end of the final stage."""
    found = []
    lines = {}
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd == "env":
                for name, _ in env_pairs(inst):
                    lines[name] = inst.start_line
    for name, value in an.env.items():
        if value is None or not (name in URL_ENVS or PORT_ENVS.match(name)):
            continue
        at = f"line {an.chain[0].from_inst.start_line}: " if an.chain else ""  # the FROM of the base
        where = f"line {lines[name]}: ENV {name}={value}" if name in lines else \
            f"{at}base image {an.base_image} sets {name}={value}"
        fix = "" if name in lines else "add "
        if name in URL_ENVS:
            for port, new in _url_ports(value):
                found.append((port, where, f"{fix}ENV {name}={new}"))
            continue
        ports = [p for p in re.split(r"[;,\s]+", value) if p]
        low = [p for p in ports if _low(p)]
        if low:
            new = ";".join(str(unprivileged(int(p))) if _low(p) else p for p in ports)
            found.append((int(low[0]), where, f"{fix}ENV {name}={new}"))
    return found


def _option_findings(where: str, text: str) -> list[tuple[int, str, str | None]]:
    found = []
    for m in _OPT_RE.finditer(text):
        if m.group("opt"):
            port = _low(m.group("port"))
            if port:
                found.append((port, f"{where} passes `{m.group('opt')}{m.group('sep')}{m.group('port')}`",
                              f"`{m.group('opt')}{m.group('sep')}{unprivileged(port)}`"))
        else:
            port = _low(m.group("port2"))
            if port:
                shown = f"{m.group('opt2')}{m.group('sep2')}{m.group('host')}:"
                found.append((port, f"{where} passes `{shown}{m.group('port2')}`", f"`{shown}{unprivileged(port)}`"))
    return found


def _program_findings(ctx) -> list[tuple[int, str, str | None]]:
    from .evidence import program

    an = ctx.an
    found = []
    for inst in (an.entrypoint, an.cmd):
        if inst is None:
            continue
        prog, text = program(inst)
        found += _option_findings(f"line {inst.start_line}: {inst.keyword}", text)
        got = ctx.copied_script(prog)
        if got is not None:
            for n, line in enumerate(got[2].splitlines(), 1):
                if re.match(r"\s*exec\s", line):
                    found += _option_findings(f"line {inst.start_line}: the {inst.keyword} script, at {got[0]}:{n},", line)
    return found


def _config_findings(ctx) -> list[tuple[int, str, str | None]]:

    found = []
    for sources, dest, copy_line in ctx.an.from_context:
        for src in sources:
            target = dest + posixpath.basename(src.rstrip("/")) if dest.endswith("/") else dest
            if not (target.endswith(".conf") or "/nginx" in target or "/apache" in target or "/httpd" in target
                    or "/lighttpd" in target):
                continue
            got = ctx.copied_script(target)
            if got is None:
                continue
            text = got[2]
            for m in _LISTEN_RE.finditer(text):
                port = _low(m.group("port"))
                if port:
                    n = text.count("\n", 0, m.start("port")) + 1
                    said = (m.group("pre") + m.group("port")).strip()
                    found.append((port, f"line {copy_line}: {got[0]}:{n}, copied here, says `{said}`",
                                  f"`{(m.group('pre') + str(unprivileged(port))).strip()}`"))
    return found


def bound(ctx) -> list[tuple[int, str, str | None]]:
    """(port, where, the change) for each place that makes the program bind a port below 1024: an ENV
    setting (the file's or the base image's), the program's options, a configuration file copied
    from the build context. `EXPOSE` alone is not among them (it documents, it does not bind)."""
    return _env_findings(ctx.an) + _program_findings(ctx) + _config_findings(ctx)


def binds_low(name: str, value: str) -> bool:
    """Whether the setting `name=value` (an ASPNETCORE_URLS-style list or a port setting) makes the
    program bind a port below 1024."""
    if name in URL_ENVS:
        return bool(_url_ports(value))
    return any(_low(p) for p in re.split(r"[;,\s]+", value) if p)


def exposed(an) -> dict[int, tuple[str, int]]:
    """port -> (EXPOSE value, line) for each port below 1024 the final stage exposes (the first)."""
    out: dict[int, tuple[str, int]] = {}
    for value, line in an.exposes:
        port = _low(value.split("/", 1)[0])
        if port:
            out.setdefault(port, (value, line))
    return out


def warnings(ctx) -> list[str]:
    """One warning per place that makes the fixed image's program bind a port below 1024."""
    found = bound(ctx)
    ports = exposed(ctx.an)
    out = []
    seen = set()
    for port, where, change in found:
        if (port, where) in seen:
            continue
        seen.add((port, where))
        also = ""
        if port in ports:
            value, line = ports[port]
            also = f", and EXPOSE {unprivileged(port)}{value[len(str(port)):]} for EXPOSE {value} on line {line}"
        out.append(f"{where}: port {port} is {WHY}; change it to {change}{also}")
    named = {port for port, _, _ in found}
    for port, (value, line) in sorted(ports.items(), key=lambda kv: kv[1][1]):
        if port not in named:
            out.append(f"line {line}: EXPOSE {value}: port {port} is {WHY}; make the program listen on "
                       f"{unprivileged(port)} and change it to EXPOSE {unprivileged(port)}{value[len(str(port)):]}")
    return out
