"""What the program writes as the new user (issue 14): which paths dockerfix hands over, how
`.dockerignore` is read, what is moved out of /root and when it is not, and --openshift.
Whole files are in fixtures/writable-*, fixtures/root-relocation-*, fixtures/openshift-*."""

from __future__ import annotations

import pytest

from fixer import facts, writable
from fixer.errors import DockerfixError
from fixer.parse import parse
from fixer.pipeline import fix
from fixer.plan import Options
from fixer.source import decode
from fixer.stages import analyze, split_stages


def analysis(text: str):
    df = parse(decode(text.encode()))
    st = split_stages(df)
    return df, analyze(df, st, None, facts.info(*facts.base_of(st)))


def handed(text: str, context=None) -> dict[str, bool]:
    """path -> recursive, of what `writable.needs` hands to the user."""
    _, an = analysis(text)
    return {p.path: p.recursive for p in writable.needs(an, context, None, "u").paths}


BASE = "FROM debian:bookworm-slim\nRUN apt-get update\n"


def test_working_folder_alone_only_when_a_program_runs():
    assert handed(BASE + "WORKDIR /app\nCMD [\"./run\"]\n") == {"/app": False}
    assert handed(BASE + "WORKDIR /app\n") == {}


@pytest.mark.parametrize("workdir", ["/usr/src/app", "/usr/local/myapp", "/home/app/web"])
def test_usual_application_folders_are_handed_over(workdir):
    assert handed(BASE + f"WORKDIR {workdir}\nCMD [\"./run\"]\n") == {workdir: False}


@pytest.mark.parametrize("workdir", ["/usr/local/bin", "/srv", "/etc/app", "/var/lib"])
def test_system_working_folders_are_not(workdir):
    assert handed(BASE + f"WORKDIR {workdir}\nCMD [\"./run\"]\n") == {}


@pytest.mark.parametrize("script,expected", [
    ("mkdir -p /data/uploads", {"/data/uploads": False}),
    ("install -d -m 0750 /var/lib/myapp", {"/var/lib/myapp": False}),
    ("mkdir -p /opt/tool/bin", {}),  # not named like data
    ("mkdir -p /data && cp seed.db /data/", {}),  # filled by the build
    ("mkdir -p /app/logs /app/logs/archive", {"/app/logs": False}),  # a folder it makes inside is no fill
    ("mkdir -p /etc/app/data", {}),  # a system tree
    ("mkdir -p /data && chown daemon /data", {}),  # the file chose an owner
])
def test_folders_made_for_data(script, expected):
    got = handed(BASE + f"RUN {script}\nCMD [\"./run\"]\n")
    assert got == expected


def test_a_folder_something_is_copied_into_is_not_data():
    assert handed(BASE + "RUN mkdir -p /data\nCOPY seed/ /data/\nCMD [\"./run\"]\n") == {}


def test_a_workdir_made_only_for_data_is_handed_over_but_not_one_a_step_runs_in():
    assert handed(BASE + "WORKDIR /var/cache/app\nWORKDIR /srv/app\nCMD [\"./run\"]\n") == {
        "/srv/app": False, "/var/cache/app": False}
    assert handed(BASE + "WORKDIR /var/cache/app\nRUN make\nWORKDIR /srv/app\nCMD [\"./run\"]\n") == {
        "/srv/app": False}


def test_context_data_in_the_working_folder(tmp_path):
    (tmp_path / "instance").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "app.db").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    text = BASE + "WORKDIR /app\nCOPY . .\nCMD [\"./run\"]\n"
    assert handed(text, str(tmp_path)) == {"/app": False, "/app/instance": True, "/app/app.db": False}
    # copied elsewhere: not the working folder's data
    assert handed(BASE + "WORKDIR /app\nCOPY . /opt/other/\nCMD [\"./run\"]\n", str(tmp_path)) == {"/app": False}


def test_a_data_folder_copied_by_name(tmp_path):
    (tmp_path / "storage").mkdir()
    text = BASE + "WORKDIR /app\nCOPY storage/ ./storage/\nCMD [\"./run\"]\n"
    assert handed(text, str(tmp_path)) == {"/app": False, "/app/storage": True}


@pytest.mark.parametrize("patterns,path,expected", [
    (["*.db"], "app.db", True),
    (["*.db", "!keep.db"], "keep.db", False),
    (["data"], "data", True),
    (["data/"], "data", True),
    (["/data"], "data", True),
    (["**/*.sqlite3"], "db.sqlite3", True),
    (["**/*.sqlite3"], "sub/db.sqlite3", True),
    (["instance"], "instance/app.db", True),  # a parent folder that is ignored
    (["*.db"], "sub/app.db", False),  # `*` does not cross folders
    (["# *.db", ""], "app.db", False),
])
def test_dockerignore(tmp_path, patterns, path, expected):
    (tmp_path / ".dockerignore").write_text("\n".join(patterns) + "\n")
    assert writable.ignored(path, writable._ignore_patterns(str(tmp_path), None)) is expected


