"""What a user reads (issue 23): facts in words, one line per left file, one error style.

Reasons never show dockerfix's internals (the knowledge file's patterns, Python reprs); a file
left alone says so on stderr with its rule, unlike a file with nothing to do; every bad option
or argument is `dockerfix: error: WHAT` (+ `  hint: ...`), exit 2; stdin says what it printed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fixer import pipeline

LEAKS = re.compile(r"\*:|\|\*|\*\||-family|\bNone\b|\(\*|\w\*\w|\[[0-9]-[0-9]\]")


def reasons_of(text: str, **kw) -> list[str]:
    res = pipeline.fix(text.encode())
    return [*res.reasons, *(res.warnings), *([res.skipped] if res.skipped else [])]


@pytest.mark.parametrize("text", [
    "FROM python:3.14-slim\nRUN pip install flask\n",
    "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nCMD [\"app.exe\"]\n",
    "FROM python:3.13-windowsservercore\nCMD [\"app.exe\"]\n",
    "ARG BASE\nFROM ${BASE}\nRUN apt-get update && apt-get install -y curl\n",
    "FROM nvidia/cuda:12.4.0-base-ubuntu22.04\nRUN apt-get update && apt-get install -y curl\n",
    "FROM alpine:3.20\nRUN apk add curl\n",
    "FROM gcr.io/distroless/static\nCOPY app /app\nCMD [\"/app\"]\n",
])
def test_reasons_are_words_not_patterns(text):
    for r in reasons_of(text):
        assert not LEAKS.search(r), r


def test_an_unknown_base_is_not_said_to_lack_useradd():
    """A base dockerfix does not know is not claimed to have no shadow-utils, nor named None."""
    rs = reasons_of("ARG BASE\nFROM ${BASE}\nRUN apt-get update && apt-get install -y curl\n")
    assert any("without useradd (dockerfix does not know that the base image has it)" in r for r in rs), rs
    rs = reasons_of("FROM nvidia/cuda:12.4.0-base-ubuntu22.04\nRUN apt-get install -y curl\n")
    assert any("dockerfix does not know that nvidia/cuda:12.4.0-base-ubuntu22.04 has it" in r for r in rs), rs


def test_package_manager_family_in_words():
    rs = reasons_of("ARG BASE\nFROM ${BASE}\nRUN apk add curl\n")
    assert "line 3: its package manager makes this an Alpine-based image" in rs, rs
