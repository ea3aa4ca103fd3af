"""Rules of the `program` family that look at the repository around the Dockerfile."""

from __future__ import annotations

import json


def report(cli, path):
    code, out, err = cli(["--isolated", "--format", "json", "--check", path])
    assert code in (0, 1), err
    return json.loads(out)[0]


def repo(tmp_path, files: dict[str, str]):
    (tmp_path / ".git").mkdir()
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


DOCKERFILE = """FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends openssh-server && rm -rf /var/lib/apt/lists/*
COPY docker/entrypoint.sh /entrypoint.sh
ENTRYPOINT ["/entrypoint.sh"]
"""


def test_entrypoint_script_read_from_the_repository_root(cli, tmp_path):
    # built with `docker build -f docker/Dockerfile .`: the COPY source is relative to the root
    r = repo(tmp_path, {"docker/Dockerfile": DOCKERFILE,
                        "docker/entrypoint.sh": "#!/bin/sh\nmkdir -p /run/sshd\nexec /usr/sbin/sshd -D\n"})
    rep = report(cli, r / "docker" / "Dockerfile")
    assert rep["rule"] == "starts-as-root"
    assert "script docker/entrypoint.sh (copied on line 3) starts sshd" in rep["skipped"]


def test_entrypoint_script_in_the_repository_without_root_work_is_fixed(cli, tmp_path):
    r = repo(tmp_path, {"docker/Dockerfile": DOCKERFILE,
                        "docker/entrypoint.sh": "#!/bin/sh\nexec python3 -m http.server 8080\n"})
    rep = report(cli, r / "docker" / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


# --- command lines that switch users (drops-privileges) and rewrite files in place (rewrites-root-config)

import pytest  # noqa: E402

from fixer.rules.program.rewrites_root_config import _inplace_files, _words, _writes  # noqa: E402
from fixer.switchuser import switch_tool  # noqa: E402


@pytest.mark.parametrize("line, tool", [
    ("sudo -u app /app/run", "sudo"),
    ("exec sudo -H -E -u \"$APP_USER\" bash -c 'node x'", "sudo"),
    ("sudo -Eu app x", "sudo"),
    ("sudo --user=app x", "sudo"),
    ("sudo -g staff -u app x", "sudo"),
    ("[ \"$(id -u)\" = 0 ] && su app -c 'x'", "su"),
    ("exec su -s /bin/sh -c 'node s.js' node", "su"),
    ("exec su - app", "su"),
    ("sh -c \"su app -c x\"", "su"),
    ("capsh --user=\"${DNSMASQ_USER}\" --keep=1 -- -c \"/usr/bin/ftl >/dev/null\" &", "capsh"),
    ("capsh --has-p=cap_chown 2>/dev/null && CAP_STR+=',CAP_CHOWN'", None),
    ("capsh --user=root -- -c x", None),
    # runs something as root, or only talks about su/sudo
    ("sudo apt-get install -y curl", None),
    ("sudo -u root x", None),
    ("sudo -u app", None),
    ("su root -c x", None),
    ("su -c x", None),
    ("echo \"debug: docker exec -it c su app -c sh\"", None),
    ("hint='sudo -u app x'", None),
])
def test_switch_tool(line, tool):
    assert switch_tool(line) == tool


@pytest.mark.parametrize("line, files", [
    ("sed -i 's/a/b/' /opt/app/a.ini", ["/opt/app/a.ini"]),
    ("sed -ie 's/a/b/' f.conf", ["f.conf"]),  # -ie: in place with the suffix 'e', then the script
    ("sed -i.bak -e 's/a/b/' -e 's/c/d/' one two", ["one", "two"]),
    ("sed -E -i \"s/x/$Y/\" \"$CONF\"", ["$CONF"]),
    ("sed 's/a/b/' in > out", []),
    ("perl -pi -e 's/a/b/' app.ini", ["app.ini"]),
])
def test_inplace_files(line, files):
    tool, rest = line.split(None, 1)
    assert _inplace_files(tool, _words(rest)) == files


def test_writes_redirects_and_tee():
    assert _writes("envsubst < /t/site.tpl > /srv/site.conf 2>/dev/null") == [("/srv/site.conf", "envsubst >")]
    assert _writes("echo x | tee -a /opt/a.ini >/dev/null") == [("/dev/null", ">"), ("/opt/a.ini", "tee")]
    assert _writes("cmd 2>&1 >&2") == []


# --- where the entrypoint script came from (evidence.origins) ---------------------------------------

TRACED = """FROM alpine:3.20 AS src
WORKDIR /src
COPY . .

FROM alpine:3.20
RUN apk add --no-cache su-exec
COPY --from=src /src/ops /opt/ops
RUN cp /opt/ops/start.sh /usr/local/bin/start
ENTRYPOINT ["start"]
"""


def test_entrypoint_traced_through_a_stage_and_a_run_copy(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": TRACED, "ops/start.sh": "#!/bin/sh\nexec su-exec app /opt/app \"$@\"\n"})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "drops-privileges"
    assert "script ops/start.sh (copied from the build context on line 3) drops privileges itself with su-exec" in rep["skipped"]


def test_traced_entrypoint_never_read_outside_the_repository(cli, tmp_path):
    outside = tmp_path / "outside.sh"
    outside.write_text("#!/bin/sh\nexec su-exec app /opt/app\n")
    (tmp_path / "repo").mkdir()
    r = repo(tmp_path / "repo", {"Dockerfile": TRACED})
    (r / "ops").mkdir()
    (r / "ops" / "start.sh").symlink_to(outside)  # a hostile symlink out of the build context
    rep = report(cli, r / "Dockerfile")
    assert "which dockerfix cannot read here" in rep["skipped"], rep["skipped"]  # not the file the link names


def test_traced_copies_stop_at_cycles_and_images(cli, tmp_path):
    text = ("FROM alpine:3.20 AS a\nCOPY --from=b /x /x\nFROM alpine:3.20 AS b\nCOPY --from=a /x /x\n"
            "FROM alpine:3.20\nCOPY --from=b /x /usr/local/bin/x\nCOPY --from=busybox:1.36 /bin/sh /y\n"
            "ENTRYPOINT [\"x\"]\n")
    r = repo(tmp_path, {"Dockerfile": text, "x": "#!/bin/sh\nexec gosu app /bin/true\n"})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


@pytest.mark.parametrize("script, root_check", [
    ('if [ "$(id -u)" = 0 ]; then chown -R app /data; fi', True),
    ('me="$(id -u)"\nif [ "$me" -eq 0 ]; then chown -R app /data; fi', True),
    ('u=`id -u`\n[ "$u" != "0" ] || chown -R app /data', True),
    ('if [ "$(whoami)" = "root" ]; then chown -R app /data; fi', True),
    ('who=$(id -un)\nif [ "$who" = root ]; then chown app /data; fi', True),
    ('me="$(id -u)"\necho "running as $me"\nexec "$@"', False),
    ('count=$(id -u)\nsleep 10', False),
])
def test_runs_as_root_check(script, root_check):
    from fixer.rules.program.starts_as_root import runs_as_root_check

    assert runs_as_root_check(script) is root_check


# --- state in root's home (state-in-root-home) and owner-only execute bits (owner-only-exec)

from fixer.rules.program.owner_only_exec import mode_effect  # noqa: E402


@pytest.mark.parametrize("mode, effect", [
    ("u+x", "owner"), ("ug+x", "owner"), ("u+rwx", "owner"), ("700", "owner"), ("0744", "owner"), ("750", "owner"),
    ("+x", "all"), ("a+x", "all"), ("755", "all"), ("0755", "all"), ("u+x,o+x", "all"), ("u=rwx,go=rx", "all"),
    ("644", "none"), ("go-w", "none"), ("600", "none"), ("$MODE", None), ("bogus", None),
])
def test_chmod_mode_effect_on_others_execute_bit(mode, effect):
    assert mode_effect(mode) == effect


# --- inherited-entrypoint ----------------------------------------------------------------------

DB = ('FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y gosu mariadb-server && rm -rf /var/lib/apt/lists/*\n'
      'COPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["mariadbd"]\n')
DROPS = '#!/bin/sh\nset -e\nif [ "$(id -u)" = 0 ]; then\n  chown -R mysql /var/lib/mysql\n  exec gosu mysql "$0" "$@"\nfi\nexec "$@"\n'
CHILD = "FROM acme/db:1.2\nRUN apt-get update && apt-get install -y curl\n"


def test_a_child_of_the_repository_s_own_image_keeps_its_entrypoint(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": DB, "docker-entrypoint.sh": DROPS, "Makefile": "build:\n\tdocker build -t acme/db .\n",
                        "examples/plugins/Dockerfile": CHILD})
    rep = report(cli, r / "examples" / "plugins" / "Dockerfile")
    assert rep["rule"] == "inherited-entrypoint", rep
    assert rep["skipped"].startswith(
        "line 1 builds FROM acme/db:1.2, which Dockerfile of this repository builds, and keeps its entrypoint, which "
        "needs root there (drops-privileges): Dockerfile line 4: the ENTRYPOINT script"), rep


@pytest.mark.parametrize("files", [
    # the child runs its own program
    {"examples/plugins/Dockerfile": CHILD + 'COPY app /app\nENTRYPOINT ["/app"]\n'},
    # the parent's program needs no root: nothing to inherit
    {"Dockerfile": 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nCOPY app /usr/local/bin/app\n'
                   'CMD ["app"]\n'},
    # an image of another repository with the same last name
    {"Makefile": "build:\n\tdocker build -t acme/web .\n"},
])
def test_children_that_inherit_no_root_entrypoint_are_not_this_rule(cli, tmp_path, files):
    base = {"Dockerfile": DB, "docker-entrypoint.sh": DROPS, "Makefile": "build:\n\tdocker build -t acme/db .\n",
            "examples/plugins/Dockerfile": CHILD}
    r = repo(tmp_path, {**base, **files})
    rep = report(cli, r / "examples" / "plugins" / "Dockerfile")
    assert rep["rule"] != "inherited-entrypoint", rep


def test_images_of_the_repository_built_from_each_other_do_not_loop(cli, tmp_path):
    r = repo(tmp_path, {"a/Dockerfile": "FROM acme/b:1\nRUN apt-get update\n", "b/Dockerfile": "FROM acme/a:1\nRUN apt-get update\n",
                        "Makefile": "a:\n\tdocker build -t acme/a a\nb:\n\tdocker build -t acme/b b\n"})
    rep = report(cli, r / "a" / "Dockerfile")
    assert rep["rule"] != "inherited-entrypoint", rep


# --- a base image whose tag a build argument gives -------------------------------------------------

@pytest.mark.parametrize("base", ["postgres:${PG_VERSION}-alpine${ALPINE_VERSION}", "postgres:${PG_VERSION}",
                                  "docker.io/library/postgres:${PG_VERSION}"])
def test_every_tag_of_an_image_whose_entrypoint_drops_privileges(cli, tmp_path, base):
    f = tmp_path / "Dockerfile"
    f.write_text(f"ARG PG_VERSION\nARG ALPINE_VERSION\nFROM {base}\nCOPY init.sql /docker-entrypoint-initdb.d/\n")
    rep = report(cli, f)
    assert rep["rule"] == "drops-privileges", rep
    assert rep["skipped"].startswith(f"base image {base} (every tag) starts as root and its entrypoint drops privileges "
                                     "to postgres itself (knowledge file)"), rep


@pytest.mark.parametrize("base", ["python:${PY_VERSION}", "${REGISTRY}/postgres:${PG_VERSION}", "${IMAGE}"])
def test_an_image_whose_tags_do_not_all_drop_privileges_is_not_left_for_it(cli, tmp_path, base):
    f = tmp_path / "Dockerfile"
    f.write_text(f"ARG PY_VERSION\nARG REGISTRY\nARG PG_VERSION\nARG IMAGE\nFROM {base}\nRUN apt-get update && apt-get install -y curl\n"
                 "COPY app /app\nCMD [\"/app\"]\n")
    rep = report(cli, f)
    assert rep["rule"] != "drops-privileges", rep


def test_a_child_of_the_image_named_after_the_repository_finds_its_variant(cli, tmp_path):
    """No build names the image (a Makefile builds each version folder by a parameter): the image
    named after the repository is its family of variants; the one its tag names, else the first.
    The variants are generated (another rule decides them), which does not hide their entrypoint."""
    (tmp_path / "docker-pgext").mkdir()
    head = "# GENERATED by update.sh: DO NOT EDIT\n"
    files = {f"{v}/Dockerfile": head + f"FROM postgres:{v}-bookworm\nRUN apt-get update && apt-get install -y postgresql-{v}-ext\n"
             for v in ("15", "16", "17")}
    files["update.sh"] = "#!/bin/sh\nfor v in 15 16 17; do sed \"s/%%V%%/$v/\" Dockerfile.template > $v/Dockerfile; done\n"
    files["Dockerfile.template"] = head + "FROM postgres:%%V%%-bookworm\n"
    files["examples/with-cli/Dockerfile"] = "FROM acme/pgext:16\nRUN apt-get update && apt-get install -y postgresql-client\n"
    r = repo(tmp_path / "docker-pgext", files)
    rep = report(cli, r / "examples" / "with-cli" / "Dockerfile")
    assert rep["rule"] == "inherited-entrypoint", rep
    assert rep["skipped"].startswith("line 1 builds FROM acme/pgext:16, which 16/Dockerfile of this repository builds"), rep
def test_state_in_root_home_reads_where_a_command_makes_its_environment():
    """state-in-root-home's virtual environments: options with values are skipped, `uv sync` makes
    the project's .venv, or VIRTUAL_ENV's with --active."""
    from fixer.rules.program.root_home_state import _venv_path

    env = {"VIRTUAL_ENV": "/usr/src/.venv/"}
    assert _venv_path("uv venv", " -p 3.10 /home/app/.venv", {}) == "/home/app/.venv"
    assert _venv_path("uv venv", " --seed --python python3.12 /opt/env", {}) == "/opt/env"
    assert _venv_path("uv venv", "", {}) == ".venv"
    assert _venv_path("python3 -m venv", " /opt/venv", {}) == "/opt/venv"
    assert _venv_path("uv sync", " --frozen --extra gen --active", env) == "/usr/src/.venv/"
    assert _venv_path("uv sync", " --frozen --extra gen", env) == ".venv"


# --- session 5: root-only work behind `sh -c` and `install -o` ------------------------------------

def test_chown_in_a_sh_c_command_needs_root(cli, tmp_path):
    # `sh -c 'chown ... && node server.js'`: the chown fails as any other user and && stops the start
    r = repo(tmp_path, {"Dockerfile": (
        "FROM node:22-alpine\nWORKDIR /app\nCOPY . .\nRUN mkdir -p /app/data\n"
        'CMD ["sh", "-c", "chown -R node /app/data && node server.js"]\n')})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "starts-as-root", rep
    assert "CMD changes file owners with chown at start" in rep["skipped"], rep["skipped"]


def test_ca_update_in_a_sh_c_entrypoint_needs_root(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": (
        "FROM alpine:3.20\nRUN apk add --no-cache ca-certificates\nCOPY registry /usr/local/bin/registry\n"
        "ENTRYPOINT [\"sh\", \"-c\", \"update-ca-certificates && registry start\"]\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "starts-as-root", rep


def test_install_with_an_owner_in_the_entrypoint_script_needs_root(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": (
        "FROM debian:bookworm-slim\nCOPY fwd /usr/local/bin/fwd\nCOPY entrypoint.sh /\n"
        'ENTRYPOINT ["tini", "--", "/entrypoint.sh"]\n'), "entrypoint.sh": (
        "#!/bin/bash\nset -e\n# the data folder may be an empty volume\n"
        '/usr/bin/install -d -o root -g root -m 0755 "$DATA_DIR"\nexec fwd run\n')})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "starts-as-root", rep
    assert "(line 4 of it)" in rep["skipped"], rep["skipped"]


