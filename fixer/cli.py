"""The command line (typer), with the conventions of black, ruff and prettier.

Exit status: 0 success (a diff may have been printed or files written); 1 with --check when a
file would change; 2 when any file could not be processed (other files are still processed, and
a file that failed is never written). --exit-zero turns 1 and a file's error into 0, as ruff's
does; bad options, a broken configuration file and an unwritable --output-file still exit 2.
"""

from __future__ import annotations

import errno
import fnmatch
import json
import os
import sys
from enum import Enum

from . import __version__
from .errors import DockerfixError
from .snippets import is_number

NAME_PATTERNS = ("Dockerfile", "Containerfile", "*.Dockerfile", "*.dockerfile", "Dockerfile.*", "Containerfile.*")
NOT_DOCKERFILES = ("*.dockerignore", "*.containerignore")
SKIP_DIRS = frozenset(
    (".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".direnv")
)


class Format(str, Enum):
    text = "text"
    json = "json"
    json_lines = "json-lines"
    sarif = "sarif"
    markdown = "markdown"
    github = "github"
    gitlab = "gitlab"
    junit = "junit"
    checkstyle = "checkstyle"
    rdjson = "rdjson"


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


# formats built from all the reports at the end, by a function of fixer.formats (imported lazily)
REPORT_FORMATS = ("github", "gitlab", "junit", "checkstyle", "rdjson")
PROGRESS_MIN_FILES = 10  # a progress line on a terminal from this many files on


def is_dockerfile_name(name: str) -> bool:
    if any(fnmatch.fnmatchcase(name, p) for p in NOT_DOCKERFILES):
        return False
    return any(fnmatch.fnmatchcase(name, p) for p in NAME_PATTERNS)


def discover(paths: list[str], finder=None, force_exclude: bool = False, verbose: bool = False,
             quiet: bool = False) -> list[str]:
    """Files named on the command line, and Dockerfiles found under folders (sorted, skipping
    VCS folders, node_modules, virtualenvs and the configuration's `exclude` globs). Files named
    on the command line are excluded only with --force-exclude (as in ruff and black).

    A file reached by two names (a symlink, `./x` and `x`, a folder and a file in it) is listed
    once, under the first name given (of those found in one folder, the file itself before a
    link to it): one patch and one write per real file. A dangling symlink or a symlink loop
    found in a folder is skipped with a note; named on the command line, it is an error."""

    def excluded(path: str, is_dir: bool = False) -> bool:
        if finder is None:
            return False
        try:
            cfg = finder.for_folder(path) if is_dir else finder.for_path(path)
            return cfg.excludes(path)
        except DockerfixError:
            return False  # the file is kept: processing it reports the broken configuration

    def note(message: str) -> None:
        if not quiet:
            print(f"dockerfix: {message}", file=sys.stderr)

    def broken_link(path: str) -> str | None:
        if not os.path.islink(path):
            return None
        try:
            os.stat(path)
        except OSError as e:
            return "symlink loop" if e.errno == errno.ELOOP else "dangling symlink"
        return None

    out: list[str] = []
    first_name: dict[str, str] = {}  # real path -> the name it is processed under

    def add(names: list[str]) -> None:
        kept = set()
        for name in sorted(names, key=os.path.islink):  # stable: links last
            real = os.path.realpath(name)
            if real not in first_name:
                first_name[real] = name
                kept.add(name)
            elif verbose:
                note(f"{name}: the same file as {first_name[real]}, processed once")
        out.extend(n for n in names if n in kept)

    for p in paths:
        if p == "-":
            out.append(p)
            continue
        if not os.path.isdir(p):
            if not (force_exclude and excluded(p)):
                add([p])
            continue
        found: list[str] = []
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(
                d for d in dirs
                if d not in SKIP_DIRS and not os.path.exists(os.path.join(root, d, "pyvenv.cfg"))
                and not excluded(os.path.join(root, d), is_dir=True)
            )
            for f in files:
                path = os.path.join(root, f)
                if not is_dockerfile_name(f) or excluded(path):
                    continue
                broken = broken_link(path)
                if broken:
                    note(f"skipping {broken} {path}")
                else:
                    found.append(path)
        if not found:
            print(f"dockerfix: no Dockerfiles found under {p}", file=sys.stderr)
        add(sorted(found))
    return out


OPTION_FIELDS = ("user", "group", "uid", "gid", "numeric_user", "writable", "target", "always_create", "force",
                 "openshift")


def execute(paths, *, write=False, check=False, diff=False, stdin_filename=None, fmt="text", verbose=False,
            quiet=False, force_exclude=False, config=None, isolated=False, offline=False,
            output_file=None, exit_zero=False, color="auto", statistics=False,
            verify=False, engine=None, verify_env=(), verify_seconds=None, context=None, verify_probe=(),
            **given) -> int:
    """Everything the command does after its arguments are read; returns the exit status.

    `given` holds the user-creation options from the command line (None, False or empty: not
    given); they win over the configuration file found for each Dockerfile."""
    from .config import Finder, validated_options
    from .plan import Options

    unknown = set(given) - set(OPTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown options {sorted(unknown)}")
    cli = {k: (tuple(v) if k in ("writable", "force") else v) for k, v in given.items() if not (v is None or v is False or v == () or v == [])}
    try:
        Options(**cli).validate()
    except DockerfixError as e:
        print(f"dockerfix: error: {e.message}", file=sys.stderr)
        return 2
    for other, given_too in (("--check", check), ("--diff", diff)):
        if write and given_too:  # --diff: show the change instead of writing it (black, ruff)
            print(f"dockerfix: error: --write and {other} cannot be used together", file=sys.stderr)
            return 2
    if statistics and fmt not in ("text", "json"):
        print("dockerfix: error: --statistics works with --format text or json", file=sys.stderr)
        return 2
    verifier = None
    if not verify and (engine or verify_env or verify_seconds is not None or verify_probe):
        print("dockerfix: error: --engine, --verify-env, --verify-seconds and --verify-probe need --verify",
              file=sys.stderr)
        return 2
    if verify or context is not None:
        from .verify import VerifyError, settings

        try:
            verifier = settings(engine if verify else None, verify_env, verify_seconds, context,
                                choose=verify, probes=verify_probe)
        except VerifyError as e:
            print(f"dockerfix: error: {e.message}", file=sys.stderr)
            return 2
    try:
        finder = Finder(config, isolated)
    except DockerfixError as e:
        print(f"dockerfix: error: {e.message}", file=sys.stderr)
        return 2

    resolved: dict[int, object] = {}

    def options_for(path: str | None):
        cfg = finder.for_path(path)
        key = id(cfg)
        if key not in resolved:
            try:
                opts = validated_options(cfg, cli)
            except DockerfixError as e:
                raise ConfigError(e.message) from None
            resolved[key] = (opts, cfg)
        return resolved[key]

    stdin_excluded = False
    if force_exclude and stdin_filename and "-" in paths:
        try:
            stdin_excluded = finder.for_path(stdin_filename).excludes(stdin_filename)
        except DockerfixError:
            pass
    files = discover(paths, finder, force_exclude, verbose=verbose, quiet=quiet)
    return process(files, options_for, write=write, check=check, diff=diff, stdin_filename=stdin_filename,
                   fmt=Format(fmt), verbose=verbose, quiet=quiet, stdin_excluded=stdin_excluded,
                   output_file=output_file, exit_zero=exit_zero, color=Color(color), statistics=statistics,
                   offline=offline, verifier=verifier)


def lookups(files, options_for, offline: bool, stdin_filename: str | None = None):
    """The base-image pre-pass: a resolver per look-up setting (stdin: cache and engine only), and
    the distinct final bases of the files looked up concurrently, one request per image.
    Returns resolver_for(path) for the processing loop."""
    from . import facts

    resolvers: dict = {}

    def resolver_for(path):
        try:
            cfg = options_for(stdin_filename if path == "-" else path)[1]
        except DockerfixError:
            return None
        settings = {**cfg.lookup, **({"offline": True} if offline else {})}
        key = (path == "-", json.dumps(settings, sort_keys=True))
        if key not in resolvers:
            resolvers[key] = facts.resolver_from(settings, local=path == "-")
        return resolvers[key]

    wanted: dict = {}
    for path in files:
        r = resolver_for(path)
        if path == "-" or r is None or r.mode != "network":
            continue
        try:
            from .output import read_file
            from .parse import parse
            from .source import decode
            from .stages import split_stages

            image, platform, _ = facts.base_of(split_stages(parse(decode(read_file(path)[0]))),
                                               options_for(path)[0].target)
        except (DockerfixError, OSError):
            continue  # the loop reports it
        key = facts.lookup_key(image)
        if key is not None:
            wanted.setdefault(id(r), (r, []))[1].append((key, platform))
    for r, keys in wanted.values():
        r.prefetch(keys)
    return resolver_for


class ConfigError(DockerfixError):
    """A configuration file that cannot be used: exit 2 even with --exit-zero (as ruff)."""


def process(files, options_for, *, write, check, diff, stdin_filename, fmt, verbose, quiet,
            stdin_excluded=False, output_file=None, exit_zero=False, color=Color.auto, statistics=False,
            offline=False, verifier=None) -> int:
    from . import facts
    from .output import edit_of, position, read_file, unified_diff, write_atomic
    from .plan import fix

    resolver_for = lookups(files, options_for, offline, stdin_filename)

    err = sys.stderr
    status = 0
    fatal = False  # a broken configuration file: exit 2 even with --exit-zero
    reports = []
    counts = {"changed": 0, "unchanged": 0, "failed": 0}
    rules: dict[str, int] = {}  # files left alone, per decide rule
    plain = fmt is Format.text and not statistics  # stdout carries diffs (or stdin's text)
    progress = Progress(len(files), enabled=not quiet and len(files) >= PROGRESS_MIN_FILES)
    out = Output(output_file, progress)
    paint = plain and use_color(color, out.isatty())
    with progress:
        for path in files:
            is_stdin = path == "-"
            echo = is_stdin and not check and not diff and plain  # the whole text goes to stdout
            name = (stdin_filename or "-") if is_stdin else path
            report = {"path": name, "changed": False, "family": None, "user_before": None, "user_after": None,
                      "user_ids": None, "created_user": False, "root_line": None, "root_step": None,
                      "insert_after": None, "reasons": [], "warnings": [], "skipped": None, "rule": None,
                      "error": None, "error_line": None}
            reports.append(report)
            data = b""
            try:
                if is_stdin:
                    # all of it: on an error an editor gets exactly its text back (decode checks the size)
                    data = sys.stdin.buffer.read()
                    if stdin_excluded:  # --force-exclude and an excluded --stdin-filename: text back as is
                        counts["unchanged"] += 1
                        report["skipped"] = "excluded by the configuration"
                        if echo:
                            out.write(data)
                        continue
                else:
                    data, _ = read_file(path)
                options, cfg = options_for(stdin_filename if is_stdin else path)
                if verbose and cfg.path and fmt is Format.text:
                    print(f"{name}: configuration {os.path.relpath(cfg.path)}", file=err)
                context = os.path.dirname(os.path.abspath(path if not is_stdin else (stdin_filename or "-")))
                if verifier is not None and verifier.context:  # --context: the build context
                    context = verifier.context
                known = not is_stdin or stdin_filename or (verifier is not None and verifier.context)
                facts.use(resolver_for(path))
                res = fix(data, options, context if known else None, stdin_filename if is_stdin else path)
                report.update(changed=res.changed, family=res.family, user_before=res.user_before,
                              user_after=res.user_after, insert_after=res.insert_after,
                              reasons=res.reasons, warnings=res.warnings, skipped=res.skipped, rule=res.rule,
                              user_ids=res.user_ids, created_user=res.created_user, root_line=res.root_line,
                              root_step=res.root_step)
                if res.changed and verifier is not None and verifier.engine:
                    res = _verify(report, name, data, res, context, verifier, options,
                                  lambda opts: fix(data, opts, context if known else None,
                                                   stdin_filename if is_stdin else path))
                if report["changed"]:
                    counts["changed"] += 1
                    if fmt is not Format.text:
                        report["diff"] = unified_diff(name, data, res.output)
                        offset, length, text = edit_of(data, res.output, res.insert_after)
                        line, col = position(data, offset)
                        report["edit"] = {"offset": offset, "length": length, "text": text.decode("utf-8"),
                                          "line": line + 1, "column": col + 1,
                                          "byte_column": offset - (data.rfind(b"\n", 0, offset) + 1) + 1}
                    if write and not is_stdin:
                        write_atomic(path, res.output, data)
                    if plain and is_stdin and not check and not diff:
                        out.write(res.output)
                    elif plain and not write and (diff or not check):  # --check --diff too (black, ruff)
                        patch = unified_diff(name, data, res.output)  # made where shown: --check and a stdin fix need none
                        out.write(color_diff(patch) if paint else patch)
                else:
                    counts["unchanged"] += 1
                    if report["rule"] is not None:
                        rules[report["rule"]] = rules.get(report["rule"], 0) + 1
                    if echo:
                        out.write(data)
            except DockerfixError as e:
                counts["failed"] += 1
                fatal = fatal or isinstance(e, ConfigError)
                report["error"] = e.format(name)
                report["error_line"] = e.line
                report["changed"] = False
                status = 2
                print(e.format(name), file=err)
                if echo:
                    out.write(data)  # an editor gets its text back unchanged
                continue
            except OSError as e:  # reading stdin, say
                counts["failed"] += 1
                report["error"] = f"{name}: {e}"
                status = 2
                print(f"{name}: {e}", file=err)
                if echo:
                    out.write(data)
                continue
            except Exception as e:  # a bug in dockerfix: say so, go on with the next file, keep the text
                counts["failed"] += 1
                report["error"] = f"{name}: internal error: {type(e).__name__}: {e}"
                report["changed"] = False
                status = 2
                print(report["error"] + " (a bug in dockerfix: please report it, with the file if you can)", file=err)
                if echo:
                    out.write(data)
                continue
            finally:
                if fmt is Format.json_lines and not statistics:
                    out.write(json.dumps(report) + "\n")  # as each file is done: bots can stream
                progress.update(len(reports))
            if fmt is Format.text and not quiet:
                _explain(name, report, write=write or echo, check=check, verbose=verbose)
            if (check and report["changed"] or report["rule"] == "verify-refuted") and status == 0:
                status = 1
    facts.use(None)
    if statistics:
        from .formats import statistics as stats, statistics_text

        rows = stats(reports, write=write)
        out.write(json.dumps(rows, indent=2) + "\n" if fmt is Format.json else statistics_text(rows))
    elif fmt is Format.json:
        out.write(json.dumps(reports, indent=2) + "\n")
    elif fmt in (Format.sarif, Format.markdown):
        from .report import markdown, sarif

        if fmt is Format.sarif:
            out.write(json.dumps(sarif(reports), indent=2) + "\n")
        else:
            out.write(markdown(reports, write=write))
    elif fmt.value in REPORT_FORMATS:
        from . import formats

        out.write(getattr(formats, fmt.value)(reports))
    elif fmt is Format.text and not quiet and len(files) > 1:
        _summary(counts, rules if verbose else None, write=write, check=check)
    try:
        out.close()
    except DockerfixError as e:
        print(f"dockerfix: error: --output-file {output_file}: {e.message}", file=err)
        return 2
    if exit_zero and not fatal:
        return 0
    return status


def use_color(choice: Color, isatty: bool) -> bool:
    """--color always/never; with auto (the default): NO_COLOR set and not empty turns colour off
    (no-color.org), FORCE_COLOR set and not empty turns it on (force-color.org; NO_COLOR wins, as
    in CPython), TERM=dumb off, else colour on a terminal."""
    if choice is not Color.auto:
        return choice is Color.always
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return isatty and os.environ.get("TERM") != "dumb"


_DIFF_COLORS = (("+++", "\x1b[1m"), ("---", "\x1b[1m"), ("@@", "\x1b[36m"), ("+", "\x1b[32m"), ("-", "\x1b[31m"))


def color_diff(patch: str) -> str:
    """A unified diff coloured as git and black colour it: headers bold, hunks cyan, removed red,
    added green. Each line's colour ends before its newline."""
    out = []
    for line in patch.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        code = next((c for prefix, c in _DIFF_COLORS if body.startswith(prefix)), None)
        out.append(f"{code}{body}\x1b[0m{line[len(body):]}" if code else line)
    return "".join(out)


class Progress:
    """`dockerfix: 120/966 files (310 files/s)` on stderr while files are processed, redrawn at
    most ten times a second; only when stderr is a terminal. Anything else printed on stderr (or
    on stdout, the same terminal) first clears the line, so messages never mix with it."""

    def __init__(self, total: int, enabled: bool):
        self.total = total
        self.enabled = enabled and _isatty(sys.stderr)
        self.shown = False
        self.last = 0.0
        self.start = 0.0

    def __enter__(self):
        if self.enabled:
            import time

            self.start = time.monotonic()
            self.stream = sys.stderr
            sys.stderr = _ClearFirst(self.stream, self)
        return self

    def __exit__(self, *exc):
        if self.enabled:
            self.clear()
            sys.stderr = self.stream

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        import time

        now = time.monotonic()
        if done < self.total and now - self.last < 0.1 and self.shown:
            return
        self.last = now
        rate = done / (now - self.start) if now > self.start else 0.0
        self.stream.write(f"\r\x1b[Kdockerfix: {done}/{self.total} files ({rate:.0f} files/s)")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


class _ClearFirst:
    """stderr, clearing the progress line before each write."""

    def __init__(self, stream, progress: Progress):
        self._stream = stream
        self._progress = progress

    def write(self, text: str) -> int:
        self._progress.clear()
        return self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Output:
    """Where the report goes: stdout as it is made (flushed, so bots can stream), or with
    --output-file kept until the end and written atomically (a reader never sees half a report)."""

    def __init__(self, path: str | None, progress: Progress):
        self.path = path
        self.data = bytearray()
        self.progress = progress

    def isatty(self) -> bool:
        return self.path is None and _isatty(sys.stdout)

    def write(self, text: str | bytes) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        if self.path is not None:
            self.data += data
            return
        self.progress.clear()
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()

    def close(self) -> None:
        if self.path is None:
            sys.stdout.flush()
            return
        from .output import write_report

        write_report(self.path, bytes(self.data))


def _verify(report: dict, name: str, original: bytes, res, context: str, verifier, options, refix):
    """--verify: build and start both images (fixer.verify); a fix that is not verified is not
    a change: refuted, the file is left alone (rule verify-refuted); unverified, an error. The
    result proven (the fix again with the paths the original was seen writing handed to the user,
    when it needed them: `refix(options)`)."""
    from .plan import Options
    from .verify import check as verify_check

    proven = [res]

    def again(folders, files, workdir) -> bytes:
        fields = {k: getattr(options, k) for k in Options.__match_args__}
        fields.update(writable=tuple(dict.fromkeys((*options.writable, *folders))),
                      writable_files=tuple(files), workdir_home=workdir)
        proven.append(refix(Options(**fields)))
        return proven[-1].output

    v = report["verify"] = verify_check(name, original, res.output, verifier, context, options.target, again)
    text = v.pop("fixed_text", None)
    if v["verdict"] == "verified":
        if text is not None:
            res = proven[-1]
            report.update(reasons=res.reasons, warnings=res.warnings, insert_after=res.insert_after,
                          user_after=res.user_after, user_ids=res.user_ids)
            report["reasons"].append(f"--verify: the original writes {', '.join(v['writes']['original'])}: "
                                     f"handed {', '.join(v['writes']['learnt'])} to the user")
        return res
    report.update(changed=False)
    if v["verdict"] == "refuted":
        report.update(skipped=f"--verify: {v['reason']}", rule="verify-refuted")
        return res
    detail = "".join(f"\n  {line}" for line in (v["error"] or "").splitlines())
    raise DockerfixError(f"--verify: {v['reason']}{detail}")


def _explain(name: str, report: dict, *, write: bool, check: bool, verbose: bool) -> None:
    err = sys.stderr
    v = report.get("verify")
    if report["changed"]:
        verb = "fixed" if write else "would fix"
        where = f"after line {report['insert_after']}"
        family = "no shell" if report["family"] == "scratch" else report["family"]  # distroless too
        print(f"{verb} {name}: USER {report['user_after']} {where} ({family})", file=err)
    elif v and v["verdict"] == "refuted":
        print(f"refuted {name}: {v['reason']}; left unchanged", file=err)
        for line in (v["error"] or "").splitlines():
            print(f"  {line}", file=err)
    elif verbose:
        why = report["skipped"] or "nothing to do"
        print(f"unchanged {name}: {why}" + (f" [{report['rule']}]" if report["rule"] else ""), file=err)
    if v and v["verdict"] == "verified":
        print(f"verified {name} ({v['engine']}, {v['times']['total']:g} s): {v['reason']}", file=err)
    if verbose:
        for r in report["reasons"]:
            print(f"{name}: {r}", file=err)
        if v:
            t = v["times"]
            steps = ", ".join(f"{k.replace('_', ' ')} {t[k]:g} s" for k in t if k != "total")
            print(f"{name}: --verify: {v['engine']} in {v['context']}: {', '.join(v['built']) or 'nothing built'}; "
                  f"{steps}", file=err)
    for w in report["warnings"]:
        if w.startswith("line "):
            line, _, msg = w[5:].partition(": ")
            print(f"{name}:{line}: warning: {msg}", file=err)
        else:
            print(f"{name}: warning: {w}", file=err)


def _summary(counts: dict, rules: dict | None, *, write: bool, check: bool) -> None:
    def n(k: int) -> str:
        return f"{k} file{'s' if k != 1 else ''}"

    parts = []
    if counts["changed"]:
        parts.append(f"{n(counts['changed'])} {'fixed' if write else 'would be fixed'}")
    if counts["unchanged"]:
        per_rule = ", ".join(f"{k}: {v}" for k, v in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0]))) if rules else ""
        parts.append(f"{n(counts['unchanged'])} left unchanged" + (f" ({per_rule})" if per_rule else ""))
    if counts["failed"]:
        parts.append(f"{n(counts['failed'])} failed")
    print(", ".join(parts) + ".", file=sys.stderr)


