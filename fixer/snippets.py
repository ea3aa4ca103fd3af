"""Step 6: the distro's own commands for creating an unprivileged user.

Each function returns the shell commands (one string each; `plan` chains them with `&&` in one
RUN) for a family. Every value put into these commands has passed the checks here first: names
match `^[a-z_][a-z0-9_-]{0,31}$` and are no system account (`system_account`), ids are integers
from 1 to 2147483647, writable paths are data folders (`writable_path`).
"""

from __future__ import annotations

import functools
import re

from . import lazyre
from .record import dataclass
from . import recache

NAME_RE = recache.compile(r"^[a-z_][a-z0-9_-]{0,31}\Z")
PATH_RE = lazyre.compile(r"^/[A-Za-z0-9._/@+-]*\Z")
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
    """An id from 1 to MAX_ID: an int, or a string of ASCII digits only (`is_number`: int() also
    reads "١٢", and such text must never reach generated shell)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        if not is_number(value):
            return False
    elif not isinstance(value, int):
        return False
    return 1 <= int(value) <= MAX_ID


# --- writable paths --------------------------------------------------------------------------------

# Top-level folders that belong to the system as a whole: never handed to the new user, nor
# anything below them (except the data folders of /var and /run, see `writable_path`).
SYSTEM_TREES = frozenset((
    "bin", "boot", "dev", "efi", "etc", "lib", "lib32", "lib64", "libx32", "libexec", "lost+found",
    "nix", "proc", "root", "run", "sbin", "snap", "sys", "usr", "var",
))
# Shared parents: the folder itself is refused (every user and program shares it), a folder below
# it is a data folder (/home/NAME, /tmp/NAME, /opt/NAME, /srv/NAME, /mnt/NAME, /media/NAME).
SHARED_PARENTS = frozenset(("home", "tmp", "opt", "srv", "mnt", "media"))
# /var/PARENT/NAME (and /run/NAME, the same as /var/run/NAME) is a program's data folder ...
VAR_DATA_PARENTS = frozenset(("lib", "cache", "log", "run", "opt", "tmp"))
# ... unless NAME (or NAME up to its first ".", as in dpkg.log, docker.sock) belongs to the system:
# package managers, login and privilege tools, init and the system bus, container runtimes, and
# the tools root runs over these folders (logrotate, cron, ldconfig). Owning one of these lets
# the user change what root later trusts (dpkg's maintainer scripts, sudo's timestamps, the
# system bus socket, root's CA bundle).
SYSTEM_NAMES = frozenset((
    "alternatives", "anacron", "apk", "apt", "aptitude", "at", "audit", "authselect", "btmp",
    "ca-certificates", "console-setup", "containerd", "containers", "crio", "cron", "crond",
    "dbus", "debconf", "dkms", "dnf", "docker", "dpkg", "faillock", "faillog", "flatpak", "initramfs",
    "journal", "lastlog", "ldconfig", "libdnf5", "locales", "lock", "logrotate", "man", "misc",
    "mount", "netns", "network", "networkmanager", "pacman", "pam", "podman", "polkit", "polkit-1",
    "policykit", "private", "resolvconf", "rpm", "rpm-state", "runc", "selinux", "sendsigs",
    "shadow", "shells", "shm", "snapd", "sss", "sssd", "ssh", "sshd", "sudo", "syslog", "systemd",
    "tallylog", "ucf", "udev", "user", "utmp", "wtmp", "yum", "zypp", "zypper",
))
# /usr/src/NAME and /usr/local/NAME are where node and python images keep applications
# (`WORKDIR /usr/src/app`, `/usr/local/myapp`), unless NAME is one of the system's own folders there
# (/usr/local/bin is on root's PATH; /usr/local/lib holds the interpreter's modules; /usr/src/linux*
# holds kernel headers).
USR_SYSTEM_NAMES = frozenset((
    "bin", "sbin", "include", "share", "etc", "libexec", "man", "src", "games", "doc", "info", "locale",
))


def writable_path(path: str) -> tuple[str, str | None]:
    """Whether `path` may be made writable by the new user (created and chowned to it):
    (the normalised path, None) when it may, (path, why not) when not. The one rule for
    `--writable`, `writable = [...]` and the final stage's VOLUMEs:

    - it is a plain absolute path (letters, digits and `._/@+-`); repeated and trailing slashes
      are dropped first (`//etc/` is `/etc`), and a `.` or `..` component is refused outright
      (never resolved: `/a/../etc` is refused, not read as `/etc`);
    - `/` is refused, and so is every system tree and everything below it: /bin /boot /dev /efi
      /etc /lib /lib32 /lib64 /libx32 /libexec /lost+found /nix /proc /root /run /sbin /snap /sys
      /usr /var;
    - except a program's data folder and what is below it: /var/lib/NAME, /var/cache/NAME,
      /var/log/NAME, /var/run/NAME = /run/NAME, /var/opt/NAME, /var/tmp/NAME, and /var/www itself
      and below, where NAME is not the system's own (dpkg, apt, rpm, sudo, systemd, dbus, ...:
      `SYSTEM_NAMES`), so /var/lib/dpkg, /var/cache/apt and /var/log itself stay refused;
    - /home, /tmp, /opt, /srv, /mnt and /media themselves are refused (they are shared), a folder
      below them is a data folder (/home/NAME, /opt/NAME, /srv/NAME, ...);
    - /usr/src/NAME and /usr/local/NAME, and what is below them, are an application's folders
      (`WORKDIR /usr/src/app`), unless NAME is the system's own (bin, sbin, lib*, include, share,
      etc, libexec, man, src, games, ...: `USR_SYSTEM_NAMES`; linux* under /usr/src), so
      /usr/src, /usr/local/bin and /usr/local/lib/python3.12 stay refused;
    - any other path is a data folder: /data, /app/uploads, /workspace.

    Owning a system folder would let the new user rewrite what root trusts (/etc/passwd,
    /usr/bin, dpkg's maintainer scripts): root by another road."""
    if not PATH_RE.match(path):
        return path, "is not a plain absolute path (letters, digits and ._/@+- only)"
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        return path, "has a '.' or '..' component (dockerfix never resolves those)"
    norm = "/" + "/".join(parts)
    if not parts:
        return norm, "is the root of the file system"
    if parts[0] == "run":
        parts = ["var", *parts]
    top = parts[0]
    if top in SHARED_PARENTS:
        return (norm, None) if len(parts) > 1 else (norm, "is a system folder (shared by every user)")
    if top == "var" and len(parts) > 1 and parts[1] == "www":
        return norm, None
    if top == "var" and len(parts) > 2 and parts[1] in VAR_DATA_PARENTS:
        name = parts[2].lower()
        if name not in SYSTEM_NAMES and name.split(".", 1)[0] not in SYSTEM_NAMES:
            return norm, None
    if top == "usr" and len(parts) > 2 and parts[1] in ("src", "local"):
        name = parts[2].lower()
        if not (name in USR_SYSTEM_NAMES or name.startswith("lib") or (parts[1] == "src" and name.startswith("linux"))):
            return norm, None
    if top in SYSTEM_TREES:
        return norm, "is a system folder"
    return norm, None


# --- system accounts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accounts:
    users: dict[str, tuple[int, int]]  # name -> (uid, gid)
    groups: dict[str, int]  # name -> gid


@functools.lru_cache(maxsize=1)
def _accounts() -> dict[str, Accounts]:
    from .datafiles import load

    data = load("accounts")
    out = {}
    for family, table in data.items():
        users = {}
        for name, ids in table["users"].items():
            uid, gid = ids.split(":")
            users[name] = (int(uid), int(gid))
        out[family] = Accounts(users, dict(table["groups"]))
    return out


def account_families(family: str | None = None) -> dict[str, Accounts]:
    """The system-account tables for `family`; for an unknown family (or None), all of them."""
    tables = _accounts()
    return {family: tables[family]} if family in tables else dict(tables)


def system_account(name: str, *, group: bool = False) -> str | None:
    """Why `name` cannot be the new user (or, with `group`, its group), or None: root, the shared
    nobody/nogroup, or a system user (group) of any base-image family. The check does not depend
    on the base image: a system account is never the right container user, and creating it
    again fails the build on the families that have it."""
    if name == "root":
        return "is the superuser: dockerfix exists to stop containers running as root"
    if name in ("nobody", "nogroup"):
        return (
            f"is the shared unprivileged account (65534) of every base image: whatever {name} owns, "
            f"every other process running as {name} can change; dockerfix creates a user of the "
            "image's own instead (the default, appuser)"
        )
    seen = [
        f"{family} {acc.groups[name] if group else acc.users[name][0]}"
        for family, acc in account_families().items()
        if name in (acc.groups if group else acc.users)
    ]
    if not seen:
        return None
    if group:
        return f"is a system group of the base images ({', '.join(seen)}): groupadd would fail the build"
    return (
        f"is a system user of the base images ({', '.join(seen)}): the container must never run as "
        "a system account, and useradd would fail the build"
    )


def taken_id(families: dict[str, Accounts], uid: int | None = None, gid: int | None = None) -> tuple[str, str] | None:
    """(family, "user nobody (65534:65534)") for the system account of one of `families` that
    already has `uid` (a user's) or `gid` (a group's), or None."""
    for family, acc in families.items():
        for name, (u, g) in acc.users.items():
            if uid is not None and u == uid:
                return family, f"user {name} ({u}:{g})"
        for name, g in acc.groups.items():
            if gid is not None and g == gid:
                return family, f"group {name} ({g})"
    return None


def taken_everywhere(uid: int | None = None, gid: int | None = None) -> tuple[str, str] | None:
    """Like `taken_id`, but only when every family has an account with that id, so that it clashes
    whatever the base image: 65534 (nobody), 1 and 2 (bin, daemon)."""
    tables = account_families()
    if all(taken_id({f: a}, uid, gid) for f, a in tables.items()):
        return taken_id(tables, uid, gid)
    return None


@dataclass(frozen=True)
class NewUser:
    name: str
    group: str
    uid: int
    gid: int

    @property
    def home(self) -> str:
        return f"/home/{self.name}"

    @property
    def root_group(self) -> bool:
        """--openshift: the user's primary group is root's (gid 0), which every image has."""
        return self.gid == 0


# shadow-utils' login.defs ranges: system uids up to SYS_UID_MAX (999; SUSE's is 499), others from
# UID_MIN (1000) to UID_MAX (60000). useradd prints a warning into the build log for an explicit uid
# outside the range of the kind of account it is asked for ("useradd warning: appuser's uid 10001 is
# greater than SYS_UID_MAX 999"); groupadd does not.
SYS_UID_MAX_LOWEST = 499
UID_MIN = 1000
UID_MAX = 60000


def useradd_kind(uid: int) -> str:
    """The useradd flags that make `uid` an id of the kind of account it falls in, so that useradd
    accepts it without a warning: `--system ` below 1000 (with SYS_UID_MAX raised to 999 from 500
    up, for SUSE), nothing from 1000 to 60000 (the default 10001: a regular account), UID_MAX raised
    to the uid above 60000."""
    if uid <= SYS_UID_MAX_LOWEST:
        return "--system "
    if uid < UID_MIN:
        return f"--system --key SYS_UID_MAX={UID_MIN - 1} "
    if uid <= UID_MAX:
        return ""
    return f"--key UID_MAX={uid} "


def _useradd(u: NewUser, shell: str) -> str:
    return (f"useradd {useradd_kind(u.uid)}--no-log-init --uid {u.uid} --gid {u.group} --create-home "
            f"--home-dir {u.home} --shell {shell} {u.name}")


def shadow(u: NewUser, family: str) -> list[str]:
    """groupadd + useradd (Debian/Ubuntu, RHEL family, SUSE, Arch): an account with explicit ids
    (`useradd_kind`: no warning in the build log), a home, a nologin shell and --no-log-init
    (hadolint DL3046: large uids bloat lastlog)."""
    group = [] if u.root_group else [f"groupadd --system --gid {u.gid} {u.group}"]
    return group + [_useradd(u, NOLOGIN.get(family, '/sbin/nologin'))]


def busybox(u: NewUser) -> list[str]:
    """BusyBox addgroup/adduser (Alpine, BusyBox): there is no useradd there."""
    group = [] if u.root_group else [f"addgroup -S -g {u.gid} {u.group}"]
    return group + [f"adduser -S -D -u {u.uid} -G {u.group} -h {u.home} -s /sbin/nologin {u.name}"]


def portable(u: NewUser) -> list[str]:
    """One command that works on shadow-utils, BusyBox, and images with neither (it then writes
    /etc/passwd and /etc/group itself), chosen with `command -v` when the image is built.
    A "\n" in a command marks where `plan` breaks the line with a continuation."""
    passwd = f"{u.name}:x:{u.uid}:{u.gid}::{u.home}:/sbin/nologin"
    group = f"{u.group}:x:{u.gid}:"
    if u.root_group:  # the group exists (gid 0): only the user is created
        return [
            "if command -v useradd >/dev/null 2>&1; then\n"
            f"        {_useradd(u, '/sbin/nologin')};\n"
            "    elif command -v adduser >/dev/null 2>&1; then\n"
            f"        adduser -S -D -u {u.uid} -G {u.group} -h {u.home} -s /sbin/nologin {u.name};\n"
            "    else\n"
            f"        echo '{passwd}' >> /etc/passwd\n"
            f"        && mkdir -p {u.home} && chown {u.uid}:{u.gid} {u.home};\n"
            "    fi"
        ]
    return [
        "if command -v useradd >/dev/null 2>&1; then\n"
        f"        groupadd --system --gid {u.gid} {u.group}\n"
        f"        && {_useradd(u, '/sbin/nologin')};\n"
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


def writable(paths: list, owner: str, openshift: bool = False) -> list[str]:
    """Create the run-time writable paths (data folders: `writable_path` judged them) and hand them
    to `owner` ("uid:gid" or a name). A path is a string (a folder, chowned alone) or has `path`,
    `recursive` (chown -R: a data folder, never one holding code) and `create` (mkdir -p first; not
    for a file). With `openshift`, the group gets the owner's rights (chmod g=u), as OpenShift's
    arbitrary uids run in group 0."""
    items = [(p, False, True) if isinstance(p, str) else (p.path, p.recursive, p.create) for p in paths]
    if not items:
        return []
    create = [p for p, _, c in items if c]
    flat = [p for p, r, _ in items if not r]
    deep = [p for p, r, _ in items if r]
    cmds = [f"mkdir -p {' '.join(create)}"] if create else []
    cmds += [f"chown {owner} {' '.join(flat)}"] if flat else []
    cmds += [f"chown -R {owner} {' '.join(deep)}"] if deep else []
    if openshift:
        cmds += [f"chmod g=u {' '.join(flat)}"] if flat else []
        cmds += [f"chmod -R g=u {' '.join(deep)}"] if deep else []
    return cmds
