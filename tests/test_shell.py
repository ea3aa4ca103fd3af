"""Shell analysis: which commands need root, which users/groups a RUN creates, which family it shows."""

from __future__ import annotations

import pytest

from fixer.shell import ShellContext, analyze_exec, analyze_shell

ROOT_DIR = ShellContext()  # WORKDIR / : root-owned
USER_DIR = ShellContext(workdir="/home/app/src", workdir_root_owned=False, user_dirs=("/home/app",))

NEEDS_ROOT = [
    ("apt-get update", "apt-get update"),
    ("apt install -y curl", "apt install"),
    ("DEBIAN_FRONTEND=noninteractive apt-get install -y x", "apt-get install"),
    ("aptitude install x", "aptitude"),
    ("dpkg -i /tmp/x.deb", "dpkg"),
    ("apk add --no-cache curl", "apk add"),
    ("yum install -y x", "yum install"),
    ("dnf -y install x", "dnf"),
    ("microdnf install x", "microdnf install"),
    ("tdnf install -y x", "tdnf install"),
    ("zypper --non-interactive install x", "zypper"),
    ("rpm -i x.rpm", "rpm"),
    ("pacman -Syu --noconfirm", "pacman"),
    ("emerge app-misc/jq", "emerge"),
    ("useradd -m app", "useradd"),
    ("groupadd app", "groupadd"),
    ("adduser -D app", "adduser"),
    ("usermod -aG docker app", "usermod"),
    ("chown -R app:app /srv/app", "chown"),
    ("chgrp app /data", "chgrp"),
    ("setcap cap_net_bind_service=+ep /usr/bin/node", "setcap"),
    ("cp app.conf /etc/app/", "cp /etc/app/"),
    ("mv /tmp/x /usr/local/bin/x", "mv"),
    ("ln -s /usr/bin/python3 /usr/bin/python", "ln"),
    ("mkdir -p /opt/app", "mkdir /opt/app"),
    ("touch /var/log/app.log", "touch"),
    ("echo x | tee -a /etc/hosts", "tee"),
    ("install -m 755 x /usr/local/bin/", "install"),
    ("rm -rf /var/lib/apt/lists/*", "rm"),
    ("sed -i 's/a/b/' /etc/ssh/sshd_config", "sed"),
    ("curl -fsSL -o /usr/local/bin/kubectl https://x", "curl"),
    ("curl -fsSLo /usr/local/bin/kubectl https://x", "curl"),
    ("wget -O /opt/x.tgz https://x", "wget"),
    ("echo 'deb x' > /etc/apt/sources.list.d/x.list", "redirect >"),
    ("echo x >> /root/.bashrc", "redirect >>"),
    ("cat <<EOF > /etc/app.conf\nkey = 1\nEOF", "redirect >"),
    ("pip install flask", "pip install"),
    ("pip3 install --no-cache-dir -r requirements.txt", "pip3 install"),
    ("python3 -m pip install -U pip", "pip install"),
    ("npm install -g pnpm", "npm install -g"),
    ("npm i --global yarn", "npm install -g"),
    ("gem install bundler", "gem install"),
    ("make install", "make install"),
    ("cd /tmp/src && ./configure && make && make install", "make install"),
    ("cargo install ripgrep", "cargo"),
    ("nvm install 20", "nvm /root/.nvm needs root"),  # nvm's own folder, root's ~/.nvm: not the working folder
    ("update-ca-certificates", "update-ca-certificates"),
    ("ldconfig", "ldconfig"),
    ("locale-gen en_US.UTF-8", "locale-gen"),
    ("update-alternatives --install /usr/bin/python python /usr/bin/python3 1", "update-alternatives"),
    ("sudo make", "sudo"),
    ("tar -xzf /tmp/x.tgz -C /usr/local", "tar"),
    ("git clone https://x/repo /opt/repo", "git"),
    ("find /usr/local -name '*.pyc' -delete", "find -delete"),
    ("find / -name '*.pyc' -exec rm -f {} +", "rm"),
    # every simple command is visited, whatever the structure around it
    ("true && apt-get update", "apt-get"),
    ("false || apk add x", "apk"),
    ("echo a | xargs apt-get install -y", "apt-get"),
    ("(apt-get update)", "apt-get"),
    ("{ apt-get update; }", "apt-get"),
    ("if true; then apt-get install -y x; fi", "apt-get"),
    ("for p in a b; do apt-get install -y $p; done", "apt-get"),
    ("while false; do apk add x; done", "apk"),
    ("case $X in a) apt-get install -y a ;; esac", "apt-get"),
    ("X=$(apt-get install -y x)", "apt-get"),
    ("echo $(apk add x)", "apk"),
    ("sh -c 'apt-get update'", "apt-get"),
    ("bash -exc \"apk add x\"", "apk"),
    ("env DEBIAN_FRONTEND=noninteractive apt-get install -y x", "apt-get"),
    ("timeout 60 apt-get update", "apt-get"),
    ("set -eux; apt-get update", "apt-get"),
    ("f() { apt-get update; }; f", "apt-get"),
    # relative writes and unknown programs in a root-owned working folder
    ("npm ci", "npm ci"),
    ("./build.sh", "build.sh"),
    ("echo x > out.txt", "redirect"),
    ("python3 manage.py collectstatic --noinput", "python3"),
    ("$BUILD_CMD", "cannot resolve"),
    ("cd /opt && myprogram", "myprogram"),
    ("this is ( not ( shell", "could not be read"),
]


