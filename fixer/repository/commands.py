"""`docker build` and `docker run` command lines found in a repository's text files (shell scripts,
Makefiles, CI workflows' `run:` blocks, README and docs code blocks): what they build and how they
run an image. Lines are joined at `\\` continuations and split with shlex; a line that does not
split (unbalanced quotes, template syntax) is skipped.
"""

from __future__ import annotations

from .. import lazyre

import re

from ..record import dataclass, field

# docker run/create flags that take a value (the others are switches)
RUN_VALUE_FLAGS = frozenset("""
-a --attach --add-host --annotation --blkio-weight --cap-add --cap-drop --cgroup-parent --cgroupns --cidfile
--cpu-period --cpu-quota --cpu-shares -c --cpus --cpuset-cpus --cpuset-mems --device --device-cgroup-rule
--dns --dns-option --dns-search --domainname --entrypoint -e --env --env-file --expose --gpus --group-add
--health-cmd --health-interval --health-retries --health-start-period --health-timeout -h --hostname --ip
--ip6 --ipc --isolation --kernel-memory -l --label --label-file --link --log-driver --log-opt --mac-address
-m --memory --memory-reservation --memory-swap --mount --name --network --net --network-alias --pid
--pids-limit --platform -p --publish --pull --restart --runtime --security-opt --shm-size --stop-signal
--stop-timeout --storage-opt --sysctl --tmpfs --ulimit -u --user --userns --uts -v --volume --volumes-from
-w --workdir --volume-driver --arch --os --variant
""".split())
BUILD_VALUE_FLAGS = frozenset("""
-t --tag -f --file --target --build-arg --platform -o --output --cache-from --cache-to --label --secret --ssh
--network --progress --iidfile --metadata-file --add-host --build-context --builder --allow --annotation
--attest --provenance --sbom --shm-size --ulimit --call --cgroup-parent -m --memory --memory-swap --isolation
""".split())

# what a caller's current folder looks like in a command line
CWD_RE = lazyre.compile(r"^(?:\$\{?PWD\}?|\$\{?pwd\}?|`pwd`|\$\(PWD\)|\$\(CURDIR\)|\$\{?CURDIR\}?|\$\(pwd\)|\$\{\{\s*github\.workspace\s*\}\}"
                    r"|\$\{?GITHUB_WORKSPACE\}?|\$\{?CI_PROJECT_DIR\}?|%cd%|\$\{?WORKSPACE\}?|\.)(?=/|$)")
COMMAND_RE = lazyre.compile(r"(?<![\w/.-])(?:sudo\s+)?(docker|podman|nerdctl)\s+(?:container\s+|image\s+|buildx\s+)?"
                        r"(run|create|build)\b")


@dataclass
class RunLine:
    line: int
    image: str
    user: str | None = None
    workdir: str | None = None
    privileged: bool = False
    caps: list = field(default_factory=list)
    mounts: list = field(default_factory=list)  # (host, container)
    read_only: list = field(default_factory=list)  # the mounts marked read-only
    volume_targets: list = field(default_factory=list)  # (source, container) of every -v, named volumes too
    entrypoint: str | None = None
    command: list = field(default_factory=list)
    ports: bool = False  # publishes a port: a service, not a tool
    devices: list = field(default_factory=list)  # host devices passed in (`--device /dev/ttyUSB0:/dev/zigbee`)
    text: str = ""


@dataclass
class BuildLine:
    line: int
    context: str | None
    dockerfile: str | None
    tags: list = field(default_factory=list)
    target: str | None = None
    outputs: list = field(default_factory=list)
    push: bool = False
    load: bool = False
    args: dict = field(default_factory=dict)  # --build-arg NAME=VALUE
    text: str = ""


_SPACE = "\x1f"  # a space inside a command substitution while the line is split into words


def _logical_line(text: str, start: int) -> str:
    """The line starting at `start` with its `\\` continuations joined (at most 200 lines)."""
    parts = []
    pos = start
    for _ in range(200):
        end = text.find("\n", pos)
        cur = text[pos:] if end < 0 else text[pos:end]
        if cur.rstrip().endswith("\\") and end >= 0:
            parts.append(cur.rstrip()[:-1])
            pos = end + 1
            continue
        parts.append(cur)
        break
    return " ".join(p.strip() if i else p for i, p in enumerate(parts))