def _default(text: str) -> str:
    """The default of an option that is None on the command line (the configuration may set it)."""
    return f"[default: {text}]"


def build_app():
    """The typer application: help, completion, and every error message about arguments."""
    from typing import List, Optional  # here: typing is ~2 ms of imports the fast path does not need

    import typer

    globals().update(List=List, Optional=Optional)  # typer resolves run()'s annotations in this module

    def _version(value: bool) -> None:
        if value:
            typer.echo(f"dockerfix {__version__}")
            raise typer.Exit()

    def run(
        paths: List[str] = typer.Argument(..., metavar="PATH", hidden=True, show_default=False),  # in the usage line
        write: bool = typer.Option(False, "--write", "-w", help="Write fixes in place (atomically)."),
        check: bool = typer.Option(False, "--check", help="Change nothing; exit 1 if any file would change."),
        diff: bool = typer.Option(False, "--diff", help="Print a diff (with '-': instead of the fixed text; with --check: too)."),
        stdin_filename: Optional[str] = typer.Option(None, "--stdin-filename", metavar="NAME", help="Name for stdin in messages and diffs."),
        user: Optional[str] = typer.Option(None, "--user", metavar="NAME", help=f"Name of the user to create {_default('appuser')}."),
        group: Optional[str] = typer.Option(None, "--group", metavar="NAME", help=f"Name of its group {_default('the user name')}."),
        uid: Optional[int] = typer.Option(None, "--uid", metavar="N", help=f"UID of the user to create {_default('10001')}."),
        gid: Optional[int] = typer.Option(None, "--gid", metavar="N", help=f"GID of its group {_default('the UID')}."),
        numeric_user: bool = typer.Option(False, "--numeric-user", help="Write USER uid:gid (what Kubernetes runAsNonRoot can verify)."),
        writable: List[str] = typer.Option([], "--writable", metavar="PATH", help="A path the program writes at run time (repeatable).", show_default=False),
        target: Optional[str] = typer.Option(None, "--target", metavar="STAGE", help=f"Fix this build stage {_default('the last one')}."),
        always_create: bool = typer.Option(False, "--always-create", help="Create a new user even if one exists."),
        openshift: bool = typer.Option(False, "--openshift", help="Arbitrary uids (OpenShift): group 0 with the owner's rights on writable paths, numeric USER."),
        force: List[str] = typer.Option([], "--force", metavar="RULE", help="Fix even where this rule would leave the file alone (repeatable; 'all' for every rule; alone: drops-privileges).", show_default=False),
        fmt: Format = typer.Option(Format.text, "--format", metavar="FORMAT", show_default=False,
                                   help="Report format: " + ", ".join(f.value for f in Format) + f" {_default('text')}."),
        output_file: Optional[str] = typer.Option(None, "--output-file", "-o", metavar="PATH", help=f"Write the report (or diff) to this file, atomically {_default('stdout')}."),
        exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even when files would change or fail (bad options and configuration still exit 2)."),
        color: Color = typer.Option(Color.auto, "--color", metavar="WHEN", show_default=False,
                                    help=f"Colour diffs: auto, always, never {_default('auto: on a terminal; NO_COLOR, FORCE_COLOR')}."),
        statistics: bool = typer.Option(False, "--statistics", help="Print the number of files per outcome and per rule instead of the report."),
        verify: bool = typer.Option(False, "--verify", help="Build the original and the fixed image, start both, and print or write only fixes that start like the original, as a non-root uid."),
        engine: Optional[str] = typer.Option(None, "--engine", metavar="ENGINE", help=f"--verify with docker, podman or buildah {_default('the first on PATH')}."),
        verify_env: List[str] = typer.Option([], "--verify-env", metavar="KEY=VALUE", help="An environment variable for both images when --verify starts them (repeatable).", show_default=False),
        verify_seconds: Optional[int] = typer.Option(None, "--verify-seconds", metavar="N", help=f"How long --verify watches each image start {_default('5')}."),
        verify_probe: List[str] = typer.Option([], "--verify-probe", metavar="CMD", help="A shell command --verify runs inside each running image, after a GET / on each EXPOSEd port, to make the program write (repeatable): redis-cli save.", show_default=False),
        context: Optional[str] = typer.Option(None, "--context", metavar="DIR", help="The build context, for --verify and the rules that read copied files [default: the Dockerfile's folder]."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Explain each decision on stderr."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing on stderr but errors (no progress line)."),
        config: Optional[str] = typer.Option(None, "--config", metavar="FILE", help="Use this configuration file for every file (.dockerfix.toml or pyproject.toml).", show_default=False),
        isolated: bool = typer.Option(False, "--isolated", help="Ignore all configuration files."),
        offline: bool = typer.Option(False, "--offline", help="Never ask a registry about base images: only the local engine, the cache and dockerfix's knowledge (also DOCKERFIX_OFFLINE=1, offline = true)."),
        force_exclude: bool = typer.Option(False, "--force-exclude", help="Apply the configuration's exclude globs to files named on the command line too (for pre-commit)."),
        version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ) -> None:
        """Make a Dockerfile's final stage run as an unprivileged user.

        PATH: Dockerfiles, or folders to search for them; '-' reads stdin.

        By default prints a unified diff (apply it with `git apply`); --write fixes in place.
        `dockerfix lsp` runs the language server over stdio (it needs the lsp extra); a file
        named lsp is `dockerfix ./lsp`.
        """
        raise typer.Exit(execute(
            paths, write=write, check=check, diff=diff, stdin_filename=stdin_filename, user=user, group=group,
            uid=uid, gid=gid, numeric_user=numeric_user, writable=writable, target=target,
            always_create=always_create, force=force, openshift=openshift, fmt=fmt.value, verbose=verbose, quiet=quiet,
            config=config, isolated=isolated, force_exclude=force_exclude, offline=offline,
            output_file=output_file, exit_zero=exit_zero, color=color.value, statistics=statistics,
            verify=verify, engine=engine, verify_env=verify_env, verify_seconds=verify_seconds, context=context,
            verify_probe=verify_probe,
        ))

    # plain help, not rich's: square brackets stay text ("[default: appuser]") and flags show no
    # "<bool>"; the same in every typer version
    app = typer.Typer(add_completion=True, rich_markup_mode=None,
                      context_settings={"help_option_names": ["-h", "--help"]})
    class Command(typer.core.TyperCommand):
        def collect_usage_pieces(self, ctx):  # `PATH...`, not typer's `{paths}...`
            return [self.options_metavar, "PATH..."]

    app.command(cls=Command)(run)
    return app


