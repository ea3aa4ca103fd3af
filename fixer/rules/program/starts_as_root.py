"""starts-as-root: the image's program must start as root.

Some programs cannot start as an unprivileged user at all, so a USER breaks the image:
- stock web servers (the nginx and httpd images, `php:*-apache` and images built on it such as
  wordpress; nginx, apache2, httpd or lighttpd installed with a package manager) run their master
  process as root: it binds :80, writes its pid file under /var/run and its caches, then drops its
  workers itself. Fixable only when the file shows the unprivileged set-up: a `listen`/`EXPOSE`
  above 1024 and none below, and (except for php's apache, whose run folders belong to www-data)
  the pid file moved to /tmp;
- process supervisors and init systems: s6-overlay's `/init` (also the linuxserver images),
  supervisord, systemd / `/sbin/init`, runit's runsvdir;
- daemons that need root to work: sshd and `service X start`, cron daemons (cron, crond, busybox
  crond: they switch to each crontab's owner), container engines (dockerd, the `docker:*-dind`
  images, containerd, buildkitd; not under rootlesskit);
- entrypoint scripts (read from the build context) that do root-only work at start: create users
  or set passwords, install packages, edit files under /etc (`sed -i`, `>`, `tee`) or change their
  mode (`chmod 600 /etc/app/app.toml`: only their owner, root, may),
  `update-ca-certificates`, `ldconfig`, change the kernel's network settings or firewall (`sysctl -w`,
  `iptables`, `nft`, `modprobe`, `ip link/route ... add`), `chown` when they see they run as root (`id -u` or
  `$EUID` compared with 0, `whoami` with root, or a variable set from them: `me="$(id -u)"` ...
  `[ "$me" = 0 ]`; such a script chowns mounted data only as root, so under a USER that step is
  skipped silently), or start the daemons above;
- images that talk to the host's Docker socket (`docker.sock` in the Dockerfile or its entrypoint
  script): the socket is root:docker 0660 on the host.

Also:
- the same root-only work in ENTRYPOINT/CMD itself (`sh -c 'cat hosts >> /etc/hosts; ...'`,
  `["sh", "-c", "chown -R node /app/data && node server.js"]`: the chown fails as another user
  and `&&` keeps the program from starting); `install -d -o OWNER` changes owners as chown does;
- a socket or pid file directly in `/run` or `/var/run` (`--control unix:/var/run/control.unit.sock`,
  `--pid /run/x.pid`): only root can create files there;
- a usage comment that runs the image the file builds (`docker build -t NAME` in its comments, or
  `$IMAGE`) with `docker run --privileged` or `--cap-add`: the privileges are given to root.

A program is looked for in ENTRYPOINT/CMD (exec or shell form, at a command position: a CMD that
merely contains the word "service" is not sshd), in the entrypoint script and the scripts it runs by
absolute path (one level: `/entrypoint_web.sh` for a role) (from the build context,
or the repository root, since many builds run `docker build -f sub/Dockerfile .`), and as the base
image's default program when the file sets neither. Web servers are fixed when the file shows
their unprivileged set-up, and the reason suggests it otherwise (`nginxinc/nginx-unprivileged`, or
moving `listen` above 1024 and the pid file to /tmp); a server whose starting command line or
script moves its pid file to /tmp itself (`nginx -g 'pid /tmp/nginx.pid;'`) was prepared for a
non-root user, and a port below 1024 then is the ports warning, not a reason to leave. Other Docker-socket tools that only say so
in compose files and documentation are not detected.
"""

from __future__ import annotations

import os
import posixpath
import re

from ... import lazyre
from ...evidence import program
from ...images import glob_match, parse_ref

NAME = "starts-as-root"
SUMMARY = "The program must start as root: stock nginx/httpd/apache, s6 `/init`, supervisord, systemd, sshd, cron, dockerd, or an entrypoint doing root-only work."
EXAMPLE = "FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/"