def _normalise(text: str) -> str:
    """Command substitutions as single words: `$(shell id -u)` (make) and `$(id -u)` split into
    several words otherwise; a docs shortcode in a tag (`acme/tool:{{< version >}}`) as one word."""
    text = re.sub(r"\$\(shell\s+pwd\)|`pwd`|\$\(\s*pwd\s*\)", "$(pwd)", text)
    # a docs site's shortcode standing for a value (Hugo's `{{< latest-version >}}`, `{{% param v %}}`)
    text = re.sub(r"\{\{[<%][^{}\n]{0,80}?[>%]\}\}", "VALUE", text)
    return re.sub(r"\$\((?:shell\s+)?([^()\n]*)\)", lambda m: "$(" + re.sub(r"\s+", _SPACE, m.group(1).strip()) + ")", text)


def _split(text: str) -> list[str] | None:
    import shlex

    try:
        return shlex.split(text, comments=True)
    except ValueError:
        return None


def _words_until_end(words: list[str]) -> list[str]:
    """The words of one command: up to a shell operator."""
    out = []
    for w in words:
        if w in ("&&", "||", ";", "|", "&", ")", "`") or w.endswith(";"):
            if w.endswith(";") and w != ";":
                out.append(w[:-1])
            break
        out.append(w)
    return out


# how docs write "a folder of yours" on the host side of a mount: `/path/to/project`,
# `/absolute/path/to/my/project_folder`, `<your-project>`, `${path_to_host_folder_to_scan}`
PLACEHOLDER_DIR_RE = lazyre.compile(r"^(?:/(?:absolute/)?path/to(?:/|$)|/(?:your|my)[-_/]|<[^<>/]+>"
                                    r"|~/|\$\{?HOME\}?/|/home/[^/\s]+/|/Users/[^/\s]+/"  # a folder in the caller's home
                                    r"|\$\{?[a-z_]*(?:path|dir|folder|project|repo|source)[a-z_]*\}?(?=/|$))", re.I)


def is_placeholder_dir(host: str) -> bool:
    """The host side of a bind mount is the docs' placeholder for a folder the caller chooses."""
    return bool(PLACEHOLDER_DIR_RE.match(host))


def is_cwd(host: str) -> bool:
    """The host side of a bind mount is the caller's current folder or a folder under it."""
    return bool(CWD_RE.match(host))


def parse_mount(spec: str) -> tuple[str, str] | None:
    """(host, container) of a `-v host:container[:opts]` bind mount (named volumes: None)."""
    parts = spec.split(":")
    if re.match(r"^[A-Za-z]$", parts[0]) and len(parts) > 2:  # C:\x:/y
        parts = [parts[0] + ":" + parts[1]] + parts[2:]
    if len(parts) < 2:
        return None
    host, container = parts[0], parts[1]
    if not container.startswith("/") and not (container.startswith(("$", "%")) and CWD_RE.match(container)):
        return None  # a relative path; but `-v "$(pwd)":"$(pwd)"`: the caller's folder at the same path
    if not (host.startswith(("/", ".", "~", "$", "%")) or re.match(r"^[A-Za-z]:|^<[^<>]+>", host)):
        return None  # a named volume (a docs placeholder `<your-project>` stands for a host folder)
    return host, container


def mount_target(spec: str) -> tuple[str, str] | None:
    """(source, container) of any `-v source:container[:opts]`, a named volume's too."""
    parts = spec.split(":")
    if re.match(r"^[A-Za-z]$", parts[0]) and len(parts) > 2:  # C:\x:/y
        parts = [parts[0] + ":" + parts[1]] + parts[2:]
    if len(parts) < 2 or not parts[1].startswith("/"):
        return None
    return parts[0], parts[1]


def file_mount(host: str, container: str) -> bool:
    """A bind mount of one file (`./app.yml:/app/config/app.yml`, `./cert.pem:/certs/cert.pem`):
    both ends name a file with an extension, not a folder a program writes new files into."""
    ext = re.compile(r"[^/]\.[A-Za-z0-9]{1,8}/?$")
    return bool(ext.search(host) and ext.search(container))


def read_only(spec: str) -> bool:
    """A `-v host:container:ro` (or `readonly`) mount."""
    parts = spec.split(":")
    return len(parts) > 2 and any(o in ("ro", "readonly") for o in parts[-1].split(","))


def _mount_flag(value: str) -> tuple[str, str] | None:
    """(host, container) of a `--mount type=bind,source=...,target=...`."""
    opts = dict(p.partition("=")[::2] for p in value.split(","))
    if opts.get("type", "volume") != "bind":
        return None
    host = opts.get("source") or opts.get("src")
    target = opts.get("target") or opts.get("destination") or opts.get("dst")
    return (host, target) if host and target else None


