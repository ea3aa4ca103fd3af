"""--format sarif (validated against the SARIF 2.1.0 schema with jsonschema) and --format markdown."""

from __future__ import annotations

import json

import pytest
from paths import ROOT

from test_cli import NONROOT_DOCKERFILE, ROOT_DOCKERFILE, run_dockerfix, write

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test extra: pip install -e '.[test]'")

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())

FILES = {
    "Dockerfile": ROOT_DOCKERFILE,
    "svc/api/Dockerfile": "# caf\u00e9 \U0001f433 non-ASCII before the insertion point\r\nFROM alpine:3.20\r\n"
                          "RUN apk add --no-cache curl\r\nCMD [\"curl\"]",
    "svc/web.Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nEXPOSE 80\nCMD [\"node\", \"s.js\"]",
    "ok/Dockerfile": NONROOT_DOCKERFILE,
    "bad/Dockerfile": "FROM debian\nRUN <<EOF\necho never closed\n",
}


@pytest.fixture
def repo(tmp_path):
    for name, text in FILES.items():
        write(tmp_path / name, text)
    return tmp_path


def _apply(data: bytes, replacement: dict) -> bytes:
    """Apply a SARIF replacement (line/column in UTF-16 code units, 1-based) to the original bytes."""
    region = replacement["deletedRegion"]
    assert (region["startLine"], region["startColumn"]) == (region["endLine"], region["endColumn"])
    text = data.decode("utf-8")
    bom = text.startswith("\ufeff")
    lines = text.split("\n")
    before = "\n".join(lines[: region["startLine"] - 1])
    if region["startLine"] > 1:
        before += "\n"
    line = lines[region["startLine"] - 1] if region["startLine"] - 1 < len(lines) else ""
    units = line[1:].encode("utf-16-le") if bom and region["startLine"] == 1 else line.encode("utf-16-le")
    head = units[: 2 * (region["startColumn"] - 1)].decode("utf-16-le")
    if bom and region["startLine"] == 1:
        head = "\ufeff" + head
    rest = text[len(before) + len(head):]
    return (before + head + replacement["insertedContent"]["text"] + rest).encode("utf-8")


