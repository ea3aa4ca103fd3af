"""A run over many files in worker processes (fixer/workers.py, --jobs): the same report, the same
messages in the same order, the same writes and exit status as one process."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from paths import FIXTURES

from fixer import workers

pytestmark = pytest.mark.skipif(not workers.available(), reason="workers are forked: Linux only")


def tree(tmp_path, n=40):
    """n fixture Dockerfiles (fixed, left alone, already non-root) and one that fails to parse."""
    out = tmp_path / "tree"
    for case in sorted(p for p in FIXTURES.iterdir() if (p / "Dockerfile").is_file())[:n]:
        (out / case.name).mkdir(parents=True)
        shutil.copy(case / "Dockerfile", out / case.name / "Dockerfile")
    (out / "broken").mkdir()
    (out / "broken" / "Dockerfile").write_text("FROM debian:12\nNOTANINSTRUCTION x\n")
    return out


def run(args, cwd):
    p = subprocess.run([sys.executable, "-m", "fixer", *args], cwd=cwd, capture_output=True, text=True,
                       env={"DOCKERFIX_LOOKUP": "off", "PATH": "/usr/bin:/bin", "HOME": str(cwd)})
    return p.returncode, p.stdout, p.stderr


@pytest.mark.parametrize("args", [["--check", "--format", "json"], ["--diff"], ["--check", "-v"],
                                  ["--format", "json-lines"]])
def test_two_processes_say_what_one_says(tmp_path, args):
    t = tree(tmp_path)
    one = run([*args, "--jobs", "1", "."], t)
    two = run([*args, "--jobs", "2", "."], t)
    assert one == two
    assert one[0] == 2  # broken/ fails, the others are reported
    assert "broken/Dockerfile:2" in one[2]


def test_two_processes_write_what_one_writes(tmp_path):
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert run(["--write", "--jobs", "1", "."], a)[0] == 2
    assert run(["--write", "--jobs", "2", "."], b)[0] == 2
    for f in sorted(a.rglob("Dockerfile")):
        assert f.read_bytes() == (b / f.relative_to(a)).read_bytes(), f


def test_how_many_processes():
    assert workers.count(None, workers.MIN_FILES - 1) == 1  # a pre-commit run stays in one process
    assert workers.count(3, 100) == 3 and workers.count(8, 2) == 2  # --jobs, never more than files
    assert 1 <= workers.count(None, 1000) <= max(1, len(__import__("os").sched_getaffinity(0)))


def test_a_file_a_worker_cannot_do_is_done_by_the_command():
    """A worker's failure is not the file's: the command does it itself, in order."""
    def job(path, final):
        raise RuntimeError("lost")

    results = workers.Results(["a", "b"], job, 2)
    try:
        assert list(results) == [None, None]
    finally:
        results.close()


def test_bad_jobs_value_is_an_argument_error(tmp_path):
    code, _, err = run(["--check", "--jobs", "0", "."], tmp_path)
    assert code == 2 and "--jobs takes 1 or more" in err


def test_results_come_from_other_processes_in_order():
    import os

    results = workers.Results([str(i) for i in range(50)], lambda p, final: (int(p), os.getpid()), 2)
    try:
        got = list(results)
    finally:
        results.close()
    assert [n for n, _ in got] == list(range(50))
    assert os.getpid() not in {pid for _, pid in got}


def test_a_folder_run_uses_workers_and_one_file_does_not(tmp_path):
    from fixer import batch

    files = [str(f) for f in sorted(tree(tmp_path).rglob("Dockerfile"))]
    ahead = batch._ahead(files, None, None, None, None, batch._jobs(files, 2, None))  # --jobs 2 (the default: one per CPU)
    assert isinstance(ahead, workers.Results)
    ahead.close()
    assert batch._jobs(files[:workers.MIN_FILES - 1], None, None) == 1
    assert batch._jobs(files, 1, None) == 1  # --jobs 1
    assert batch._jobs(files + ["-"], 2, None) == 1  # stdin
    assert batch._jobs(files, 2, object()) == 1  # --verify
    assert batch._ahead(files, None, None, None, None, 1) is None


# what the command's process learnt between the two rounds (a worker of the second round is forked after)
LEARNT: list = []


def test_a_file_a_worker_cannot_finish_waits_for_the_command_and_a_second_round():
    """A first-round job returns `Later` for what only the command's process can do (the base
    images a registry must answer): `again` gets all of them at once, in the command's process,
    and workers forked after it do those files, which come back in their place in the order."""
    import os

    del LEARNT[:]

    def job(path, final):
        n = int(path)
        if n % 7 == 3 and not final:
            return workers.Later(n)
        return n, final, tuple(LEARNT), os.getpid()

    asked = []

    def again(what):
        asked.append(what)
        LEARNT.extend(what)

    results = workers.Results([str(i) for i in range(60)], job, 2, again)
    try:
        got = list(results)
    finally:
        results.close()
        later = [i for i in range(60) if i % 7 == 3]
        del LEARNT[:]
    assert asked == [later]  # once, with every waiting file, in the command's process
    assert [g[0] for g in got] == list(range(60))
    for n, final, learnt, pid in got:
        assert pid != os.getpid()
        assert (final, learnt) == ((True, tuple(later)) if n in later else (False, ()))


def test_without_waiting_files_there_is_one_round():
    asked = []
    results = workers.Results([str(i) for i in range(30)], lambda p, final: (int(p), final), 2, asked.append)
    try:
        assert list(results) == [(i, False) for i in range(30)]
    finally:
        results.close()
    assert asked == []


def test_large_and_unpicklable_results_and_a_worker_that_dies():
    """Results larger than a pipe holds come back whole; one that cannot be pickled, and the files
    a worker had in hand when it died, are the command's to do (None); the others come back."""
    import os

    def job(path, final):
        n = int(path)
        if n == 7:
            return lambda: n  # cannot be pickled
        if n == 30:
            os._exit(3)  # a worker killed mid-run
        return n, bytes([n]) * (300_000 if n % 10 == 0 else 10)

    results = workers.Results([str(i) for i in range(60)], job, 2)
    try:
        got = list(results)
    finally:
        results.close()
    assert got[7] is None and got[30] is None
    for n, item in enumerate(got):
        if item is not None:
            assert item == (n, bytes([n]) * (300_000 if n % 10 == 0 else 10))
    assert sum(item is not None for item in got) >= 60 - 2 - 16  # at most the dead worker's ranges
