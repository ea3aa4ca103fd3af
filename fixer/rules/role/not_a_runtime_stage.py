"""not-a-runtime-stage: the final stage is never run as a container.

- An export stage: the final stage's chain starts `FROM scratch`, has no ENTRYPOINT or CMD, and
  only brings files in (`COPY --from=build /out /`): it is used with `docker build --output`.
  (`scratch` has no program of its own; a scratch stage with an ENTRYPOINT is a runtime image.)
- A test stage: its ENTRYPOINT/CMD runs a test runner (`go test`, `pytest`, `npm test`,
  `cargo test`, `ginkgo`, `bats`, a `*.bats` suite, `make integration`/`e2e`/`acceptance`, ...), it brings in compiled Go test suites (`*.test`), or it is named
  `test`/`tests`/`lint`/`e2e`/`check`... and sets no ENTRYPOINT/CMD of its own: a one-off
  job that exercises the code, while the runtime image is an earlier stage chosen with `--target`.
  Or its own last step runs the test suite (`RUN go test ./...`) and nothing in its chain sets an
  ENTRYPOINT or CMD: the build itself is the test (`docker build --target test-x`).

A stage with no CMD on another base still runs the base's program (`FROM python:3.12` runs a
REPL): that is base-image's question, or a fix.
"""

from __future__ import annotations

import re

from ... import lazyre
from ...evidence import program

NAME = "not-a-runtime-stage"
SUMMARY = "The final stage is never run: a `FROM scratch` export stage with files only, or a test stage."
EXAMPLE = "FROM scratch AS export\nCOPY --from=build /out /"

FILE_ONLY = {"copy", "add", "arg", "label", "env", "workdir", "expose", "volume", "shell", "stopsignal", "healthcheck",
             "maintainer", "onbuild", "user"}
TEST_RE = lazyre.compile(
    r"(?<![\w-])(?:go\s+test|(?:python\d?\s+-m\s+)?pytest|(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?test(?::[\w:-]+)?"
    r"|make\s+(?:[\w-]*(?:test|integration|e2e|acceptance)[\w-]*)|cargo\s+(?:test|nextest)|mvn\s+(?:\S+\s+)*(?:test|verify)"
    r"|gradlew?\s+(?:\S+\s+)*test|dotnet\s+test|ginkgo|tox|rspec|phpunit|jest|gotestsum|bats|[\w/.-]+\.bats)(?![\w-])")

TEST_STAGE_RE = lazyre.compile(r"(?:unit-|integration-|e2e-|go-|py-)?(?:tests?|lint|e2e|check|vet|vulncheck|ci)")


def check(ctx) -> str | None:
    an = ctx.an
    ep, cmd = an.entrypoint, an.cmd
    if (an.base_image or "").split("@")[0] == "scratch" and ep is None and cmd is None:
        if all(inst.cmd in FILE_ONLY for stage in an.chain for inst in stage.instructions):
            return (f"the final stage (line {an.final.from_inst.start_line}) is FROM scratch with files only and no "
                    f"ENTRYPOINT or CMD: an export stage for `docker build --output`, never run as a container")
    for inst in (ep, cmd):
        if inst is not None:
            m = TEST_RE.search(program(inst)[1])
            if m:
                return (f"line {inst.start_line}: {inst.keyword} runs tests ({m.group(0)}): a test stage, not the "
                        f"image that runs the program")
    if an.final.name and TEST_STAGE_RE.fullmatch(an.final.name) and not any(
            i.cmd in ("entrypoint", "cmd") for i in an.final.instructions):
        return (f"line {an.final.from_inst.start_line}: the final stage {an.final.name!r} is a test or lint stage with "
                f"no program of its own, not the image that runs the program")
    said = _built_to_test(an)
    if said:
        return said
    for sources, _dest, line in an.from_context:
        if any(re.search(r"[\w-]\.test$", s) for s in sources):
            return f"line {line} brings in compiled Go test suites (*.test): a test-runner image, not the program's"
    return None


def _built_to_test(an) -> str | None:
    """A final stage built for its test run: its own last RUN runs the test suite (`RUN go test
    ./...`), and neither it nor the stages it builds on set an ENTRYPOINT or CMD (`docker build
    --target test-x` passes or fails; the image is never run)."""
    if any(i.cmd in ("entrypoint", "cmd") for stage in an.chain for i in stage.instructions):
        return None
    own = an.final.instructions
    runs = [i for i in own if i.cmd == "run"]
    if not runs or any(i.cmd not in FILE_ONLY for i in own[own.index(runs[-1]) + 1:]):
        return None
    m = TEST_RE.search(runs[-1].original)
    if m:
        return (f"line {runs[-1].start_line}: the final stage's last step runs the tests ({m.group(0)}) and it sets no "
                f"ENTRYPOINT or CMD: a stage built for its test run, never run as a container")
    return None
