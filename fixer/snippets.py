"""Step 6: the distro's own commands for creating an unprivileged user.

Each function returns the shell commands (one string each; `plan` chains them with `&&` in one
RUN) for a family. Every value put into these commands has passed `validate_*` first: names match
`^[a-z_][a-z0-9_-]{0,31}$`, ids are integers from 1 to 2147483647, paths are plain absolute paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NAME_RE = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
PATH_RE = re.compile(r"^/[A-Za-z0-9._/@+-]*$")
MAX_ID = 2147483647

NOLOGIN = {
    "debian": "/usr/sbin/nologin",
    "suse": "/usr/sbin/nologin",
    "rhel": "/sbin/nologin",
    "arch": "/usr/bin/nologin",
    "alpine": "/sbin/nologin",
    "busybox": "/sbin/nologin",
    "unknown": "/sbin/nologin",
}
SHADOW_FAMILIES = ("debian", "rhel", "suse", "arch")
BUSYBOX_FAMILIES = ("alpine", "busybox")


def valid_name(name: str) -> bool:
    return bool(NAME_RE.match(name))


def is_number(text: str) -> bool:
    """ASCII digits only: `str.isdigit()` also takes '²' (which `int()` refuses) and '١٢٣' (which it
    reads as 123, while useradd and Docker's USER do not). Every id and port goes through this."""
    return text.isascii() and text.isdigit()


def valid_id(value: int | str) -> bool:
    text = str(value).strip()
    return is_number(text) and 1 <= int(text) <= MAX_ID


def valid_path(path: str) -> bool:
    return bool(PATH_RE.match(path)) and "/../" not in path + "/"


@dataclass(frozen=True)
class NewUser:
    name: str
    group: str
    uid: int
    gid: int

    @property
    def home(self) -> str:
        return f"/home/{self.name}"


def shadow(u: NewUser, family: str) -> list[str]:
    """groupadd + useradd (Debian/Ubuntu, RHEL family, SUSE, Arch): a system account with explicit
    ids, a home, a nologin shell and --no-log-init (hadolint DL3046: large uids bloat lastlog)."""
    return [
        f"groupadd --system --gid {u.gid} {u.group}",
        f"useradd --system --no-log-init --uid {u.uid} --gid {u.group} --create-home "
        f"--home-dir {u.home} --shell {NOLOGIN.get(family, '/sbin/nologin')} {u.name}",
    ]


def busybox(u: NewUser) -> list[str]:
    """BusyBox addgroup/adduser (Alpine, BusyBox): there is no useradd there."""
    return [
        f"addgroup -S -g {u.gid} {u.group}",
        f"adduser -S -D -u {u.uid} -G {u.group} -h {u.home} -s /sbin/nologin {u.name}",
    ]


def portable(u: NewUser) -> list[str]:
    """One command that works on shadow-utils, BusyBox, and images with neither (it then writes
    /etc/passwd and /etc/group itself), chosen with `command -v` when the image is built.
    A "\n" in a command marks where `plan` breaks the line with a continuation."""
    passwd = f"{u.name}:x:{u.uid}:{u.gid}::{u.home}:/sbin/nologin"
    group = f"{u.group}:x:{u.gid}:"
    return [
        "if command -v useradd >/dev/null 2>&1; then\n"
        f"        groupadd --system --gid {u.gid} {u.group}\n"
        f"        && useradd --system --no-log-init --uid {u.uid} --gid {u.group} --create-home"
        f" --home-dir {u.home} --shell /sbin/nologin {u.name};\n"
        "    elif command -v adduser >/dev/null 2>&1; then\n"
        f"        addgroup -S -g {u.gid} {u.group}\n"
        f"        && adduser -S -D -u {u.uid} -G {u.group} -h {u.home} -s /sbin/nologin {u.name};\n"
        "    else\n"
        f"        echo '{passwd}' >> /etc/passwd\n"
        f"        && echo '{group}' >> /etc/group\n"
        f"        && mkdir -p {u.home} && chown {u.uid}:{u.gid} {u.home};\n"
        "    fi"
    ]


def create_user(u: NewUser, family: str, useradd: bool) -> list[str]:
    if family in SHADOW_FAMILIES and useradd:
        return shadow(u, family)
    if family in BUSYBOX_FAMILIES:
        return busybox(u)
    return portable(u)


def writable(paths: list[str], owner: str) -> list[str]:
    """Create the run-time writable paths and hand them to `owner` ("uid:gid" or a name)."""
    if not paths:
        return []
    joined = " ".join(paths)
    return [f"mkdir -p {joined}", f"chown {owner} {joined}"]