@pytest.mark.parametrize("script,needle", NEEDS_ROOT)
def test_needs_root(script, needle):
    facts = analyze_shell(script, ROOT_DIR)
    assert facts.root, f"{script!r} should need root"
    assert any(needle in f.reason for f in facts.root), [f.reason for f in facts.root]
    assert all(f.reason for f in facts.root)


NO_ROOT = [
    "echo hello",
    "echo cache > /tmp/cache.txt && ls /tmp",
    "mkdir -p /tmp/build && cd /tmp/build && make",
    "(cd /tmp && ./configure && make); echo done",
    "cd $(mktemp -d) && curl -fsSLO https://x && tar -xzf x.tgz",
    'ARCH="$(dpkg --print-architecture)"; echo "$ARCH"',
    "dpkg -l | grep curl",
    "apk info -e curl",
    "rpm -q bash",
    "apt-cache policy curl",
    "pip install --target /tmp/deps flask",
    "pip --version",
    "curl -fsSL https://x | sha256sum",
    "wget -qO- https://x | tar -xz -C /tmp",
    "echo x 2>&1 >/dev/null",
    "test -f /etc/os-release && cat /etc/os-release",
    "[ \"$(id -u)\" -ne 0 ] || echo root",
    "[[ -d /opt ]] && echo yes",
    "cat <<EOF\nrm -rf /etc\napt-get install -y x\nEOF",  # heredoc data is not a command
    "# apt-get install -y x",  # a comment
    "export PATH=/usr/local/bin:$PATH; echo $PATH",
    ". ~/.nvm/nvm.sh && nvm use 20 && nvm current",  # nvm use only reads its folder
]


@pytest.mark.parametrize("script", NO_ROOT)
def test_needs_no_root(script):
    facts = analyze_shell(script, ROOT_DIR)
    assert facts.root == [], [f.reason for f in facts.root]


@pytest.mark.parametrize(
    "script",
    ["npm ci", "./build.sh", "echo x > out.txt", "python3 -m build", "make", "go build -o app ."],
)
def test_relative_writes_in_a_user_owned_workdir_need_no_root(script):
    assert analyze_shell(script, USER_DIR).root == []
    assert analyze_shell(script, ROOT_DIR).root != []


def test_venv_owned_by_the_user_needs_no_root():
    ctx = ShellContext(workdir="/home/app", workdir_root_owned=False, user_dirs=("/home/app",),
                       env={"VIRTUAL_ENV": "/home/app/venv", "PATH": "/home/app/venv/bin:/usr/bin"})
    assert analyze_shell("pip install -r requirements.txt", ctx).root == []
    assert analyze_shell("pip install -e .", ctx).root == []
    assert analyze_shell("pip install -e .", USER_DIR).root  # no venv: the system site-packages
    root_venv = ShellContext(env={"PATH": "/opt/venv/bin:/usr/local/bin:/usr/bin"})
    facts = analyze_shell("pip install flask", root_venv)
    assert facts.root and "/opt/venv" in facts.root[0].reason


