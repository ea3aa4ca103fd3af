"""Report formats for CI systems and review bots, and `--statistics`.

Built, like SARIF and Markdown (report.py), from the files' `Result.to_json()` (`--format json`). Every
format says the same three things: a file whose final stage runs as root (rule DFX001, with the
fix), a file a decide rule left alone (a note, with the rule and the reason), and a file that could
not be processed (an error). A file that already runs as non-root is not a finding. Imported only
when one of these formats is asked for: startup time is a budget.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET

from . import __url__
from .output import diff_path
from .record import dataclass
from .report import RULE_ID, RULE_NAME, _message
from . import recache


@dataclass
class Finding:
    path: str  # as in a diff: relative, forward slashes
    line: int  # 1-based
    level: str  # "error", "warning" or "note"
    code: str  # DFX001, a decide rule's name, or "error"
    message: str
    report: dict


def findings(reports: list[dict]) -> list[Finding]:
    out = []
    for r in reports:
        path = diff_path(r["path"])
        if r.get("error"):
            line = r.get("error_line")
            # the message without the `path:line: ` that the text output puts before it
            prefix = f"{r['path']}:{line}: " if line else f"{r['path']}: "
            message = r["error"][len(prefix):] if r["error"].startswith(prefix) else r["error"]
            out.append(Finding(path, line or 1, "error", "error", message, r))
        elif r["changed"]:
            out.append(Finding(path, r["root_line"] or 1, "warning", RULE_ID, _message(r), r))
        elif r.get("rule") and r["rule"] != "already-non-root":
            out.append(Finding(path, r.get("root_line") or 1, "note", r["rule"], f"Left unchanged: {r['skipped']}", r))
    return out


# --- GitHub Actions workflow commands -------------------------------------------------------------
# Escaped as the runner unescapes them (actions/runner, src/Runner.Common/ActionCommand.cs): the
# message (data) escapes % \r \n; property values escape those and `:` and `,` too. `%` first.

def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


GITHUB_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def github(reports: list[dict]) -> str:
    """One workflow command a finding: `::warning file=PATH,line=N,title=...::message`; GitHub
    shows it as an annotation on the file's line in the run and the pull request."""
    lines = []
    for f in findings(reports):
        title = f"dockerfix {f.code}" + (f" ({RULE_NAME})" if f.code == RULE_ID else "")
        props = f"file={_gh_property(f.path)},line={f.line},title={_gh_property(title)}"
        lines.append(f"::{GITHUB_COMMAND[f.level]} {props}::{_gh_data(f.message)}\n")
    return "".join(lines)


# --- GitLab Code Quality (a subset of the Code Climate issue format) -----------------------------

GITLAB_SEVERITY = {"error": "critical", "warning": "major", "note": "info"}


def gitlab(reports: list[dict]) -> str:
    """A JSON array of Code Climate issues, what GitLab's `artifacts:reports:codequality` reads.
    The fingerprint (rule + path) stays the same while the finding does, so GitLab can tell new
    findings from old ones between the merge request and its target branch."""
    issues = []
    for f in findings(reports):
        issues.append({
            "type": "issue",
            "check_name": f.code,
            "description": f.message,
            "categories": ["Bug Risk"] if f.level == "error" else ["Security"],
            "fingerprint": hashlib.sha256(f"{f.code}\0{f.path}".encode("utf-8", "surrogateescape")).hexdigest(),
            "severity": GITLAB_SEVERITY[f.level],
            "location": {"path": f.path, "lines": {"begin": f.line}},
        })
    return json.dumps(issues, indent=2) + "\n"


# --- XML: JUnit and Checkstyle ---------------------------------------------------------------------

