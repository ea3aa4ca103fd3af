"""The command line (typer), with the conventions of black, ruff and prettier.

Exit status: 0 success (a diff may have been printed or files written); 1 with --check when a
file would change; 2 when any file could not be processed (other files are still processed, and
a file that failed is never written). --exit-zero turns 1 and a file's error into 0, as ruff's
does; bad options, a broken configuration file and an unwritable --output-file still exit 2.

This module is the options and their checks only: which files (`discover`), the run over them
(`batch.process`, which calls `pipeline.fix` on each), and the terminal (`terminal`) live apart.
"""

from __future__ import annotations

import os
import sys
from enum import Enum

from . import __version__
from .discover import NAME_PATTERNS, NOT_DOCKERFILES, SKIP_DIRS, discover, is_dockerfile_name  # noqa: F401 (re-exported)
from .errors import ConfigError, DockerfixError
from .snippets import is_number


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


OPTION_FIELDS = ("user", "group", "uid", "gid", "numeric_user", "writable", "target", "always_create", "force",
                 "openshift")


def execute(paths, *, write=False, check=False, diff=False, stdin_filename=None, fmt="text", verbose=False,
            quiet=False, force_exclude=False, config=None, isolated=False, offline=False, refresh=False,
            output_file=None, exit_zero=False, color="auto", statistics=False,
            verify=False, engine=None, verify_env=(), verify_seconds=None, context=None, verify_probe=(),
            jobs=None, **given) -> int:
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
    if jobs is not None and jobs < 1:
        print("dockerfix: error: --jobs takes 1 or more processes", file=sys.stderr)
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
    from .batch import process

    return process(files, options_for, write=write, check=check, diff=diff, stdin_filename=stdin_filename,
                   fmt=Format(fmt).value, verbose=verbose, quiet=quiet, stdin_excluded=stdin_excluded,
                   output_file=output_file, exit_zero=exit_zero, color=Color(color).value, statistics=statistics,
                   offline=offline, refresh=refresh, verifier=verifier, jobs=jobs)


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
        refresh: bool = typer.Option(False, "--refresh", help="Ask the registry again about base images, even when the cache has a fresh answer or remembers a recent failure."),
        jobs: Optional[int] = typer.Option(None, "--jobs", "-j", metavar="N", help=f"Processes that fix files at once {_default('one per CPU from 24 files on, on Linux')}."),
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
            config=config, isolated=isolated, force_exclude=force_exclude, offline=offline, refresh=refresh,
            output_file=output_file, exit_zero=exit_zero, color=color.value, statistics=statistics,
            verify=verify, engine=engine, verify_env=verify_env, verify_seconds=verify_seconds, context=context,
            verify_probe=verify_probe, jobs=jobs,
        ))

    # plain help, not rich's: square brackets stay text ("[default: appuser]") and flags show no
    # "<bool>"; the same in every typer version
    app = typer.Typer(add_completion=True, rich_markup_mode=None,
                      context_settings={"help_option_names": ["-h", "--help"]})
    usage_error = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")

    class ArgumentError(usage_error):
        """Every error about the command line in dockerfix's one style: `dockerfix: error: WHAT`
        on stderr, exit 2 (typer's own say `Error: Invalid value for ...` after the usage)."""

        def format_message(self) -> str:
            return self.message

        def show(self, file=None) -> None:
            typer.echo(f"dockerfix: error: {self.message}", err=True)

    class Command(typer.core.TyperCommand):
        def collect_usage_pieces(self, ctx):  # `PATH...`, not typer's `{paths}...`
            return [self.options_metavar, "PATH..."]

        def parse_args(self, ctx, args):
            given = list(args)  # the parser consumes `args`
            try:
                return super().parse_args(ctx, args)
            except usage_error as e:
                if type(e).__name__ == "NoArgsIsHelpError":
                    raise
                raise ArgumentError(argument_error(e, given), ctx) from None

    app.command(cls=Command)(run)
    return app


_INT_OPTIONS = {"uid": "--uid", "gid": "--gid", "verify_seconds": "--verify-seconds", "jobs": "--jobs"}


def argument_error(e, args: list[str]) -> str:
    """What a typer (click) error about the command line says, in dockerfix's words: the option,
    the value given and what it takes; unknown options with the closest known ones."""
    kind = type(e).__name__
    if kind == "NoSuchOption":
        near = sorted(getattr(e, "possibilities", None) or ())
        return (f"unknown option {e.option_name}" + (f" (did you mean {' or '.join(near)}?)" if near else "")
                + "; dockerfix --help lists the options")
    if kind == "BadOptionUsage":
        if "requires an argument" in e.message:
            return f"{e.option_name} needs a value"
        return e.message[:1].lower() + e.message[1:]
    param = getattr(e, "param", None)
    name = getattr(param, "name", None)
    if kind == "MissingParameter" and name == "paths":
        return "no PATH given: name Dockerfiles or folders to fix, or '-' to read stdin (dockerfix --help)"
    if param is not None and name in ("fmt", "color", *_INT_OPTIONS):
        opt = max(param.opts, key=len)
        value = _given(args, param.opts)
        shown = f"{opt} {value!r}" if value is not None else opt
        if name in _INT_OPTIONS:
            return f"{shown} is not a whole number"
        choices = [c.value for c in (Format if name == "fmt" else Color)]
        return f"{shown} is not one of {', '.join(choices)}"
    text = e.format_message()
    return text[:1].lower() + text[1:]


def _given(args: list[str], opts: list[str]) -> str | None:
    """The last value given to the option named `opts` in `args` (`--opt VALUE` or `--opt=VALUE`)."""
    value = None
    for i, a in enumerate(args):
        if a == "--":
            break
        if a in opts and i + 1 < len(args):
            value = args[i + 1]
        elif "=" in a and a.split("=", 1)[0] in opts:
            value = a.split("=", 1)[1]
    return value


def _lsp(argv: list[str]) -> int:
    """`dockerfix lsp`: the language server (needs the `lsp` extra)."""
    import gc

    gc.enable()  # a long-lived process (fixer.entry turned the collector off for the start)
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
    "--refresh": ("refresh", bool),
    "--verify": ("verify", bool), "--engine": ("engine", str), "--verify-env": ("verify_env", list),
    "--verify-seconds": ("verify_seconds", int), "--context": ("context", str),
    "--verify-probe": ("verify_probe", list), "--jobs": ("jobs", int), "-j": ("jobs", int),
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
    from . import recache

    recache.install()  # before the imports: every pattern of the run comes from the store
    try:
        main()
        status = 0
    except SystemExit as e:
        if not (e.code is None or isinstance(e.code, int)):
            raise
        status = e.code or 0
    recache.save()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken pipe: the interpreter reports it as usual
        sys.exit(status)
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    command()