def test_sarif_is_valid_and_its_fixes_are_the_cli_edit(repo):
    code, out, err = run_dockerfix(["--format", "sarif", "."], repo)
    assert code == 2  # bad/Dockerfile
    log = json.loads(out)
    jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(log)
    run = log["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["id"] == "DFX001"
    results = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in run["results"]}
    assert sorted(results) == ["Dockerfile", "svc/api/Dockerfile", "svc/web.Dockerfile"]
    assert results["Dockerfile"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1  # FROM decides
    assert "runs as root" in results["Dockerfile"]["message"]["text"]
    for uri, res in results.items():
        original = (repo / uri).read_bytes()
        (rep,) = res["fixes"][0]["artifactChanges"][0]["replacements"]
        code, fixed, _ = run_dockerfix(["-"], repo, input=original)
        assert code == 0
        assert _apply(original, rep) == fixed, uri
    # the file that failed is a notification with its line, and the run is marked unsuccessful
    inv = run["invocations"][0]
    assert inv["executionSuccessful"] is False
    (note,) = inv["toolExecutionNotifications"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bad/Dockerfile"
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def test_sarif_with_nothing_to_fix_is_valid_and_empty(tmp_path):
    write(tmp_path / "Dockerfile", NONROOT_DOCKERFILE)
    code, out, _ = run_dockerfix(["--format", "sarif", "--check", "."], tmp_path)
    log = json.loads(out)
    jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(log)
    assert code == 0 and log["runs"][0]["results"] == [] and log["runs"][0]["invocations"][0]["executionSuccessful"]


def test_markdown_pull_request_body(repo):
    code, out, err = run_dockerfix(["--format", "markdown", "--write", "."], repo)
    body = out.decode()
    assert code == 2
    assert body.startswith("## Run containers as a non-root user\n")
    assert "This pull request changes 3 Dockerfiles" in body
    assert "remote-code-execution bug" in body and "scan the network" in body
    # a table: one row per changed file
    rows = [line for line in body.splitlines() if line.startswith("| `")]
    assert [r.split(" | ")[0] for r in rows] == ["| `Dockerfile`", "| `svc/api/Dockerfile`", "| `svc/web.Dockerfile`"]
    assert "| `svc/web.Dockerfile` | `node` (1000:1000) | switches to the image's user; `USER` after line 4 |" in body
    # one command per file that builds it and prints its user
    assert "docker build -t dockerfix-test-3 -f svc/web.Dockerfile svc && docker run --rm --entrypoint id " \
           "dockerfix-test-3" in body
    # folded details per file: the checklist that applies to it, the reasons, the diff
    details = body.split("<details><summary>")[1:]
    web = next(d for d in details if d.startswith("<code>svc/web.Dockerfile</code>"))
    assert "EXPOSE 80" in web  # the file's own warning is in its checklist
    # ports below 1024: the concrete change, only in the section of the file that binds one
    assert "change it to EXPOSE 8080" in web
    others = [d for d in details if d.startswith("<code>") and not d.startswith("<code>svc/web.Dockerfile</code>")]
    assert others and all("below 1024" not in s and "EXPOSE 8080" not in s for s in others)
    assert "runAsNonRoot" in web and "--numeric-user" in web
    assert "```diff\n--- a/svc/web.Dockerfile\n" in web
    api = next(d for d in details if d.startswith("<code>svc/api/Dockerfile</code>"))
    assert "below 1024" not in api and "EXPOSE" not in api  # no port: no port item
    left = next(d for d in details if d.startswith("Left unchanged"))
    assert "`ok/Dockerfile`: the final stage already runs as nobody" in left
    assert "bad/Dockerfile:2" in body.split("**Could not be processed:**")[1]
    # the files were written (--write), and a second run has nothing to say
    code, out, _ = run_dockerfix(["--format", "markdown", "ok", "svc", "Dockerfile"], repo)
    assert code == 0 and "nothing to change" in out.decode()


def test_markdown_numeric_user_and_fence_safety(tmp_path):
    write(tmp_path / "Dockerfile", "FROM debian\n# ``` a fence in a comment\nRUN apt-get update\n")
    code, out, _ = run_dockerfix(["--format", "markdown", "--numeric-user", "."], tmp_path)
    body = out.decode()
    assert "would change 1 Dockerfile " in body and "`USER 10001:10001`" in body
    assert "runAsNonRoot" not in body  # a numeric USER: nothing to check there
    assert "````diff\n" in body and "\n````\n" in body  # a longer fence than the diff's own ```


@pytest.mark.parametrize("text,step", [
    ("FROM debian:12\nCOPY app /app\nCMD [\"/app\"]\n", None),
    ("FROM debian:12\nRUN apt-get update && apt-get install -y curl\nCMD [\"curl\"]\n",
     "line 2: apt-get install needs root (package manager)"),
    # (with no RUN after the USER root, it is root-on-purpose's: left alone)
    ("FROM debian:12\nUSER nobody\nRUN true\nUSER root\nRUN date\nCMD [\"id\"]\n", "line 4: USER root switches to root"),
])
def test_the_last_root_step_is_named_only_when_there_is_one(text, step, tmp_path):
    write(tmp_path / "Dockerfile", text)
    code, out, _ = run_dockerfix(["--format", "json", "Dockerfile"], tmp_path)
    assert json.loads(out)[0]["root_step"] == step
    code, out, _ = run_dockerfix(["--format", "sarif", "Dockerfile"], tmp_path)
    message = json.loads(out)["runs"][0]["results"][0]["message"]["text"]
    if step is None:
        # "line 1: no RUN in the final stage needs root" is a reason, not a root step
        assert "Last root step" not in message
    else:
        assert f"Last root step: {step}." in message


def test_sarif_links_to_the_project_s_own_documentation(tmp_path):
    """informationUri is the README of the repository the docs and pyproject name, not a package index."""
    import tomllib

    from fixer import __url__

    write(tmp_path / "Dockerfile", ROOT_DOCKERFILE)
    driver = json.loads(run_dockerfix(["--format", "sarif", "."], tmp_path)[1])["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == __url__ + "#readme"
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert urls["Documentation"] == __url__ + "#readme" and urls["Source"] == __url__
    assert f"repo: {__url__}" in (ROOT / "docs" / "ci.md").read_text()  # the pre-commit snippet


def test_files_left_by_a_rule_are_notes_in_sarif_and_named_in_markdown(tmp_path):
    write(tmp_path / "db/Dockerfile", "FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n")
    write(tmp_path / "app/Dockerfile", ROOT_DOCKERFILE)
    write(tmp_path / "ok/Dockerfile", NONROOT_DOCKERFILE)
    code, out, err = run_dockerfix(["--format", "sarif", "."], tmp_path)
    assert code == 0, err
    log = json.loads(out)
    jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_uri = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in run["results"]}
    # a file left alone by a rule: a note with the rule's id, no fix; an already non-root file: nothing
    assert sorted(by_uri) == ["app/Dockerfile", "db/Dockerfile"]
    note = by_uri["db/Dockerfile"]
    assert note["level"] == "note" and note["ruleId"] == "drops-privileges" and "fixes" not in note
    assert rules[note["ruleIndex"]]["id"] == "drops-privileges"
    assert "--force drops-privileges" in rules[note["ruleIndex"]]["help"]["text"]
    assert "drops privileges" in note["message"]["text"]
    assert by_uri["app/Dockerfile"]["ruleId"] == "DFX001" and by_uri["app/Dockerfile"]["fixes"]

    code, out, err = run_dockerfix(["--format", "markdown", "."], tmp_path)
    assert code == 0, err
    line = next(x for x in out.decode().splitlines() if x.startswith("- `db/Dockerfile`"))
    assert "(rule `drops-privileges`; `--force drops-privileges` fixes it anyway)" in line, line


def test_summary_counts_the_files_left_per_rule(tmp_path):
    write(tmp_path / "db/Dockerfile", "FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n")
    write(tmp_path / "cache/Dockerfile", "FROM redis:7\nCOPY redis.conf /etc/redis.conf\n")
    write(tmp_path / "ok/Dockerfile", NONROOT_DOCKERFILE)
    write(tmp_path / "app/Dockerfile", ROOT_DOCKERFILE)
    code, out, err = run_dockerfix(["-v", "--check", "."], tmp_path)
    assert code == 1, err
    assert "./db/Dockerfile: left alone [drops-privileges]: " in err.decode(), err
    assert err.decode().count("[drops-privileges]") == 2, err
    assert "./ok/Dockerfile: nothing to do [already-non-root]: " in err.decode(), err
    summary = "1 file would be fixed, 2 files left alone (drops-privileges: 2), 1 file already non-root."
    assert err.decode().rstrip().splitlines()[-1] == summary
    code, out, err = run_dockerfix(["--check", "."], tmp_path)  # the same counts without -v
    assert err.decode().rstrip().splitlines()[-1] == summary and "nothing to do" not in err.decode()


def test_markdown_says_how_to_opt_out_and_that_nothing_was_built(tmp_path):
    """The body tells the maintainer how to say no (the ignore comment, `exclude`, `--force` for what
    was left alone), names each rule that left a file, and does not claim the image was built; the
    comment and the configuration line it shows work as shown."""
    import re

    from fixer.rules import FORCEABLE

    write(tmp_path / "db/Dockerfile", "FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n")
    write(tmp_path / "agent/Dockerfile", "# dockerfix: ignore -- host agent\nFROM debian\nRUN apt-get update\n")
    write(tmp_path / "app/Dockerfile", ROOT_DOCKERFILE)
    code, out, err = run_dockerfix(["--format", "markdown", "."], tmp_path)
    assert code == 0, err
    body = out.decode()
    app, left = body.split("<details><summary>")[1:]
    opt_out = body[body.index("**Not wanted?**"):]
    assert "- [ ] the image builds and its program starts and works as `USER appuser`" in app
    assert "(dockerfix did not build it)" in app
    assert "`db/Dockerfile`: " in left and "(rule `drops-privileges`; `--force drops-privileges` fixes it anyway)" in left
    assert "(rule `ignored`: delete the comment to have it fixed)" in left
    assert "for `drops-privileges`." in opt_out  # the forceable rules that left a file here, no others
    assert not any(f"`{name}`" in opt_out for name in FORCEABLE if name != "drops-privileges")
    # the comment, placed as the body says, leaves the file alone
    comment = re.search(r"`(# dockerfix: ignore -- REASON)`", opt_out).group(1)
    write(tmp_path / "app/Dockerfile", comment + "\n" + ROOT_DOCKERFILE)
    code, out, _ = run_dockerfix(["--format", "json", "app/Dockerfile"], tmp_path)
    assert json.loads(out)[0]["rule"] == "ignored"
    # the exclude line is a valid configuration that excludes what it names
    exclude = re.search(r"`(exclude = \[.*?\])`", opt_out).group(1)
    write(tmp_path / ".dockerfix.toml", exclude + "\n")
    write(tmp_path / "vendor/Dockerfile", ROOT_DOCKERFILE)
    code, out, err = run_dockerfix(["--format", "json", "."], tmp_path)
    assert code == 0, err
    assert "vendor/Dockerfile" not in {r["path"].lstrip("./") for r in json.loads(out)}


GOLDEN = ROOT / "tests" / "data" / "pr-body.md"
FLASK = (ROOT / "fixtures" / "seed-python-flask" / "Dockerfile").read_text()


def _body(tmp_path, files: dict[str, str]) -> str:
    for name, text in files.items():
        write(tmp_path / name, text)
    code, out, err = run_dockerfix(["--format", "markdown", "--write", "."], tmp_path)
    assert code == 0, err
    from fixer import __version__

    return out.decode().replace(f"dockerfix {__version__}.", "dockerfix VERSION.")


def test_markdown_body_is_the_golden_file(tmp_path):
    """The whole body for one changed file and one left alone, as a maintainer reads it
    (tests/data/pr-body.md; DOCKERFIX_UPDATE_GOLDEN=1 rewrites it: review its diff)."""
    import os

    body = _body(tmp_path, {"app/Dockerfile": FLASK,
                            "db/Dockerfile": "FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n"})
    if os.environ.get("DOCKERFIX_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(body)
    assert body == GOLDEN.read_text()


def test_markdown_one_file_fits_one_screen(tmp_path):
    """One changed file: what shows before the details are unfolded is at most 20 lines, the whole
    body beyond its diff one screen (at most 35), and it names no rule it need not (no --force
    list: nothing was left alone)."""
    import re

    body = _body(tmp_path, {"Dockerfile": FLASK})
    diff = body[body.index("```diff\n"):body.index("```\n", body.index("```diff\n") + 8) + 4]
    assert len(body.replace(diff, "").splitlines()) <= 35, body
    shown = re.sub(r"<details><summary>(.*?)</summary>.*?</details>", r"\1", body, flags=re.S)
    assert len(shown.splitlines()) <= 20, shown
    assert "--force" not in body and "below 1024" not in body
    assert "docker build -t dockerfix-test -f Dockerfile . && docker run --rm --entrypoint id dockerfix-test" in body


def test_markdown_try_command_of_an_image_without_a_shell(tmp_path):
    """No shell, no `id`: the command prints the image's configured USER instead."""
    body = _body(tmp_path, {"bin/Dockerfile": 'FROM gcr.io/distroless/static-debian12\nCOPY app /app\nCMD ["/app"]\n'})
    assert ("docker build -t dockerfix-test -f bin/Dockerfile bin && docker image inspect --format "
            "'{{.Config.User}}' dockerfix-test") in body