# where a command starts: line start, after ; & | ( or `exec`/`then`/`do`/`sh -c`/`tini --`/`busybox`
_AT = r"(?:^[ \t]*|[;&|(`]\s*|(?:\b(?:exec|then|do|else|busybox|nohup)|(?<![\w-])(?:-c|--))\s+['\"]?)"
_PATH = r"(?:/[\w.-]+)*/?"
DAEMON_RE = lazyre.compile(
    _AT + _PATH + r"(?P<d>supervisord|runsvdir|sshd|crond|cron|dockerd|containerd|buildkitd"
    r"|apache2-foreground|apache2ctl|apachectl|apache2|httpd|nginx|lighttpd|systemd)(?![\w./-])"
    r"|" + _AT + r"(?P<i>/sbin/init|/usr/sbin/init|/init)(?![\w./-])"
    r"|" + _AT + r"(?P<s>service\s+[\w@.-]+\s+(?:start|restart))\b",
    re.MULTILINE,
)
WEB = {"apache2-foreground": "apache2", "apache2ctl": "apache2", "apachectl": "apache2", "apache2": "apache2",
       "httpd": "httpd", "nginx": "nginx", "lighttpd": "lighttpd"}
WHY = {
    "supervisord": "supervisord, which supervises its programs as root",
    "runsvdir": "runit's runsvdir, which supervises its services as root",
    "/init": "s6-overlay's /init, which sets up and supervises its services as root",
    "systemd": "systemd, which needs root as the container's init",
    "sshd": "sshd, which needs root to log users in",
    "cron": "a cron daemon, which needs root to run each crontab as its owner",
    "dockerd": "dockerd (Docker in Docker), which needs root (docker:dind-rootless is the unprivileged variant)",
    "containerd": "containerd, which needs root for its mounts and namespaces",
    "buildkitd": "a rootful buildkitd, which needs root for its mounts and snapshots (moby/buildkit:rootless runs as 1000)",
    "service": "a system service, which starts as root",
}
SUGGEST = {
    "nginx": "nginxinc/nginx-unprivileged (port 8080, pid in /tmp) is the unprivileged route, or move `pid` and the "
             "temp paths to /tmp and `listen` above 1024",
    "apache2": "set `Listen` above 1024 (and a writable PidFile) to run it unprivileged",
    "httpd": "set `Listen` above 1024 and a writable PidFile to run it unprivileged",
    "lighttpd": "set `server.port` above 1024 and `server.pid-file` under /tmp to run it unprivileged",
}

# base images whose default program starts as root: (name patterns, tag patterns, program)
BASES = (
    (("nginx", "nginxinc/nginx"), ("*",), "nginx"),
    (("nginxproxy/nginx-proxy", "jwilder/nginx-proxy"), ("*",), "nginx"),
    (("httpd",), ("*",), "httpd"),
    (("php",), ("*apache*",), "apache2"),
    (("wordpress", "mediawiki", "drupal", "joomla", "nextcloud", "matomo", "phpmyadmin", "phpmyadmin/phpmyadmin"),
     ("latest", "*apache*", "[0-9]", "[0-9].[0-9]*", "[0-9][0-9]", "[0-9][0-9].[0-9]*"), "apache2"),
    (("docker",), ("*dind", "*dind-alpine*", "dind"), "dockerd"),
    (("linuxserver/*", "lscr.io/linuxserver/*", "linuxserver/*/*"), ("*",), "/init"),
)
PHP_APACHE = "apache2"  # php's apache images (and those built on them) hand /var/run/apache2 to www-data

