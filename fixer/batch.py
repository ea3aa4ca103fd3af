"""The command line's run over its files: the base-image look-up pre-pass, then for each file the
pipeline (`pipeline.fix`), `--verify`, the write or the diff, and the text explanation; at the end
the report in the format asked for, rendered from the files' `Result`s.

Exit status: see `cli`. Each file is read and parsed once per run: the pre-pass keeps what it
parsed for the file's turn; with worker processes the workers read and parse their files and
there is no pre-pass (`_ahead`: only a file whose base image needs the registry is done twice).
"""

from __future__ import annotations

import json
import os
import sys
import time

from .errors import ConfigError, DockerfixError
from .result import Result

# formats built from all the reports at the end, by a function of fixer.formats (imported lazily)
REPORT_FORMATS = ("github", "gitlab", "junit", "checkstyle", "rdjson")
PROGRESS_MIN_FILES = 10  # a progress line on a terminal from this many files on


def lookups(files, options_for, offline: bool, stdin_filename: str | None = None, refresh: bool = False,
            prepass: bool = True):
    """The base-image pre-pass: a resolver per look-up setting (stdin: cache and engine only), and
    the distinct final bases of the files looked up concurrently, one request per image.
    Returns (resolver_for(path), parsed): parsed maps each file the pre-pass read and parsed to
    (bytes, parse.Dockerfile), for the processing loop to take instead of reading it again.
    `prepass` False (worker processes: `_ahead` looks up what the workers could not answer from
    the cache): only the resolvers."""
    from . import facts, pipeline

    resolvers: dict = {}
    parsed: dict = {}
    started = time.time()

    def resolver_for(path):
        try:
            cfg = options_for(stdin_filename if path == "-" else path)[1]
        except DockerfixError:
            return None
        settings = {**cfg.lookup, **({"offline": True} if offline else {}), **({"refresh": True} if refresh else {})}
        key = (path == "-", json.dumps(settings, sort_keys=True))
        if key not in resolvers:
            resolvers[key] = facts.resolver_from(settings, local=path == "-")
            resolvers[key].cache.told_at = started  # every file says the same age of a cache entry
        return resolvers[key]

    wanted: dict = {}
    for path in files if prepass else ():
        r = resolver_for(path)
        if path == "-" or r is None or r.mode != "network":
            continue
        try:
            from .stages import split_stages

            data = pipeline.read(path)
            df = pipeline.parse(data)
            parsed[path] = (data, df)
            image, platform, _ = facts.base_of(split_stages(df), options_for(path)[0].target)
        except (DockerfixError, OSError):
            continue  # the loop reports it
        key = facts.lookup_key(image)
        if key is not None:
            wanted.setdefault(id(r), (r, []))[1].append((key, platform))
    for r, keys in wanted.values():
        r.prefetch(keys)
    return resolver_for, parsed