def test_variables_resolve_from_env_and_script():
    assert analyze_shell("cp x $DEST/", ShellContext(env={"DEST": "/tmp/out"})).root == []
    assert analyze_shell("cp x $DEST/", ShellContext(env={"DEST": "/etc"})).root
    assert analyze_shell("D=/tmp/x; mkdir -p $D", ROOT_DIR).root == []
    assert analyze_shell("D=/usr/share/x; mkdir -p ${D:-/tmp}", ROOT_DIR).root
    assert analyze_shell("mkdir -p ${D:-/tmp/d}", ROOT_DIR).root == []


def test_offsets_point_at_the_command():
    script = "set -eux; \\\n    echo ok && \\\n    apt-get install -y x"
    facts = analyze_shell(script, ROOT_DIR)
    assert [script[f.offset:f.offset + 7] for f in facts.root] == ["apt-get"]


def test_users_and_groups_created():
    f = analyze_shell("groupadd -g 1001 app && useradd -r -u 1001 -g app -m app", ROOT_DIR)
    assert [(u.name, u.uid, u.group) for u in f.users] == [("app", 1001, "app")]
    assert [(g.name, g.gid) for g in f.groups] == [("app", 1001)]

    f = analyze_shell("addgroup -S -g 1000 app && adduser -S -D -u 1000 -G app app", ROOT_DIR)
    assert [(u.name, u.uid, u.group) for u in f.users] == [("app", 1000, "app")]
    assert [(g.name, g.gid) for g in f.groups] == [("app", 1000)]

    f = analyze_shell("adduser --system --uid 999 --group svc", ROOT_DIR)
    assert [(u.name, u.uid, u.group) for u in f.users] == [("svc", 999, "svc")]

    # a name only known at run time creates nobody we can name, and must not touch an earlier user
    # (found by fuzz/fuzz_fix.py: this raised IndexError)
    f = analyze_shell('adduser --disabled-password "$(cat name)"', ROOT_DIR)
    assert f.users == [] and f.groups == []
    f = analyze_shell('useradd -u 5 -g wheel ops && adduser --disabled-password "$(cat name)"', ROOT_DIR)
    assert [(u.name, u.group) for u in f.users] == [("ops", "wheel")]

    f = analyze_shell("useradd --uid 2000 --create-home web", ROOT_DIR)
    assert [(u.name, u.uid) for u in f.users] == [("web", 2000)]
    assert [g.name for g in f.groups] == ["web"]  # USERGROUPS_ENAB

    # BusyBox: two names = add an existing user to a group, creates nothing
    f = analyze_shell("addgroup app wheel", ROOT_DIR)
    assert f.groups == [] and f.users == []

    f = analyze_shell("sh -c 'useradd -u 7 svc'", ROOT_DIR)
    assert [u.name for u in f.users] == ["svc"]


@pytest.mark.parametrize(
    "script,family",
    [
        ("apt-get update", "debian"),
        ("dpkg --print-architecture", "debian"),
        ("apk add x", "alpine"),
        ("microdnf install x", "rhel"),
        ("yum install x", "rhel"),
        ("zypper in x", "suse"),
        ("pacman -S x", "arch"),
    ],
)
def test_family_evidence(script, family):
    assert analyze_shell(script, ROOT_DIR).families == [family]


def test_apk_add_shadow_is_noted():
    assert analyze_shell("apk add --no-cache shadow bash", ROOT_DIR).installs_shadow
    assert not analyze_shell("apk add --no-cache bash", ROOT_DIR).installs_shadow


def test_exec_form():
    assert analyze_exec(["apt-get", "install", "-y", "x"], ROOT_DIR).root
    assert analyze_exec(["/bin/sh", "-c", "apk add x && echo ok"], ROOT_DIR).families == ["alpine"]
    assert analyze_exec(["echo", "hi"], ROOT_DIR).root == []
    # a non-POSIX shell runs an unknown program: conservative
    assert analyze_exec(["powershell", "-Command", "Install-Module x"], ROOT_DIR).root


def test_one_level_of_sh_c_only():
    # the inner-inner script is not read, but it is still treated as needing root (unknown)
    facts = analyze_shell("sh -c \"sh -c 'apt-get update'\"", ROOT_DIR)
    assert facts.root