SETUP_RES = (
    (lazyre.compile(_AT + r"(?:useradd|adduser|groupadd|addgroup|usermod|chpasswd|passwd)\b", re.M), "creates users or sets passwords"),
    (lazyre.compile(_AT + r"(?:apt-get|apt|apk|dnf|yum|microdnf|zypper)\s+(?:-\S+\s+)*(?:install|add)\b", re.M), "installs packages"),
    (lazyre.compile(r"\bsed\b[^\n]*\s-i\b[^\n]*\s['\"]?/etc/", re.M), "edits files under /etc with sed -i"),
    (lazyre.compile(r"(?:>>?|\btee\s+(?:-a\s+)?)\s*['\"]?/etc/", re.M), "writes files under /etc"),
    # a launcher in Python (or a like language) that renders or writes a file under /etc: `open("/etc/x.conf", "w")`,
    # `conf.jinja(src, env, "/etc/app/app.conf")`, `shutil.copyfile(src, os.path.join("/etc/app", name))`
    (lazyre.compile(r"\bopen\(\s*f?['\"]/etc/[^'\"\n]*['\"]\s*,\s*(?:mode\s*=\s*)?f?['\"][^'\"\n]*[wax+]", re.M),
     "opens a file under /etc for writing"),
    (lazyre.compile(r"\b(?:\w*jinja\w*|render\w*|\w*template\w*|write\w*|copy(?:file|2|tree)?|move|dump|save\w*)"
                    r"\([^\n]*?,[^\n]*?(?<![\w.])f?['\"]/etc/[\w.@+/-]*['\"]", re.M),
     "renders or copies files into /etc"),
    (lazyre.compile(r"\bPath\(\s*f?['\"]/etc/[^'\"\n]*['\"]\s*\)\s*\.\s*write_(?:text|bytes)\(", re.M),
     "writes files under /etc"),
    (lazyre.compile(_AT + r"(?:update-ca-certificates|update-ca-trust|ldconfig)\b", re.M), "updates the system's certificates or libraries"),
    (lazyre.compile(_AT + r"(?:mv|rm)\b[^\n]*\s['\"]?/etc/", re.M), "moves or removes files under /etc"),
    (lazyre.compile(_AT + r"(?:chmod|chgrp)\b[^\n]*\s['\"]?/etc/", re.M), "changes the mode or group of files under /etc"),
    (lazyre.compile(_AT + _PATH + r"chroot\s", re.M), "chroots into a folder"),
    (lazyre.compile(_AT + _PATH + r"(?:sysctl\s+(?:-\w+\s+)*-w\b|(?:ip6?tables|nft|modprobe)\b|ip\s+(?:link|addr|address|route|tuntap|rule)\s+(?:add|set|del|replace))", re.M),
     "changes the kernel's network settings or firewall (sysctl -w, iptables, ip link: NET_ADMIN)"),
    (lazyre.compile(_AT + _PATH + r"named\b[^\n]*\s-t\s", re.M), "chroots (named -t)"),
)
ID_ROOT_RE = lazyre.compile(r"id\s+-u\b[^\n]*\b0\b|\$\{?EUID\}?[^\n]*\b0\b|\bUID\b[^\n]*=\s*['\"]?0\b")
# chown, or `install -d -o OWNER` (which creates the folder and gives it an owner)
CHOWN_RE = lazyre.compile(_AT + _PATH + r"(?:(?:chown|find\b[^\n]*-exec\s+chown)\b|install\b[^\n;&|]*\s(?:-o|--owner)[=\s]*\S)", re.M)
SOCKET_RE = lazyre.compile(r"docker\.sock\b")
# a script run by absolute path at a command position (`/entrypoint_web.sh`, `exec /usr/local/bin/run.sh "$@"`)
CALLED_RE = lazyre.compile(r"(?:^|[;&|(`)]|\bthen|\bdo|\belse)[ \t]*(?:exec\s+|source\s+|\.\s+|bash\s+|sh\s+)?"
                           r"(/[\w./-]+\.sh)\b", re.M)
# a control socket or pid file directly in /run or /var/run: `--control unix:/var/run/control.unit.sock`
RUN_DIR_RE = lazyre.compile(r"(?:\bunix:|--pid(?:file|-file)?[=\s]+|--control[=\s]+)['\"]?(/(?:var/)?run/[\w.-]+)(?![\w./-])")
TOLERATED_RE = lazyre.compile(r"\|\|\s*(?:true|:)\b|\|\|\s*:\s*(?:$|;)")


def script(ctx, prog: str | None):
    """(source, COPY line, text) of the script `prog` copied from the build context or the
    repository root (`Context.copied_script`)."""
    return ctx.copied_script(prog)


def _code(text: str) -> str:
    """The text with its comment lines blanked (the other lines keep their numbers)."""
    return "\n".join("" if line.lstrip().startswith("#") else line for line in text.splitlines())