def process(files, options_for, *, write, check, diff, stdin_filename, fmt: str, verbose, quiet,
            stdin_excluded=False, output_file=None, exit_zero=False, color: str = "auto", statistics=False,
            offline=False, refresh=False, verifier=None, jobs: int | None = None) -> int:
    """Run the pipeline on each of `files` (`options_for(path)`: its (plan.Options, config.Config))
    and print or write what the options ask for; returns the exit status. `jobs`: how many
    processes run the pipeline (`workers`; None: one per CPU for a folder's worth of files)."""
    from . import pipeline
    from .output import unified_diff, write_atomic
    from .terminal import Output, Progress, color_diff, use_color

    from .repository import Cache
    from .shellfacts import Memo

    jobs = _jobs(files, jobs, verifier)
    resolver_for, parsed = lookups(files, options_for, offline, stdin_filename, refresh, prepass=jobs < 2)
    # each repository is read once for the whole run; stdin (an editor) reads only what is cheap
    repositories, cheap_repositories = Cache(), Cache(cheap=True)
    shells = Memo()  # RUN lines already analysed: variants of one image repeat theirs

    err = sys.stderr
    status = 0
    fatal = False  # a broken configuration file: exit 2 even with --exit-zero
    results: list[Result] = []
    counts = {"changed": 0, "unchanged": 0, "failed": 0}
    rules: dict[str, int] = {}  # files left alone, per decide rule
    plain = fmt == "text" and not statistics  # stdout carries diffs (or stdin's text)
    progress = Progress(len(files), enabled=not quiet and len(files) >= PROGRESS_MIN_FILES)
    out = Output(output_file, progress)
    paint = plain and use_color(color, out.isatty())
    ahead = _ahead(files, options_for, resolver_for, repositories, shells, jobs)
    with progress, _closing(ahead):
        for index, path in enumerate(files):
            if index == 1:  # the start is over: collect as usual (fixer.entry turned it off)
                import gc

                gc.enable()
            done = next(ahead, None) if ahead is not None else None  # (bytes, Result) from a worker
            is_stdin = path == "-"
            echo = is_stdin and not check and not diff and plain  # the whole text goes to stdout
            name = (stdin_filename or "-") if is_stdin else path
            res = Result(False, b"", path=name)  # what is reported if the pipeline fails
            results.append(res)
            data = b""
            try:
                df = None
                if is_stdin:
                    # all of it: on an error an editor gets exactly its text back (decode checks the size)
                    data = sys.stdin.buffer.read()
                    if stdin_excluded:  # --force-exclude and an excluded --stdin-filename: text back as is
                        counts["unchanged"] += 1
                        res.skipped = "excluded by the configuration"
                        if echo:
                            out.write(data)
                        continue
                elif done is not None:
                    data = done[0]
                elif path in parsed:
                    data, df = parsed.pop(path)  # read and parsed by the look-up pre-pass
                else:
                    data = pipeline.read(path)
                options, cfg = options_for(stdin_filename if is_stdin else path)
                if verbose and cfg.path and fmt == "text":
                    print(f"{name}: configuration {os.path.relpath(cfg.path)}", file=err)
                context = os.path.dirname(os.path.abspath(path if not is_stdin else (stdin_filename or "-")))
                if verifier is not None and verifier.context:  # --context: the build context
                    context = verifier.context
                known = not is_stdin or stdin_filename or (verifier is not None and verifier.context)
                res = done[1] if done is not None else pipeline.fix(
                    data, options, context if known else None, stdin_filename if is_stdin else path,
                    resolver=resolver_for(path), repositories=cheap_repositories if is_stdin else repositories,
                    shells=shells, df=df, name=name)
                results[-1] = res
                if res.changed and verifier is not None and verifier.engine:
                    res = results[-1] = pipeline.verify(
                        res, data, verifier, context, options,
                        lambda opts: pipeline.fix(data, opts, context if known else None,
                                                  stdin_filename if is_stdin else path, resolver=resolver_for(path),
                                                  repositories=cheap_repositories if is_stdin else repositories,
                                                  shells=shells, df=df, name=name))
                if res.changed:
                    counts["changed"] += 1
                    if fmt != "text":
                        pipeline.render(res, data)
                    if write and not is_stdin:
                        write_atomic(path, res.output, data)
                    if plain and is_stdin and not check and not diff:
                        out.write(res.output)
                    elif plain and not write and (diff or not check):  # --check --diff too (black, ruff)
                        patch = unified_diff(name, data, res.output)  # made where shown: --check and a stdin fix need none
                        out.write(color_diff(patch) if paint else patch)
                else:
                    counts["unchanged"] += 1
                    if res.rule is not None:
                        rules[res.rule] = rules.get(res.rule, 0) + 1
                    if echo:
                        out.write(data)
            except DockerfixError as e:
                counts["failed"] += 1
                fatal = fatal or isinstance(e, ConfigError)
                res.error = e.format(name)
                res.error_line = e.line
                res.changed = False
                status = 2
                print(e.format(name, "error"), file=err)
                if echo:
                    out.write(data)  # an editor gets its text back unchanged
                continue
            except OSError as e:  # reading stdin, say
                counts["failed"] += 1
                res.error = f"{name}: {e}"
                status = 2
                print(f"{name}: error: {e}", file=err)
                if echo:
                    out.write(data)
                continue
            except Exception as e:  # a bug in dockerfix: say so, go on with the next file, keep the text
                counts["failed"] += 1
                res.error = f"{name}: internal error: {type(e).__name__}: {e}"
                res.changed = False
                status = 2
                print(f"{name}: error: internal error: {type(e).__name__}: {e} "
                      "(a bug in dockerfix: please report it, with the file if you can)", file=err)
                if echo:
                    out.write(data)
                continue
            finally:
                if fmt == "json-lines" and not statistics:
                    out.write(json.dumps(res.to_json()) + "\n")  # as each file is done: bots can stream
                progress.update(len(results))
            if fmt == "text" and not quiet:
                explain(res, write=write, verbose=verbose, printed=echo and res.changed)
            if (check and res.changed or res.rule == "verify-refuted") and status == 0:
                status = 1
    if statistics:
        from .formats import statistics as stats, statistics_text

        rows = stats([r.to_json() for r in results], write=write)
        out.write(json.dumps(rows, indent=2) + "\n" if fmt == "json" else statistics_text(rows))
    elif fmt == "json":
        out.write(json.dumps([r.to_json() for r in results], indent=2) + "\n")
    elif fmt in ("sarif", "markdown"):
        from .report import markdown, sarif

        reports = [r.to_json() for r in results]
        if fmt == "sarif":
            out.write(json.dumps(sarif(reports), indent=2) + "\n")
        else:
            out.write(markdown(reports, write=write))
    elif fmt in REPORT_FORMATS:
        from . import formats

        out.write(getattr(formats, fmt)([r.to_json() for r in results]))
    elif fmt == "text" and not quiet and len(files) > 1:
        summary(counts, rules, write=write)
    try:
        out.close()
    except DockerfixError as e:
        print(f"dockerfix: error: --output-file {output_file}: {e.message}", file=err)
        return 2
    if exit_zero and not fatal:
        return 0
    return status


class _closing:
    """Closes the workers (if any) when the loop over the files ends, however it ends."""

    def __init__(self, ahead):
        self.ahead = ahead

    def __enter__(self):
        return self.ahead

    def __exit__(self, *exc) -> None:
        if self.ahead is not None:
            self.ahead.close()


