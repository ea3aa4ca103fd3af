"""The repository model (fixer/repository/) and the rules that use it: publishes-image,
tool-on-checkout, build-only, deployment-needs-root, and the uid/warnings a deployment asks of a fix.
Hostile repositories (links out of the root, `..` paths, huge, binary, billion-laughs and deep YAML)
give warnings, never a crash or a hang."""

from __future__ import annotations

import os
import time

import pytest
from test_rules_program import report, repo

from fixer.repository import Cache, load
from fixer.repository.commands import scan
from fixer.repository.yamlfile import YamlError, load_all

APP = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir .\nCMD ["python", "-m", "app"]\n'
TOOL = ("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends protobuf-compiler"
        " && rm -rf /var/lib/apt/lists/*\nWORKDIR /src\nENTRYPOINT [\"protoc\"]\n")
SERVICE = ("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl"
           " && rm -rf /var/lib/apt/lists/*\nCOPY agent /usr/local/bin/agent\nCMD [\"agent\"]\n")


# --- command lines ---------------------------------------------------------------------------

def test_docker_run_line_is_parsed():
    builds, runs = scan('docker build -t acme/gen -f gen/Dockerfile gen\n'
                        'docker run --rm -it -u "$(id -u)" -v "$(pwd)":/src -w /src acme/gen:1 make all\n')
    assert [(b.tags, b.dockerfile, b.context) for b in builds] == [(["acme/gen"], "gen/Dockerfile", "gen")]
    (r,) = runs
    assert (r.image, r.workdir, r.mounts, r.user, r.command) == ("acme/gen:1", "/src", [("$(pwd)", "/src")],
                                                                  "$(id -u)", ["make", "all"])


def test_continuations_and_named_volumes():
    _, runs = scan("docker run \\\n  -v cache:/cache \\\n  -v ${PWD}/out:/out \\\n  --privileged img\n")
    (r,) = runs
    assert r.mounts == [("${PWD}/out", "/out")] and r.privileged and r.line == 1


# --- the rules ---------------------------------------------------------------------------------

