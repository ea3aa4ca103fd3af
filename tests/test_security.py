"""Never hand a system folder to the new user; never create or switch to a user that fails the
build or is a system account (issue 12). The rules are `snippets.writable_path`,
`snippets.system_account` and `data/accounts.toml`; fixtures/volume-* and fixtures/error-*-family
show them on whole files."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from fixer import images, snippets

DEBIAN = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n"

REFUSED_PATHS = [
    "/", "//", "/etc", "/etc/", "//etc", "/etc/nginx", "/usr", "/usr/bin", "/usr/local/bin", "/bin", "/sbin",
    "/lib", "/lib64", "/boot", "/dev", "/dev/shm", "/proc", "/sys", "/root", "/run", "/var", "/var/log",
    "/var/lib", "/var/cache", "/var/lib/dpkg", "/var/lib/dpkg/info", "/var/lib/apt", "/var/cache/apt",
    "/var/lib/rpm", "/var/lib/sudo", "/run/sudo", "/var/run/sudo/ts", "/run/dbus", "/var/run/docker.sock",
    "/var/log/dpkg.log", "/var/log/journal", "/var/spool/cron", "/var/mail", "/home", "/tmp", "/opt", "/srv",
    "/mnt", "/media", "/snap/core", "/nix/store", "/lost+found",
    "/usr/src", "/usr/local", "/usr/local/bin", "/usr/local/sbin", "/usr/local/lib", "/usr/local/lib64",
    "/usr/local/lib/python3.12/site-packages", "/usr/local/include", "/usr/local/share/app", "/usr/local/etc",
    "/usr/local/libexec", "/usr/local/man", "/usr/local/src", "/usr/local/games", "/usr/src/linux-headers-6.1",
    "/usr/lib/app", "/usr/share/app",
]
REFUSED_DOTS = ["/a/../etc", "/data/..", "/./etc", "/data/./x", "/.."]
ACCEPTED_PATHS = [
    ("/var/lib/postgresql/data", "/var/lib/postgresql/data"), ("/var/log/myapp", "/var/log/myapp"),
    ("/app/uploads", "/app/uploads"), ("/data", "/data"), ("/var/cache/myapp", "/var/cache/myapp"),
    ("/run/myapp", "/run/myapp"), ("/var/run/myapp", "/var/run/myapp"), ("/var/www/html", "/var/www/html"),
    ("/srv/app", "/srv/app"), ("/opt/app/state", "/opt/app/state"), ("/home/app", "/home/app"),
    ("/tmp/app", "/tmp/app"), ("/mnt/data", "/mnt/data"), ("/data//x/", "/data/x"),
    ("/usr/src/app", "/usr/src/app"), ("/usr/src/app/uploads", "/usr/src/app/uploads"),
    ("/usr/local/myapp", "/usr/local/myapp"), ("/usr/local/myapp/data", "/usr/local/myapp/data"),
]


@pytest.mark.parametrize("path", REFUSED_PATHS)
def test_system_folders_are_refused(path):
    assert snippets.writable_path(path)[1] is not None


@pytest.mark.parametrize("path", REFUSED_DOTS)
def test_dot_components_are_refused_not_resolved(path):
    assert "'..'" in snippets.writable_path(path)[1]


@pytest.mark.parametrize("path,norm", ACCEPTED_PATHS)
def test_data_folders_are_accepted_normalised(path, norm):
    assert snippets.writable_path(path) == (norm, None)


@pytest.mark.parametrize("path", ["/etc", "/usr/bin", "/", "/var/lib/dpkg", "/a/../etc", "//etc"])
def test_writable_option_refused_before_any_file(path, tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_text(DEBIAN)
    code, out, err = cli(["--writable", path, "--write", f])
    assert code == 2, err
    assert err.startswith(f"dockerfix: error: --writable {path}: {path} "), err
    assert f.read_text() == DEBIAN and str(f) not in err


def test_writable_option_says_why_and_what_is_allowed(tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_text(DEBIAN)
    code, out, err = cli(["--writable", "/etc", f])
    assert code == 2
    assert "--writable /etc: /etc is a system folder; only data folders" in err and "/var/lib/NAME" in err


def test_allowed_writable_paths_are_created_and_chowned(tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_text(DEBIAN)
    paths = ["/var/lib/postgresql/data", "/var/log/myapp", "/app/uploads", "/data", "/data/"]
    code, out, err = cli([a for p in paths for a in ("--writable", p)] + ["--write", f])
    assert code == 0, err
    text = f.read_text()
    assert "mkdir -p /var/lib/postgresql/data /var/log/myapp /app/uploads /data \\\n" in text
    assert "chown 10001:10001 /var/lib/postgresql/data /var/log/myapp /app/uploads /data\n" in text


def test_writable_in_configuration_names_the_file(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text(DEBIAN)
    (tmp_path / ".dockerfix.toml").write_text('writable = ["/data", "/etc"]\n')
    code, out, err = cli(["--write", "Dockerfile"])
    assert code == 2
    assert "Dockerfile: error: configuration .dockerfix.toml: writable /etc: /etc is a system folder" in err, err
    assert (tmp_path / "Dockerfile").read_text() == DEBIAN


def test_volume_system_folder_is_not_chowned_but_the_file_is_fixed(tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_text(DEBIAN + "ENV V=/usr\nVOLUME $V/bin /etc/ /srv/../etc /var/lib/app\n")
    code, out, err = cli(["--format", "json", "--write", f])
    assert code == 0, err
    report = json.loads(out)[0]
    assert report["warnings"] == [
        "line 4: VOLUME /usr/bin is a system folder; not handed to the new user",
        "line 4: VOLUME /etc/ is a system folder; not handed to the new user",
        "line 4: VOLUME /srv/../etc has a '.' or '..' component (dockerfix never resolves those); "
        "not handed to the new user",
    ]
    text = f.read_text()
    assert "chown 10001:10001 /var/lib/app\n" in text and "USER appuser" in text


# --- users and groups ----------------------------------------------------------------------------------

REFUSED_OPTIONS = [
    (["--user", "root"], "--user root: root is the superuser"),
    (["--user", "ROOT"], "--user 'ROOT' is not a valid user/group name"),
    (["--uid", "0"], "--uid 0 must be an integer from 1 to 2147483647 (0 is root's)"),
    (["--gid", "0"], "--gid 0 is root's group: allowed only with --openshift"),
    (["--group", "root"], "--group root: root is the superuser"),
    (["--user", "nobody"], "--user nobody: nobody is the shared unprivileged account (65534)"),
    (["--group", "nogroup"], "--group nogroup: nogroup is the shared unprivileged account"),
    (["--user", "daemon"], "--user daemon: daemon is a system user of the base images (debian 1, alpine 2"),
    (["--user", "bin"], "the container must never run as a system account"),
    (["--user", "sys"], "--user sys: sys is a system user"),
    (["--user", "www-data"], "--user www-data: www-data is a system user"),
    (["--group", "users"], "--group users: users is a system group of the base images (debian 100"),
    (["--user", "staff"], "--user staff: staff is a system group of the base images (debian 50, busybox 50): "
                          "groupadd would fail the build (the new group is named after the user"),
    (["--uid", "65534"], "--uid 65534: every base image already has that id (debian family: user nobody"),
    (["--uid", "1", "--gid", "20000"], "--uid 1: every base image already has that id"),
    (["--gid", "65534"], "--gid 65534: every base image already has that id"),
]


@pytest.mark.parametrize("args,message", REFUSED_OPTIONS, ids=[" ".join(a) for a, _ in REFUSED_OPTIONS])
def test_accounts_refused_before_any_file(args, message, tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_text(DEBIAN)
    code, out, err = cli([*args, "--write", f])
    assert code == 2, err
    assert err.startswith("dockerfix: error: ") and message in err, err
    assert f.read_text() == DEBIAN


def test_a_non_system_name_for_the_user_with_a_free_group_is_fine(tmp_path, cli):
    """`staff` is only a group: as a user name with its own --group it creates nothing that exists."""
    f = tmp_path / "Dockerfile"
    f.write_text(DEBIAN)
    code, out, err = cli(["--user", "staff", "--group", "web", "--write", f])
    assert code == 0, err
    assert "groupadd --system --gid 10001 web" in f.read_text()


@pytest.mark.parametrize(
    "base,args,message",
    [
        ("debian:bookworm-slim", ["--gid", "100"], "--gid 100: the base image (debian family) already has group users (100)"),
        ("debian:bookworm-slim", ["--uid", "100"],
         "--uid 100 (also the group's gid): the base image (debian family) already has group users (100)"),
        ("debian:bookworm-slim", ["--uid", "33"], "--uid 33: the base image (debian family) already has user www-data (33:33)"),
        ("alpine:3.20", ["--gid", "999"], "--gid 999: the base image (alpine family) already has group ping (999)"),
        ("registry.example/private:1", ["--uid", "12", "--gid", "12000"],
         "--uid 12: a base image of some family (this one is unknown here) already has user games (12:100)"),
    ],
)
def test_ids_taken_in_the_family_are_refused_naming_the_from_line(base, args, message, tmp_path, cli):
    f = tmp_path / "Dockerfile"
    data = f"FROM {base}\nRUN mkdir /data\n"
    f.write_text(data)
    code, out, err = cli([*args, "--write", f])
    assert code == 2, err
    assert f"{f}:1: error: {message}" in err, err
    assert f.read_text() == data


def test_a_free_id_below_1000_is_allowed_with_a_warning(tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_text(DEBIAN)
    code, out, err = cli(["--uid", "500", "--format", "json", "--write", f])
    assert code == 0, err
    report = json.loads(out)[0]
    assert report["user_ids"] == "500:500"
    assert any("id 500 is below 1000" in w for w in report["warnings"]), report["warnings"]


def test_the_same_account_in_a_configuration_names_the_file(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "Dockerfile"
    f.write_text(DEBIAN)
    cases = {
        '.dockerfix.toml': ('user = "nobody"\n', "Dockerfile: error: configuration .dockerfix.toml: user nobody: nobody is the shared"),
        'pyproject.toml': ('[tool.dockerfix]\nuser = "root"\n', "Dockerfile: error: configuration pyproject.toml: user root: root is the superuser"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        code, out, err = cli(["--write", "Dockerfile"])
        assert code == 2 and message in err, err
        assert f.read_text() == DEBIAN
        (tmp_path / name).unlink()
    for text, message in (('group = "users"\n', "configuration .dockerfix.toml: group users: users is a system group"),
                          ("uid = 65534\n", "configuration .dockerfix.toml: uid 65534: every base image already has"),
                          ("gid = 100\n", "Dockerfile:1: error: --gid 100: the base image (debian family) already has group users")):
        (tmp_path / ".dockerfix.toml").write_text(text)
        code, out, err = cli(["--write", "Dockerfile"])
        assert code == 2 and message in err, (text, err)
        assert f.read_text() == DEBIAN


def test_image_service_users_are_still_switched_to(tmp_path, cli):
    f = tmp_path / "Dockerfile"
    f.write_text("FROM node:20\nRUN npm install -g pm2\n")
    code, out, err = cli(["--user", "node", "--write", f])
    assert code == 0, err
    assert f.read_text().endswith("USER node\n")


def test_a_dockerfile_user_in_non_ascii_digits_is_never_reused(tmp_path, cli):
    """int() reads "١٠٠٠" as 1000, but such text must never reach a generated chown."""
    f = tmp_path / "Dockerfile"
    data = "FROM debian:12\nUSER ١٠٠٠\nUSER root\nRUN apt-get install -y x\nVOLUME /data\n"
    f.write_text(data)
    code, out, err = cli(["--write", f])
    assert code == 0, err
    added = f.read_text()[len(data.split("VOLUME")[0]):]
    assert "١" not in added and "chown 10001:10001 /data" in added
    assert not snippets.valid_id("١٠٠٠") and not snippets.valid_id("²") and snippets.valid_id("1000")


# --- the data --------------------------------------------------------------------------------------------


def test_accounts_data_is_sourced_and_consistent():
    path = Path(snippets.__file__).parent / "data" / "accounts.toml"
    data = tomllib.loads(path.read_text())
    assert set(data) <= set(images.FAMILIES) and {"debian", "alpine", "rhel", "suse", "busybox"} <= set(data)
    for family, table in data.items():
        assert table["source"] and all(s.startswith("https://") for s in table["source"]), family
        assert table["users"]["root"] == "0:0" and table["groups"]["root"] == 0, family
        assert table["users"]["nobody"].startswith("65534:"), family
        for name, ids in table["users"].items():
            assert snippets.valid_name(name) and all(p.isdigit() for p in ids.split(":")), (family, name)
        uids = [int(v.split(":")[0]) for v in table["users"].values()]
        assert len(uids) == len(set(uids)), family
        assert len(table["groups"].values()) == len(set(table["groups"].values())), family


def test_image_service_users_are_not_system_accounts():
    """Users that images.toml lets `--user NAME` switch to must not be refused as system accounts,
    except the shared nobody (distroless lists it)."""
    for rule in images._rules():
        for name in rule.info.users:
            if snippets.valid_name(name) and name != "nobody":
                assert snippets.system_account(name) is None, name


def test_non_ascii_digits_are_no_id_on_the_fast_command_line_either(tmp_path):
    """The fast argument reader (no typer) must refuse what typer refuses: int() reads "١٠٠٠١"."""
    from test_cli import run_dockerfix

    f = tmp_path / "Dockerfile"
    f.write_text(DEBIAN)
    code, out, err = run_dockerfix(["--uid", "\u0661\u0660\u0660\u0660\u0661", "--write", f], cwd=tmp_path)
    assert code == 2 and b"--uid" in err, err
    assert f.read_text() == DEBIAN


@pytest.mark.parametrize("value", ["bob\n", "/data\n"])
def test_a_trailing_newline_is_not_part_of_a_plain_name_or_path(value):
    """`$` in a regex also matches before a final newline: `user = "bob\\n"` in a configuration file
    would have reached the generated RUN."""
    from fixer import snippets

    assert not snippets.valid_name(value)
    assert snippets.writable_path(value)[1] is not None