def _lsp(argv: list[str]) -> int:
    """`dockerfix lsp`: the language server (needs the `lsp` extra)."""
    try:
        from . import lsp
    except ImportError as e:
        if "pygls" not in str(e) and "lsprotocol" not in str(e):
            raise
        print("dockerfix: error: the language server needs pygls: pip install 'dockerfix[lsp]'", file=sys.stderr)
        return 2
    return lsp.main(argv)


# options the fast path reads itself: flag -> (keyword, kind)
_FLAGS = {
    "-w": ("write", bool), "--write": ("write", bool), "--check": ("check", bool), "--diff": ("diff", bool),
    "--numeric-user": ("numeric_user", bool), "--always-create": ("always_create", bool),
    "--openshift": ("openshift", bool),
    "--force": ("force", list), "-v": ("verbose", bool), "--verbose": ("verbose", bool),
    "-q": ("quiet", bool), "--quiet": ("quiet", bool),
    "--stdin-filename": ("stdin_filename", str), "--user": ("user", str), "--group": ("group", str),
    "--uid": ("uid", int), "--gid": ("gid", int), "--writable": ("writable", list),
    "--target": ("target", str), "--format": ("fmt", "format"), "--config": ("config", str),
    "--isolated": ("isolated", bool), "--force-exclude": ("force_exclude", bool),
    "--output-file": ("output_file", str), "-o": ("output_file", str), "--exit-zero": ("exit_zero", bool),
    "--color": ("color", Color), "--statistics": ("statistics", bool), "--offline": ("offline", bool),
    "--verify": ("verify", bool), "--engine": ("engine", str), "--verify-env": ("verify_env", list),
    "--verify-seconds": ("verify_seconds", int), "--context": ("context", str),
    "--verify-probe": ("verify_probe", list),
}


