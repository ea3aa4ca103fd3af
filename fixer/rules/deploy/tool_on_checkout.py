"""tool-on-checkout: the image is a tool run on the caller's checkout.

A `docker run` line of the repository (README, docs, scripts, Makefiles, CI) that runs this
Dockerfile's image with the caller's current folder or one under it (`$(pwd)`, `$PWD/out`,
`$(CURDIR)`, `${{ github.workspace }}`, ...) bind-mounted as its working folder (`-w` to the mount,
or the mount onto the image's WORKDIR), or given a command of its own after the image name with
the checkout itself mounted or a folder of it mounted under the WORKDIR (`... gen yarn build`),
publishing no port: the tool writes its output into a host folder owned
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
import re

from ...repository.commands import file_mount, is_cwd
from . import ROOT_USER_RE, runs, under, workdir

CWD_ONLY_RE = re.compile(r"^(?:\$\{?PWD\}?|\$\(PWD\)|\$\(CURDIR\)|\$\(pwd\)|\.|\./?|\$\{\{\s*github\.workspace\s*\}\}"
                         r"|\$\{?GITHUB_WORKSPACE\}?|\$\{?CI_PROJECT_DIR\}?|%cd%)/?$")
# the caller's current folder as the start of a compose bind mount's host path (compose runs in its file's folder)
CWD_PREFIX_RE = re.compile(r"^(?:\$\{?PWD\}?|\$\(pwd\))(?=/|$)")

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
            return (f"{r.where} runs it as a CI job's image ({r.image}): the job's script works in the checkout "
                    f"the runner cloned, owned by the runner's uid, which a USER in the image may not write")
        if r.kind != "docker-run" or r.ports:
            continue
        for host, cont in r.mounts:
            if not is_cwd(host) or (host, cont) in r.read_only or file_mount(host, cont):
                continue
            as_workdir = r.workdir and under(r.workdir, cont) or (wd and under(wd, cont) and r.workdir is None)
            # the checkout itself, or a folder of it mounted where the tool works, given a command to run
            in_workdir = bool(r.command) and (CWD_ONLY_RE.match(host) or (wd and wd != "/" and under(cont, wd)))
            if not (as_workdir or in_workdir):
                continue  # a folder mounted into a program run with its own default command, or elsewhere
            mount = f'-v {host}:{cont}' + (f" -w {r.workdir}" if r.workdir else "")
            if r.user:
                return (f"{r.where} runs it on the caller's checkout ({mount}) with --user {r.user}: the caller "
                        f"chooses the uid at run time, a USER in the image adds nothing")
            return (f"{r.where} runs it on the caller's checkout ({mount}): a tool writing into a folder owned by "
                    f"the caller's uid, which a uid baked into the image cannot write; the caller should pass "
                    f'--user "$(id -u):$(id -g)"')
    return None
