"""deployment-needs-root: the repository runs the image in a way only root can.

How the repository itself runs the image (matched to this Dockerfile by a compose service's
`build:`, or by an image name the repository builds it as) says whether a USER can work:
- compose `privileged: true`, `user: root`/`0`, `cap_add` (capabilities added to a container stay
  with root: a non-root process does not keep them), a `/var/run/docker.sock` mount, bind mounts
  of the host's system folders (`/var/log`, `/proc`, `/sys`, `/`): a host agent;
- Kubernetes manifests and Helm charts: `runAsUser: 0`, `privileged: true`, `capabilities.add`,
  `hostPath` volumes of system folders;
- `docker run` lines (README, docs, scripts, CI): `--privileged`, `--user root`, `--cap-add`, the
  Docker socket, system folders;
- a host device passed in (`--device /dev/ttyUSB0`, compose `devices:`) with no non-root user
  chosen: a serial adapter (root:dialout 0660), a GPU (video/render) or a disk keeps its host
  owner and mode in the container, which a new user outside those groups cannot open (the
  world-usable /dev/null, /dev/fuse, /dev/net/tun... do not count);
- a LABEL a CI service reads from its container-job images (Azure Pipelines'
  `com.azure.dev.pipelines.agent.handler.node.path`), whose agent adds users in the container;
- a launcher that starts the image with an init (`/sbin/boot`, `/sbin/init`, `runsvdir`,
  `supervisord`), which brings up several services as root.
The reason names the file and line of the first such run.
"""

from __future__ import annotations

import re

from . import HOST_SYSTEM_RE, INIT_RE, ROOT_USER_RE, runs, under

# devices every user may open (mode 0666 on the host): passing them in says nothing about root
OPEN_DEVICE_RE = re.compile(r"^/dev/(?:null|zero|full|random|urandom|tty|ptmx|fuse|net/tun)$")

NAME = "deployment-needs-root"
SUMMARY = "The repository runs the image privileged, as root, with added capabilities, the Docker socket, host system folders or an init."
EXAMPLE = "# docker-compose.yml\nservices:\n  agent:\n    build: .\n    volumes: [/var/run/docker.sock:/var/run/docker.sock]"


def needs_root(r) -> str | None:
    """What in one run of the image needs root, or None. An init container is not the program:
    it runs as root to prepare the volumes the program then uses as a non-root user."""
    if r.init:
        return None
    nonroot_user = r.user is not None and not ROOT_USER_RE.match(r.user.strip())
    if r.privileged:
        return "runs it privileged"
    if r.user is not None and ROOT_USER_RE.match(r.user.strip()):
        return f"runs it as user {r.user}"
    if r.run_as_user == 0:
        return "runs it with runAsUser: 0"
    for host, cont in r.mounts:
        if "docker.sock" in host or "docker.sock" in cont:
            return f"mounts the Docker socket ({host})"
    if not nonroot_user and r.run_as_user is None:
        for src, cont in r.volume_targets:
            if under(cont, "/root"):
                return (f"mounts {src or 'a volume'} onto {cont}, in root's home: the program keeps its data "
                        f"there, which a non-root user can neither enter (/root is mode 0700) nor have as its home")
    if r.caps and not nonroot_user and r.run_as_user is None:
        return f"adds the capabilit{'ies' if len(r.caps) > 1 else 'y'} {', '.join(r.caps)}, which only root keeps"
    if not nonroot_user and r.run_as_user is None:
        for dev in r.devices:
            if not OPEN_DEVICE_RE.match(dev):
                return (f"passes the host's device {dev} into it, which only root or the device's group (a serial "
                        f"adapter's dialout, a GPU's video) may open, and a new user is in neither")
    for host, cont in r.mounts:
        if host.startswith("/dev/"):
            return f"mounts the host's device {host}, which only root or the device's group may open"
        if HOST_SYSTEM_RE.match(host):
            return f"mounts the host's {host}, a system folder whose files are root's (a host agent, or data only root may write)"
    for host in r.host_paths:
        if HOST_SYSTEM_RE.match(host):
            return f"mounts the host's {host} (hostPath), a system folder whose files are root's (a host agent, or data only root may write)"
    if r.command and INIT_RE.search(" " + r.command + " ") and not nonroot_user:
        return f"starts it with an init ({r.command.split()[0]}) that brings up services as root"
    return None


# LABELs a CI service reads from the images of its container jobs: Azure Pipelines' path to the
# image's own Node.js for non-glibc images (learn.microsoft.com/azure/devops/pipelines/process/
# container-phases, "Linux-based containers" and "Non glibc-based containers": the container's
# USER must run groupadd and other privileged commands without sudo)
CI_JOB_LABELS = ("com.azure.dev.pipelines.agent.handler.node.path",)


def _ci_job_label(an) -> tuple[int, str] | None:
    """(line, key) of a LABEL the CI service defines for its container-job images."""
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd == "label":
                for key in CI_JOB_LABELS:
                    if key in inst.args:
                        return inst.start_line, key
    return None


def check(ctx) -> str | None:
    found = _ci_job_label(ctx.an)
    if found:
        return (f"line {found[0]}: LABEL {found[1]} makes it an image for the CI service's container jobs, whose "
                f"agent runs groupadd/useradd in the container without sudo (the service's stated requirement): "
                f"the image must start as root")
    for r in runs(ctx):
        why = needs_root(r)
        if why:
            what = {"compose": "the compose service", "kubernetes": "the Kubernetes manifest",
                    "helm": "the Helm chart", "docker-run": "the docker run line", "ci-job": "the CI job"}[r.kind]
            where = r.where
            for m, line in r.mount_lines.items():
                if m[0] in why:
                    where = f"{r.where.file}:{line}"  # the mount's own line
            return f"{where}: {what} {why}: the deployment the repository ships needs root"
    return None