def fast_parse(argv: list[str]) -> dict | None:
    """Read the common command lines without importing typer (~130 ms of imports with pydantic):
    startup is a budget when an editor runs dockerfix on every save. Anything unusual (help,
    completion, a bad value, an unknown option) returns None and goes to typer, which owns every
    message about arguments."""
    kw: dict = {"paths": [], "writable": []}
    i = 0
    only_paths = False
    while i < len(argv):
        a = argv[i]
        i += 1
        if only_paths or a == "-" or not a.startswith("-"):
            kw["paths"].append(a)
            continue
        if a == "--":
            only_paths = True
            continue
        name, eq, value = a.partition("=") if a.startswith("--") else (a, "", "")
        if name not in _FLAGS:
            return None
        key, kind = _FLAGS[name]
        if kind is bool:
            if eq:
                return None
            kw[key] = True
            continue
        if not eq:
            if i >= len(argv):
                return None
            value = argv[i]
            i += 1
        if kind is int:
            if not is_number(value.lstrip("-")):
                return None
            kw[key] = int(value)
        elif kind is list:
            kw.setdefault(key, []).append(value)
        elif kind in ("format", Color):
            if value not in [c.value for c in (Format if kind == "format" else Color)]:
                return None
            kw[key] = value
        else:
            kw[key] = value
    if not kw["paths"]:
        return None
    return kw