def test_non_ascii_offsets():
    script = "echo 'héllo wörld' && apt-get update"
    f = analyze_shell(script, ROOT_DIR)
    assert script[f.root[0].offset:].startswith("apt-get")


@pytest.mark.parametrize(
    "script, owners",
    [
        ("chown -R www-data:www-data /var/www/data", [("www-data", "www-data", ["/var/www/data"])]),
        ("mkdir /x && chown -R unit:root /opt/unit/ media && chmod g+w media", [("unit", "root", ["/opt/unit", "/media"])]),
        ("set -eux; chown app: /srv; echo done", [("app", None, ["/srv"])]),
        ("sh -c 'chown app /srv'", [("app", None, ["/srv"])]),
        # the failure would not fail the build, or the chown may not run: no proof that the user exists
        ("chown app /srv; echo done", []),
        ("chown app /srv || true", []),
        ("if [ -d /srv ]; then chown app /srv; fi", []),
        ("true | chown app /srv", []),
        ("chown --reference=/etc /srv", []),
        ("chown $UNKNOWN_USER /srv", []),
    ],
)
def test_chowns_that_must_succeed(script, owners):
    got = analyze_shell(script, ROOT_DIR).chowns
    assert [(c.user, c.group, c.paths) for c in got] == owners


def test_chown_and_useradd_keep_the_variable_they_are_spelled_with():
    facts = analyze_shell('useradd -m ${USERNAME} && chown -R "$USERNAME:$USERNAME" /home/x',
                          ShellContext(env={"USERNAME": "vscode"}))
    assert [(u.name, u.spelled) for u in facts.users] == [("vscode", "${USERNAME}")]
    assert [(c.user, c.spelled) for c in facts.chowns] == [("vscode", "$USERNAME")]
    assert analyze_shell("useradd -m ${USERNAME:-dev}", ShellContext(env={"USERNAME": "x"})).users[0].spelled is None


def test_renames_deletions_and_subordinate_ids():
    facts = analyze_shell("usermod -l app node && groupmod -n app node && userdel ubuntu && usermod --add-subuids 100000-165535 b")
    assert [(r.old, r.new, r.group) for r in facts.renames] == [("node", "app", False), ("node", "app", True),
                                                                 ("ubuntu", None, False)]
    assert facts.subid_users == ["b"]


@pytest.mark.parametrize(
    "script, tool_owner",
    [
        ("useradd --no-create-home --shell /bin/false exporter", True),
        ("useradd -r -s /usr/sbin/nologin exporter", True),
        ("adduser --system --no-create-home exporter", True),
        ("adduser -D -H -s /bin/false exporter", True),
        ("useradd -r exporter", False),  # /bin/sh
        ("useradd -m -s /bin/false exporter", False),  # a home
    ],
)
def test_tool_owner_accounts(script, tool_owner):
    assert analyze_shell(script).users[0].tool_owner is tool_owner


@pytest.mark.parametrize(
    "script, root",
    [
        ("rm -rf /tmp/*", True),
        ("rm -f /var/tmp/cache.tgz", True),
        ("curl -o /tmp/x.tgz https://e.x/x.tgz && rm /tmp/x.tgz", False),
        ('d="$(mktemp -d)" && rm -rf "$d"', False),
    ],
)
def test_removing_from_sticky_tmp(script, root):
    assert bool(analyze_shell(script, USER_DIR).root) is root
def test_offsets_are_right_when_the_walk_goes_back():
    # offsets are measured incrementally; an inner `sh -c` and a second script start afresh
    script = "echo 'é' && sh -c 'apt-get update' && echo 'ü' && apk add x"
    f = analyze_shell(script, ROOT_DIR)
    assert [script[x.offset:x.offset + 5] for x in f.root] == ["sh -c", "apk a"]


# --- hostile nesting: never a RecursionError, never slow (issue 12) -------------------------------

