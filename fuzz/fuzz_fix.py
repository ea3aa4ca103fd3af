"""Fuzz dockerfix's text entry point, `fixer.pipeline.fix(bytes)`, for a bounded time.

With atheris (coverage-guided, libFuzzer), the usual libFuzzer flags apply:

    python fuzz/fuzz_fix.py -max_total_time=60 -seed=1 fuzz/seeds

Without atheris (it ships wheels for CPython 3.11-3.13 on Linux x86-64 only), the same checks run
under a plain random mutator, seeded from the given folder:

    python fuzz/fuzz_fix.py --plain -max_total_time=60 fuzz/seeds

Both accept one or more seed folders or files (tests pass the fixtures' inputs). Besides byte-level
mutations, both sometimes reshape a RUN (`_deepen`): its body wrapped in up to thousands of levels
of `$(…)`, `{ }`, `( )`, `if`, loops, functions, `${a:-…}`, `$((…))` or `env`, or repeated as a
chain of `&&`/`||`/`;`/`|` (deep nesting and long lists once raised RecursionError; byte-level
mutation never builds them). What is checked on every input: no exception escapes but DockerfixError; when the file changes, the input's lines are
all kept in order, a second run changes nothing, and the final stage no longer runs as root.
A failing input is written to ./crash-<sha1> (libFuzzer's convention) and the exit status is 1.
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

OPTIONS = None  # filled in by _load()


def _load(instrument: bool):
    global fix, DockerfixError, OPTIONS
    if instrument:
        import atheris

        with atheris.instrument_imports(include=["fixer"]):
            from fixer.errors import DockerfixError
            from fixer.pipeline import fix
            from fixer.plan import Options
    else:
        from fixer.errors import DockerfixError
        from fixer.pipeline import fix
        from fixer.plan import Options
    OPTIONS = [Options(), Options(numeric_user=True), Options(force=("all",)), Options(user="svc", uid=2000)]


def _lines(b: bytes) -> list[bytes]:
    """Lines as Docker splits them: at LF only (a lone CR is part of the line)."""
    parts = b.split(b"\n")
    out = [p + b"\n" for p in parts[:-1]]
    return out + [parts[-1]] if parts[-1] else out


def _kept_in_order(data: bytes, out: bytes) -> bool:
    """Every line of `data` appears in `out`, in order (the final one may have gained a newline)."""
    src, dst = _lines(data), _lines(out)
    j = 0
    for i, line in enumerate(src):
        last = i == len(src) - 1 and not line.endswith(b"\n")
        while j < len(dst) and not (dst[j] == line or (last and dst[j] in (line + b"\n", line + b"\r\n"))):
            j += 1
        if j == len(dst):
            return False
        j += 1
    return True


def check(data: bytes) -> None:
    """The fuzz target: raises AssertionError (or any stray exception) on a bug."""
    opts = OPTIONS[data[0] % len(OPTIONS)] if data else OPTIONS[0]
    try:
        res = fix(data, opts)
    except DockerfixError as e:
        assert e.message and "\n" not in e.message.strip(), repr(e.message)
        return
    if not res.changed:
        assert res.output == data, "unchanged result differs from the input"
        return
    assert _kept_in_order(data, res.output), "an input line was lost or reordered"
    again = fix(res.output, opts)
    assert not again.changed, f"second run changed the file again: {again.reasons}"
    assert again.skipped, "second run neither changed nor skipped the fixed file"


def _seeds(paths: list[str]) -> list[bytes]:
    out: list[bytes] = []
    for p in paths:
        if os.path.isdir(p):
            for root, _dirs, files in os.walk(p):
                for f in sorted(files):
                    with open(os.path.join(root, f), "rb") as fh:
                        out.append(fh.read()[:65536])
        elif os.path.isfile(p):
            with open(p, "rb") as fh:
                out.append(fh.read()[:65536])
    return out or [b"FROM debian\nRUN apt-get update\n"]


TOKENS = [b"FROM ", b"RUN ", b"USER ", b"ARG ", b"COPY ", b" AS ", b"\\\n", b"`\n", b"\r\n", b"\n", b"<<EOF\n",
          b"EOF\n", b"# escape=`\n", b"# syntax=docker/dockerfile:1\n", b"$", b"${X:-root}", b"\xef\xbb\xbf",
          b"[\"sh\", \"-c\"]", b"&&", b";", b"'", b"\"", b"root", b"0:0", b"scratch", b"alpine", b"\t", b"\x00",
          b"\xff", b"# dockerfix: ignore\n"]


NESTINGS = [(b"$(", b")"), (b"{ ", b"; }"), (b"(", b")"), (b"if true; then ", b"; fi"), (b"f() { ", b"; }"),
            (b"for i in 1; do ", b"; done"), (b"while true; do ", b"; done"), (b"echo $((", b"))"),
            (b'echo "$(', b')"'), (b"echo ${a:-", b"}"), (b"a=$(", b")"), (b"env ", b""), (b"sh -c '", b"'")]
JOINS = [b" && ", b" || ", b"; ", b" | ", b" && \\\n    ", b" ||\n"]


def _deepen(rng: random.Random, data: bytes, max_size: int = 16384) -> bytes:
    """Reshape one RUN (a new one if there is none): its body nested N levels deep, or repeated N
    times as a list; N up to what fits in max_size."""
    lines = data.split(b"\n")
    runs = [i for i, ln in enumerate(lines) if ln.lstrip()[:4].upper() == b"RUN "]
    if not runs:
        lines.append(b"RUN apt-get update")
        runs = [len(lines) - 1]
    i = rng.choice(runs)
    head, body = lines[i].split(b" ", 1) if b" " in lines[i].lstrip() else (lines[i], b"true")
    body = body.strip()[:200] or b"true"
    room = max(max_size - len(data), 0)
    if rng.random() < 0.3:
        sep = rng.choice(JOINS)
        n = min(rng.choice((10, 100, 1000, 10000)), room // (len(body) + len(sep)) + 1)
        body = sep.join([body] * n)
    else:
        left, right = rng.choice(NESTINGS)
        n = min(rng.choice((10, 50, 200, 1000, 5000)), room // (len(left) + len(right)) + 1)
        body = left * n + body + right * n
    lines[i] = head + b" " + body
    return b"\n".join(lines)[:max_size]


def _mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    b = bytearray(data)
    if rng.random() < 0.05:
        return _deepen(rng, data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(6)
        pos = rng.randint(0, len(b))
        if op == 0 and b:  # flip a byte
            b[min(pos, len(b) - 1)] = rng.randrange(256)
        elif op == 1:  # insert a token
            b[pos:pos] = rng.choice(TOKENS)
        elif op == 2 and b:  # delete a span
            del b[pos:pos + rng.randint(1, 16)]
        elif op == 3:  # splice from another seed
            other = rng.choice(pool)
            s = rng.randint(0, len(other))
            b[pos:pos] = other[s:s + rng.randint(1, 200)]
        elif op == 4 and b:  # duplicate a line
            lines = bytes(b).splitlines(keepends=True)
            k = rng.randrange(len(lines))
            lines.insert(k, lines[k])
            b = bytearray(b"".join(lines))
        elif op == 5:  # truncate
            b = b[:pos]
    return bytes(b)


def _plain(argv: list[str]) -> int:
    seconds, seed, paths = 60.0, 0, []
    for a in argv:
        if a.startswith("-max_total_time="):
            seconds = float(a.split("=", 1)[1])
        elif a.startswith("-seed="):
            seed = int(a.split("=", 1)[1])
        elif not a.startswith("-"):
            paths.append(a)
    _load(instrument=False)
    pool = _seeds(paths)
    rng = random.Random(seed)
    runs, end = 0, time.monotonic() + seconds
    for s in pool:  # the seeds themselves first
        _run_one(s)
        runs += 1
    while time.monotonic() < end:
        _run_one(_mutate(rng, rng.choice(pool), pool))
        runs += 1
    print(f"#{runs} DONE plain mutator, {seconds:.0f} s, no failures", file=sys.stderr)
    return 0


def _run_one(data: bytes) -> None:
    try:
        check(data)
    except BaseException:
        name = "crash-" + hashlib.sha1(data).hexdigest()
        with open(name, "wb") as fh:
            fh.write(data)
        print(f"failing input written to {name}", file=sys.stderr)
        raise


def main(argv: list[str]) -> int:
    if "--plain" in argv:
        return _plain([a for a in argv if a != "--plain"])
    import atheris

    def mutator(data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)
        return _deepen(rng, data, max_size) if rng.random() < 0.05 else atheris.Mutate(data, max_size)

    _load(instrument=True)
    atheris.Setup([sys.argv[0], *argv], check, custom_mutator=mutator)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