def test_tool_run_on_the_checkout_is_left(cli, tmp_path):
    r = repo(tmp_path, {"gen/Dockerfile": TOOL, "Makefile": (
        "image:\n\tdocker build -t acme/protogen gen\nproto:\n"
        "\tdocker run --rm -v \"$(CURDIR)\":/src -w /src acme/protogen --go_out=. api.proto\n")})
    rep = report(cli, r / "gen" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith("Makefile:4 runs it on the caller's checkout")
    assert '--user "$(id -u):$(id -g)"' in rep["skipped"]


def test_service_with_a_port_and_a_checkout_mount_is_not_a_tool(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, "README.md": (
        "```\ndocker build -t acme/app .\ndocker run -p 8000:8000 -v $(pwd):/app acme/app\n```\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_docs_that_run_another_image_on_the_checkout_change_nothing(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, "README.md": "docker run --rm -v $(pwd):/src -w /src other/linter\n"})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_compose_docker_socket_needs_root(cli, tmp_path):
    r = repo(tmp_path, {"agent/Dockerfile": SERVICE, "docker-compose.yml": (
        "services:\n  agent:\n    build: ./agent\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n")})
    rep = report(cli, r / "agent" / "Dockerfile")
    assert rep["rule"] == "deployment-needs-root", rep
    assert rep["skipped"].startswith("docker-compose.yml:5: the compose service mounts the Docker socket")


def test_kubernetes_run_as_user_zero_needs_root(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": SERVICE, "Makefile": "build:\n\tdocker build -t ghcr.io/acme/agent .\n",
                        "deploy/ds.yaml": (
                            "apiVersion: apps/v1\nkind: DaemonSet\nspec:\n  template:\n    spec:\n"
                            "      containers:\n        - name: a\n          image: ghcr.io/acme/agent:v1\n"
                            "          securityContext:\n            runAsUser: 0\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "deployment-needs-root", rep
    assert rep["skipped"].startswith("deploy/ds.yaml:8: the Kubernetes manifest runs it with runAsUser: 0")


def test_compose_with_a_non_root_user_is_fixed(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, "compose.yaml": "services:\n  app:\n    build: .\n    user: '1000'\n"})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_manifest_uid_is_used_for_the_fix(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, "compose.yaml": "services:\n  app:\n    build: .\n    image: acme/app\n",
                        "k8s/app.yaml": (
                            "apiVersion: v1\nkind: Pod\nspec:\n  securityContext:\n    runAsUser: 1001\n"
                            "    runAsNonRoot: true\n  containers:\n    - name: app\n      image: acme/app:2\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["changed"] and rep["user_ids"] == "1001:1001", rep
    assert rep["user_after"].startswith("1001:1001"), rep  # numeric: runAsNonRoot can verify it
    assert any(x.startswith("k8s/app.yaml:9 runs it with runAsUser: 1001") for x in rep["reasons"]), rep["reasons"]


def test_given_uid_wins_over_the_manifest(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, "compose.yaml": "services:\n  app:\n    build: .\n    image: acme/app\n",
                        "k8s/app.yaml": ("apiVersion: v1\nkind: Pod\nspec:\n  securityContext:\n    runAsUser: 1001\n"
                                         "  containers:\n    - name: app\n      image: acme/app:2\n")})
    code, out, err = cli(["--isolated", "--format", "json", "--check", "--uid", "2000", r / "Dockerfile"])
    import json

    rep = json.loads(out)[0]
    assert rep["user_ids"] == "2000:2000", rep


def test_bind_mount_onto_a_folder_under_the_workdir_warns(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, "docker-compose.yml": (
        "services:\n  app:\n    build: .\n    volumes:\n      - ./plugins:/app/plugins\n      - cache:/cache\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["changed"], rep
    assert any(w.startswith("docker-compose.yml:5 bind-mounts ./plugins onto /app/plugins") for w in rep["warnings"]), rep


def test_compose_bind_mount_over_a_volume_is_left(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP + "VOLUME /data\n", "docker-compose.yml": (
        "services:\n  app:\n    build: .\n    volumes:\n      - ./data:/data\n      - cache:/cache\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "bind-mounted-data", rep
    assert rep["skipped"].startswith("docker-compose.yml:5 bind-mounts ./data over /data (the image's VOLUME /data)"), rep
    # read-only, a named volume, or a service that already names its user: a fix
    for vols in ("['./data:/data:ro']", "['data:/data']", "['./data:/data']\n    user: '1000:1000'"):
        (r / "docker-compose.yml").write_text(f"services:\n  app:\n    build: .\n    volumes: {vols}\n")
        rep = report(cli, r / "Dockerfile")
        assert rep["rule"] is None and rep["changed"], (vols, rep)


def test_compose_bind_mount_over_the_workdir_is_left(cli, tmp_path):
    df = 'FROM alpine:3.20\nCOPY app /usr/bin/app\nWORKDIR /srv/app\nCMD ["app", "serve"]\n'
    r = repo(tmp_path, {"Dockerfile": df, "deploy/docker-compose.yml": (
        "services:\n  app:\n    image: acme/app\n    build: ..\n    volumes:\n      - ./state:/srv/app\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "bind-mounted-data", rep
    assert "the image's working folder /srv/app" in rep["skipped"], rep


def test_docs_run_with_a_host_folder_over_a_volume_warns(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP + "VOLUME /data\n", "README.md": (
        "    docker build -t acme/app .\n    docker run -d -p 8000:8000 -v /srv/app:/data acme/app\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep
    assert any("bind-mounts /srv/app onto /data" in w for w in rep["warnings"]), rep


def test_export_only_build_is_left(cli, tmp_path):
    df = "FROM golang:1.22 AS build\nCOPY . .\nRUN go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n"
    r = repo(tmp_path, {"Dockerfile": df, ".github/workflows/ci.yml": (
        "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: docker buildx build --output type=local,dest=out .\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "build-only", rep
    assert rep["skipped"].startswith(".github/workflows/ci.yml:7 builds it with output type=local,dest=out")


def test_export_and_image_builds_is_fixed(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, "Makefile": (
        "out:\n\tdocker build -o out .\nimage:\n\tdocker build -t acme/app .\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_bake_cacheonly_target_is_left(cli, tmp_path):
    r = repo(tmp_path, {"lint.Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go vet ./...\nCMD [\"go\", \"vet\"]\n",
                        "docker-bake.hcl": 'target "lint" {\n  dockerfile = "lint.Dockerfile"\n  output = ["type=cacheonly"]\n}\n'})
    rep = report(cli, r / "lint.Dockerfile")
    assert rep["rule"] == "build-only", rep


def test_docs_from_this_image_is_a_published_image(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": ("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y "
                                       "--no-install-recommends perl && rm -rf /var/lib/apt/lists/*\nCMD [\"perl5.40.1\", \"-de0\"]\n"),
                        ".github/workflows/push.yml": (
                            "on: push\njobs:\n  p:\n    runs-on: ubuntu-latest\n    steps:\n"
                            "      - uses: docker/build-push-action@v6\n        with:\n          push: true\n"
                            "          tags: acme/perl:5.40\n"),
                        "README.md": "# Use\n\n```dockerfile\nFROM acme/perl:5.40\nRUN cpanm Moose\n```\n"})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "publishes-image", rep
    assert rep["skipped"].startswith("README.md:4 shows users building FROM acme/perl:5.40")


def test_variants_rendered_from_a_template_are_published(cli, tmp_path):
    # (an interpreter with a version and flags; a bare `CMD ["mvn"]` is already base-image's)
    df = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends maven\nCMD [\"perl5.40.1\", \"-de0\"]\n"
    r = repo(tmp_path, {"5.2/bookworm/Dockerfile": df, "5.40/bookworm/Dockerfile": df,
                        "Dockerfile.template": "FROM debian:{{ suite }}\n",
                        "apply-templates.sh": "#!/bin/sh\nfor v in */; do render > \"$v/Dockerfile\"; done\n"})
    rep = report(cli, r / "5.40" / "bookworm" / "Dockerfile")
    assert rep["rule"] == "publishes-image", rep
    assert "per-version variants (5.40/...)" in rep["skipped"]


def test_version_folders_without_a_generator_are_fixed(cli, tmp_path):
    r = repo(tmp_path, {"v1/Dockerfile": APP, "v2/Dockerfile": APP, "update.sh": "#!/bin/sh\ngit pull\n"})
    rep = report(cli, r / "v2" / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


# --- hostile repositories ------------------------------------------------------------------------

def test_billion_laughs_yaml_is_a_warning(cli, tmp_path):
    lol = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, 12):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lol += f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    r = repo(tmp_path, {"Dockerfile": APP, "docker-compose.yml": lol + "services: {app: {build: ., privileged: *l}}\n"})
    start = time.monotonic()
    m = load(str(r))
    assert time.monotonic() - start < 5
    assert any("billion-laughs" in w for w in m.warnings), m.warnings
    rep = report(cli, r / "Dockerfile")
    assert rep["changed"] and rep["error"] is None


def test_deep_yaml_is_a_warning(tmp_path):
    with pytest.raises(YamlError, match="nested deeper"):
        load_all("[" * 100000 + "]" * 100000)
    with pytest.raises(YamlError, match="nested deeper"):
        load_all("- " * 50000 + "x\n")
    r = repo(tmp_path, {"Dockerfile": APP, "compose.yml": "services: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n"})
    assert any("nested deeper" in w for w in load(str(r)).warnings)


def test_huge_and_binary_files_are_warnings(tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP})
    (r / "docker-compose.yml").write_text("services:\n" + "  # padding\n" * 60000)
    (r / "deploy.sh").write_bytes(b"docker run \0\0\0 --privileged x\n")
    m = load(str(r))
    assert any("docker-compose.yml" in w and "larger than" in w for w in m.warnings), m.warnings
    assert any("deploy.sh: binary content" in w for w in m.warnings), m.warnings


def test_links_and_dotdot_paths_out_of_the_repository_are_not_followed(cli, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "docker-compose.yml").write_text("services:\n  app:\n    build: ../inside\n    privileged: true\n")
    (outside / "Dockerfile").write_text(SERVICE)
    r = tmp_path / "inside"
    r.mkdir()
    repo(r, {"Dockerfile": APP,
             # a compose file inside naming a Dockerfile outside through `..`
             "docker-compose.yml": "services:\n  x:\n    build: ../outside\n    image: acme/x\n"})
    os.symlink(outside, r / "linked")
    os.symlink(outside / "docker-compose.yml", r / "compose.yaml")
    m = load(str(r))
    assert any("linked: a symbolic link out of the repository" in w for w in m.warnings), m.warnings
    assert any("compose.yaml: a symbolic link out of the repository" in w for w in m.warnings), m.warnings
    assert all(b.dockerfile.startswith(m.root + os.sep) for b in m.builds), m.builds
    assert not any(run.privileged for run in m.runs)
    rep = report(cli, r / "Dockerfile")
    assert rep["changed"], rep


def test_cache_reads_a_repository_once(tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP})
    cache = Cache()
    assert cache.get(str(r)) is cache.get(str(r / "."))
    ttl = Cache(cheap=True, ttl=0.0)
    first = ttl.get(str(r))
    time.sleep(0.01)
    assert ttl.get(str(r)) is not first


# --- later additions: CI job images, variants of one version, the repository's own image name ----

def test_make_substitutions_stay_one_word():
    _, runs = scan("\tdocker run --user $(shell id -u):$(shell id -g) -v $(PWD):/build img make all\n")
    (r,) = runs
    assert (r.user, r.mounts, r.command) == ("$(id -u):$(id -g)", [("$(PWD)", "/build")], ["make", "all"])


def test_gitlab_job_image_is_a_tool_on_the_checkout(cli, tmp_path):
    r = repo(tmp_path, {"ci/Dockerfile": TOOL, "build.sh": "docker build -t registry.example.com/acme/ci-tools ci\n",
                        ".gitlab-ci.yml": "lint:\n  image: registry.example.com/acme/ci-tools:latest\n  script:\n    - make lint\n"})
    rep = report(cli, r / "ci" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith(".gitlab-ci.yml:2 runs it as a CI job's image"), rep


CIRCLE = ("version: 2.1\njobs:\n  lint:\n    docker:\n      - image: acme/ci-tools:6daf0b2\n"
          "      - image: postgres:16\n    steps:\n      - checkout\n      - run: make lint\n")


def test_circleci_job_image_is_a_tool_on_the_checkout(cli, tmp_path):
    r = repo(tmp_path, {"ci/Dockerfile": TOOL, "Makefile": "ci:\n\tdocker build -t acme/ci-tools:$(TAG) ci/\n",
                        ".circleci/config.yml": CIRCLE})
    rep = report(cli, r / "ci" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith(".circleci/config.yml:5 runs it as a CI job's image (acme/ci-tools:6daf0b2)"), rep


def test_circleci_service_image_is_no_job_image():
    """The images after the first of a job's `docker:` list are services beside it (a database)."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        os.mkdir(os.path.join(d, ".circleci"))
        with open(os.path.join(d, ".circleci", "config.yml"), "w") as f:
            f.write(CIRCLE)
        model = load(d)
    assert [r.image for r in model.runs if r.kind == "ci-job"] == ["acme/ci-tools:6daf0b2"]


def test_docs_ci_example_naming_the_image(cli, tmp_path):
    r = repo(tmp_path, {"docker/Dockerfile": TOOL, ".github/workflows/release.yml": (
        "on: push\njobs:\n  p:\n    runs-on: ubuntu-latest\n    strategy: {matrix: {arch: [amd64]}}\n    steps:\n"
        "      - uses: docker/build-push-action@v6\n        with:\n          context: ${{ matrix.arch }}\n"
        "          file: docker/Dockerfile\n          push: true\n"
        "          tags: ghcr.io/acme/lint:${{ github.sha }}-${{ matrix.arch }}\n"),
        "docs/ci.md": "# GitLab\n\n```yaml\nlint:\n  image: acme/lint:latest\n  script:\n    - lint src/\n```\n"})
    rep = report(cli, r / "docker" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith("docs/ci.md:5 runs it as a CI job's image (acme/lint:latest)"), rep


def test_variants_of_one_version_rendered_from_a_template(cli, tmp_path):
    df = "FROM alpine:3.20\nRUN apk add --no-cache ca-certificates\nCOPY srv /usr/bin/srv\nCMD [\"srv\"]\n"
    r = repo(tmp_path, {"2.11/alpine/Dockerfile": df, "2.11/builder/Dockerfile": df, "Dockerfile.tmpl": "FROM {{ .base }}\n",
                        "2.11/alpine/srv": "x"})
    rep = report(cli, r / "2.11" / "alpine" / "Dockerfile")
    assert rep["rule"] == "publishes-image", rep


def test_variants_of_the_image_named_after_the_repository(cli, tmp_path):
    df = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nCMD [\"tool\"]\n"
    r = repo(tmp_path, {"6.0/debian/12/Dockerfile": df, "6.0/debian/13/Dockerfile": df,
                        "README.md": "```dockerfile\nFROM tool:latest AS builder\n```\n"})
    (r / ".git" / "config").write_text('[remote "origin"]\n\turl = https://github.com/acme/tool-docker.git\n')
    rep = report(cli, r / "6.0" / "debian" / "13" / "Dockerfile")
    assert rep["rule"] == "publishes-image", rep
    assert "README.md:2 shows users building FROM (tool:latest)" in rep["skipped"], rep


def test_manifest_uid_the_base_already_has_falls_back_with_a_warning(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": 'FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y curl\nCOPY app /app\nCMD ["/app"]\n',
                        "app": "x", "Makefile": "b:\n\tdocker build -t acme/web .\n",
                        "k8s/pod.yaml": ("apiVersion: v1\nkind: Pod\nspec:\n  securityContext: {runAsUser: 1000}\n"
                                         "  containers:\n    - name: web\n      image: acme/web:1\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["changed"] and rep["error"] is None and rep["user_ids"] == "10001:10001", rep
    assert any("runs the image as uid 1000, which cannot be the new user's" in w for w in rep["warnings"]), rep


def test_copy_sources_out_of_the_repository_are_not_read(cli, tmp_path):
    """An entrypoint script reached through `..` or a link out of the build context is never read
    (here it would say the image drops privileges, and the file would be left)."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "entrypoint.sh").write_text("#!/bin/sh\nexec gosu app \"$@\"\n")
    r = tmp_path / "inside"
    r.mkdir()
    repo(r, {"Dockerfile": ("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends"
                            " curl\nCOPY ../outside/entrypoint.sh /entrypoint.sh\nCOPY linked.sh /linked.sh\n"
                            "ENTRYPOINT [\"/entrypoint.sh\"]\n")})
    os.symlink(tmp_path / "outside" / "entrypoint.sh", r / "linked.sh")
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] != "drops-privileges" and rep["changed"], rep
    df = (r / "Dockerfile").read_text().replace('["/entrypoint.sh"]', '["/linked.sh"]')
    (r / "Dockerfile").write_text(df)
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] != "drops-privileges" and rep["changed"], rep


def test_world_readable_host_files_need_no_root(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, "docker-compose.yml": (
        "services:\n  app:\n    build: .\n    volumes:\n      - /etc/localtime:/etc/localtime:ro\n"
        "      - /usr/share/zoneinfo:/usr/share/zoneinfo:ro\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep
    (r / "docker-compose.yml").write_text("services:\n  app:\n    build: .\n    volumes:\n      - /var/log:/host/log:ro\n")
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "deployment-needs-root" and "/var/log" in rep["skipped"], rep


def test_one_off_command_with_a_config_folder_is_not_a_tool(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, "README.md": (
        "    docker build -t acme/app .\n    docker run --rm -v $(pwd)/config:/config acme/app migrate\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_tool_writing_into_a_folder_under_its_workdir(cli, tmp_path):
    df = 'FROM node:20-slim\nARG UI=/src/ui\nWORKDIR $UI\nCOPY package.json ./\nRUN npm ci\n'
    r = repo(tmp_path, {"ui/build.Dockerfile": df, "Makefile": (
        "ui:\n\tdocker build -t acme-ui -f ui/build.Dockerfile ui\n"
        "\tdocker run --rm -v \"$(PWD)/ui/static\":/src/ui/static acme-ui yarn build\n")})
    rep = report(cli, r / "ui" / "build.Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep


# --- issue 21 round 2: development containers, images named after their stage, /root mounts ----

DEV = ('FROM node:20-alpine\nWORKDIR /usr/src/web\nCOPY package.json ./\nRUN npm install\nCOPY . .\n'
       'CMD ["npm", "run", "dev"]\n')


def test_compose_that_mounts_the_sources_over_the_workdir_is_a_dev_container(cli, tmp_path):
    r = repo(tmp_path, {"web/Dockerfile": DEV, "docker-compose.yml": (
        "services:\n  web:\n    build: ./web\n    ports: ['3000:3000']\n    volumes:\n"
        "      - ./web:/usr/src/web\n      - modules:/usr/src/web/node_modules\nvolumes:\n  modules: {}\n")})
    rep = report(cli, r / "web" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith("docker-compose.yml:6 bind-mounts the checkout (./web"), rep
    assert 'user: "${UID}:${GID}"' in rep["skipped"], rep


def test_dev_dockerfile_in_a_subfolder_with_the_whole_checkout_mounted(cli, tmp_path):
    df = 'FROM python:3.12-slim\nWORKDIR /code/app\nCOPY . /code\nCMD ["python", "-m", "app", "--reload"]\n'
    r = repo(tmp_path, {"dev/local.Dockerfile": df, "dev/compose.yaml": (
        "services:\n  app:\n    build:\n      context: ..\n      dockerfile: dev/local.Dockerfile\n"
        "    volumes:\n      - type: bind\n        source: ..\n        target: /code\n")})
    rep = report(cli, r / "dev" / "local.Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep


def test_dev_container_run_as_the_callers_uid(cli, tmp_path):
    r = repo(tmp_path, {"web/Dockerfile": DEV, "compose.yml": (
        "services:\n  web:\n    build: web\n    user: \"${UID}:${GID}\"\n    volumes: ['${PWD}/web:/usr/src/web']\n")})
    rep = report(cli, r / "web" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert "with user: ${UID}:${GID}: the compose file chooses the uid" in rep["skipped"], rep


def test_read_only_sources_or_a_data_folder_are_not_a_dev_container(cli, tmp_path):
    r = repo(tmp_path, {"web/Dockerfile": DEV, "docker-compose.yml": (
        "services:\n  web:\n    build: ./web\n    volumes:\n      - ./web:/usr/src/web:ro\n")})
    rep = report(cli, r / "web" / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep
    # a data folder inside the build context is not the sources: not a dev container, but the
    # program's uploads on a host folder (bind-mounted-data)
    (r / "docker-compose.yml").write_text("services:\n  web:\n    build: ./web\n    volumes:\n"
                                          "      - ./web/uploads:/usr/src/web/uploads\n")
    rep = report(cli, r / "web" / "Dockerfile")
    assert rep["rule"] == "bind-mounted-data", rep
    # a folder elsewhere on the host over the working folder is not the checkout either
    (r / "docker-compose.yml").write_text("services:\n  web:\n    build: ./web\n    volumes:\n"
                                          "      - /srv/web:/usr/src/web\n")
    rep = report(cli, r / "web" / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_read_only_checkout_is_not_a_tool(cli, tmp_path):
    r = repo(tmp_path, {"gen/Dockerfile": TOOL, "README.md": (
        "    docker build -t acme/protogen gen\n    docker run --rm -v \"$PWD\":/src:ro -w /src acme/protogen api.proto\n")})
    rep = report(cli, r / "gen" / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


STAGES = (TOOL.replace('ENTRYPOINT ["protoc"]\n', 'ENTRYPOINT ["protoc"]\n\nFROM debian:bookworm-slim AS lint\n'
                       'RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*\n'
                       'WORKDIR /work\nENTRYPOINT ["jq"]\n'))


def test_image_named_after_the_stage_its_build_targets(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": STAGES, "release.sh": (
        "#!/bin/sh\nfor stage in proto lint; do\n  image=${REGISTRY}/${stage}:${VERSION}\n"
        "  docker build --target \"$stage\" -t \"$image\" .\ndone\n"),
        "README.md": "Check your files:\n\n    docker run --rm -v $(pwd):/work acme/lint .\n"})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith("README.md:3 runs it on the caller's checkout"), rep
    # the README names another stage's image: nothing says how this one runs
    (r / "README.md").write_text("Check your files:\n\n    docker run --rm -v $(pwd):/work acme/other .\n")
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_a_mount_into_roots_home_needs_root(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, "docker-compose.yml": (
        "services:\n  app:\n    build: .\n    ports: ['8080:8080']\n    volumes:\n      - appdata:/root/.app\n"
        "volumes:\n  appdata: {}\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "deployment-needs-root", rep
    assert "mounts appdata onto /root/.app, in root's home" in rep["skipped"], rep
    # run as a non-root user already, the mount is the operator's business
    (r / "docker-compose.yml").write_text("services:\n  app:\n    build: .\n    user: '1000'\n    volumes:\n"
                                          "      - appdata:/root/.app\n")
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] != "deployment-needs-root", rep


def test_docs_run_with_the_home_folder_mounted_in_roots_home(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, "README.md": (
        "```\ndocker build -t acme/app .\ndocker run -d -p 80:8080 -v ~/.app:/root/.app acme/app\n```\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "deployment-needs-root", rep
    assert rep["skipped"].startswith("README.md:3: the docker run line mounts ~/.app onto /root/.app"), rep


def test_top_level_docs_are_read_before_deep_scripts(tmp_path, monkeypatch):
    import fixer.repository as repository

    files = {f"samples/s{i}/gen/build.sh": "echo\n" for i in range(12)}
    files.update({"gen/Dockerfile": TOOL, "docs/usage.md": "docker run --rm -v $(pwd):/src -w /src acme/gen x\n",
                  "gen/build.sh": "docker build -t acme/gen .\n"})
    r = repo(tmp_path, files)
    monkeypatch.setattr(repository, "MAX_FILES", 6)
    model = load(str(r))
    assert any(run.where.file == "docs/usage.md" for run in model.runs), model.runs


WORKFLOW_META = """on: push
env:
  IMAGE: acme/gen
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: meta
        uses: docker/metadata-action@v5
        with:
          images: |
            ${{ env.IMAGE }}
            name=ghcr.io/acme/gen,enable=true
      - uses: docker/build-push-action@v6
        with:
          context: gen
          push: true
          tags: ${{ steps.meta.outputs.tags }}
"""


def test_image_names_from_the_metadata_action_and_workflow_env(cli, tmp_path):
    r = repo(tmp_path, {"gen/Dockerfile": TOOL, ".github/workflows/release.yml": WORKFLOW_META,
                        "README.md": "    docker run --rm -v $(pwd):/src acme/gen --go_out=. api.proto\n"})
    model = load(str(r))
    assert model.image_paths_of(str(r / "gen" / "Dockerfile")) == {"acme/gen"}
    assert set(model.builds[0].tags) == {"acme/gen", "ghcr.io/acme/gen"}
    rep = report(cli, r / "gen" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep


WORKFLOW_MATRIX = """on: push
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        include:
          - image: acme/server
            dockerfile: server/Dockerfile
          - image: acme/worker
            dockerfile: worker/Dockerfile
    steps:
      - uses: docker/build-push-action@v6
        with:
          context: .
          file: ${{ matrix.dockerfile }}
          outputs: type=image,name=${{ matrix.image }},push-by-digest=true,push=true
"""


def test_matrix_include_pairs_each_dockerfile_with_its_image(tmp_path):
    r = repo(tmp_path, {"server/Dockerfile": SERVICE, "worker/Dockerfile": SERVICE,
                        ".github/workflows/build.yml": WORKFLOW_MATRIX})
    model = load(str(r))
    assert model.image_paths_of(str(r / "server" / "Dockerfile")) == {"acme/server"}
    assert model.image_paths_of(str(r / "worker" / "Dockerfile")) == {"acme/worker"}


def test_a_workflow_step_run_in_the_image_is_a_tool_on_the_checkout(cli, tmp_path):
    r = repo(tmp_path, {"lint/Dockerfile": TOOL, "Makefile": "lint-image:\n\tdocker build -t acme/lint lint\n",
                        ".github/workflows/lint.yml": (
                            "on: push\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n"
                            "      - uses: actions/checkout@v4\n      - uses: docker://acme/lint:1\n"
                            "        with:\n          args: --fix .\n")})
    rep = report(cli, r / "lint" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith(".github/workflows/lint.yml:7 runs it as a CI job's image"), rep


def test_an_init_container_run_as_root_is_not_the_program(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, "Makefile": "build:\n\tdocker build -t acme/app .\n", "k8s/app.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      initContainers:\n"
        "        - name: perms\n          image: acme/app\n          command: [sh, -c, 'chown -R 1000 /data']\n"
        "          securityContext:\n            runAsUser: 0\n      containers:\n        - name: app\n"
        "          image: acme/app\n          securityContext:\n            runAsUser: 1000\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep
    assert rep["user_ids"] == "1000:1000", rep


def test_make_variable_names_the_image_run_on_the_checkout(cli, tmp_path):
    r = repo(tmp_path, {"tools/Dockerfile": TOOL, "Makefile": (
        "IMAGE ?= acme/protogen:dev\n\nimage:\n\tdocker build -t $(IMAGE) tools\n\n"
        "proto: image\n\tdocker run --rm -v $(CURDIR):/src $(IMAGE) --go_out=. api.proto\n")})
    rep = report(cli, r / "tools" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith("Makefile:7 runs it on the caller's checkout"), rep


def test_compose_service_running_the_built_image_on_the_checkout(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": DEV, "Makefile": "image:\n\tdocker build -t acme/web-dev .\n",
                        "compose.yaml": ("services:\n  web:\n    image: acme/web-dev\n"
                                         "    volumes: ['.:/usr/src/web']\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep


def test_an_image_labelled_for_ci_container_jobs_is_left(cli, tmp_path):
    df = ("FROM node:20-alpine\nRUN apk add --no-cache bash sudo shadow\n"
          'LABEL "com.azure.dev.pipelines.agent.handler.node.path"="/usr/local/bin/node"\n'
          "COPY tool /usr/local/bin/tool\n")
    r = repo(tmp_path, {"ci/Dockerfile": df})
    rep = report(cli, r / "ci" / "Dockerfile")
    assert rep["rule"] == "deployment-needs-root", rep
    assert rep["skipped"].startswith("line 3: LABEL com.azure.dev.pipelines.agent.handler.node.path"), rep


def test_without_a_remote_the_source_label_names_the_repository(cli, tmp_path):
    df = SERVICE.replace("CMD", 'LABEL org.opencontainers.image.source="https://github.com/acme/notifier"\nCMD')
    r = repo(tmp_path, {"Dockerfile": df, "docs/install.md": (
        "```\ndocker run -p 8080:8080 -v /var/cache/notifier:/var/cache/notifier acme/notifier serve\n```\n")})
    assert "notifier" in load(str(r)).names
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "deployment-needs-root", rep
    assert rep["skipped"].startswith("docs/install.md:2: the docker run line mounts the host's /var/cache/notifier"), rep


GORELEASER = """project_name: notes
dockers:
  - image_templates:
      - "{{ .Env.REGISTRY }}/acme/{{ .ProjectName }}:{{ .Tag }}-amd64"
      - "ghcr.io/acme/notes:latest"
    dockerfile: release.Dockerfile
"""


def test_goreleaser_dockers_name_the_image(tmp_path):
    r = repo(tmp_path, {"release.Dockerfile": SERVICE, ".goreleaser.yaml": GORELEASER})
    model = load(str(r))
    assert model.image_paths_of(str(r / "release.Dockerfile")) == {"acme/notes"}


def test_a_single_file_mounted_is_no_tool_output_and_no_data_folder(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, "Makefile": "build:\n\tdocker build -t acme/app .\n", "docs/config.md": (
        "    docker run --rm -v ./app.yml:/app/config/app.yml acme/app config:check\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep
    assert not any("app.yml" in w for w in rep["warnings"]), rep


def test_kubernetes_host_path_over_a_volume_is_left_unless_a_uid_is_set(cli, tmp_path):
    pod = ("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: app\n      image: acme/app:1\n"
           "      volumeMounts:\n        - name: data\n          mountPath: /data\n{ctx}  volumes:\n    - name: data\n"
           "      hostPath:\n        path: /srv/app-data\n        type: DirectoryOrCreate\n")
    r = repo(tmp_path, {"Dockerfile": APP + "VOLUME /data\n", "Makefile": "build:\n\tdocker build -t acme/app .\n",
                        "k8s/pod.yaml": pod.format(ctx="")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "bind-mounted-data", rep
    assert rep["skipped"].startswith("k8s/pod.yaml:6 bind-mounts /srv/app-data over /data"), rep
    (r / "k8s" / "pod.yaml").write_text(pod.format(ctx="      securityContext:\n        runAsUser: 1000\n"))
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["user_ids"] == "1000:1000", rep


def test_a_target_variable_only_in_the_tag_does_not_name_the_stage(tmp_path):
    r = repo(tmp_path, {"Dockerfile": STAGES, "build.sh": (
        "for t in proto lint; do\n  docker build --target \"$t\" -t \"acme/tools:$t\" .\ndone\n")})
    model = load(str(r))
    # each stage's image is a tag of one name: which stage `acme/tools` means is not shown
    assert "acme/tools" not in model.image_paths_of(str(r / "Dockerfile"), "lint")


def test_github_repository_in_a_published_name(tmp_path):
    wf = WORKFLOW_META.replace("IMAGE: acme/gen", "IMAGE: ghcr.io/${{ github.repository }}").replace(
        "            name=ghcr.io/acme/gen,enable=true\n", "")
    (tmp_path / "protogen").mkdir()
    r = repo(tmp_path / "protogen", {"gen/Dockerfile": TOOL, ".github/workflows/release.yml": wf})
    model = load(str(r))
    assert model.image_paths_of(str(r / "gen" / "Dockerfile")) == {"protogen"}


# --- the caller's checkout, as the repository shows it (issue 21 round 3) -----------------------

LINTER = ("FROM python:3.12-slim\nRUN pip install --no-cache-dir sqlcheck-tool==1.2\n"
          "# Mount the caller's folder at /work, so paths need no prefix:\n"
          "#   docker run --rm -v \"$PWD\":/work acme/sqlcheck:latest fix queries.sql\n"
          "WORKDIR /work\nENTRYPOINT [\"sqlcheck\"]\n")


def test_a_usage_comment_in_the_dockerfile_runs_its_image(cli, tmp_path):
    # the image is named nowhere else: the file's own comment says how it is run
    (tmp_path / "sqlcheck").mkdir()
    r = repo(tmp_path / "sqlcheck", {"Dockerfile": LINTER})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith("Dockerfile:4 runs it on the caller's checkout (-v $PWD:/work)"), rep


def test_a_usage_comment_that_builds_the_image_it_runs(cli, tmp_path):
    df = LINTER.replace("# Mount", "#   docker build -t acme/sqlcheck tools/sqlcheck\n# Mount")
    r = repo(tmp_path, {"tools/sqlcheck/Dockerfile": df})
    rep = report(cli, r / "tools" / "sqlcheck" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith("tools/sqlcheck/Dockerfile:5 runs it"), rep


def test_a_usage_comment_running_another_image_is_not_this_image(cli, tmp_path):
    r = repo(tmp_path, {"tools/sqlcheck/Dockerfile": LINTER})
    rep = report(cli, r / "tools" / "sqlcheck" / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_a_docs_shortcode_in_the_tag_still_names_the_image(cli, tmp_path):
    r = repo(tmp_path, {"build/tool.Dockerfile": TOOL,
                        ".goreleaser.yaml": GORELEASER.replace("release.Dockerfile", "build/tool.Dockerfile"),
                        "site/content/install.md": (
                            "```sh\ndocker run --rm -v $(pwd):/src -w /src acme/notes:{{< notes/latest-version >}} "
                            "notes lint\n```\n")})
    rep = report(cli, r / "build" / "tool.Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith("site/content/install.md:2 runs it"), rep


@pytest.mark.parametrize("name,text", [
    ("go.mod", "module github.com/acme/sqlcheck/v2\n\ngo 1.22\n"),
    ("Cargo.toml", '[package]\nname = "sqlcheck-cli"\nrepository = "https://github.com/acme/sqlcheck"\n'),
    ("package.json", '{\n  "name": "x",\n  "repository": {\n    "type": "git",\n'
                     '    "url": "git+https://github.com/acme/sqlcheck.git"\n  }\n}\n'),
])
def test_without_a_remote_the_manifest_names_the_repository(cli, tmp_path, name, text):
    # a tarball's folder (`sqlcheck-main`) is not the image's name; the project's manifest says it
    (tmp_path / "sqlcheck-main").mkdir()
    r = repo(tmp_path / "sqlcheck-main", {"Dockerfile": TOOL, name: text,
                                          "README.md": "    docker run --rm -v $(pwd):/src -w /src acme/sqlcheck lint\n"})
    assert load(str(r)).names == ("sqlcheck-main", "sqlcheck")
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep


def test_a_manifest_url_of_an_issue_tracker_names_nothing(tmp_path):
    r = repo(tmp_path, {"package.json": '{"bugs": {"url": "https://github.com/acme/other/issues"}}\n'})
    assert "other" not in load(str(r)).names


PACKAGER = ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential "
            "devscripts && rm -rf /var/lib/apt/lists/*\n{copy}RUN mkdir -p /pkg/source /out\nWORKDIR /pkg/source\n"
            'ENTRYPOINT ["bash", "/pkg/source/packaging/build-deb.sh"]\n')


def test_a_script_of_the_checkout_the_image_never_holds(cli, tmp_path):
    r = repo(tmp_path, {"packaging/Dockerfile": PACKAGER.format(copy="COPY --from=acme/debhelper:1 /debhelper_1.2_all.deb /\n"),
                        "packaging/build-deb.sh": "#!/bin/sh\ndpkg-buildpackage -us -uc && mv ../*.deb /out\n"})
    rep = report(cli, r / "packaging" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith("line 6: ENTRYPOINT runs /pkg/source/packaging/build-deb.sh, the repository's "
                                     "packaging/build-deb.sh, from its working folder /pkg/source (line 5)"), rep


@pytest.mark.parametrize("copy", ["COPY . /pkg/source\n", "COPY . /pkg\n", "COPY packaging /\n",
                                  "RUN git clone https://example.invalid/acme/pkg.git /pkg/source\n"])
def test_a_script_the_image_may_hold_is_not_the_checkouts(cli, tmp_path, copy):
    r = repo(tmp_path, {"packaging/Dockerfile": PACKAGER.format(copy=copy),
                        "packaging/build-deb.sh": "#!/bin/sh\ndpkg-buildpackage -us -uc\n"})
    rep = report(cli, r / "packaging" / "Dockerfile")
    assert rep["rule"] != "tool-on-checkout", rep


BUILDER = ("# -----------------------------------------------\n# zstd static builder\n"
           "# - Used as a shared build stage by Dockerfile and Dockerfile.agent.\n"
           "# -----------------------------------------------\nFROM debian:bookworm-slim\n"
           "RUN apt-get update && apt-get install -y --no-install-recommends gcc make curl ca-certificates "
           "&& rm -rf /var/lib/apt/lists/*\nRUN curl -fsSL https://example.invalid/zstd.tar.gz | tar -xz -C /tmp "
           "&& make -C /tmp/zstd install\n")


def test_a_builder_by_its_header_that_nothing_runs(cli, tmp_path):
    r = repo(tmp_path, {"docker/Dockerfile.zstd": BUILDER})
    rep = report(cli, r / "docker" / "Dockerfile.zstd")
    assert rep["rule"] == "build-only", rep
    assert rep["skipped"].startswith('line 3: the header says it is a builder ("- Used as a shared build stage'), rep


@pytest.mark.parametrize("files", [
    {"docker/Dockerfile.zstd": BUILDER + 'CMD ["zstd"]\n'},  # it has a program of its own
    {"docker/Dockerfile.zstd": BUILDER, "Makefile": ("zstd:\n\tdocker build -t acme/zstd -f docker/Dockerfile.zstd docker\n"
                                                     "\tdocker run --rm acme/zstd zstd --version\n")},  # it is run
])
def test_a_builder_header_on_an_image_that_runs(cli, tmp_path, files):
    r = repo(tmp_path, files)
    rep = report(cli, r / "docker" / "Dockerfile.zstd")
    assert rep["rule"] != "build-only", rep


MIGRATOR = ("FROM eclipse-temurin:21-jre\nRUN mkdir -p /migrator/drivers\nCOPY migrator.jar /migrator/\n"
            "WORKDIR /migrator\nENTRYPOINT [\"java\", \"-jar\", \"/migrator/migrator.jar\"]\n")


@pytest.mark.parametrize("host,hit", [("/absolute/path/to/my/project", True), ("<your-project>", True),
                                      ("${path_to_project}", True), ("/srv/migrations", False)])
def test_the_docs_placeholder_for_the_callers_folder(cli, tmp_path, host, hit):
    (tmp_path / "migrator").mkdir()
    r = repo(tmp_path / "migrator", {"Dockerfile": MIGRATOR, "README.md": (
        f"Run it on your project:\n\n    docker run --rm -v {host}:/migrator/project acme/migrator "
        f"-workingDirectory=project migrate\n")})
    rep = report(cli, r / "Dockerfile")
    assert (rep["rule"] == "tool-on-checkout") is hit, rep
    if hit:
        assert rep["skipped"].startswith(f"README.md:3 runs it on a folder of the caller's (-v {host}:/migrator/project)"), rep
# --- host devices, publish actions (issue 21, round 3) --------------------------------------

def test_a_host_serial_device_passed_in_needs_root(cli, tmp_path):
    readme = ("```\ndocker build -t acme/bridge .\ndocker run -d -p 8080:8080 \\\n"
              "  --device=/dev/serial/by-id/usb-adapter:/dev/radio \\\n  -v $(pwd)/data:/app/data acme/bridge\n```\n")
    r = repo(tmp_path, {"Dockerfile": SERVICE, "README.md": readme})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "deployment-needs-root", rep
    assert rep["skipped"].startswith("README.md:3: the docker run line passes the host's device "
                                     "/dev/serial/by-id/usb-adapter"), rep


def test_compose_devices_need_root_unless_the_service_picks_a_user(cli, tmp_path):
    compose = ("services:\n  bridge:\n    build: .\n{user}    devices:\n      - /dev/ttyUSB0:/dev/ttyUSB0\n")
    r = repo(tmp_path, {"Dockerfile": SERVICE, "compose.yaml": compose.format(user="")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "deployment-needs-root" and rep["skipped"].startswith("compose.yaml:5: "), rep
    (r / "compose.yaml").write_text(compose.format(user="    user: '1000:20'\n"))
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_a_device_every_user_may_open_is_no_reason(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": SERVICE, "README.md": (
        "docker build -t acme/agent .\ndocker run -p 80:80 --device /dev/fuse acme/agent\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_a_marketplace_publish_action_names_the_image(cli, tmp_path):
    wf = ("on: push\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
          "      - uses: someone/publish-image-action@v2\n        with:\n          file: docker/Dockerfile.release\n"
          "          repository: acme/watcher\n          tags: latest\n")
    r = repo(tmp_path, {"docker/Dockerfile.release": SERVICE, ".github/workflows/release.yml": wf,
                        "docs/install.md": "docker run -d -v /var/run/docker.sock:/var/run/docker.sock acme/watcher\n"})
    model = load(str(r))
    assert model.image_paths_of(str(r / "docker" / "Dockerfile.release")) == {"acme/watcher"}
    rep = report(cli, r / "docker" / "Dockerfile.release")
    assert rep["rule"] == "deployment-needs-root", rep
    assert rep["skipped"].startswith("docs/install.md:1: the docker run line mounts the Docker socket"), rep


def test_an_action_given_a_file_that_is_no_dockerfile_names_nothing(tmp_path):
    wf = ("on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: someone/upload@v1\n"
          "        with:\n          file: coverage.xml\n          name: acme/report\n")
    r = repo(tmp_path, {"Dockerfile": SERVICE, "coverage.xml": "<x/>\n", ".github/workflows/t.yml": wf})
    model = load(str(r))
    assert not model.builds, model.builds


# --- who builds on the image: docs outside the README, ARG bases, bake contexts, forks -------

STATIC = ('FROM debian:bookworm-slim\nCOPY sitegen /usr/local/bin/sitegen\nWORKDIR /site\n'
          'ENTRYPOINT ["sitegen"]\nCMD ["build"]\n')


def test_docs_deep_in_the_site_show_from_the_image_with_its_owner(cli, tmp_path):
    (tmp_path / "sitegen").mkdir()
    doc = ("# Deploying with Docker\n\n```Dockerfile\nFROM ghcr.io/acme/sitegen:1.4 AS build\nCOPY . /project\n"
           "WORKDIR /project\nRUN [\"sitegen\", \"build\"]\n\nFROM nginx:stable\n"
           "COPY --from=build /project/public /usr/share/nginx/html\n```\n")
    r = repo(tmp_path / "sitegen", {"Dockerfile": STATIC, "site/content/docs/deployment/docker.md": doc})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "publishes-image", rep
    assert rep["skipped"].startswith("site/content/docs/deployment/docker.md:4 shows users building FROM "
                                     "ghcr.io/acme/sitegen:1.4"), rep


def test_docs_from_an_image_of_another_name_change_nothing(cli, tmp_path):
    (tmp_path / "sitegen").mkdir()
    r = repo(tmp_path / "sitegen", {"Dockerfile": STATIC, "docs/other.md": (
        "```\nFROM ghcr.io/acme/sitegen-theme:1\nRUN make\n```\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_a_from_through_a_global_arg_default_is_a_consumer(cli, tmp_path):
    base = ("FROM node:22-bookworm\nWORKDIR /opt/app\nCOPY package.json yarn.lock ./\nRUN yarn install\n"
            "COPY . .\nRUN yarn build\n")
    app = ("ARG BASE_IMAGE=acme/app-base\nFROM ${BASE_IMAGE} AS base\n\nFROM node:22-slim\n"
           "COPY --from=base /opt/app/build /opt/app\nUSER node\nCMD [\"node\", \"/opt/app/index.js\"]\n")
    r = repo(tmp_path, {"Dockerfile.base": base, "Dockerfile": app,
                        "Makefile": "base:\n\tdocker build -f Dockerfile.base -t acme/app-base .\n"})
    rep = report(cli, r / "Dockerfile.base")
    assert rep["rule"] == "base-image", rep
    assert rep["skipped"].startswith("line 2 of Dockerfile builds FROM acme/app-base"), rep


def test_a_fork_of_build_push_action_names_the_image(tmp_path):
    wf = ("on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n"
          "      - uses: fastbuilds/build-push-action@v2\n        with:\n          file: Dockerfile.base\n"
          "          tags: acme/app-base\n          push: true\n")
    r = repo(tmp_path, {"Dockerfile.base": SERVICE, ".github/workflows/b.yml": wf})
    assert load(str(r)).image_paths_of(str(r / "Dockerfile.base")) == {"acme/app-base"}


def test_a_bake_target_passing_another_as_a_named_context(cli, tmp_path):
    base = ("FROM alpine:3.20\nRUN addgroup -S mail && adduser -S -G mail mail"
            " && apk add --no-cache python3\n")
    svc = "FROM base\nRUN apk add --no-cache dovecot\nCOPY start.py /start.py\nCMD [\"/start.py\"]\n"
    hcl = ('target "base" {\n  context = "core/base/"\n}\n\ntarget "imap" {\n  context = "core/imap/"\n'
           '  contexts = {\n    base = "target:base"\n  }\n  tags = tag("imap")\n}\n')
    r = repo(tmp_path, {"core/base/Dockerfile": base, "core/imap/Dockerfile": svc, "core/imap/start.py": "",
                        "ci/build.hcl": hcl})
    rep = report(cli, r / "core" / "base" / "Dockerfile")
    assert rep["rule"] == "base-image", rep
    assert rep["skipped"].startswith("line 1 of core/imap/Dockerfile builds FROM base, which ci/build.hcl:5 passes"), rep


# --- published-data-volume ------------------------------------------------------------------

MAILD = ('FROM alpine:3.20\nRUN apk add --no-cache ca-certificates\nCOPY --from=ghcr.io/acme/maild-bin:1 /maild /bin/maild\n'
         'VOLUME ["/data"]\nEXPOSE 2525\nENTRYPOINT ["/bin/maild", "-config", "/data/maild.conf"]\n')


def test_docs_run_the_published_image_with_a_volume_on_its_volume(cli, tmp_path):
    (tmp_path / "maild").mkdir()
    doc = "# Docker\n\n```\ndocker volume create maildata\ndocker run -d -v maildata:/data -p 2525:2525 acme/maild:0.7\n```\n"
    r = repo(tmp_path / "maild", {"Dockerfile": MAILD, "docs/docker.md": doc})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "published-data-volume", rep
    assert rep["skipped"].startswith("docs/docker.md:5 runs the published image acme/maild:0.7 with the named volume "
                                     "maildata on /data (its VOLUME /data)"), rep


@pytest.mark.parametrize("run", [
    "docker run -d -u 1000:1000 -v maildata:/data acme/maild",  # the user chooses a non-root uid
    "docker run -d -v maildata:/var/spool/maild acme/maild",  # not a folder the image declares
    "docker run --rm -v $(pwd):/data acme/maild check",  # the caller's checkout: tool-on-checkout's question
    "docker run -d -v /srv/maild/maild.conf:/data/maild.conf:ro acme/maild",  # one read-only file
    "docker run -d -v maildata:/data acme/other-daemon",  # another image
    "docker run -d -v /srv/maild:/data acme/maild",  # a host folder: the operator's (a warning on the fix)
])
def test_runs_that_keep_no_root_data_on_the_volume(cli, tmp_path, run):
    (tmp_path / "maild").mkdir()
    r = repo(tmp_path / "maild", {"Dockerfile": MAILD, "README.md": f"```\n{run}\n```\n"})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] != "published-data-volume", rep


def test_a_compose_service_that_builds_the_checkout_is_not_the_published_image(cli, tmp_path):
    (tmp_path / "maild").mkdir()
    r = repo(tmp_path / "maild", {"Dockerfile": MAILD, "compose.yaml": (
        "services:\n  maild:\n    build: .\n    volumes:\n      - maildata:/data\nvolumes:\n  maildata: {}\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


# --- variants by tag suffix; a bind mount over a folder made writable ------------------------

WEB = ('FROM debian:bookworm-slim\nWORKDIR /opt/mon\nCOPY mon /opt/mon/bin/mon\n'
       'RUN mkdir -p /opt/mon/config && chmod -R a+w /opt/mon/config\nEXPOSE 8080\nCMD ["/opt/mon/bin/mon", "start"]\n')
AGENT = ('FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends smartmontools'
         ' && rm -rf /var/lib/apt/lists/*\nCOPY agent /usr/local/bin/agent\nCMD ["agent"]\n')
SUFFIX_WF = ("on: push\njobs:\n  {name}:\n    runs-on: ubuntu-latest\n    steps:\n"
             "      - uses: docker/metadata-action@v5\n        id: meta\n        with:\n"
             "          images: ghcr.io/acme/mon\n          flavor: |\n            suffix=-{name},onlatest=true\n"
             "      - uses: docker/build-push-action@v6\n        with:\n          file: docker/Dockerfile.{name}\n"
             "          push: true\n          tags: ${{{{ steps.meta.outputs.tags }}}}\n")


def test_variants_published_as_tag_suffixes_keep_their_own_runs(tmp_path):
    compose = ("services:\n  web:\n    image: ghcr.io/acme/mon:latest-web\n    ports: ['8080:8080']\n"
               "  agent:\n    image: ghcr.io/acme/mon:latest-agent\n    cap_add: [SYS_RAWIO]\n")
    r = repo(tmp_path, {"docker/Dockerfile.web": WEB, "docker/Dockerfile.agent": AGENT,
                        ".github/workflows/web.yml": SUFFIX_WF.format(name="web"),
                        ".github/workflows/agent.yml": SUFFIX_WF.format(name="agent"),
                        "docker/example.docker-compose.yml": compose})
    model = load(str(r))
    web = [x.image for x in model.runs_of(str(r / "docker" / "Dockerfile.web"))]
    agent = [x.image for x in model.runs_of(str(r / "docker" / "Dockerfile.agent"))]
    assert web == ["ghcr.io/acme/mon:latest-web"] and agent == ["ghcr.io/acme/mon:latest-agent"], (web, agent)


def test_a_bind_mount_over_a_folder_the_build_makes_writable(cli, tmp_path):
    compose = ("services:\n  web:\n    image: ghcr.io/acme/mon:latest-web\n    volumes:\n"
               "      - ./config:/opt/mon/config\n")
    r = repo(tmp_path, {"docker/Dockerfile.web": WEB, ".github/workflows/web.yml": SUFFIX_WF.format(name="web"),
                        "docker/example.docker-compose.yml": compose})
    rep = report(cli, r / "docker" / "Dockerfile.web")
    assert rep["rule"] == "bind-mounted-data", rep
    assert rep["skipped"].startswith("docker/example.docker-compose.yml:5 bind-mounts ./config over /opt/mon/config "
                                     "(/opt/mon/config, which line 4 makes writable for the program)"), rep


# --- privileged-port-deployed ----------------------------------------------------------------

LOW_PORT_WEB = ('FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates '
       '&& rm -rf /var/lib/apt/lists/*\nCOPY web /usr/local/bin/web\nENV PORT=80\nEXPOSE 80\n'
       'CMD ["/usr/local/bin/web"]\n')
LOW_PORT_MAKE = "image:\n\tdocker build -t ghcr.io/acme/web .\n"


def deployment(container: str = "", pod: str = "") -> str:
    return ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n"
            + pod + "      containers:\n        - name: web\n          image: ghcr.io/acme/web:1.4\n" + container)


def test_kubernetes_run_of_a_program_on_port_80_is_left(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": LOW_PORT_WEB, "Makefile": LOW_PORT_MAKE, "k8s/web.yaml": deployment(
        "          ports:\n            - containerPort: 80\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "privileged-port-deployed", rep
    assert rep["skipped"].startswith("k8s/web.yaml:10 runs it on Kubernetes, where a non-root user cannot bind port 80, "
                                     "and line 4: ENV PORT=80: change it to ENV PORT=8080"), rep


def test_exposed_port_the_manifest_declares_is_left(cli, tmp_path):
    web = LOW_PORT_WEB.replace("ENV PORT=80\n", "")
    r = repo(tmp_path, {"Dockerfile": web, "Makefile": LOW_PORT_MAKE, "k8s/web.yaml": deployment(
        "          ports:\n            - containerPort: 80\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "privileged-port-deployed", rep
    assert "line 4: EXPOSE 80, which k8s/web.yaml declares as its containerPort" in rep["skipped"], rep


@pytest.mark.parametrize("container,pod", [
    ("          env:\n            - name: PORT\n              value: '8080'\n", ""),  # the manifest moves the port
    ("", "      securityContext:\n        sysctls:\n          - name: net.ipv4.ip_unprivileged_port_start\n"
         "            value: '0'\n"),  # the pod lets any user bind it
    ("", "      securityContext:\n        runAsUser: 1000\n"),  # already non-root there
])
def test_kubernetes_runs_where_the_port_is_no_obstacle_are_fixed(cli, tmp_path, container, pod):
    r = repo(tmp_path, {"Dockerfile": LOW_PORT_WEB, "Makefile": LOW_PORT_MAKE, "k8s/web.yaml": deployment(container, pod)})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_exposed_port_alone_and_compose_runs_are_fixed_with_a_warning(cli, tmp_path):
    web = LOW_PORT_WEB.replace("ENV PORT=80\n", "")
    r = repo(tmp_path, {"Dockerfile": web, "Makefile": LOW_PORT_MAKE, "k8s/web.yaml": deployment(
        "          ports:\n            - containerPort: 8080\n")})  # EXPOSE 80 is not what Kubernetes runs
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep
    (tmp_path / "compose").mkdir()
    r2 = repo(tmp_path / "compose", {"Dockerfile": LOW_PORT_WEB, "compose.yaml": "services:\n  web:\n    build: .\n    ports: ['80:80']\n"})
    rep = report(cli, r2 / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep
    assert any("port 80 is below 1024" in w for w in rep["warnings"]), rep["warnings"]


def test_helm_chart_with_a_privileged_container_port_is_left(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": LOW_PORT_WEB.replace("ENV PORT=80\n", ""), "Makefile": LOW_PORT_MAKE,
                        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
                        "charts/web/values.yaml": "image:\n  repository: ghcr.io/acme/web\n  tag: 1.4\n",
                        "charts/web/templates/deployment.yaml": (
                            "spec:\n  template:\n    spec:\n      containers:\n        - name: web\n"
                            "          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n"
                            "          ports:\n            - containerPort: 80\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "privileged-port-deployed", rep
    assert rep["skipped"].startswith("charts/web/values.yaml:2 runs it on Kubernetes"), rep


# --- npm scripts; one image name with a Dockerfile per tag ---------------------------------------

PACKAGE = """{
  "name": "panel",
  "scripts": {
    "build:base": "docker buildx build -t acme/panel:base -f ./docker/Base.Dockerfile . --push",
    "build:docker": "docker buildx build -t acme/panel:latest -t acme/panel:1 -f ./docker/Dockerfile . --push",
    "start": "node server.js"
  },
  "dependencies": {"express": "^4.19.0"}
}
"""
BASE_FILE = "FROM node:22-bookworm-slim\nRUN apt-get update && apt-get install -y curl\n"
PANEL = "FROM acme/panel:base\nWORKDIR /app\nCOPY . .\nEXPOSE 5001\nCMD [\"node\", \"server.js\"]\n"


def test_npm_scripts_name_the_images_they_build():
    from fixer.repository.readers import package_scripts

    lines = package_scripts(PACKAGE).split("\n")
    assert lines[3] == "docker buildx build -t acme/panel:base -f ./docker/Base.Dockerfile . --push", lines
    assert lines[0] == lines[1] == lines[2] == lines[8] == "", lines
    assert package_scripts('{"scripts": {"a": "echo \\"hi\\""}}') == ""  # one line: not read
    assert package_scripts('{\n"scripts": {\n"a": "echo \\"hi\\""\n}\n}').split("\n")[2] == 'echo "hi"'


def test_a_base_built_by_an_npm_script_under_its_own_tag(cli, tmp_path):
    compose = "services:\n  panel:\n    image: acme/panel:1\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n"
    r = repo(tmp_path, {"package.json": PACKAGE, "docker/Base.Dockerfile": BASE_FILE, "docker/Dockerfile": PANEL,
                        "compose.yaml": compose})
    rep = report(cli, r / "docker" / "Base.Dockerfile")
    assert rep["rule"] == "base-image", rep  # the compose run of acme/panel:1 is the other Dockerfile's
    assert rep["skipped"].startswith("line 1 of docker/Dockerfile builds FROM acme/panel:base (this Dockerfile's image, "
                                     "per package.json)"), rep
    rep = report(cli, r / "docker" / "Dockerfile")
    assert rep["rule"] == "deployment-needs-root", rep


# --- session 5: more spellings of "run on the caller's files" ------------------------------------

def test_checkout_mounted_at_the_same_path_is_a_tool(cli, tmp_path):
    # `-v "$(pwd)":"$(pwd)" -w "$(pwd)"`: the caller's folder at its own path, the tool working in it
    r = repo(tmp_path, {"proto/Dockerfile": TOOL, "proto/update.sh": (
        "#!/bin/sh\ndocker build -t acme-protoc .\n"
        'docker run --rm --volume "$(pwd):$(pwd)" --workdir "$(pwd)" acme-protoc --go_out=. api.proto\n')})
    rep = report(cli, r / "proto" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith("proto/update.sh:3 runs it on the caller's checkout"), rep["skipped"]


def test_docker_run_quoted_in_an_alias_is_read():
    _, runs = scan('alias gen="docker run -ti --rm -v .:/conf -w /conf acme/gen" # then: gen sync\n')
    (r,) = runs
    assert (r.image, r.mounts, r.workdir) == ("acme/gen", [(".", "/conf")], "/conf")


def test_alias_running_the_image_on_the_checkout_is_a_tool(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": TOOL, "README.md": (
        "```sh\ndocker build -t acme/gen .\nalias gen=\"docker run -ti --rm -v .:/src -w /src acme/gen\"\n```\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep


def test_readme_beside_a_dockerfile_builds_and_runs_it_on_a_home_folder(cli, tmp_path):
    # a README in the Dockerfile's own folder: `docker build .` there builds it; a folder of the
    # caller's home mounted over the tool's working folder, given a command, is the caller's files
    tool = ("FROM node:22-alpine\nRUN npm install -g acme-runner\nWORKDIR /etc/runner\n"
            'ENTRYPOINT ["acme-runner"]\n')
    files = {"images/alpine/Dockerfile": tool, "images/alpine/README.md": (
        "Build it:\n```\ndocker build -t acme/runner:alpine .\n```\nRun it:\n```\n"
        'docker run --volume="/home/me/suites:/etc/runner" -t acme/runner:alpine run suite.json --export report.json\n'
        "```\n")}
    files.update({f"lib/deep/d{i}/notes.md": "notes\n" for i in range(5)})
    r = repo(tmp_path, files)
    rep = report(cli, r / "images" / "alpine" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert "a folder of the caller's (-v /home/me/suites:/etc/runner)" in rep["skipped"], rep["skipped"]


def test_dockerfiles_folder_holds_the_repositorys_image(cli, tmp_path):
    # no Dockerfile at the root; `Dockerfiles/Dockerfile.alpine` is the image named after the
    # repository (`acme/yamlcheck` for `yamlcheck-docker`), which the README runs on the checkout
    root = tmp_path / "yamlcheck-docker"
    root.mkdir()
    r = repo(root, {"Dockerfiles/Dockerfile.alpine": TOOL.replace("/src", "/data"), "README.md": (
        "```\ndocker run --rm -it -v $(pwd):/data acme/yamlcheck .\n```\n")})
    rep = report(cli, r / "Dockerfiles" / "Dockerfile.alpine")
    assert rep["rule"] == "tool-on-checkout", rep


def test_a_folder_named_docker_beside_a_root_dockerfile_is_not_the_image(cli, tmp_path):
    root = tmp_path / "yamlcheck"
    root.mkdir()
    r = repo(root, {"Dockerfile": APP, "docker/Dockerfile": TOOL.replace("/src", "/data"), "README.md": (
        "```\ndocker run --rm -it -v $(pwd):/data acme/yamlcheck .\n```\n")})
    rep = report(cli, r / "docker" / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_matrix_entry_names_the_metadata_images(cli, tmp_path):
    # one build-push step, a matrix entry per image: `name` in the tags, `context` in the build
    wf = ("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        include:\n"
          "          - name: docs\n            context: base\n          - name: docs-pdf\n            context: pdf\n"
          "    steps:\n      - uses: actions/checkout@v4\n      - id: meta\n        uses: docker/metadata-action@v5\n"
          "        with:\n          images: acme/${{ matrix.name }}\n"
          "      - uses: docker/build-push-action@v6\n        with:\n          context: ${{ matrix.context }}\n"
          "          push: true\n          tags: ${{ steps.meta.outputs.tags }}\n")
    tool = "FROM python:3.12-slim\nRUN pip install --no-cache-dir acme-docs\nWORKDIR /docs\n"
    r = repo(tmp_path, {"base/Dockerfile": tool, "pdf/Dockerfile": tool, ".github/workflows/build.yml": wf,
                        "README.md": "```\ndocker run --rm -v /path/to/doc:/docs acme/docs-pdf build -M pdf . _build\n```\n"})
    rep = report(cli, r / "pdf" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert report(cli, r / "base" / "Dockerfile")["rule"] != "tool-on-checkout"


# --- session 5: volumes the deployment keeps ------------------------------------------------------

def test_named_volume_on_a_folder_the_image_lacks_is_handed_over(cli, tmp_path):
    # compose builds the image and keeps a named volume at /data: a new volume takes the owner of
    # the folder the image has there, so the fix makes /data and hands it over
    r = repo(tmp_path, {"Dockerfile": APP, "docker-compose.yml": (
        "services:\n  app:\n    build: .\n    ports: ['8000:8000']\n    volumes:\n      - appdata:/data\n"
        "volumes:\n  appdata: {}\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep
    assert any("mounts the named volume appdata at /data: the folder is made and handed to the new user" in x
               for x in rep["reasons"]), rep["reasons"]
    code, out, err = cli(["--isolated", "--diff", r / "Dockerfile"])
    assert "mkdir -p /data" in out and "/data" in out.split("chown", 1)[1], out


def test_published_image_with_a_named_volume_on_a_folder_it_does_not_declare_is_fixed(cli, tmp_path):
    # (not published-data-volume, which is for VOLUMEs: the labelled sets judged these fixable)
    (tmp_path / "app").mkdir()
    r = repo(tmp_path / "app", {"Dockerfile": APP, "README.md": (
        "```\ndocker volume create appdata\n"
        "docker run -p 9001:9001 --mount='source=appdata,target=/data' -d acme/app\n```\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep
    assert any("mounts the named volume appdata at /data: the folder is made and handed" in x for x in rep["reasons"])


POD = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: writer}}\nspec:\n  template:\n    spec:\n{sc}"
       "      containers:\n      - name: writer\n        image: acme/writer:1\n        volumeMounts:\n"
       "        - {{name: shared, mountPath: /html}}\n      volumes:\n      - name: shared\n"
       "        persistentVolumeClaim: {{claimName: fileserver}}\n")


def test_a_claim_mounted_without_fs_group_is_left(cli, tmp_path):
    # the image is tied to the Dockerfile by a Cloud Build step (`args: [build, -t, acme/writer, .]`)
    r = repo(tmp_path, {"Dockerfile": SERVICE, "cloudbuild.yaml": (
        "steps:\n- name: 'gcr.io/cloud-builders/docker'\n  args: ['build', '-t', 'acme/writer', '.']\n"),
        "k8s/writer.yaml": POD.format(sc="")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "claim-without-fs-group", rep
    assert rep["skipped"].startswith("k8s/writer.yaml:9 mounts the persistent volume claim fileserver at /html"), rep
    (r / "k8s" / "writer.yaml").write_text(POD.format(sc="      securityContext: {fsGroup: 10001}\n"))
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep



def test_a_base_published_under_the_repositorys_name_is_found_by_its_owner_qualified_from(cli, tmp_path):
    # CI tags `ghcr.io/${{ github.repository }}-base` (read without the owner: app-base); the main
    # Dockerfile builds FROM ghcr.io/acme/app-base through an ARG default
    wf = ("on: push\njobs:\n  base:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
          "      - uses: docker/build-push-action@v6\n        with:\n          file: docker/Dockerfile.base\n"
          "          push: true\n          tags: ghcr.io/${{ github.repository }}-base\n")
    (tmp_path / "app").mkdir()
    r = repo(tmp_path / "app", {
        "docker/Dockerfile.base": "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
        "Dockerfile": "ARG BASE=ghcr.io/acme/app-base:latest\nFROM ${BASE}\nCOPY app /usr/bin/app\nCMD [\"app\"]\n",
        ".github/workflows/base.yml": wf})
    rep = report(cli, r / "docker" / "Dockerfile.base")
    assert rep["rule"] == "base-image", rep
    assert rep["skipped"].startswith("line 2 of Dockerfile builds FROM ghcr.io/acme/app-base:latest"), rep["skipped"]


def test_a_helm_chart_mounting_a_claim_without_fs_group_is_left(cli, tmp_path):
    (tmp_path / "timer").mkdir()
    tpl = ("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
           "      - name: timer\n        image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n"
           "        volumeMounts:\n        - name: timer-data\n          mountPath: /app/data\n      volumes:\n"
           "      - name: timer-data\n        persistentVolumeClaim:\n          claimName: {{ .Chart.Name }}-pvc\n")
    files = {"Dockerfile": APP, "chart/Chart.yaml": "name: timer\nversion: 0.1.0\n",
             "chart/values.yaml": "image:\n  repository: acme/timer\n  tag: latest\n",
             "chart/templates/deployment.yaml": tpl}
    r = repo(tmp_path / "timer", files)
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "claim-without-fs-group", rep
    # persistence off by default: the default install keeps nothing on a claim
    (r / "chart" / "values.yaml").write_text("image:\n  repository: acme/timer\npersistence:\n  enabled: false\n")
    assert report(cli, r / "Dockerfile")["rule"] != "claim-without-fs-group"


def test_compose_bind_of_an_uploads_folder_in_the_workdir_is_left(cli, tmp_path):
    node = ("FROM node:22-slim\nWORKDIR /usr/src/app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\n"
            'EXPOSE 3000\nCMD ["node", "index.js"]\n')
    r = repo(tmp_path, {"Dockerfile": node, "docker-compose.yml": (
        "services:\n  web:\n    build: .\n    ports: ['3000:3000']\n    volumes:\n"
        "      - ./uploads:/usr/src/app/uploads\n      - ./config.json:/usr/src/app/config.json\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "bind-mounted-data", rep
    assert "over /usr/src/app/uploads (/usr/src/app/uploads, the folder for uploads" in rep["skipped"], rep["skipped"]
    # a folder of other files under the working folder stays a warning
    (r / "docker-compose.yml").write_text("services:\n  web:\n    build: .\n    volumes:\n      - ./public:/usr/src/app/public\n")
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_a_base_the_repository_builds_as_root_proves_the_child_runs_as_root(cli, tmp_path):
    wf = ("on: push\njobs:\n  base:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
          "      - uses: docker/build-push-action@v6\n        with:\n          file: docker/Dockerfile.base-runtime\n"
          "          push: true\n          tags: ghcr.io/acme/app-base-runtime:latest\n")
    base = "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\n"
    child = ("ARG RUNTIME=ghcr.io/acme/app-base-runtime:latest\nFROM ${RUNTIME}\nCOPY app /usr/local/bin/app\n"
             'CMD ["app"]\n')
    (tmp_path / "app").mkdir()
    r = repo(tmp_path / "app", {"docker/Dockerfile.base-runtime": base, "Dockerfile": child,
                                ".github/workflows/base.yml": wf})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep
    # the repository's base switches to another user: nothing proves the child runs as root
    (r / "docker" / "Dockerfile.base-runtime").write_text(base + "USER nobody\n")
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] in ("base-user-unknown", "already-non-root"), rep


def test_a_python_import_in_the_docs_is_not_a_from_line(cli, tmp_path):
    (tmp_path / "mockserver").mkdir()
    r = repo(tmp_path / "mockserver", {"Dockerfile": APP, "README.md": (
        "```python\nfrom mockserver import mock_all\nfrom mockserver.core import  Client\n```\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep
    (r / "README.md").write_text("```dockerfile\nFROM mockserver\nRUN apt-get install -y extra\n```\n")
    assert report(cli, r / "Dockerfile")["rule"] == "publishes-image"


@pytest.mark.parametrize("name,text", [
    ("Jenkinsfile", "pipeline {\n  agent { dockerfile { filename 'ci/Dockerfile' } }\n  stages { stage('b') { steps { sh 'make' } } }\n}\n"),
    ("Jenkinsfile", "pipeline {\n  agent {\n    docker { image 'acme/ci-tools:2' }\n  }\n  stages { stage('b') { steps { sh 'make' } } }\n}\n"),
    (".drone.yml", "kind: pipeline\nsteps:\n- name: build\n  image: acme/ci-tools:2\n  commands:\n  - make\n"),
    ("bitbucket-pipelines.yml", "image: acme/ci-tools:2\npipelines:\n  default:\n    - step:\n        script: [make]\n"),
])
def test_a_ci_pipeline_running_in_the_image_is_a_tool_on_the_checkout(cli, tmp_path, name, text):
    (tmp_path / "ci-tools").mkdir()
    r = repo(tmp_path / "ci-tools", {"ci/Dockerfile": TOOL, name: text,
                                     "Makefile": "ci-image:\n\tdocker build -t acme/ci-tools:2 ci\n"})
    rep = report(cli, r / "ci" / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith(f"{name}:"), rep["skipped"]


def test_a_drone_service_image_is_no_job_image(cli, tmp_path):
    (tmp_path / "ci-tools").mkdir()
    r = repo(tmp_path / "ci-tools", {"ci/Dockerfile": TOOL, "Makefile": "ci-image:\n\tdocker build -t acme/ci-tools:2 ci\n",
                                     ".drone.yml": (
        "kind: pipeline\nservices:\n- name: db\n  image: acme/ci-tools:2\nsteps:\n- name: t\n  image: golang\n"
        "  commands: [go test]\n")})
    rep = report(cli, r / "ci" / "Dockerfile")
    assert rep["rule"] != "tool-on-checkout", rep


@pytest.mark.parametrize("host", ["${pwd}", "$pwd", "`pwd`"])
def test_powershell_and_backtick_spellings_of_the_current_folder(cli, tmp_path, host):
    r = repo(tmp_path, {"Dockerfile": TOOL, "README.md": (
        f"```\ndocker build -t acme/gen .\ndocker run --rm -v {host}:/src -w /src acme/gen --go_out=. api.proto\n```\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep


@pytest.mark.parametrize("hook", ["- id: gen-lint\n  name: gen lint\n  language: docker\n  entry: gen-lint\n  types: [proto]\n",
                                  "- id: gen-lint\n  language: docker_image\n  entry: --entrypoint /usr/bin/gen acme/gen:1 lint\n"])
def test_a_pre_commit_docker_hook_runs_the_image_on_the_callers_checkout(cli, tmp_path, hook):
    (tmp_path / "gen").mkdir()
    r = repo(tmp_path / "gen", {"Dockerfile": TOOL, ".pre-commit-hooks.yaml": hook})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert rep["skipped"].startswith(".pre-commit-hooks.yaml:1 runs it on the caller's checkout (-v $(pwd):/src -w /src) "
                                     "with --user $(id -u):$(id -g)"), rep["skipped"]


def test_a_checkout_folder_mounted_where_the_tool_writes_its_output_is_a_tool(cli, tmp_path):
    gen = ("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends protobuf-compiler"
           "\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\n")
    r = repo(tmp_path, {"Dockerfile": gen, "entrypoint.sh": "#!/bin/sh\nexec protoc -I/protos --doc_out=/out /protos/*.proto\n",
                        "README.md": ("```\ndocker build -t acme/protodoc .\ndocker run --rm \\\n  -v $(pwd)/doc:/out \\\n"
                                      "  -v $(pwd)/proto:/protos acme/protodoc\n```\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "tool-on-checkout", rep
    assert "(-v $(pwd)/doc:/out)" in rep["skipped"], rep["skipped"]


def test_quotes_inside_an_image_name_are_the_shells():
    from fixer.repository import image_path

    assert image_path('acme/jmeter:"5.5"') == "acme/jmeter"
    assert image_path("'acme/app':latest") == "acme/app"


def test_the_model_asks_for_a_real_path_once(tmp_path, monkeypatch):
    """The queries' real paths are kept per model (the rules ask about the same Dockerfiles again
    and again); a relative path, which depends on the working folder, is not kept."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text("FROM debian:12\n")
    (tmp_path / "link").symlink_to(tmp_path / "app")
    m = load(str(tmp_path))
    asked = []
    real = os.path.realpath
    monkeypatch.setattr(os.path, "realpath", lambda p: asked.append(p) or real(p))
    path = str(tmp_path / "link" / "Dockerfile")
    assert m.real(path) == m.real(path) == real(str(tmp_path / "app" / "Dockerfile"))
    assert asked == [path]
    monkeypatch.chdir(tmp_path / "app")
    assert m.real("Dockerfile") == m.real("Dockerfile") == real("Dockerfile")
    assert asked == [path, "Dockerfile", "Dockerfile"]


def test_a_dash_dockerfile_built_by_a_script_that_goes_up_a_folder(cli, tmp_path):
    # scripts/rebuild.sh does `cd ..` and builds `-f aspnet-base-dockerfile`: that file is the base
    (tmp_path / "shop").mkdir()
    r = repo(tmp_path / "shop", {
        "src/aspnet-base-dockerfile": "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends libicu72\n",
        "src/scripts/rebuild.sh": "#!/bin/sh\ncd ..\ndocker build -t shop-aspnet-base:1.0 . -f aspnet-base-dockerfile\n",
        "src/web/Dockerfile": "FROM shop-aspnet-base:1.0\nWORKDIR /app\nCOPY out/ .\nCMD [\"./web\"]\n"})
    assert "src/aspnet-base-dockerfile" in load(str(r)).dockerfiles
    rep = report(cli, r / "src" / "web" / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep  # the base is the repository's, built as root


def test_a_tag_of_variables_and_text_is_dropped():
    from fixer.repository import image_path

    assert image_path("acme/flow:${FLOW_VERSION}-python${PYTHON_VERSION}") == "acme/flow"
    assert image_path("registry.example:5000/acme/app:${TAG}") == "acme/app"


def test_a_helm_chart_of_several_images_does_not_say_which_mounts_a_claim(cli, tmp_path):
    (tmp_path / "catalog").mkdir()
    tpl = ("apiVersion: apps/v1\nkind: StatefulSet\nspec:\n  template:\n    spec:\n      containers:\n"
           "      - name: db\n        image: \"{{ .Values.db.image }}\"\n        volumeMounts:\n        - name: data\n"
           "          mountPath: /data\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n")
    r = repo(tmp_path / "catalog", {"Dockerfile": APP, "chart/Chart.yaml": "name: catalog\nversion: 0.1.0\n",
                                    "chart/values.yaml": "image: acme/catalog\ndb:\n  image: neo4j:5\n",
                                    "chart/templates/db.yaml": tpl})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] != "claim-without-fs-group", rep
