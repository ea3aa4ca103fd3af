"""Reports for bots and CI: SARIF 2.1.0 (GitHub code scanning) and a Markdown pull-request body.

Both are built from the files' `Result.to_json()` (`fixer/result.py`: the entries of `--format json`),
which the command line renders and the GitHub Action reads back from a `--format json` run.
"""

from __future__ import annotations

from . import __url__, __version__
from .output import diff_path
from .snippets import is_number

RULE_ID = "DFX001"
RULE_NAME = "final-stage-runs-as-root"
SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
WHY = (
    "A container that runs as root turns any remote-code-execution bug in its program into root "
    "inside the container: free to install tools, open raw sockets to scan the network, and with "
    "an easier road out of the container."
)
HOW = (
    "dockerfix inserts the distribution's own user-creation commands and a USER instruction right "
    "after the last instruction of the final build stage that needs root, or switches back to a "
    "non-root user the Dockerfile or its base image already has."
)


def _message(r: dict) -> str:
    text = f"The final build stage runs as {r['user_before']}."
    if r["root_step"]:
        text += f" Last root step: {r['root_step']}."
    text += f" Fix: switch to USER {r['user_after']}"
    if r.get("user_ids") and r["user_ids"] != r["user_after"]:
        text += f" ({r['user_ids']})"
    return text + f" after line {r['insert_after']}."


def sarif(reports: list[dict]) -> dict:
    """A SARIF 2.1.0 log: one result per file that would change, with the fix as a replacement
    that is exactly the CLI's edit (an insertion: a zero-length deleted region)."""
    from .rules import RULES

    leave_rules = [rule for rule in RULES if rule.name != "already-non-root"]
    leave_index = {rule.name: i + 1 for i, rule in enumerate(leave_rules)}
    results = []
    notes = []
    for r in reports:
        uri = diff_path(r["path"])
        artifact = {"uri": uri, "uriBaseId": "%SRCROOT%"}
        if r.get("error"):
            note: dict = {"level": "error", "message": {"text": r["error"]}, "descriptor": {"id": "parse-error"}}
            loc: dict = {"physicalLocation": {"artifactLocation": artifact}}
            if r.get("error_line"):
                loc["physicalLocation"]["region"] = {"startLine": r["error_line"]}
            note["locations"] = [loc]
            notes.append(note)
            continue
        if not r["changed"]:
            if r.get("rule") in leave_index:
                # left alone by a decide rule: a note, with the reason and no fix
                results.append({
                    "ruleId": r["rule"],
                    "ruleIndex": leave_index[r["rule"]],
                    "level": "note",
                    "message": {"text": f"Left unchanged: {r['skipped']}"},
                    "locations": [{"physicalLocation": {"artifactLocation": artifact,
                                                        "region": {"startLine": r.get("root_line") or 1}}}],
                })
            continue
        e = r["edit"]
        results.append({
            "ruleId": RULE_ID,
            "ruleIndex": 0,
            "level": "warning",
            "message": {"text": _message(r)},
            "locations": [{"physicalLocation": {"artifactLocation": artifact,
                                                "region": {"startLine": r["root_line"] or 1}}}],
            "fixes": [{
                "description": {"text": f"Run as a non-root user (USER {r['user_after']})"},
                "artifactChanges": [{
                    "artifactLocation": artifact,
                    "replacements": [{
                        "deletedRegion": {"startLine": e["line"], "startColumn": e["column"],
                                          "endLine": e["line"], "endColumn": e["column"]},
                        "insertedContent": {"text": e["text"]},
                    }],
                }],
            }],
        })
    invocation: dict = {"executionSuccessful": not notes}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dockerfix",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": __url__ + "#readme",
                "rules": [{
                    "id": RULE_ID,
                    "name": RULE_NAME,
                    "shortDescription": {"text": "The final build stage runs as root"},
                    "fullDescription": {"text": "The image's program runs as root: the final build stage never "
                                                "switches to an unprivileged USER, or switches back to root."},
                    "help": {
                        "text": f"{WHY} {HOW} Run `dockerfix --write` to apply the fix.",
                        "markdown": f"{WHY}\n\n{HOW}\n\nRun `dockerfix --write` to apply the fix.",
                    },
                    "defaultConfiguration": {"level": "warning"},
                    "properties": {"tags": ["security", "container", "dockerfile"], "precision": "high",
                                   "security-severity": "7.0"},
                }] + [{
                    "id": rule.name,
                    "name": rule.name,
                    "shortDescription": {"text": rule.summary},
                    "help": {"text": f"dockerfix left the file unchanged: {rule.summary}"
                                     + (f" Override with `--force {rule.name}`." if rule.overridable else "")},
                    "defaultConfiguration": {"level": "note"},
                } for rule in leave_rules],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The folder dockerfix ran in."}}},
            "invocations": [invocation],
            "results": results,
        }],
    }