def test_install_of_a_file_without_an_owner_is_no_root_work(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": (
        "FROM debian:bookworm-slim\nCOPY fwd /usr/local/bin/fwd\nCOPY entrypoint.sh /\n"
        'ENTRYPOINT ["/entrypoint.sh"]\n'), "entrypoint.sh": (
        "#!/bin/sh\nset -e\ninstall -d -m 0700 \"$HOME/.fwd\"\nexec fwd run -- --quiet\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_a_script_the_entrypoint_script_runs_is_read_too(cli, tmp_path):
    # the entrypoint dispatches to a role script, which starts the root-only work
    r = repo(tmp_path, {"Dockerfile": (
        "FROM debian:bookworm-slim\nCOPY app /usr/local/bin/app\nCOPY docker/entrypoint.sh /entrypoint.sh\n"
        "COPY docker/entrypoint_web.sh /entrypoint_web.sh\nENTRYPOINT [\"/entrypoint.sh\"]\n"),
        "docker/entrypoint.sh": "#!/bin/sh\nset -e\ncase \"$ROLE\" in\n  web) /entrypoint_web.sh ;;\n  *) exec app ;;\nesac\n",
        "docker/entrypoint_web.sh": "#!/bin/sh\nset -e\nchown -R www-data /var/lib/app\nexec app serve\n"})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "starts-as-root", rep
    assert "the script docker/entrypoint_web.sh (copied on line 4), which the ENTRYPOINT script" in rep["skipped"], rep


@pytest.mark.parametrize("line", ["sysctl -w net.ipv6.conf.all.forwarding=1", "iptables -t nat -A PREROUTING -p tcp -j REDIRECT --to-ports 1080",
                                  "ip link set dev tun0 up"])
def test_an_entrypoint_that_changes_network_settings_needs_root(cli, tmp_path, line):
    r = repo(tmp_path, {"Dockerfile": ("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends iproute2\n"
                                       "COPY mesh /usr/bin/mesh\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\n"),
                        "entrypoint.sh": f"#!/bin/sh\nset -e\n{line}\nexec mesh -config /etc/mesh.conf\n"})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "starts-as-root", rep
    assert "network settings or firewall" in rep["skipped"], rep["skipped"]


def test_a_distro_nginx_flavour_installed_over_several_lines_starts_as_root(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": ("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y \\\n"
                                       "\tca-certificates \\\n\tnginx-extras \\\n\t--no-install-recommends \\\n"
                                       "\t&& rm -rf /var/lib/apt/lists/*\nEXPOSE 80\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "starts-as-root", rep
