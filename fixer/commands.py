"""Step 3's knowledge: what each command does, for the shell walk and for image facts.

Privilege-drop tools (gosu, su-exec, setpriv --reuid, ...) are command knowledge: image facts
(`facts.merge`, an image's history and entrypoint) and the `drops-privileges` rule both read them
from here, so neither imports the other.
"""

from __future__ import annotations

from . import lazyre

# a command line that switches to another user before running the program
DROP_RE = lazyre.compile(
    r"(?<![\w./-])(?:/[\w./-]*/)?(gosu|su-exec|suexec|s6-setuidgid|setuidgid|runuser)(?![\w.-])"
    r"|(?<![\w./-])(?:/[\w./-]*/)?(setpriv)\b[^\n]*--re[ug]id"
    r"|(?<![\w./-])(?:/[\w./-]*/)?(chpst)\b[^\n]*\s-u"
    r"|(?<![\w./-])(?:/[\w./-]*/)?(chroot)\b[^\n]*--userspec"
    r"|(?<![\w./-])(su)\s+(?:-[\w-]+\s+)*[\w$\"'{}-]+\s+(?:-[\w-]+\s+)*-c\b"
)
# a build step that brings such a tool into the image (a package or a download of that name)
INSTALL_DROP_RE = lazyre.compile(r"(?<![\w-])(gosu|su-exec|suexec|s6-setuidgid|s6-overlay)(?![\w-])")


def drop_tool(text: str) -> str | None:
    """The privilege-dropping tool a script or command line uses, if any (comments ignored)."""
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        m = DROP_RE.search(line)
        if m:
            return next(g for g in m.groups() if g)
    return None
