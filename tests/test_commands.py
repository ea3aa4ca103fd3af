"""Command knowledge as data (issue 20): data/commands.toml says what each command does, and the
shell walk applies it. Every entry names its source and a behaviour the walk has; an entry added
to the data (in memory, or to the TOML of a copy of the package) changes what a RUN is found to do."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys

import pytest
from paths import FIXTURES

from fixer import commands, datafiles
from fixer.shell import ShellContext, analyze_shell
from fixer.shellsystem import HANDLERS as SYSTEM_HANDLERS
from fixer.shellwrite import HANDLERS as WRITE_HANDLERS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = datafiles.load("commands")
ENTRIES = sorted(DATA["command"].items())
# what the walk does with an entry: one of these keys must be there
ROLES = ("reads", "root", "family", "user_tool", "wrapper", "elevates", "shell", "builtin", "alias_of", "handler",
         "drops_privileges")
USER_OWNED = ShellContext(workdir="/app", workdir_root_owned=False)


def with_entries(**entries) -> commands.Knowledge:
    data = copy.deepcopy(DATA)
    for name, entry in entries.items():
        data["command"][name] = {"source": "https://example.com/manual", **entry}
    return commands.build(data)


@pytest.mark.parametrize("name,entry", ENTRIES, ids=[n for n, _ in ENTRIES])
def test_every_entry_names_its_source_and_what_the_command_does(name, entry):
    source = entry["source"]
    if source.startswith("fixture:"):
        assert (FIXTURES / source.split(":", 1)[1] / "Dockerfile").is_file(), source
    else:
        assert source.startswith("https://"), source
    assert any(k in entry for k in ROLES), f"{name}: the walk does nothing with it"
    if "handler" in entry:
        table = SYSTEM_HANDLERS if "root" in entry else WRITE_HANDLERS
        assert entry["handler"] in table, entry["handler"]
    if entry.get("user_tool"):
        assert entry["user_tool"] in SYSTEM_HANDLERS, entry["user_tool"]
    if "alias_of" in entry:
        assert entry["alias_of"] in DATA["command"]
    if "builtin" in entry:
        assert entry["builtin"] in ("cd", "set", "eval")
    if "drops_privileges" in entry:  # names go into a regular expression as they are
        assert all(c.isalnum() or c in "-_" for c in name), name


def test_an_unknown_key_is_an_error():
    with pytest.raises(ValueError, match=r"\[command.frob\] has unknown keys \['rooot'\]"):
        commands.build({"command": {"frob": {"source": "https://example.com", "rooot": "typo"}}})


def test_a_root_tool_from_the_data():
    assert analyze_shell("frobctl --sync", USER_OWNED).root == []  # unknown, in a folder of the user's
    known = with_entries(frobctl={"root": "it writes the frob database", "proves": True})
    facts = analyze_shell("frobctl --sync", USER_OWNED, known)
    assert [f.reason for f in facts.root] == ["frobctl needs root: it writes the frob database"]
    assert [f.reason for f in facts.proofs] == ["frobctl: it writes the frob database"]


def test_a_reader_a_wrapper_and_a_package_manager_from_the_data():
    unknown = analyze_shell("frobcat /etc/os-release")  # the working folder / is root's
    assert [f.reason for f in unknown.root] == ["frobcat may write into the root-owned folder /"]
    known = with_entries(frobcat={"reads": True}, frobwrap={"wrapper": True, "with_value": ["-n"]},
                         frobpm={"family": "frobian", "read_only": ["search"]})
    assert analyze_shell("frobcat /etc/os-release", known=known).root == []
    wrapped = analyze_shell("frobwrap -n 5 apt-get install -y curl", USER_OWNED, known)
    assert [f.reason for f in wrapped.root] == ["apt-get install needs root (package manager)"]
    pm = analyze_shell("frobpm search x && frobpm add y", USER_OWNED, known)
    assert pm.families == ["frobian"] and [f.reason for f in pm.root] == ["frobpm add needs root (package manager)"]


def test_a_writer_from_the_data():
    """A new program whose kind of behaviour a handler has is a data change: frobcp copies like cp."""
    known = with_entries(frobcp={"handler": "copy", "filler": True, "with_value": ["-t"]})
    facts = analyze_shell("frobcp app.conf /etc/frob/", USER_OWNED, known)
    assert [f.reason for f in facts.root] == ["frobcp /etc/frob/ needs root: /etc/frob is root-owned"]
    assert facts.writes == ["/etc/frob/"]


def test_the_toml_of_a_copy_of_the_package_drives_a_run(tmp_path):
    """An entry added to data/commands.toml (whose JSON copy is then stale, so the TOML is read)
    changes both the shell walk and the privilege-drop tools image facts and rules read."""
    shutil.copytree(os.path.join(ROOT, "fixer"), tmp_path / "fixer", ignore=shutil.ignore_patterns("__pycache__"))
    probe = ("from fixer.shell import ShellContext, analyze_shell\nfrom fixer.commands import drop_tool\n"
             "ctx = ShellContext(workdir='/app', workdir_root_owned=False)\n"
             "print([f.reason for f in analyze_shell('frobctl --sync', ctx).root])\n"
             "print(drop_tool('exec frobdrop app /usr/bin/server'))\n")

    def run() -> list[str]:
        out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(tmp_path)})
        assert out.returncode == 0, out.stderr
        return out.stdout.splitlines()

    assert run() == ["[]", "None"]
    with open(tmp_path / "fixer" / "data" / "commands.toml", "a", encoding="utf-8") as f:
        f.write('\n[command.frobctl]\nroot = "it writes the frob database"\nsource = "https://example.com"\n'
                '\n[command.frobdrop]\ndrops_privileges = ""\nsource = "https://example.com"\n')
    assert run() == ["['frobctl needs root: it writes the frob database']", "frobdrop"]


def test_privilege_drop_tools_come_from_the_data():
    drops = {n for n, e in ENTRIES if "drops_privileges" in e}
    assert {"gosu", "su-exec", "setpriv", "runuser", "s6-setuidgid", "chpst", "chroot", "su"} <= drops
    assert commands.drop_tool("exec gosu app server") == "gosu"
    assert commands.drop_tool("setpriv --reuid=1000 --regid=1000 --init-groups server") == "setpriv"
    assert commands.drop_tool("setpriv --dump") is None  # setpriv drops only with --reuid/--regid
    assert commands.drop_tool("su postgres -c 'pg_ctl start'") == "su"
    assert commands.INSTALL_DROP_RE.search("RUN apk add --no-cache su-exec").group(1) == "su-exec"