def daemon(text: str) -> str | None:
    """The root-only program a command line or script starts, if any (comments ignored)."""
    for m in DAEMON_RE.finditer(_code(text)):
        if m.group("d"):
            d = m.group("d")
            return {"crond": "cron"}.get(d, d)
        if m.group("i"):
            return "/init" if m.group("i") == "/init" else "systemd"
        return "service"
    return None


# a variable set to the uid (or user name) the script runs as: `user="$(id -u)"`, `me=`whoami``
ID_VAR_RE = lazyre.compile(r"(?<![\w$])(\w+)=['\"]?(?:\$\(\s*(id\s+-u|id\s+-un|whoami)\s*\)|`\s*(id\s+-u|id\s+-un|whoami)\s*`)")
NAME_ROOT_RE = lazyre.compile(r"(?:whoami|id\s+-un)\b[^\n]*['\"\s=]root\b")


def runs_as_root_check(code: str) -> bool:
    """The script tests whether it runs as root: `id -u` (or $EUID, $UID, or a variable set from
    `id -u`) compared with 0, or `whoami`/`id -un` (or a variable set from them) with root."""
    if ID_ROOT_RE.search(code) or NAME_ROOT_RE.search(code):
        return True
    for m in ID_VAR_RE.finditer(code):
        by_name = (m.group(2) or m.group(3)).split() != ["id", "-u"]  # `id -un` or `whoami`: a name
        value = r"root\b" if by_name else r"(?<![\w.-])0(?![\w.-])"
        if re.search(r"\$\{?" + re.escape(m.group(1)) + r"\}?\b[^\n]*" + value, code):
            return True
    return False


def root_setup(text: str) -> str | None:
    """What root-only work a script does at start, if any."""
    got = root_setup_at(text)
    return got[0] if got else None


def root_setup_at(text: str) -> tuple[str, int | None] | None:
    """(what root-only work a script does at start, the line of the script that does it), if any."""
    code = _code(text)
    for rx, what in SETUP_RES:
        m = rx.search(code)
        if m:
            return what, code.count("\n", 0, m.start() + 1 if code[m.start():m.start() + 1] == "\n" else m.start()) + 1
    if CHOWN_RE.search(code) and runs_as_root_check(code):
        return "changes file owners when it runs as root (it checks its uid)", None
    # a chown that must succeed: giving files to another user needs root (`|| true` tolerates failing)
    for n, line in enumerate(code.splitlines(), 1):
        if CHOWN_RE.search(line) and not TOLERATED_RE.search(line):
            return "changes file owners with chown", n
    return None


def base_program(image: str | None) -> str | None:
    if not image:
        return None
    ref = parse_ref(image)
    path = ref.path if ref.registry is None else f"{ref.registry}/{ref.path}"
    for names, tags, prog in BASES:
        if any(glob_match(ref.path, n) or glob_match(path, n) for n in names) and any(
                glob_match(ref.tag or "latest", t) for t in tags):
            return prog
    return None


def _base(ctx) -> tuple[str | None, str | None]:
    """(base image as written or resolved, its default root program)."""
    an = ctx.an
    root = an.chain[0]
    for image in (an.base_image, root.image_raw):
        if image and "$" in image:  # FROM docker:${VERSION}-dind: the fixed parts still say which image
            image = re.sub(r"\$\{?\w+(?::?[-+][^}]*)?\}?", "0", image)
        prog = base_program(image)
        if prog:
            return an.base_image or root.image_raw, prog
    return an.base_image, None


def _configs(ctx) -> str:
    """The text of web-server configuration files the final stage copies from the build context."""
    out = []
    for sources, dest, _line in ctx.an.from_context:
        for src in sources:
            target = dest + posixpath.basename(src.rstrip("/")) if dest.endswith("/") else dest
            if target.endswith(".conf") or "/nginx" in target or "/apache" in target or "/httpd" in target:
                found = script(ctx, target)
                if found is not None:
                    out.append(found[2])
    return _code("\n".join(out))