def normalise_force(argv: list[str]) -> list[str]:
    """`--force RULE` takes a rule name, but a bare `--force` (followed by a path or another
    option) still means what it meant before rules had names: `--force drops-privileges`."""
    if "--force" not in argv:
        return argv
    from .rules import FORCEABLE

    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        i += 1
        if a == "--":
            out += argv[i - 1:]
            break
        if a != "--force":
            out.append(a)
        elif i < len(argv) and (argv[i] == "all" or argv[i] in FORCEABLE):
            out.append(f"--force={argv[i]}")
            i += 1
        else:
            out.append("--force=drops-privileges")
    return out


def main() -> None:
    if sys.argv[1:2] == ["lsp"]:
        sys.exit(_lsp(sys.argv[2:]))
    argv = normalise_force(sys.argv[1:])
    kw = fast_parse(argv)
    if kw is None:
        build_app()(args=argv, prog_name="dockerfix")  # the same name for `python -m fixer` (completion uses it)
        return
    paths = kw.pop("paths")
    sys.exit(execute(paths, **kw))


def command() -> None:
    """The `dockerfix` command and `python -m fixer`: main(), then the process ends at once. The
    interpreter's own clean-up (collecting and freeing every object of every module) costs ~3 ms,
    a tenth of a run, and a run leaves nothing to clean: files are written, fsynced and closed,
    and stdout and stderr are flushed here. Anything unusual exits the ordinary way."""
    try:
        main()
        status = 0
    except SystemExit as e:
        if not (e.code is None or isinstance(e.code, int)):
            raise
        status = e.code or 0
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken pipe: the interpreter reports it as usual
        sys.exit(status)
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    command()
