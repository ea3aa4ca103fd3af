"""privileged-port-deployed: the repository runs the image on Kubernetes, and its program binds a
port below 1024 there.

Docker 20.10 and later let any user bind a port below 1024 in a container (they set
`net.ipv4.ip_unprivileged_port_start=0`); Kubernetes does not, so there a non-root program that
binds port 80 exits with "permission denied" at start (and `capabilities.add: [NET_BIND_SERVICE]`
does not help a non-root process: the kubelet sets no ambient capabilities). When a Kubernetes
manifest or Helm chart of the repository runs the image as its own user (no `runAsUser`: root
today) and the program binds such a port (an `ENV` of the file or the base image such as
`ASPNETCORE_URLS=http://+:80` that the manifest's `env:` does not override, the program's own
`--port 80`/`--bind :80`, a `listen 80;` in a configuration file copied from the build context,
or an `EXPOSE 80` that the manifest's `containerPort: 80` confirms), a USER alone breaks that
deployment: the port has to change in the image and in the manifest (its `containerPort`, its
Service's `targetPort`) in the same change. The reason names both, with the change to make.

Not this rule's: compose and `docker run` deployments (Docker lets the new user bind the port:
the fix says which setting to change, as a warning), a pod that sets the
`net.ipv4.ip_unprivileged_port_start` sysctl, and a manifest that already runs it with a non-root
`runAsUser` (the port must already be a high one there).
"""

from __future__ import annotations

from ... import ports as portfacts
from . import runs

NAME = "privileged-port-deployed"
SUMMARY = "A Kubernetes manifest or Helm chart of the repository runs the image, whose program binds a port below 1024: a non-root user cannot bind it there."
EXAMPLE = ("# Dockerfile: FROM mcr.microsoft.com/dotnet/aspnet:6.0 (ASPNETCORE_URLS=http://+:80)\n"
           "# k8s/app.yaml\ncontainers:\n  - image: acme/app:1.0\n    ports: [{containerPort: 80}]")

def _overridden(where: str, r) -> bool:
    """The manifest sets the ENV the finding names (`ENV ASPNETCORE_URLS=...` in the image, the
    same name under the container's `env:`) to something else."""
    for name, value in r.env.items():
        if f"ENV {name}=" in where or f"sets {name}=" in where:
            return not portfacts.binds_low(name, value)
    return False


def low_port(ctx, r) -> tuple[int, str, str | None] | None:
    """(port, where, change) of a port below 1024 the program binds in this run, or None."""
    for port, where, change in portfacts.bound(ctx):
        if not _overridden(where, r):
            return port, where, change
    for port, (value, line) in portfacts.exposed(ctx.an).items():
        if port in r.container_ports:
            return port, f"line {line}: EXPOSE {value}, which {r.where.file} declares as its containerPort", None
    return None


def check(ctx) -> str | None:
    if ctx.an.image.family == "windows":
        return None  # Windows has no privileged ports
    for r in runs(ctx):
        if r.kind not in ("kubernetes", "helm") or r.init or r.run_as_user is not None or r.low_ports_allowed:
            continue
        found = low_port(ctx, r)
        if found is None:
            continue
        port, where, change = found
        to = f"change it to {change}" if change else f"make the program listen on {portfacts.unprivileged(port)}"
        return (f"{r.where} runs it on Kubernetes, where a non-root user cannot bind port {port}, and {where}: "
                f"{to} and the manifest's containerPort/targetPort in the same change (or set the pod's "
                f"net.ipv4.ip_unprivileged_port_start sysctl), then run dockerfix again")
    return None
