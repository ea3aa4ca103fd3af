"""Step 7 (plan), its settings: the `Options` of a run (the user to create or switch to, the
paths to hand over, the rules to override) and their checks, made before any file is read.
`pipeline.fix` takes them as an argument, as black's `Mode`."""

from __future__ import annotations

from .. import snippets
from ..errors import DockerfixError
from ..record import dataclass

DEFAULT_UID = 10001
NOBODY = 65534


@dataclass(frozen=True)
class Options:
    user: str = "appuser"
    group: str | None = None  # default: same as user
    uid: int | None = None  # default 10001 (scratch: 65534)
    gid: int | None = None  # default: same as uid
    numeric_user: bool = False
    writable: tuple[str, ...] = ()
    target: str | None = None
    always_create: bool = False
    force: tuple[str, ...] = ()  # rule names to override (`all`: every rule that can be)
    openshift: bool = False  # arbitrary uids: group 0 with the owner's rights, numeric USER

    def validate(self) -> None:
        """Raise DockerfixError, naming the option, for any value that must never reach generated
        shell, that would make root or a system account the container user, that would fail the
        build whatever the base image, or that would hand a system folder to the new user (see
        `snippets.system_account`, `snippets.taken_everywhere`, `snippets.writable_path`)."""
        for what, name in (("--user", self.user), ("--group", self.group)):
            if name is not None and not snippets.valid_name(name):
                raise DockerfixError(
                    f"{what} {name!r} is not a valid user/group name "
                    "(lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 32)"
                )
        why = snippets.system_account(self.user)
        if why:
            raise DockerfixError(f"--user {self.user}: {self.user} {why}; choose another name")
        group = self.group or self.user
        why = snippets.system_account(group, group=True)
        if why:
            what = "--group" if self.group else "--user"
            named = "" if self.group else " (the new group is named after the user; --group names another)"
            raise DockerfixError(f"{what} {group}: {group} {why}{named}; choose another name")
        if self.openshift and self.gid not in (None, 0):
            raise DockerfixError(f"--gid {self.gid}: with --openshift the user's group is 0 (root's group, which "
                                 "OpenShift runs every arbitrary uid in); leave --gid out or pass --gid 0")
        for what, value in (("--uid", self.uid), ("--gid", self.gid)):
            if what == "--gid" and value == 0 and self.openshift:
                continue
            if what == "--gid" and value == 0:
                raise DockerfixError("--gid 0 is root's group: allowed only with --openshift, where arbitrary "
                                     "uids run in group 0 by design")
            if value is not None and not snippets.valid_id(value):
                root = " (0 is root's)" if value == 0 else ""
                raise DockerfixError(f"{what} {value!r} must be an integer from 1 to {snippets.MAX_ID}{root}")
        for what, kw in (("--uid", {"uid": self.uid}), ("--gid", {"gid": self.gid or self.uid})):
            value = next(iter(kw.values()))
            if what == "--gid" and self.openshift:
                continue  # the group is root's, which exists everywhere
            taken = snippets.taken_everywhere(**kw) if value is not None else None
            if taken:
                if what == "--gid" and self.gid is None:
                    what = "--uid"  # the gid defaults to the uid
                raise DockerfixError(
                    f"{what} {value}: every base image already has that id ({taken[0]} family: {taken[1]}); "
                    f"choose another (from 1000 up; the default is {DEFAULT_UID})"
                )
        if self.force:
            from ..rules import BY_NAME, FORCEABLE

            for name in self.force:
                if name == "all" or name in FORCEABLE:
                    continue
                if name in BY_NAME:
                    raise DockerfixError(f"--force {name}: this rule cannot be overridden ({BY_NAME[name].summary})")
                raise DockerfixError(f"--force {name!r} is not a rule; rules: all, " + ", ".join(FORCEABLE))
        for p in self.writable:
            why = snippets.writable_path(p)[1]
            if why:
                raise DockerfixError(writable_refused(p, why))


def writable_refused(path: str, why: str) -> str:
    """The error for a --writable path that `snippets.writable_path` refused (`why`)."""
    if not snippets.PATH_RE.match(path):
        return f"--writable {path!r} must be an absolute path of letters, digits and ._/@+- only"
    if "'..'" in why:
        return f"--writable {path}: {path} {why}; write the path without them"
    return (
        f"--writable {path}: {path} {why}; only data folders can be handed to the new user "
        "(/var/lib/NAME, /var/log/NAME, /opt/NAME, /srv/NAME, /home/NAME, /data, /app/uploads, ...): "
        "owning a system folder would let it change what root trusts, such as /etc/passwd"
    )