LISTEN_RE = lazyre.compile(r"^\s*(?:listen|Listen|server\.port\s*=)\s+(?:[\w.:\[\]*]+:)?(\d+)", re.M)
PID_TMP_RE = lazyre.compile(r"\bpid(?:file|-file)?\b[\s=\"']+/tmp/", re.I)


def unprivileged_web(ctx, stock_php: bool, script: str = "") -> bool:
    """The file shows an unprivileged web-server set-up: ports above 1024 only, pid file in /tmp.
    When the command line or script that starts the server moves its pid file to /tmp itself
    (`nginx -g 'pid /tmp/nginx.pid;'`), its author prepared it for an unprivileged user: a port
    below 1024 then is the ports step's warning (Docker lets any user bind it), not a reason to
    leave."""
    an = ctx.an
    if script and PID_TMP_RE.search(_code(script)):
        return True
    text = _code(ctx.df.source.text) + "\n" + _configs(ctx)
    ports = [int(p) for p in LISTEN_RE.findall(text)]
    for value, _line in an.exposes:
        m = re.match(r"(\d+)", value)
        if m:
            ports.append(int(m.group(1)))
    if not ports or min(ports) < 1024:
        return False
    return stock_php or bool(PID_TMP_RE.search(text))


INSTALL_WEB_RE = lazyre.compile(
    r"\b(?:apt-get|apt|apk|dnf|yum|microdnf|zypper)\b(?:[^\n]|\\\n)*?(?<![\w-])(nginx|apache2|httpd|lighttpd)"
    r"(?:-(?:extras|full|light|core|mainline|bin))?(?![\w-])")  # (a list continued over lines, Debian's flavours)


def installs_web(an) -> bool:
    """A RUN of the final stage's chain installs nginx, apache2, httpd or lighttpd with a package manager."""
    return any(inst.cmd == "run" and INSTALL_WEB_RE.search(inst.original)
               for stage in an.chain for inst in stage.instructions)


def _web_reason(ctx, where: str, server: str, stock_php: bool = False, script: str = "") -> str | None:
    """Why a web server must start as root: a stock image's or a distro package's default set-up."""
    if unprivileged_web(ctx, stock_php, script):
        return None
    return (f"{where} runs {server}, whose master process starts as root (port 80, its pid file and caches) and "
            f"drops its workers itself; {SUGGEST[WEB.get(server, server)]}")


def _why(ctx, where: str, body: str) -> str | None:
    """Why the command line or script `body` (run from `where`) must start as root, or None."""
    if SOCKET_RE.search(_code(body)):
        return (f"{where} uses the host's Docker socket (docker.sock, root:docker 0660 on the host), "
                f"which a new user cannot reach")
    d = daemon(body)
    if d in WEB:
        base = _base(ctx)[1]
        if base in WEB.values() or installs_web(ctx.an):  # not a vendor's image that may run it unprivileged
            reason = _web_reason(ctx, where, WEB[d], stock_php=base == PHP_APACHE, script=body)
            if reason:
                return reason
    elif d and not (d == "buildkitd" and re.search(r"\brootlesskit\b", body)):
        return f"{where} starts {WHY[d]}"
    run = RUN_DIR_RE.search(_code(body))
    if run:
        return (f"{where} puts its socket or pid file at {run.group(1)}, directly in {run.group(1).rsplit('/', 1)[0]} "
                f"(root's, mode 0755), which only root can create")
    setup = root_setup_at(body)
    if not setup:
        return None
    at = f" (line {setup[1]} of it)" if setup[1] and "\n" in body.strip() else ""
    return f"{where} {setup[0]} at start, which needs root{at}"