def parse_run(words: list[str], line: int, text: str) -> RunLine | None:
    i = 0
    run = RunLine(line, "", text=text.strip())
    while i < len(words):
        w = words[i]
        if not w.startswith("-") or w == "-":
            break
        flag, eq, val = w.partition("=")
        if flag in RUN_VALUE_FLAGS and not eq:
            val = words[i + 1] if i + 1 < len(words) else ""
            i += 1
        elif not eq and re.fullmatch(r"-[a-zA-Z]{2,}", flag) and flag[-1] in "vuwepcmlh":
            val = words[i + 1] if i + 1 < len(words) else ""  # `-itv x`: the last letter takes a value
            flag = "-" + flag[-1]
            i += 1
        if flag in ("-v", "--volume"):
            m = parse_mount(val)
            if m:
                run.mounts.append(m)
                if read_only(val):
                    run.read_only.append(m)
            t = mount_target(val)
            if t:
                run.volume_targets.append(t)
        elif flag == "--mount":
            m = _mount_flag(val)
            if m:
                run.mounts.append(m)
            opts = dict(p.partition("=")[::2] for p in val.split(","))
            target = opts.get("target") or opts.get("destination") or opts.get("dst")
            if target and target.startswith("/"):
                run.volume_targets.append((opts.get("source") or opts.get("src") or "", target))
        elif flag in ("-u", "--user"):
            run.user = val
        elif flag in ("-w", "--workdir"):
            run.workdir = val
        elif flag == "--privileged":
            run.privileged = val.lower() != "false"
        elif flag == "--cap-add":
            run.caps.append(val)
        elif flag == "--device":
            run.devices.append(val.split(":", 1)[0])
        elif flag == "--entrypoint":
            run.entrypoint = val
        elif flag in ("-p", "--publish", "-P", "--publish-all"):
            run.ports = True
        i += 1
    if i >= len(words):
        return None
    image = words[i]
    if not re.fullmatch(r"[\w${}().:/@-]+", image) or image.startswith("-"):
        return None
    run.image = image
    run.command = words[i + 1:]
    return run


def parse_build(words: list[str], line: int, text: str) -> BuildLine | None:
    b = BuildLine(line, None, None, text=text.strip())
    positional = []
    i = 0
    while i < len(words):
        w = words[i]
        flag, eq, val = w.partition("=")
        if flag in BUILD_VALUE_FLAGS and not eq:
            val = words[i + 1] if i + 1 < len(words) else ""
            i += 1
        if flag in ("-t", "--tag"):
            b.tags.append(val)
        elif flag in ("-f", "--file"):
            b.dockerfile = val
        elif flag == "--target":
            b.target = val
        elif flag in ("-o", "--output"):
            b.outputs.append(val)
        elif flag == "--build-arg" and "=" in val:
            k, _, v = val.partition("=")
            b.args[k] = v
        elif flag == "--push":
            b.push = True
        elif flag == "--load":
            b.load = True
        elif not w.startswith("-"):
            positional.append(w)
        i += 1
    if not positional:
        return None
    b.context = positional[-1]
    return b


def scan(text: str) -> tuple[list[BuildLine], list[RunLine]]:
    """The docker build and docker run command lines of a text."""
    builds, runs = [], []
    if "docker" not in text and "podman" not in text and "nerdctl" not in text:
        return builds, runs
    if not COMMAND_RE.search(text):
        return builds, runs
    norm = _normalise(text)
    done = set()
    for first in COMMAND_RE.finditer(norm):
        start = norm.rfind("\n", 0, first.start()) + 1
        if start in done:
            continue
        done.add(start)
        line = norm.count("\n", 0, start) + 1
        logical = _logical_line(norm, start)
        for m in COMMAND_RE.finditer(logical):
            rest = logical[m.end():]
            quote = logical[m.start() - 1] if m.start() else ""
            if quote in "\"'" and quote and quote in rest:
                # a command quoted whole (`alias tool="docker run ... org/tool"`, `sh -c 'docker run ...'`):
                # its words end at the closing quote
                rest = rest[:rest.index(quote)]
            words = _split(rest)
            if words is None:
                # a quote closes later in a larger construct: cut at the first shell operator
                words = _split(re.split(r"&&|\|\||;|\|", rest)[0])
                if words is None:
                    continue
            words = [w.replace(_SPACE, " ") for w in _words_until_end(words)]
            if m.group(2) == "build":
                b = parse_build(words, line, logical)
                if b:
                    builds.append(b)
            else:
                r = parse_run(words, line, logical)
                if r:
                    runs.append(r)
    return builds, runs