_NOT_XML = recache.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: str) -> str:
    """Text XML 1.0 can carry: a control character (in a file name, say) is shown escaped."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def junit(reports: list[dict]) -> str:
    """One test case a file: passed (runs as non-root), failure DFX001 (runs as root; the diff
    is its text), skipped (left alone by a rule, with the reason), or error. For CI test-report
    views: GitLab `artifacts:reports:junit`, Jenkins, Azure Pipelines, test-reporter actions."""
    by_path = {id(f.report): f for f in findings(reports)}
    suite = ET.Element("testsuite", name="dockerfix", tests=str(len(reports)))
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    for r in reports:
        path = _x(diff_path(r["path"]))
        case = ET.SubElement(suite, "testcase", classname="dockerfix", name=path, file=path)
        f = by_path.get(id(r))
        if f is None:
            continue
        message = _x(f"{f.path}:{f.line}: {f.message}")
        if f.level == "error":
            counts["errors"] += 1
            ET.SubElement(case, "error", message=message, type="error")
        elif f.level == "warning":
            counts["failures"] += 1
            ET.SubElement(case, "failure", message=message, type=RULE_ID).text = _x(r.get("diff", ""))
        else:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message=_x(f"{f.message} [{f.code}]"))
    suite.attrib.update({k: str(v) for k, v in counts.items()})
    root = ET.Element("testsuites", name="dockerfix", tests=str(len(reports)),
                      failures=str(counts["failures"]), errors=str(counts["errors"]))
    root.append(suite)
    return _xml(root)


CHECKSTYLE_SEVERITY = {"error": "error", "warning": "warning", "note": "info"}


def checkstyle(reports: list[dict]) -> str:
    """Checkstyle XML (`<checkstyle><file name><error line severity message source/>`), for
    reviewdog `-f=checkstyle`, Jenkins warnings-ng and the many tools that read it. Every file
    processed is listed, with or without findings."""
    root = ET.Element("checkstyle", version="4.3")
    by_path = {id(f.report): f for f in findings(reports)}
    for r in reports:
        node = ET.SubElement(root, "file", name=_x(diff_path(r["path"])))
        f = by_path.get(id(r))
        if f is not None:
            ET.SubElement(node, "error", line=str(f.line), severity=CHECKSTYLE_SEVERITY[f.level],
                          message=_x(f.message), source=f"dockerfix.{f.code}")
    return _xml(root)


# --- reviewdog ------------------------------------------------------------------------------------

RDJSON_SEVERITY = {"error": "ERROR", "warning": "WARNING", "note": "INFO"}


def rdjson(reports: list[dict]) -> str:
    """reviewdog's Diagnostic Format (`reviewdog -f=rdjson`): one diagnostic a finding; the fix
    is a suggestion (an insertion: start == end, columns in UTF-8 bytes), which reviewdog posts
    as a suggested change on the pull request."""
    diagnostics = []
    for f in findings(reports):
        d: dict = {
            "message": f.message,
            "location": {"path": f.path, "range": {"start": {"line": f.line}}},
            "severity": RDJSON_SEVERITY[f.level],
            "code": {"value": f.code, "url": __url__ + "#readme"},
        }
        e = f.report.get("edit")
        if f.level == "warning" and e:
            at = {"line": e["line"], "column": e["byte_column"]}
            d["suggestions"] = [{"range": {"start": at, "end": at}, "text": e["text"]}]
        diagnostics.append(d)
    result = {"source": {"name": "dockerfix", "url": __url__}, "diagnostics": diagnostics}
    return json.dumps(result, indent=2) + "\n"


# --- --statistics ---------------------------------------------------------------------------------

def statistics(reports: list[dict], *, write: bool) -> list[dict]:
    """Files per outcome: fixed (DFX001), left alone per decide rule, nothing to do, failed;
    most frequent first (as ruff's `--statistics`)."""
    from .rules import BY_NAME

    rows: dict[str, dict] = {}

    def count(code: str, fixable: bool, message: str) -> None:
        row = rows.setdefault(code, {"code": code, "count": 0, "fixable": fixable, "message": message})
        row["count"] += 1

    for r in reports:
        if r.get("error"):
            count("error", False, "could not be processed")
        elif r["changed"]:
            count(RULE_ID, True, f"final stage runs as root ({'fixed' if write else 'fixable'})")
        elif r.get("rule"):
            rule = BY_NAME.get(r["rule"])
            what = "nothing to do" if r["rule"] == "already-non-root" else "left alone"  # as the text format says
            count(r["rule"], False, f"{what}: " + (rule.summary if rule else r["rule"]))
        else:
            count("unchanged", False, "nothing to do: " + (r.get("skipped") or "no change needed"))
    return sorted(rows.values(), key=lambda row: (-row["count"], row["code"]))


def statistics_text(rows: list[dict]) -> str:
    """ruff's layout: count, code, `[*]` when fixable, message; tab-separated, aligned."""
    if not rows:
        return ""
    count_width = max(len(str(r["count"])) for r in rows)
    code_width = max(len(r["code"]) for r in rows)
    any_fixable = any(r["fixable"] for r in rows)
    out = []
    for r in rows:
        mark = ("[*] " if r["fixable"] else "[ ] ") if any_fixable else ""
        out.append(f"{r['count']:>{count_width}}\t{r['code']:<{code_width}}\t{mark}{r['message']}\n")
    return "".join(out)