def test_dockerfile_specific_ignore_file_wins(tmp_path):
    (tmp_path / ".dockerignore").write_text("*.db\n")
    (tmp_path / "Dockerfile.dockerignore").write_text("logs\n")
    pats = writable._ignore_patterns(str(tmp_path), str(tmp_path / "Dockerfile"))
    assert not writable.ignored("app.db", pats) and writable.ignored("logs", pats)


# --- /root ----------------------------------------------------------------------------------------

PIP_USER = """FROM python:3.12 AS build
RUN pip install --user httpie
FROM python:3.12-slim
COPY --from=build /root/.local /root/.local
ENV PATH=/root/.local/bin:$PATH
"""


def fixed(text: str, **opts) -> str:
    return fix(text.encode(), Options(**opts)).output.decode()


def test_pip_user_install_moved_to_the_new_home():
    out = fixed(PIP_USER + "CMD [\"http\"]\n")
    assert "&& mv /root/.local /home/appuser/.local \\\n    && chown 10001:10001 /home/appuser/.local\n" in out
    assert out.endswith("ENV PATH=/home/appuser/.local/bin:$PATH\nUSER appuser\nCMD [\"http\"]\n")
    assert "chown -R" not in out  # the installed code stays root's


def test_not_moved_when_a_later_line_names_the_old_path():
    res = fix((PIP_USER + "HEALTHCHECK CMD /root/.local/bin/http --version\nCMD [\"http\"]\n").encode())
    assert "mv /root" not in res.output.decode()
    assert any("/root/.local stays under /root" in w for w in res.warnings)
    assert any("ENV PATH includes /root/.local/bin" in w for w in res.warnings)


def test_left_alone_when_the_program_itself_is_under_root():
    """CMD runs the program from /root/.local: it cannot be moved (the CMD names it) and the new
    user cannot run it there, so the file is left alone (needs-root-home) rather than fixed with a
    warning."""
    res = fix((PIP_USER + 'CMD ["/root/.local/bin/http"]\n').encode())
    assert res.rule == "needs-root-home" and res.output.decode() == PIP_USER + 'CMD ["/root/.local/bin/http"]\n'


def test_not_moved_when_the_entrypoint_script_names_it(tmp_path):
    (tmp_path / "run.sh").write_text("#!/bin/sh\nexec /root/.local/bin/http \"$@\"\n")
    text = PIP_USER + "COPY run.sh /run.sh\nENTRYPOINT [\"/run.sh\"]\n"
    res = fix(text.encode(), Options(), str(tmp_path))
    assert "mv /root" not in res.output.decode()
    assert any("the entrypoint script names /root/.local" in w for w in res.warnings)


def test_not_moved_when_the_env_is_set_again_later_or_is_not_plain():
    res = fix((PIP_USER + "ENV PATH=/opt/bin:$PATH\nCMD [\"http\"]\n").encode())
    assert "mv /root" not in res.output.decode()
    res = fix((PIP_USER.replace("ENV PATH=/root/.local/bin:$PATH", 'ENV PATH="/root/.local/bin:/a b:$PATH"')
               + "CMD [\"http\"]\n").encode())
    assert "mv /root" not in res.output.decode()


def test_nothing_moved_for_a_user_the_image_has():
    out = fixed(PIP_USER.replace("python:3.12-slim", "node:20") + "CMD [\"http\"]\n")
    assert "mv /root" not in out and "USER node" in out


def test_home_set_to_the_new_home():
    out = fixed(BASE + "ENV HOME=/root\nCMD [\"./run\"]\n")
    assert out.endswith("ENV HOME=/home/appuser\nUSER appuser\nCMD [\"./run\"]\n")


# --- --openshift ----------------------------------------------------------------------------------


def test_openshift_gid_rules():
    Options(openshift=True).validate()
    Options(openshift=True, gid=0).validate()
    with pytest.raises(DockerfixError, match="allowed only with --openshift"):
        Options(gid=0).validate()
    with pytest.raises(DockerfixError, match="with --openshift the user's group is 0"):
        Options(openshift=True, gid=5000).validate()


def test_openshift_reused_user_keeps_its_uid_and_gets_group_0():
    out = fixed("FROM node:20\nRUN apt-get update\nRUN mkdir -p /data\nCMD [\"node\", \"s.js\"]\n", openshift=True)
    assert "RUN chown 1000:0 /data \\\n    && chmod g=u /data\nUSER 1000\n" in out


def test_openshift_portable_user_has_no_group_of_its_own():
    out = fixed("FROM example.com/unknown:1\nRUN mkdir /app\nCMD [\"x\"]\n", openshift=True)
    assert "groupadd" not in out and "addgroup" not in out and "/etc/group" not in out
    assert "useradd --no-log-init --uid 10001 --gid root" in out and "USER 10001\n" in out


