"""tool-on-checkout: the image is a tool run on the caller's checkout.

A `docker run` line of the repository (README, docs, scripts, Makefiles, CI) that runs this
Dockerfile's image with the caller's current folder or one under it (`$(pwd)`, `$PWD/out`,
`$(CURDIR)`, `${{ github.workspace }}`, ...) bind-mounted as its working folder (`-w` to the mount,
or the mount onto the image's WORKDIR), or a folder of it mounted where the tool puts its output (`-v "$(pwd)/doc":/out`, also `/dist`,
`/build`, `/target`, `/reports`), or given a command of its own after the image name with
the checkout itself mounted or a folder of it mounted under the WORKDIR (`... gen yarn build`),
publishing no port (or the docs' placeholder for a folder of the caller's, `-v
/path/to/project:/tool/project`, mounted under the WORKDIR of a tool given a command):
the tool writes its output into a host folder owned
by the caller's uid (1001 on hosted CI runners), which a uid baked into the image cannot write.
The caller runs it with `--user "$(id -u):$(id -g)"`; a USER in the image adds nothing when it
does and breaks the tool when it does not.

A development container on the checkout: a compose service of the repository that builds this
Dockerfile (or runs the image the repository builds from it) and bind-mounts the folder holding its sources (the build context or a folder above it,
`.:/app`, `..:/app`, `./app:/usr/src/app`; not read-only) over the image's working folder: the
checkout replaces the code the image copied, and the program (a dev server, a watcher, a package
manager) writes into it as the developer's files. The compose file chooses the uid there
(`user: "${UID}:${GID}"`); a USER in the image cannot match the developer's.

The same for a CI job image: a GitLab job's `image:`, a GitHub job's `container:`, or a CI example
in the docs (a fenced block with `image: NAME` and a job's `script:`/`steps:`) naming this image:
the job's script runs in the checkout the runner cloned, with the image's user.
"""

from __future__ import annotations

import os
import posixpath
import re

from ...repository.commands import file_mount, is_cwd, is_placeholder_dir
from . import ROOT_USER_RE, runs, under, workdir

CWD_ONLY_RE = re.compile(r"^(?:\$\{?PWD\}?|\$\{?pwd\}?|`pwd`|\$\(PWD\)|\$\(CURDIR\)|\$\(pwd\)|\.|\./?|\$\{\{\s*github\.workspace\s*\}\}"
                         r"|\$\{?GITHUB_WORKSPACE\}?|\$\{?CI_PROJECT_DIR\}?|%cd%)/?$")
# the caller's current folder as the start of a compose bind mount's host path (compose runs in its file's folder)
CWD_PREFIX_RE = re.compile(r"^(?:\$\{?PWD\}?|\$\{?pwd\}?|`pwd`|\$\(pwd\))(?=/|$)")

# where a tool writes what it makes: a folder of the caller's checkout mounted there receives its output
OUTPUT_NAMES = frozenset(("out", "output", "outputs", "dist", "build", "target", "artifacts", "reports", "report",
                          "generated", "gen"))

NAME = "tool-on-checkout"
SUMMARY = "A tool image the repository runs on the caller's checkout (`docker run -v \"$(pwd)\":/src -w /src`): the caller passes --user."
EXAMPLE = '# README.md\ndocker run --rm -v "$(pwd)":/src -w /src example/gen generate'


def _checkout_over_workdir(ctx, r, wd) -> tuple[str, str] | None:
    """(host, container) of the bind mount through which a compose service that builds this
    Dockerfile runs it on the checkout: the folder holding the build context (or the Dockerfile)
    mounted, writable, over the working folder or a folder above it."""
    work = r.workdir if r.workdir and r.workdir.startswith("/") else wd
    if r.kind != "compose" or r.folder is None or ctx.path is None or not work or work == "/":
        return None
    sources = [p for p in (r.context, os.path.dirname(os.path.realpath(ctx.path))) if p]
    for host, cont in r.mounts:
        if (host, cont) in r.read_only or not under(work, cont):
            continue
        rel = CWD_PREFIX_RE.sub(".", host)
        if not rel.startswith("."):
            continue  # an absolute or home folder: somewhere else on the host, not the checkout
        real = ctx.repository.inside(os.path.normpath(os.path.join(r.folder, rel)))
        if real and any(p == real or under(p, real) for p in sources):
            return host, cont
    return None


