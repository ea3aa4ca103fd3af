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

The same for a CI job image: a GitLab job's `image:`, a GitHub job's `container:`, or a CI example
in the docs (a fenced block with `image: NAME` and a job's `script:`/`steps:`) naming this image:
the job's script runs in the checkout the runner cloned, with the image's user.
"""

from __future__ import annotations

import re

from ...repository.commands import is_cwd

CWD_ONLY_RE = re.compile(r"^(?:\$\{?PWD\}?|\$\(PWD\)|\$\(CURDIR\)|\$\(pwd\)|\.|\./?|\$\{\{\s*github\.workspace\s*\}\}"
                         r"|\$\{?GITHUB_WORKSPACE\}?|\$\{?CI_PROJECT_DIR\}?|%cd%)/?$")
from . import runs, under, workdir

NAME = "tool-on-checkout"
SUMMARY = "A tool image the repository runs on the caller's checkout (`docker run -v \"$(pwd)\":/src -w /src`): the caller passes --user."
EXAMPLE = '# README.md\ndocker run --rm -v "$(pwd)":/src -w /src example/gen generate'


def check(ctx) -> str | None:
    wd = workdir(ctx.an)
    for r in runs(ctx):
        if r.kind == "ci-job":
            return (f"{r.where} runs it as a CI job's image ({r.image}): the job's script works in the checkout "
                    f"the runner cloned, owned by the runner's uid, which a USER in the image may not write")
        if r.kind != "docker-run" or r.ports:
            continue
        for host, cont in r.mounts:
            if not is_cwd(host):
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