def _jobs(files, jobs: int | None, verifier) -> int:
    """How many processes run the pipeline: 1 for few files, stdin, --verify, --jobs 1, no fork."""
    from . import workers

    if verifier is not None or "-" in files or not workers.available():
        return 1
    return workers.count(jobs, len(files))


def _ahead(files, options_for, resolver_for, repositories, shells, jobs: int):
    """`workers.Results` computing `pipeline.fix` for each of `files` in `jobs` worker processes,
    or None (one process). A worker does what the loop below does for a file on disk, reading and
    parsing it too; the loop takes its (bytes, Result) in order. In the first round a worker's
    resolvers answer from the cache only (`facts.Resolver.ask`): a file whose base image needs
    the registry comes back `Later`, the command looks those images up together (as the pre-pass
    of a run in one process does) and workers forked after that do those files."""
    from . import facts, pipeline, workers

    if jobs < 2:
        return None

    def job(path, final):
        r = resolver_for(path)
        if r is not None and r.mode == "network":
            r.ask = final  # this worker's copy
        data = pipeline.read(path)
        options, _ = options_for(path)
        context = os.path.dirname(os.path.abspath(path))
        try:
            return data, pipeline.fix(data, options, context, path, resolver=r, repositories=repositories,
                                      shells=shells, name=path)
        except facts.Deferred as e:
            return workers.Later((path, e.args[0]))

    def again(wanted):
        by_resolver: dict = {}
        for path, key in wanted:
            r = resolver_for(path)
            by_resolver.setdefault(id(r), (r, []))[1].append(key)
        for r, keys in by_resolver.values():
            r.prefetch(keys)

    return workers.Results(list(files), job, jobs, again)


# the rules that mean there was nothing to do (rather than a file left alone on purpose)
NOTHING_TO_DO = ("already-non-root",)


def explain(res: Result, *, write: bool, verbose: bool, printed: bool = False) -> None:
    """The text format: what happened to one file, on stderr, one line as `PATH: what: why`.
    A file fixed, or left alone by a rule, always (but with -q); a file with nothing to do, and
    each reason behind a decision, with -v. `printed`: the fixed text went to stdout (stdin)."""
    from .images import FAMILY_NAMES

    err = sys.stderr
    name = res.path
    v = res.verify
    if res.changed:
        verb = "fixed (printed to stdout)" if printed else "fixed" if write else "would fix"
        family = FAMILY_NAMES.get(res.family or "unknown", res.family)
        print(f"{name}: {verb}: USER {res.user_after} after line {res.insert_after} ({family})", file=err)
    elif res.rule is not None and res.rule not in NOTHING_TO_DO:
        print(f"{name}: left alone [{res.rule}]: {res.skipped}", file=err)
        if v and v["verdict"] == "refuted":
            for line in (v["error"] or "").splitlines():
                print(f"  {line}", file=err)
    elif verbose:
        why = res.skipped or "the final stage already runs as a non-root user"
        print(f"{name}: nothing to do" + (f" [{res.rule}]" if res.rule else "") + f": {why}", file=err)
    if v and v["verdict"] == "verified":
        print(f"{name}: verified ({v['engine']}, {v['times']['total']:g} s): {v['reason']}", file=err)
    if verbose:
        for r in res.reasons:
            print(f"{name}: {r}", file=err)
        if v:
            t = v["times"]
            steps = ", ".join(f"{k.replace('_', ' ')} {t[k]:g} s" for k in t if k != "total")
            print(f"{name}: --verify: {v['engine']} in {v['context']}: {', '.join(v['built']) or 'nothing built'}; "
                  f"{steps}", file=err)
    for w in res.warnings:
        if w.startswith("line "):
            line, _, msg = w[5:].partition(": ")
            print(f"{name}:{line}: warning: {msg}", file=err)
        else:
            print(f"{name}: warning: {w}", file=err)


def summary(counts: dict, rules: dict, *, write: bool) -> None:
    """The text format's last line, for more than one file: fixed, left alone (per rule, most
    frequent first), nothing to do, failed."""
    def n(k: int) -> str:
        return f"{k} file{'s' if k != 1 else ''}"

    left = {k: v for k, v in rules.items() if k not in NOTHING_TO_DO}
    non_root = sum(v for k, v in rules.items() if k in NOTHING_TO_DO)
    other = counts["unchanged"] - sum(rules.values())  # no rule: nothing to do (excluded, say)
    parts = []
    if counts["changed"]:
        parts.append(f"{n(counts['changed'])} {'fixed' if write else 'would be fixed'}")
    if left:
        per_rule = ", ".join(f"{k}: {v}" for k, v in sorted(left.items(), key=lambda kv: (-kv[1], kv[0])))
        parts.append(f"{n(sum(left.values()))} left alone ({per_rule})")
    if non_root:
        parts.append(f"{n(non_root)} already non-root")
    if other:
        parts.append(f"{n(other)} with nothing to do")
    if counts["failed"]:
        parts.append(f"{n(counts['failed'])} failed")
    print(", ".join(parts) + ".", file=sys.stderr)