def check(ctx) -> str | None:
    wd = workdir(ctx.an)
    for r in runs(ctx):
        found = _checkout_over_workdir(ctx, r, wd)
        if found:
            host, cont = found
            where = f"{r.where.file}:{r.mount_lines.get(found, r.where.line)}"
            if r.user and not ROOT_USER_RE.match(r.user.strip()):
                return (f"{where} runs it on the checkout ({host}:{cont}, the sources this Dockerfile builds, "
                        f"over its working folder) with user: {r.user}: the compose file chooses the uid, a USER "
                        f"in the image adds nothing")
            return (f"{where} bind-mounts the checkout ({host}, holding the sources this Dockerfile builds) over "
                    f"its working folder {cont}: a development container writing into the developer's files, "
                    f"which a uid baked into the image cannot write; give the service "
                    f'`user: "${{UID}}:${{GID}}"` instead')
        if r.kind == "ci-job":
            return (f"{r.where} runs it as a CI job's image ({r.image or 'built from this Dockerfile'}): the job's "
                    f"script works in the checkout "
                    f"the runner cloned, owned by the runner's uid, which a USER in the image may not write")
        if r.kind != "docker-run" or r.ports:
            continue
        for host, cont in r.mounts:
            if (host, cont) in r.read_only or file_mount(host, cont):
                continue
            as_workdir = (r.workdir and (under(r.workdir, cont) or r.workdir == cont)
                          or (wd and under(wd, cont) and r.workdir is None))
            # the checkout itself, or a folder of it mounted where the tool works, given a command to run
            in_workdir = bool(r.command) and (CWD_ONLY_RE.match(host) or (wd and wd != "/" and under(cont, wd)))
            # a folder of the caller's checkout mounted where the tool puts its output (`-v $(pwd)/doc:/out`)
            output = is_cwd(host) and posixpath.basename(posixpath.normpath(cont)) in OUTPUT_NAMES
            if not is_cwd(host):
                # the docs' placeholder for the caller's folder (`/path/to/project`), mounted where the
                # tool works and given a command: the caller's project, like the current folder
                if not (is_placeholder_dir(host) and r.command and wd and wd != "/" and under(cont, wd)):
                    continue
            elif not (as_workdir or in_workdir or output):
                continue  # a folder mounted into a program run with its own default command, or elsewhere
            mount = f'-v {host}:{cont}' + (f" -w {r.workdir}" if r.workdir else "")
            whose = "the caller's checkout" if is_cwd(host) else "a folder of the caller's"
            if r.user:
                return (f"{r.where} runs it on {whose} ({mount}) with --user {r.user}: the caller "
                        f"chooses the uid at run time, a USER in the image adds nothing")
            return (f"{r.where} runs it on {whose} ({mount}): a tool writing into a folder owned by "
                    f"the caller's uid, which a uid baked into the image cannot write; the caller should pass "
                    f'--user "$(id -u):$(id -g)"')
    return _script_from_checkout(ctx)


def _script_from_checkout(ctx) -> str | None:
    """The program is a script of the repository that the image never holds: ENTRYPOINT/CMD names
    `<WORKDIR>/docker/build.sh`, the repository has `docker/build.sh`, and nothing in the build
    puts files into the working folder (no COPY/ADD into it or a folder above it but `/` with plain
    files, no RUN naming it): the caller's checkout is mounted there at run time, and the tool
    writes its output into the caller's folders."""
    an, repo = ctx.an, ctx.repository
    if repo is None or an.workdir_line is None or (an.entrypoint or an.cmd) is None:
        return None
    wd = (an.workdir or "").rstrip("/")
    if not wd.startswith("/") or wd.count("/") < 1 or "$" in wd:
        return None
    from ...evidence import program

    inst = an.entrypoint or an.cmd
    script = next((w for w in program(inst)[1].split() if w.startswith(wd + "/")), None)
    if script is None:
        return None
    rel = script[len(wd) + 1:]
    real = repo.inside(os.path.join(repo.root, rel))
    if real is None or not os.path.isfile(real) or ".." in rel.split("/"):
        return None
    for stage in an.chain:
        for i in stage.instructions:
            if i.cmd in ("copy", "add") and len(i.value) >= 2:
                dest = i.value[-1].rstrip("/") or "/"
                if not dest.startswith("/") or "$" in dest or under(dest, wd):
                    return None  # into the working folder (or somewhere not known)
                if under(wd, dest) and (dest != "/" or any("." not in s.rsplit("/", 1)[-1] for s in i.value[:-1])):
                    return None  # a folder copied above it may hold it
            elif i.cmd == "run" and wd in i.original and not re.search(
                    r"\bmkdir\s+(?:-\S+\s+)*(?:\S+\s+)*" + re.escape(wd) + r"(?![\w/.-])", i.original):
                return None  # a step that may fill it (`git clone ... /src`)
    return (f"line {inst.start_line}: {inst.keyword} runs {script}, the repository's {rel}, from its working folder "
            f"{wd} (line {an.workdir_line}), which the image never fills: the caller's checkout is mounted there, and "
            f"the tool writes its output into the caller's folders, which a uid baked into the image cannot write; "
            f'the caller should pass --user "$(id -u):$(id -g)"')