DEEP = {  # each raised RecursionError in the tree walk
    "command substitution": lambda n: "echo " + "$(" * n + "id" + ")" * n,
    "braces": lambda n: "{ " * n + "true" + "; }" * n,
    "subshells": lambda n: "(" * n + "true" + ")" * n,
    "arithmetic": lambda n: "echo " + "$((" * n + "1" + "))" * n,
    "parameter defaults": lambda n: "echo " + "${a:-" * n + "x" + "}" * n,
    "functions": lambda n: "".join(f"f{i}() {{ " for i in range(n)) + "true" + "; }" * n,
    "loops": lambda n: "for i in 1; do " * n + "true" + "; done" * n,
    "if": lambda n: "if true; then " * n + "true" + "; fi" * n,
    "case": lambda n: "case x in x) " * n + "true" + " ;; esac" * n,
    "quoted substitution": lambda n: 'echo "' + '$(echo "' * n + "x" + '")' * n + '"',
    "assignment": lambda n: "a=" + "$(b=" * n + "x" + ")" * n,  # was exponential: 20 levels took 18 s
    "wrappers": lambda n: "env " * n + "true",
    "sudo": lambda n: "sudo " * n + "true",
    "find -exec": lambda n: "find . -exec " * n + "true",
    "arithmetic sum": lambda n: "echo $((" + "+".join(["1"] * n) + "))",
    "test": lambda n: "[[ " + " && ".join(["a"] * n) + " ]]",
    "sh -c": lambda n: "sh -c 'echo " + "$(" * n + "id" + ")" * n + "'",
}


@pytest.mark.parametrize("n", [165, 2000])
@pytest.mark.parametrize("kind", DEEP)
def test_too_deeply_nested_needs_root_and_never_crashes(kind, n):
    import time

    script = "apt-get update; echo ok\n" + DEEP[kind](n)
    t = time.perf_counter()
    facts = analyze_shell(script, USER_DIR)
    assert time.perf_counter() - t < 1
    reasons = [f.reason for f in facts.root]
    assert "the shell is too deeply nested to read, so it is assumed to need root" in reasons, reasons
    assert "apt-get update needs root (package manager)" in reasons  # what comes before is still read
    deep = next(f for f in facts.root if "deeply" in f.reason)
    assert deep.offset > script.index("\n")  # on the nested line


@pytest.mark.parametrize("kind", ["command substitution", "braces", "if", "functions", "loops", "wrappers", "sh -c"])
def test_realistic_nesting_is_read(kind):
    # the development corpus nests 26 levels at most (a `$(…)` costs about 3)
    facts = analyze_shell(DEEP[kind](8).replace("true", "apt-get install -y x").replace("id", "apk add y"), USER_DIR)
    reasons = [f.reason for f in facts.root]
    assert not any("deeply" in r for r in reasons) and any("package manager" in r for r in reasons), reasons


@pytest.mark.parametrize("op,n", [("&&", 1000), ("||", 10000), (";", 10000), ("|", 1000)])
def test_long_lists_are_read_to_the_end(op, n):
    import time

    script = f" {op} \\\n".join(["echo ok"] * n + ["apk add x"])
    t = time.perf_counter()
    facts = analyze_shell(script, USER_DIR)
    assert time.perf_counter() - t < 1
    assert [(f.reason, script[f.offset:f.offset + 3]) for f in facts.root] == [
        ("apk add needs root (package manager)", "apk")
    ]


# --- ids are ASCII digits only (issue 12) ----------------------------------------------------------


@pytest.mark.parametrize("digits", ["²", "١٢٣", "１２３"])
def test_unicode_digits_are_not_ids(digits):
    # str.isdigit() takes them: int('²') raised ValueError, and int('١٢٣') read uid 123,
    # which useradd would refuse
    f = analyze_shell(f"groupadd -g {digits} g && useradd -u {digits} -g g svc && adduser -u {digits} -D web"
                      f" && addgroup -g {digits} grp && adduser --uid {digits} --gid {digits} deb", ROOT_DIR)
    assert [(u.name, u.uid) for u in f.users] == [("svc", None), ("web", None), ("deb", None)]
    assert all(g.gid is None for g in f.groups) and f.unnamed_ids == []
    # not a pip: an unknown program
    assert [r.reason for r in analyze_shell(f"pip3.{digits} install x", ROOT_DIR).root] == [
        f"pip3.{digits} may write into the root-owned folder /"
    ]