def test_openshift_in_configuration(tmp_path, cli):
    (tmp_path / ".dockerfix.toml").write_text("openshift = true\n")
    f = tmp_path / "Dockerfile"
    f.write_text(BASE + "CMD [\"x\"]\n")
    code, out, err = cli(["--write", f])
    assert code == 0, err
    assert "--gid root" in f.read_text() and f.read_text().endswith("USER 10001\nCMD [\"x\"]\n")


# --- log folders the program's own configuration names (a JVM program built from the context)

from fixer.writable import _config_log_folders  # noqa: E402


def _maven(tmp_path, files):
    (tmp_path / "pom.xml").write_text("<project/>")
    res = tmp_path / "src" / "main" / "resources"
    res.mkdir(parents=True)
    for name, text in files.items():
        (res / name).write_text(text)
    return str(tmp_path)


def test_config_log_folders_nested_yaml_and_spring_default(tmp_path):
    ctx = _maven(tmp_path, {"application.yml": "server:\n  port: 8080\nlogging:\n  file:\n    path: /var/log/shop\n"
                                               "    name: ${LOG_FILE:/srv/shop/logs/shop.log}\n",
                            "application-dev.properties": "logging.file.path=logs\n"})
    assert _config_log_folders(ctx) == [("/var/log/shop", "src/main/resources/application.yml:5"),
                                       ("/srv/shop/logs", "src/main/resources/application.yml:6")]


def test_config_log_folders_need_a_jvm_build_and_absolute_paths(tmp_path):
    files = {"application.properties": "app.logdir=/data/logs\napp.datadir=/data/db\nlogging.file.name=app.log\n"}
    assert _config_log_folders(_maven(tmp_path, files)) == [("/data/logs", "src/main/resources/application.properties:1")]
    (tmp_path / "pom.xml").unlink()
    assert _config_log_folders(str(tmp_path)) == []


def test_copied_configuration_names_log_folders(tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "supervisor.conf").write_text("[supervisord]\nlogfile=/var/log/worker/worker.log\n")
    (tmp_path / "conf" / "app.ini").write_text("[log]\nlog_file = /dev/stdout\nerror_log = /var/log/x/e.log\n"
                                               "log_dir = /proc/self/fd\n")
    (tmp_path / "conf" / "app.yml").write_text("log:\n  path: /tmp/app\nstorage:\n  logdir: /srv/app/logs\n")
    text = "FROM debian:bookworm-slim\nCOPY conf/ /etc/app/\nCMD [\"app\"]\n"
    _, an = analysis(text)
    assert writable._copied_config_log_folders(an, str(tmp_path)) == [
        ("/proc/self/fd", "conf/app.ini:4"), ("/tmp/app", "conf/app.yml:2"), ("/srv/app/logs", "conf/app.yml:4"),
        ("/var/log/worker", "conf/supervisor.conf:2")]
    # /tmp is the program's anyway, /dev and /proc are never handed over
    assert {p.path for p in writable.needs(an, str(tmp_path), None, "u").paths} == {"/srv/app/logs", "/var/log/worker"}


@pytest.mark.parametrize("line", ['WORKDIR "/srv/app"', "WORKDIR '/srv/app'", "WORKDIR /srv/app"])
def test_a_quoted_workdir_is_the_folder_buildkit_makes(line):
    """BuildKit's word processing removes the quotes of `WORKDIR "/srv/app"` (as a shell would):
    the working folder is /srv/app, and a COPY to a relative or quoted path lands in it."""
    _, an = analysis(f'FROM debian:12\n{line}\nCOPY run.sh "run.sh"\nCMD ["/srv/app/run.sh"]\n')
    assert an.workdir == "/srv/app", an.workdir
    assert [d for d, _, _ in an.copy_dests] == ["/srv/app/run.sh"], an.copy_dests


def test_an_entrypoint_keeps_the_cmd_of_its_own_stage():
    """BuildKit resets CMD at an ENTRYPOINT only when the CMD came from the stage's base (its
    cmdSet): `CMD ["/app/start.sh"]` then `ENTRYPOINT ["/bin/sh"]` in one stage runs `sh /app/start.sh`."""
    _, an = analysis('FROM alpine:3.20\nCOPY start.sh /app/\nCMD ["/app/start.sh"]\nENTRYPOINT ["/bin/sh"]\n')
    assert an.cmd is not None and an.cmd.value == ("/app/start.sh",), an.cmd
    _, an = analysis('FROM alpine:3.20 AS base\nCMD ["/app/start.sh"]\nFROM base\nENTRYPOINT ["/bin/sh"]\n')
    assert an.cmd is None, an.cmd  # the CMD of the stage it builds on is reset
