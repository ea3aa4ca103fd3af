"""The language server keeps the shell facts of RUN lines it has read (an edit changes one
instruction; the others are not analysed again): same results, bounded, owned by the caller."""

from __future__ import annotations

import os

from fixer import shell
from fixer.pipeline import fix
from fixer.shellfacts import Memo

FILES = {
    "plain": "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\nRUN mkdir -p /data\n"
             "WORKDIR /data\nCMD [\"sleep\", \"1\"]\n",
    "env": "FROM debian:bookworm\nENV DIR=/srv/app\nRUN mkdir -p $DIR && useradd -r app\nCMD [\"sh\"]\n",
    "other env": "FROM debian:bookworm\nENV DIR=/opt/x\nRUN mkdir -p $DIR && useradd -r app\nCMD [\"sh\"]\n",
    "workdir": "FROM debian:bookworm\nWORKDIR /app\nRUN touch state && mkdir -p /data\nCMD [\"sh\"]\n",
    "exec": "FROM debian:bookworm\nRUN [\"mkdir\", \"-p\", \"/data\"]\nCMD [\"sh\"]\n",
    "shell": "FROM debian:bookworm\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN mkdir -p /data | cat\n"
             "CMD [\"sh\"]\n",
}


def outcome(r):
    return (r.changed, r.rule, r.skipped, r.output, tuple(r.reasons), tuple(r.warnings))


def test_results_with_a_memo_are_the_results_without_one(tmp_path):
    memo = Memo()
    for name, text in list(FILES.items()) * 2:  # the second round reads from the memo
        data = text.encode()
        assert outcome(fix(data, shells=memo)) == outcome(fix(data)), name


def test_a_run_line_read_once_is_not_analysed_again(monkeypatch):
    memo = Memo()
    calls = []
    real = shell.analyze_shell
    monkeypatch.setattr(shell, "analyze_shell", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    text = FILES["plain"]
    fix(text.encode(), shells=memo)
    first = len(calls)
    assert first == 2
    fix((text + "# an edit elsewhere\n").encode(), shells=memo)
    assert len(calls) == first
    fix(text.replace("curl", "wget").encode(), shells=memo)  # the edited RUN is read again, only it
    assert calls[first:] == ["apt-get update && apt-get install -y wget"]


def test_the_same_text_in_another_context_is_analysed_again(monkeypatch):
    memo = Memo()
    calls = []
    real = shell.analyze_shell
    monkeypatch.setattr(shell, "analyze_shell", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    fix(FILES["env"].encode(), shells=memo)
    fix(FILES["other env"].encode(), shells=memo)  # $DIR differs: not the same facts
    assert len(calls) == 2


def test_the_memo_is_bounded():
    memo = Memo(size=3)
    for i in range(10):
        memo.get(("k", i), lambda: i)
    assert len(memo) == 3 and memo.get(("k", 9), lambda: None) == 9
