"""The pipeline: one Dockerfile's bytes to its `Result`, the same for every front end.

    read -> parse -> stages -> facts -> repository -> decide -> plan -> (verify) -> render

The command line (`batch.process`), the language server (`lsp.analyse`), `--verify` and the GitHub
Action (which runs the command line) all call `fix`. Each step is a function of its inputs, and
nothing is module state: the base-image resolver (`facts.Resolver`, made by the caller per look-up
setting) and the repository model are arguments, carried to the rules by `decide.Context`, which
computes the stages, the image facts and the final stage's analysis on first use (a file a rule
leaves alone early, `# dockerfix: ignore`, never asks for them).

1. read: the file's bytes (`output.read_file`: a regular file, bounded, never a FIFO);
2. parse: the lossless source (`source.decode`) and BuildKit's instructions (`parse.parse`);
3. stages: `stages.split_stages` (`Context.stages`);
4. facts: the final stage's base image, from the knowledge file and the resolver (`facts.info`,
   `Context.image`), and the final stage's analysis (`stages.analyze`, `Context.an`);
5. repository: the model of the repository around the file (`repository.Repository`, read through
   the caller's `repository.Cache` when a rule first asks: `Context.repository`);
6. decide: the named rules (`decide.decide`);
7. plan: the Result, with the new bytes (`plan.result_for`);
   then, asked for: `verify` (build and start both images) and `render` (the diff and the edit
   the report formats carry).
"""

from __future__ import annotations

from .errors import DockerfixError
from .plan import Options
from .result import Result


def read(path: str) -> bytes:
    """Step 1: the bytes of the file at `path` (raises DockerfixError naming it)."""
    from .output import read_file

    return read_file(path)[0]


def parse(data: bytes):
    """Step 2: the parsed file (`parse.Dockerfile`); raises DockerfixError, with the line, for
    bytes that are not a Dockerfile dockerfix can keep byte for byte."""
    from .parse import parse as instructions
    from .source import decode

    return instructions(decode(data))


def fix(data: bytes, options: Options = Options(), context: str | None = None, path: str | None = None, *,
        resolver=None, repositories=None, shells=None, df=None, name: str | None = None) -> Result:
    """The pipeline on one file's bytes: its `Result` (the input itself as `output` when nothing
    is to be done). `context` is the build context folder (the Dockerfile's folder by default),
    where an ENTRYPOINT script copied into the image can be read; `path` the Dockerfile's own path,
    which places it in its repository; `resolver` the `facts.Resolver` for base-image look-ups
    (None: the knowledge file only); `repositories` the run's `repository.Cache` (each repository
    is read once per run; None: a cache of this call's own); `shells` a `shellfacts.Memo` of RUN lines
    already analysed (the language server keeps one across edits); `df` the file already parsed from `data` (the CLI's look-up pre-pass parses
    each file once); `name` what the file is reported as (default `path`)."""
    from .decide import Context, decide
    from .plan import result_for

    if df is None:
        df = parse(data)
    ctx = Context(df, options, context, path, resolver=resolver, repositories=repositories, shells=shells)
    result = result_for(ctx, decide(ctx), data)
    result.path = name if name is not None else path
    return result


def verify(result: Result, data: bytes, verifier, context: str, options: Options, refix=None) -> Result:
    """--verify: build and start the original and the fixed image (`verify.check`), in the
    Result it returns. A fix that is not verified is not a change: refuted, the file is left alone
    (rule verify-refuted); unverified (the engine failed), a DockerfixError. When the fixed image
    fails to write what the original wrote, the fix is made again (`refix(options)`: the pipeline
    with other options) with those paths handed to the user, and that fix is the one proven."""
    from .verify import check

    proven = [result]

    def again(folders, files, workdir) -> bytes:
        fields = {k: getattr(options, k) for k in Options.__match_args__}
        fields.update(writable=tuple(dict.fromkeys((*options.writable, *folders))),
                      writable_files=tuple(files), workdir_home=workdir)
        proven.append(refix(Options(**fields)))
        return proven[-1].output

    v = check(result.path, data, result.output, verifier, context, options.target, again if refix else None)
    text = v.pop("fixed_text", None)
    if v["verdict"] == "verified":
        if text is not None:  # the fix made again with the learnt paths
            result = proven[-1]
            result.reasons.append(f"--verify: the original writes {', '.join(v['writes']['original'])}: "
                                  f"handed {', '.join(v['writes']['learnt'])} to the user")
        result.verify = v
        return result
    result.verify = v
    result.changed = False
    if v["verdict"] == "refuted":
        result.skipped = f"--verify: {v['reason']}"
        result.rule = "verify-refuted"
        return result
    detail = "".join(f"\n  {line}" for line in (v["error"] or "").splitlines())
    raise DockerfixError(f"--verify: {v['reason']}{detail}")


def render(result: Result, data: bytes) -> None:
    """The change as the report formats carry it: the unified diff and the edit (an insertion:
    byte offset, length 0, text, and its line and column, in UTF-16 code units and in bytes)."""
    from .output import edit_of, position, unified_diff

    result.diff = unified_diff(result.path, data, result.output)
    offset, length, text = edit_of(data, result.output, result.insert_after)
    line, col = position(data, offset)
    result.edit = {"offset": offset, "length": length, "text": text.decode("utf-8"), "line": line + 1,
                   "column": col + 1, "byte_column": offset - (data.rfind(b"\n", 0, offset) + 1) + 1}
