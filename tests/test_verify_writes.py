"""What --verify reads of a program's writes (fixer/verify_writes.py), on real folders and on
`docker diff` text: the write set, where the fixed image writes it, and what is handed over."""

from __future__ import annotations

import os

from fixer import verify_writes as vw


def tree(root, files):
    for rel, text in files.items():
        p = root / rel.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_snapshot_compare_finds_added_changed_replaced_and_deleted(tmp_path):
    tree(tmp_path, {"/app/app.db": "x", "/app/conf/app.conf": "host=a\n", "/app/old.log": "1",
                    "/tmp/scratch": "", "/etc/hosts": "", "/var/lib/keep": "k"})
    before = vw.snapshot(str(tmp_path))
    assert "/tmp/scratch" not in before and "/app/app.db" in before
    with open(tmp_path / "app/app.db", "a") as f:  # appended: changed in place
        f.write("row")
    new = tmp_path / "app/conf/app.conf.new"  # sed -i: a new file renamed over the old one
    new.write_text("host=b\n")
    os.replace(new, tmp_path / "app/conf/app.conf")
    (tmp_path / "app/old.log").unlink()
    tree(tmp_path, {"/dump.rdb": "r", "/tmp/other": "", "/etc/hosts": "127.0.0.1 x\n", "/data/x/y.txt": "y"})
    os.utime(tmp_path / "var/lib")  # only the folder's time: no write of the program's
    rows = vw.compare(before, vw.snapshot(str(tmp_path)))
    assert vw.write_set(rows) == [("C", "/app/app.db"), ("R", "/app/conf/app.conf"), ("D", "/app/old.log"),
                                  ("A", "/data/x/y.txt"), ("A", "/dump.rdb")]
    folders, files, refused = vw.handover(vw.write_set(rows), rows)
    # the replaced file needs its folder; the appended one alone; made paths through the nearest
    # folder the image had; / is never handed over
    assert files == ["/app/app.db"]
    assert sorted(folders) == ["/app", "/app/conf"]
    assert refused == [("/data/x/y.txt", "/", "is the root of the file system"),
                       ("/dump.rdb", "/", "is the root of the file system")]


def test_docker_diff_text_and_system_folders_refused():
    rows = vw.parse_diff("A /run\nC /var\nC /var/lib\nA /var/lib/counter\nA /var/lib/counter/n\nC /etc\nA /etc/hosts\n"
                         "C /run\nA /run/secrets/x\nC /srv/app\nA /srv/app/out.csv\n")
    learnt = vw.write_set(rows)
    assert learnt == [("A", "/srv/app/out.csv"), ("A", "/var/lib/counter/n")]
    folders, files, refused = vw.handover(learnt, rows)
    assert folders == ["/srv/app"] and files == []
    assert refused[0][:2] == ("/var/lib/counter/n", "/var/lib") and "system" in refused[0][2]


def test_relative_writes_are_compared_in_the_fixed_working_folder():
    rows = [("A", "/dump.rdb", False), ("A", "/var/lib/other/x", False), ("C", "/var/lib/other", True)]
    assert vw.mapped("/dump.rdb", "A", rows, "/", "/var/lib/redis") == "/var/lib/redis/dump.rdb"
    # an absolute write into a folder the image had is not moved
    assert vw.mapped("/var/lib/other/x", "A", rows, "/", "/var/lib/redis") == "/var/lib/other/x"
    assert vw.mapped("/dump.rdb", "A", rows, "/", "/") == "/dump.rdb"
    orig = [("A", "/dump.rdb")]
    assert vw.missing(orig, [("A", "/var/lib/redis/dump.rdb")], rows, "/", "/var/lib/redis") == []
    assert vw.missing(orig, [], rows, "/", "/var/lib/redis") == ["/dump.rdb"]


def test_permission_denied_in_the_output():
    assert vw.denied("ok\nsed: couldn't open temporary file conf/sedX: Permission denied\n") == (
        "sed: couldn't open temporary file conf/sedX: Permission denied")
    assert vw.denied("PermissionError: [Errno 13] Permission denied: 'app.db'").startswith("PermissionError")
    assert vw.denied("open: EACCES") == "open: EACCES"
    assert vw.denied("all fine\n") is None