@pytest.mark.parametrize("inst", ["ENV", "ARG"])
def test_one_instruction_sees_the_variables_as_before_it(inst):
    # Docker: `ENV D=/etc X=$D` sets X from the D before this line (stages reads ENV/ARG through a
    # view now, not a copy per line)
    from fixer.pipeline import fix
    from fixer.plan import Options

    data = f"FROM debian:12\n{inst} D=/tmp\n{inst} D=/etc X=$D\nRUN mkdir -p $X/app\nRUN echo $D\n".encode()
    res = fix(data, Options())
    assert "line 1: no RUN in the final stage needs root" in res.reasons, res.reasons
    res = fix(data.replace(b"$X/app", b"$D/app"), Options())
    assert res.changed and "line 4: mkdir /etc/app needs root: /etc is root-owned" in res.reasons, res.reasons
# --- what proves a RUN ran as root (for base images dockerfix does not know) --------------------------

PROVES_ROOT = [
    ("apt-get update && apt-get install -y curl", "apt-get update changes the system's packages"),
    ("apk add --no-cache curl", "apk add"),
    ("dnf -y install x", "dnf"),
    ("microdnf install -y x", "microdnf"),
    ("zypper --non-interactive install x", "zypper"),
    ("rpm -ivh x.rpm", "rpm"),
    ("dpkg -i /tmp/x.deb", "dpkg"),
    ("pacman -Syu --noconfirm", "pacman"),
    ("useradd -m app", "useradd"),
    ("addgroup -S app", "addgroup"),
    ("chown root:root /srv/app", "chown root:root"),
    ("chown -R 0:0 /srv/app", "chown 0:0"),
    ("setcap cap_net_bind_service=+ep /opt/app/bin", "setcap"),
    ("update-ca-certificates", "update-ca-certificates"),
    ("mkdir /app", "mkdir /app"),
    ("mkdir -m 0755 /opt/app", "mkdir /opt/app"),
    ("curl -fsSL -o /usr/local/bin/tool https://example.com/tool", "curl /usr/local/bin"),
    ("ln -s /opt/app/bin/app /usr/bin/app", "ln /usr/bin"),
    ("echo 'deb http://x y z' >> /etc/apt/sources.list", "/etc/apt/sources.list"),
    ("sh -c 'apk add git'", "apk add"),
]

PROVES_NOTHING = [
    "pip install -r requirements.txt",  # falls back to a user install
    "npm ci",
    "npm install -g pnpm",
    "micromamba install -y -n base python",
    "mkdir state",
    "mkdir -p /opt/app",  # may exist already, owned by the image's user
    "rm -rf /var/lib/apt/lists/*",  # rm -f of nothing succeeds
    "sudo apt-get install -y curl",  # the image's user may sudo
    "apt-get update || true",
    "if apk add curl; then :; fi",
    "chown 1001:0 /config",
    "chgrp -R 0 /config",
    "echo 'app:x:1001:0::/home/app:/bin/sh' >> /etc/passwd",  # OpenShift images make /etc/passwd group-writable
    "sed -i 's/a/b/' /etc/nginx/nginx.conf",  # vendors hand /etc/nginx to their user
    "./configure && make",
]


@pytest.mark.parametrize("script,needle", PROVES_ROOT)
def test_proves_root(script, needle):
    facts = analyze_shell(script, ROOT_DIR)
    assert any(needle in f.reason for f in facts.proofs), facts.proofs
    assert facts.root, "a proof is always also a step that needs root"


@pytest.mark.parametrize("script", PROVES_NOTHING)
def test_proves_nothing(script):
    assert analyze_shell(script, ROOT_DIR).proofs == []


def test_a_pipeline_of_escaped_blanks_is_not_handed_to_tree_sitter():
    """`X \\ | \\ | X \\ | ...`: tree-sitter-bash's parse time grows exponentially with such a
    pipeline (found by the fuzzer: minutes for 2 KB) and holds the interpreter; the script is read
    as unreadable (assumed to need root) at once instead."""
    import time

    from fixer.pipeline import fix

    script = "apt-get update \\ | \\ | " + "apt-get update \\ | " * 60 + "apt-get update && apt-get install -y curl"
    started = time.monotonic()
    result = fix(f"FROM debian:12\nRUN {script}\nCMD [\"curl\"]\n".encode())
    assert time.monotonic() - started < 5
    assert any("a chain of escaped blanks" in r for r in result.reasons), result.reasons