RUN_RE = re.compile(r"\b(?:docker|podman)\s+(?:container\s+)?run\s+(.*)")
BUILD_TAG_RE = re.compile(r"\b(?:docker|podman)\s+(?:image\s+)?(?:build|buildx\s+build)\b.*?\s(?:-t|--tag)[=\s]+([^\s;&|]+)")
ROOT_FLAGS = ("--privileged", "--cap-add")
# `docker run` options that take a value as the next word
VALUE_FLAGS = {"-v", "--volume", "-e", "--env", "-p", "--publish", "--name", "--network", "--net", "-w", "--workdir",
               "--device", "--cap-add", "--cap-drop", "--mount", "--env-file", "-u", "--user", "--entrypoint", "-h",
               "--hostname", "--platform", "--restart", "-l", "--label", "--add-host", "--tmpfs", "--shm-size",
               "--ulimit", "--security-opt", "--gpus", "--group-add", "-m", "--memory", "--dns", "--log-driver"}


def _image_name(ref: str) -> str:
    return re.sub(r":[\w.-]+$", "", ref.strip("'\""))


def usage_privileged(df) -> str | None:
    """Why the file's own usage comment shows its image needs root: a `docker run --privileged`
    (or `--cap-add`) of the image a `docker build -t` in its comments names, or of `$IMAGE`."""
    comments = [(n, line.lstrip()[1:]) for n, line in enumerate(df.source.lines, 1) if line.lstrip().startswith("#")]
    built = {_image_name(m.group(1)) for _, text in comments for m in BUILD_TAG_RE.finditer(text)}
    for n, text in comments:
        m = RUN_RE.search(text)
        if not m:
            continue
        words, flags, image = m.group(1).split(), [], None
        i = 0
        while i < len(words):
            w = words[i]
            if not w.startswith("-"):
                image = w
                break
            flags.append(w.split("=", 1)[0])
            i += 2 if w in VALUE_FLAGS else 1
        flag = next((f for f in ROOT_FLAGS if f in flags), None)
        if flag and image and (_image_name(image) in built or image.startswith(("$", "<"))):
            return (f"line {n}: the file's usage comment runs this image with {flag} (`docker run ... {flag} ... "
                    f"{image}`): it needs root, which holds the privileges and capabilities it is given")
    return None


def check(ctx) -> str | None:
    an = ctx.an
    ep, cmd = an.entrypoint, an.cmd
    runners = [i for i in (ep, cmd) if i is not None]
    # what ENTRYPOINT/CMD and their scripts start
    for inst in runners:
        prog, text = program(inst)
        argv = list(inst.value) if inst.json else text.split()
        scripts = [prog] + [a for a in argv[1:3] if a.endswith(".sh")]  # CMD ["sh", "/app/run.sh"]
        found = [(f"line {inst.start_line}: {inst.keyword}", text)]
        for s in scripts:
            got = script(ctx, s)
            if got is not None:
                found.append((f"line {inst.start_line}: the {inst.keyword} script {got[0]} (copied on line {got[1]})",
                              got[2]))
                # the scripts it runs in turn, copied into the image too (`/entrypoint_web.sh` for a role)
                for called in dict.fromkeys(CALLED_RE.findall(_code(got[2]))):
                    if called != s:
                        more = script(ctx, called)
                        if more is not None:
                            found.append((f"line {inst.start_line}: the script {more[0]} (copied on line {more[1]}), "
                                          f"which the {inst.keyword} script {got[0]} runs", more[2]))
        for where, body in found:
            reason = _why(ctx, where, body)
            if reason:
                return reason
    if ep is None and an.image.entrypoint:  # the base image's own entrypoint script, read from its layers
        from ...layers import base_entrypoint

        got = base_entrypoint(ctx)[0]
        if got is not None:
            reason = _why(ctx, f"base image {got.image}'s entrypoint {got.path} (read from its layer "
                               f"{got.layer[:19]})", got.text)
            if reason:
                return reason
    # the base image's own program, when the file runs it (sets neither, or names it)
    image, prog = _base(ctx)
    if prog and not runners:
        where = f"base image {image}"
        if prog in WEB.values():
            return _web_reason(ctx, where, prog, stock_php=prog == PHP_APACHE)
        return f"{where} starts {WHY[prog]}"
    privileged = usage_privileged(ctx.df)
    if privileged:
        return privileged
    if SOCKET_RE.search(_code(ctx.df.source.text)):
        return "the Dockerfile refers to the host's Docker socket (docker.sock, root:docker 0660 on the host), which a new user cannot reach"
    return None
