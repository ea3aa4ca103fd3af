"""windows-unknown: a Windows image where `USER ContainerUser` is not known to be safe.

A Windows image cannot run the Linux user block, and its only unprivileged account is
ContainerUser. dockerfix fixes one only where images.toml says the base ships ContainerUser and its
program works as it (`reuse_user = "ContainerUser"`: the .NET images) and nothing in the file
needs ContainerAdministrator (IIS, Windows features, services, local accounts). Nano Server
images already run as ContainerUser (already-non-root). Everything else is left.

A file is a Windows image when its base is a known Windows image, or, when its base is unknown
and no Linux package manager runs, when the file says so (pwsh also runs on Linux): a
Windows SHELL (powershell, pwsh, cmd) in the final stage's chain, `# hadolint shell=powershell`,
`C:\\` paths, `$env:` or `.ps1` in its instructions, or a file name such as `Dockerfile.windows`
or `build-windows.Dockerfile`. `# escape=\\`` alone is no sign: Linux files use it too.
"""

from __future__ import annotations

import os
import re

from ... import images, lazyre
from ...evidence import search_chain

NAME = "windows-unknown"
SUMMARY = "A Windows image whose base is not known to run its program as ContainerUser, or that needs ContainerAdministrator."
EXAMPLE = 'FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL ["powershell", "-Command"]\nRUN Install-WindowsFeature Web-Server'

WIN_SHELLS = {"powershell", "powershell.exe", "pwsh", "pwsh.exe", "cmd", "cmd.exe"}
PRAGMA_RE = lazyre.compile(r"^\s*#\s*hadolint\s+shell\s*=\s*(powershell|pwsh|cmd)\b", re.IGNORECASE)
TEXT_RE = lazyre.compile(r"(?<![\w:/.-])[A-Za-z]:\\|(?<![\w:/.-])[Cc]:/|\$env:\w|[\w-]\.ps1\b")
NAME_RE = lazyre.compile(r"(?:^|[._-])windows(?:[._-]|$)", re.IGNORECASE)
ADMIN_RE = lazyre.compile(
    r"ServiceMonitor|\bw3svc\b|(?:Install|Add)-WindowsFeature|Enable-WindowsOptionalFeature|Add-WindowsCapability"
    r"|New-Web(?:site|Application|AppPool)|\bIIS:|inetsrv|appcmd|New-Service|Set-Service|\bsc(?:\.exe)?\s+(?:create|config)"
    r"|New-LocalUser|Add-LocalGroupMember|\bnet\s+(?:user|localgroup)\b|\bdism\b|\bmsiexec\b",
    re.IGNORECASE,
)


def windows_signal(ctx) -> str | None:
    """Why the file is a Windows image, or None."""
    an = ctx.an
    if an.image.family == "windows":
        return images.describe(an.base_image, an.image)
    if an.image.family != "unknown" or an.families:
        return None  # a Linux base (or package manager): PowerShell on Linux is no Windows image
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd == "shell" and inst.value and \
                    inst.value[0].replace("\\", "/").rsplit("/", 1)[-1].lower() in WIN_SHELLS:
                return f"line {inst.start_line}: SHELL {inst.value[0]} is a Windows shell"
    for i, line in enumerate(ctx.df.source.lines, 1):
        m = PRAGMA_RE.match(line)
        if m:
            return f"line {i}: `# hadolint shell={m.group(1)}`"
    found = search_chain(an, ("run", "copy", "add", "workdir", "entrypoint", "cmd", "env", "volume"), TEXT_RE)
    if found:
        return f"line {found[0].start_line}: {found[1].group(0).rstrip()}… is Windows syntax"
    if ctx.path and NAME_RE.search(os.path.basename(ctx.path)):
        return f"the file name {os.path.basename(ctx.path)} says Windows"
    return None


def admin_need(ctx) -> str | None:
    found = search_chain(ctx.an, ("run", "entrypoint", "cmd"), ADMIN_RE)
    return f"line {found[0].start_line}: {found[1].group(0)} needs ContainerAdministrator" if found else None


def check(ctx) -> str | None:
    why = windows_signal(ctx)
    if why is None:
        return None
    an = ctx.an
    admin = admin_need(ctx)
    if admin:
        return f"{why}; {admin}"
    info = an.image
    if info.family != "windows":
        return (f"{why}, but its base {an.base_image or an.chain[0].image_raw} is not known to dockerfix: "
                "ContainerUser may not exist there, and a Linux user block cannot run")
    if info.reuse_user != "ContainerUser":
        return (f"{why}; it runs as ContainerAdministrator, and nothing shows its program works as "
                "ContainerUser (dockerfix knows that only for the .NET images)")
    return None