def _md(text: str) -> str:
    """Escape text for Markdown prose (file names, reasons)."""
    out = []
    for ch in text:
        if ch in "\\`*_[]<>|~":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _code(text: str) -> str:
    """Inline code that survives backticks in `text`."""
    ticks = "`"
    while ticks in text:
        ticks += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _fence(text: str, lang: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{lang}\n{text}{'' if text.endswith(chr(10)) else chr(10)}{fence}\n"


def _built(r: dict) -> tuple[bool, str]:
    """The checklist item on building and starting the image: ticked with what `--verify` built
    and ran (fixer/verify.py), else a request to the reviewer (dockerfix read the file only)."""
    v = r.get("verify")
    if v and v["verdict"] == "verified":
        return True, f"{_md(v['reason'])} ({_code('dockerfix --verify')} with {v['engine']}, {v['times']['total']:g} s)"
    return False, (f"the image builds and its program starts and works as {_code('USER ' + r['user_after'])}, "
                   "writing only where that user may (dockerfix did not build it)")


# families whose images have a shell and `id` (the others: scratch, distroless, Windows)
_ID_FAMILIES = ("debian", "rhel", "suse", "arch", "alpine", "busybox", "unknown")


def _try(r: dict, tag: str) -> str:
    """A command that builds the fixed image (the Dockerfile's folder as the build context, as
    dockerfix read it) and prints the user it runs as: `id` in it, or its configured USER where
    it has no shell."""
    import posixpath
    import shlex

    path = diff_path(r["path"])
    folder = posixpath.dirname(path) or "."
    build = f"docker build -t {tag} -f {shlex.quote(path)} {shlex.quote(folder)}"
    if r.get("created_user") or r.get("family") in _ID_FAMILIES:
        return f"{build} && docker run --rm --entrypoint id {tag}"
    return f"{build} && docker image inspect --format '{{{{.Config.User}}}}' {tag}"


def _checks(r: dict) -> list[tuple[bool, str]]:
    """The checklist of one changed file: only what applies to it. Its own warnings (a port below
    1024 its program binds, a path it writes that stays root's, ...), Kubernetes' runAsNonRoot for
    a USER that is a name, and that the image builds and works (ticked when --verify did it)."""
    items = [(False, _md(w)) for w in r["warnings"]]
    user = r["user_after"]
    if not all(is_number(p) for p in user.split(":")):
        items.append((False, "Kubernetes `runAsNonRoot: true` cannot verify the user name: set `runAsUser: "
                             f"{(r.get('user_ids') or '10001').split(':')[0]}` there, or use `--numeric-user`"))
    return items + [_built(r)]


def _rule(name: str | None) -> str:
    """`(rule NAME; how to have it fixed anyway)` for a file a decide rule left alone."""
    from .rules import BY_NAME

    if not name:
        return ""
    hint = ""
    if name in BY_NAME and BY_NAME[name].overridable:
        hint = f"; {_code('--force ' + name)} fixes it anyway"
    elif name == "ignored":
        hint = ": delete the comment to have it fixed"
    return f" (rule {_code(name)}{hint})"


def _opt_out(left: list[dict]) -> list[str]:
    """How a maintainer says no, or yes to what was left alone (only when a rule that allows it
    left a file)."""
    from .rules import FORCEABLE

    out = [
        f"**Not wanted?** Put {_code('# dockerfix: ignore -- REASON')} on the line right above a stage's "
        "`FROM` (below any `# syntax=` line) to keep it as it is (rule `ignored`), or list files under "
        "`exclude = [\"vendor\", \"legacy/*.Dockerfile\"]` in `.dockerfix.toml` (or `[tool.dockerfix]` in "
        "`pyproject.toml`).",
    ]
    forced = [n for n in FORCEABLE if any(r.get("rule") == n for r in left)]
    if forced:
        out += ["", "A file left unchanged that should be fixed: `--force RULE` or `force = [\"RULE\"]` in the "
                    f"configuration, for {', '.join(_code(n) for n in forced)}."]
    return out + [""]


def markdown(reports: list[dict], *, write: bool) -> str:
    """A pull-request body, short as Dependabot's: a summary line, a table (file, user, what changed,
    why), a command that builds each fixed image and prints its user, per-file details folded (the
    checklist items that apply to that file, the reasons, the diff), what was left and why, and
    how to say no."""
    changed = [r for r in reports if r["changed"]]
    failed = [r for r in reports if r.get("error")]
    left = [r for r in reports if not r["changed"] and not r.get("error")]
    verb = "changes" if write else "would change"
    out: list[str] = ["## Run containers as a non-root user", ""]
    if not changed:
        out += ["dockerfix found no Dockerfile whose final stage runs as root: nothing to change.", ""]
    else:
        n = len(changed)
        out += [
            f"This {'pull request' if write else 'patch'} {verb} {n} Dockerfile{'s' if n != 1 else ''} so that "
            f"{'the container no longer runs' if n == 1 else 'their containers no longer run'} as root. {WHY}",
            "",
            "| File | Runs as | What changed | Why there |",
            "| --- | --- | --- | --- |",
        ]
        for r in changed:
            user, ids = r["user_after"], r.get("user_ids")
            who = _code(user) + (f" ({ids})" if ids and ids != user else "")
            how = (f"creates {_code(user)}" if r.get("created_user") and not is_number(user.split(":")[0])
                   else "creates the user" if r.get("created_user") else "switches to the image's user")
            why = r["root_step"] or f"it ran as {r['user_before']}"
            out.append(f"| {_code(diff_path(r['path']))} | {who} | {how}; `USER` after line {r['insert_after']} "
                       f"| {_md(why).replace(chr(10), ' ')} |")
        out += ["", "Build the fixed image and print the user it runs as (then start it as usual):", ""]
        tags = ["dockerfix-test" if n == 1 else f"dockerfix-test-{i}" for i in range(1, n + 1)]
        out.append(_fence("\n".join(_try(r, t) for r, t in zip(changed, tags)), "sh").rstrip("\n"))
        out.append("")
    for r in changed:
        items = _checks(r)
        todo = sum(1 for done, _ in items if not done)
        out += [f"<details><summary>{_html(diff_path(r['path']))}: {todo} to check, why, diff</summary>", ""]
        out += ["**Check:**"] + [f"- [{'x' if done else ' '}] {c}" for done, c in items]
        if r["reasons"]:
            out += ["", "**Why:**"] + [f"- {_md(x)}" for x in r["reasons"]]
        out += ["", _fence(r.get("diff", ""), "diff").rstrip("\n"), "", "</details>", ""]
    if left:
        out += [f"<details><summary>Left unchanged: {len(left)} file{'s' if len(left) != 1 else ''}</summary>", ""]
        for r in left:
            out.append(f"- {_code(diff_path(r['path']))}: {_md(r['skipped'] or 'nothing to do')}{_rule(r.get('rule'))}")
            if r.get("verify") and r["verify"].get("error"):  # a refuted fix: what the fixed image printed
                out += ["", "  " + _fence(r["verify"]["error"], "text").rstrip("\n").replace("\n", "\n  ")]
        out += ["", "</details>", ""]
    if failed:
        out += ["**Could not be processed:**", ""]
        out += [f"- {_md(r['error'])}" for r in failed]
        out.append("")
    if changed:
        out += _opt_out(left)
    out.append(f"<sub>Made by dockerfix {__version__}.</sub>")
    return "\n".join(out) + "\n"


def _html(text: str) -> str:
    """`text` as inline code inside HTML (a <summary>, where Markdown is not read)."""
    import html

    return f"<code>{html.escape(text)}</code>"
