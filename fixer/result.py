"""The pipeline's outcome for one file: the record every front end renders.

`pipeline.fix` returns a `Result`; the command line (text, diffs, every `--format`), the language
server (diagnostics, edits), `--verify` (its verdict goes in `verify`) and the GitHub Action (the
JSON report) all render from it. `to_json()` is the entry of `--format json` and `json-lines`,
which the other report formats (report.py, formats.py) and the Action read.
"""

from __future__ import annotations

from .record import dataclass, field


@dataclass
class Result:
    changed: bool
    output: bytes  # the new bytes (the input itself when nothing is to be done)
    family: str | None = None
    user_before: str | None = None
    user_after: str | None = None
    insert_after: int | None = None  # 1-based line the block follows
    inserted: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: str | None = None  # why nothing was done
    rule: str | None = None  # the decide rule that left the file alone
    root_line: int | None = None  # the line that makes the final stage run as root (USER or FROM)
    root_step: str | None = None  # the reason of the last step that needs root, if any
    user_ids: str | None = None  # "uid:gid" of the new USER, when known
    created_user: bool = False
    service: object = field(default=None, repr=False)  # service_users.Choice: a package's own account
    # --- the file, and what the steps after the plan added -------------------------------------
    path: str | None = None  # the name it is reported under (stdin: --stdin-filename, or "-")
    error: str | None = None  # why the file could not be processed (`path:line: message`)
    error_line: int | None = None
    verify: dict | None = None  # --verify's verdict (fixer.verify.check)
    diff: str | None = None  # the unified diff, for the report formats that carry it
    edit: dict | None = None  # the change as one insertion: offset, length, text, line, column

    def to_json(self) -> dict:
        """The `--format json` entry (its keys in this order: the report schema)."""
        out = {"path": self.path, "changed": self.changed, "family": self.family, "user_before": self.user_before,
               "user_after": self.user_after, "user_ids": self.user_ids, "created_user": self.created_user,
               "root_line": self.root_line, "root_step": self.root_step, "insert_after": self.insert_after,
               "reasons": self.reasons, "warnings": self.warnings, "skipped": self.skipped, "rule": self.rule,
               "error": self.error, "error_line": self.error_line}
        for key in ("verify", "diff", "edit"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out
