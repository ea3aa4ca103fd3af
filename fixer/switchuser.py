"""Command lines that run a program as another user: `sudo -u USER CMD`, `su USER -c CMD`,
`capsh --user=USER -- -c CMD`.

Command knowledge for the drops-privileges rule, kept here as a small table of each tool's options
until the shell step's command data (fixer/data/commands.toml) holds privilege-drop tools: which
options take a value, which name the target user, and what makes the call run a command (rather
than only check a password or list rules). Unlike gosu or su-exec, whose mere presence means a
drop, sudo and su also run things as root (`sudo apt-get install`, `su -`), so the line is parsed
(shlex) and counts only when it names a user other than root and runs something as that user.
Inside a container started as USER app, both fail: sudo has no sudoers entry for app and su asks
for a password nobody can type.
"""

from __future__ import annotations


from . import lazyre

# tool -> (options taking a value, options naming the user, options that run a command or shell)
OPTIONS = {
    "sudo": ({"-u", "--user", "-g", "--group", "-C", "--close-from", "-D", "--chdir", "-h", "--host", "-p", "--prompt",
              "-r", "--role", "-t", "--type", "-T", "--command-timeout", "-U", "--other-user", "-R", "--chroot"},
             {"-u", "--user"}, {"-i", "--login", "-s", "--shell"}),
    "su": ({"-c", "--command", "-s", "--shell", "-g", "--group", "-G", "--supp-group", "-w", "--whitelist-environment",
            "--session-command"}, set(), {"-c", "--command", "--session-command"}),
    # libcap's capsh: `capsh --user=app --keep=1 -- -c cmd` (options are --name=value; `--` or `==` runs a shell)
    "capsh": (set(), {"--user"}, set()),
}
# where a command starts: line start, after ; & | ( or a keyword that runs the next word
_AT_RE = lazyre.compile(r"(?:^|[;&|(`!]|(?<![\w-])(?:exec|then|do|else|nohup|-c)\s+['\"]?|--)\s*(?:/[\w./-]*/)?(sudo|su|capsh)(?=\s)")
_ROOT = {"root", "0", "#0"}


def simple_words(rest: str, stops: str = ";&|()") -> list[str]:
    """The words of one simple command, unquoted (up to an unquoted character of `stops`, or a
    comment); with an unbalanced quote, the text split at white space."""
    import shlex

    try:
        lex = shlex.shlex(rest, posix=True, punctuation_chars=stops)
        lex.whitespace_split = True
        words = []
        for w in lex:
            if w and set(w) <= set(stops):
                break
            words.append(w)
        return words
    except ValueError:  # an unbalanced quote
        return rest.split()


def _parse(tool: str, words: list[str]) -> tuple[str | None, bool]:
    """(the user the call switches to, whether it runs a command or a shell as that user)."""
    valued, user_opts, runs = OPTIONS[tool]
    user, runs_cmd, i = None, False, 0
    if tool == "capsh":
        for w in words:
            name, eq, value = w.partition("=")
            if name == "--user" and eq:
                user = value
        return user, "--" in words or "==" in words
    while i < len(words):
        w = words[i]
        if w == "--":
            i += 1
            break
        if w == "-" and tool == "su":  # `su - app`: a login shell
            i += 1
            continue
        if not w.startswith("-") or w == "-":
            break
        if w.startswith("--"):
            name, eq, value = w.partition("=")
            if name in valued and not eq:
                value = words[i + 1] if i + 1 < len(words) else ""
                i += 1
            if name in user_opts:
                user = value
            runs_cmd = runs_cmd or name in runs
            i += 1
            continue
        # a cluster of short options: `-Eu app`, `-uapp`, `-lc 'cmd'`
        for k, ch in enumerate(w[1:], 1):
            opt = "-" + ch
            runs_cmd = runs_cmd or opt in runs
            if opt in valued:
                value = w[k + 1:]
                if not value:
                    value = words[i + 1] if i + 1 < len(words) else ""
                    i += 1
                if opt in user_opts:
                    user = value
                break
        i += 1
    rest = words[i:]
    if tool == "su":
        if rest:  # su's first operand is the user; options may also follow it (`su app -c cmd`)
            user = rest[0]
            more = rest[1:]
            runs_cmd = runs_cmd or any(w in runs or (w.startswith("-") and not w.startswith("--") and "c" in w[1:])
                                       for w in more) or not more
        return user, runs_cmd
    return user, runs_cmd or bool(rest)


def switch_tool(line: str) -> str | None:
    """`sudo`, `su` or `capsh` when the command line runs something as a user other than root, else None."""
    for m in _AT_RE.finditer(line):
        tool = m.group(1)
        user, runs_cmd = _parse(tool, simple_words(line[m.end():]))
        if user and runs_cmd and user.strip("'\"") not in _ROOT:
            return tool
    return None
