"""Rules of the `role` family that look at the repository around the Dockerfile."""

from __future__ import annotations

import pytest
from test_rules_program import report, repo

APP = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir .\nCMD ["python", "-m", "app"]\n'


def test_action_above_names_the_dockerfile_by_path(cli, tmp_path):
    r = repo(tmp_path, {"action.yml": "runs:\n  using: docker\n  image: ./docker/Dockerfile\n",
                        "docker/Dockerfile": APP})
    rep = report(cli, r / "docker" / "Dockerfile")
    assert rep["rule"] == "github-action", rep
    assert rep["skipped"].startswith("../action.yml runs this Dockerfile")


def test_action_above_with_another_image_is_fixed(cli, tmp_path):
    r = repo(tmp_path, {"action.yml": "runs:\n  using: docker\n  image: docker://alpine:3.20\n",
                        "docker/Dockerfile": APP})
    rep = report(cli, r / "docker" / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_action_runs_the_image_the_repository_publishes_from_the_dockerfile(cli, tmp_path):
    """`image: docker://org/stats:master` names the image the repository builds from this
    Dockerfile (a workflow's tag; for the main Dockerfile, an image named after the repository)."""
    (tmp_path / "readme-stats").mkdir()
    action = "name: stats\nruns:\n  using: 'docker'\n  image: 'docker://acme/readme-stats:master'\n"
    r = repo(tmp_path / "readme-stats", {"action.yml": action, "Dockerfile": APP})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "github-action", rep
    wf = ".github/workflows/push.yml"
    (tmp_path / "other").mkdir()
    r2 = repo(tmp_path / "other", {"action.yml": action, "tools/Dockerfile": APP,
                                   wf: "jobs:\n  p:\n    steps:\n      - run: docker build -t acme/readme-stats:master -f tools/Dockerfile .\n"})
    assert report(cli, r2 / "tools" / "Dockerfile")["rule"] == "github-action"


def test_dockerfile_in_a_devcontainer_folder(cli, tmp_path):
    r = repo(tmp_path, {".devcontainer/Dockerfile": "FROM mcr.microsoft.com/devcontainers/base:bookworm\n"
                                                    "RUN apt-get update && apt-get install -y --no-install-recommends jq\n"})
    rep = report(cli, r / ".devcontainer" / "Dockerfile")
    assert rep["rule"] == "devcontainer", rep
    assert "in a .devcontainer folder" in rep["skipped"]


def test_nested_devcontainer_json_without_remote_user(cli, tmp_path):
    r = repo(tmp_path, {".devcontainer/dev/devcontainer.json": '{"dockerFile": "../../docker/Dockerfile",}',
                        "docker/Dockerfile": APP})
    rep = report(cli, r / "docker" / "Dockerfile")
    assert rep["rule"] == "devcontainer", rep
    assert "sets no remoteUser/containerUser" in rep["skipped"]


# base-image: another Dockerfile of the repository builds FROM this Dockerfile's image
BASE = ("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential"
        " && rm -rf /var/lib/apt/lists/*\nWORKDIR /src\nCOPY tools/ ./tools/\nCMD [\"make\"]\n")
COMPOSE = """services:
  base:
    build:
      context: ./base
      dockerfile: Dockerfile.base
      args:
        context: ignored
    image: ${REGISTRY:-ghcr.io}/acme/base:${TAG:-latest}
  web:
    build: ./web
    image: acme/web
"""


def test_image_consumed_by_another_dockerfile_is_left(cli, tmp_path):
    r = repo(tmp_path, {"docker-compose.yml": COMPOSE, "base/Dockerfile.base": BASE,
                        "web/Dockerfile": "FROM ghcr.io/acme/base:1.2 AS build\nRUN make\nFROM build\n" + APP[22:]})
    rep = report(cli, r / "base" / "Dockerfile.base")
    assert rep["rule"] == "base-image", rep
    assert rep["skipped"].startswith("line 1 of web/Dockerfile builds FROM ghcr.io/acme/base:1.2 "
                                     "(this Dockerfile's image, per docker-compose.yml)"), rep
    # the consumer's image (acme/web) is used by nobody: its own stage `build` is no image of the repository
    web = report(cli, r / "web" / "Dockerfile")
    assert web["rule"] != "base-image", web


def test_compose_short_build_form_names_dir_dockerfile(cli, tmp_path):
    r = repo(tmp_path, {"deploy/compose.yaml": COMPOSE.replace("./web", "../web"), "web/Dockerfile": BASE,
                        "app/Containerfile": "FROM acme/web\n" + APP[22:]})
    rep = report(cli, r / "web" / "Dockerfile")
    assert rep["rule"] == "base-image", rep
    assert "line 1 of app/Containerfile builds FROM acme/web" in rep["skipped"], rep


def test_compose_image_used_by_nobody_is_fixed(cli, tmp_path):
    r = repo(tmp_path, {"docker-compose.yml": COMPOSE, "base/Dockerfile.base": BASE,
                        "web/Dockerfile": "FROM ghcr.io/acme/basement:1.2\n" + APP[22:],
                        "node_modules/x/Dockerfile": "FROM acme/base\n"})
    rep = report(cli, r / "base" / "Dockerfile.base")
    assert rep["rule"] is None and rep["changed"], rep


def test_consumer_outside_the_repository_is_fixed(cli, tmp_path):
    (tmp_path / "other").mkdir()
    (tmp_path / "proj").mkdir()
    (tmp_path / "other" / "Dockerfile").write_text("FROM acme/base\n" + APP[22:])
    r = repo(tmp_path / "proj", {"docker-compose.yml": COMPOSE, "base/Dockerfile.base": BASE})
    rep = report(cli, r / "base" / "Dockerfile.base")
    assert rep["rule"] is None and rep["changed"], rep


def test_bake_file_and_makefile_name_the_image(cli, tmp_path):
    bake = 'target "builder" {\n  context = "builder"\n  tags = ["acme/builder:dev", "acme/builder:latest"]\n}\n'
    make = "image:\n\tdocker build --pull \\\n\t  -t acme/tools:$(VERSION) -f tools/Dockerfile.tools .\n"
    r = repo(tmp_path, {"docker-bake.hcl": bake, "builder/Dockerfile": BASE, "tools/Dockerfile.tools": BASE,
                        "Makefile": make, "app/Dockerfile": "FROM acme/builder AS b\nFROM acme/tools\n" + APP[22:]})
    rep = report(cli, r / "builder" / "Dockerfile")
    assert rep["rule"] == "base-image" and "(this Dockerfile's image, per docker-bake.hcl)" in rep["skipped"], rep
    rep = report(cli, r / "tools" / "Dockerfile.tools")
    assert rep["rule"] == "base-image" and "line 2 of app/Dockerfile builds FROM acme/tools" in rep["skipped"], rep


def test_a_base_named_after_its_folder_under_the_repository_s_name(cli, tmp_path):
    """No build names `dev/frontend-build/Dockerfile`'s image; the main Dockerfile builds FROM
    `panel/frontend-build` in repository panel: the image named after the folder."""
    (tmp_path / "panel").mkdir()
    r = repo(tmp_path / "panel", {
        "dev/frontend-build/Dockerfile": "FROM node:22-bookworm\nRUN apt-get update && apt-get install -y chromium\n",
        "Dockerfile": "FROM panel/frontend-build:22.19 AS frontend\nWORKDIR /src\nCOPY . .\nRUN npm ci && npm run build\n"
                      "FROM nginx:1.27\nCOPY --from=frontend /src/dist /usr/share/nginx/html\n"})
    rep = report(cli, r / "dev" / "frontend-build" / "Dockerfile")
    assert rep["rule"] == "base-image", rep
    assert rep["skipped"].startswith("line 1 of Dockerfile builds FROM panel/frontend-build:22.19 (this Dockerfile's "
                                     "image, named after its folder frontend-build)"), rep
    (tmp_path / "other").mkdir()
    r2 = repo(tmp_path / "other", {"docker/Dockerfile": APP, "Dockerfile": "FROM other/docker:1\nRUN apt-get update\n"})
    assert report(cli, r2 / "docker" / "Dockerfile")["rule"] != "base-image"  # a folder that names no image


@pytest.mark.parametrize("text", [
    "FROM openjdk:10.0.2-jre-slim",  # a name for the repository's other images (`docker build -t java`)
    "ARG ELASTIC_VERSION\nFROM docker.elastic.co/elasticsearch/elasticsearch:${ELASTIC_VERSION}\n",  # a pinned service
    "# the base of the variants\nFROM alpine:3.20\nLABEL org.opencontainers.image.source=https://example.org\n",
])
def test_a_file_that_adds_nothing_to_its_base(cli, tmp_path, text):
    f = tmp_path / "Dockerfile"
    f.write_text(text)
    rep = report(cli, f)
    assert rep["rule"] == "adds-nothing" and not rep["changed"], rep
    assert "the file adds nothing to its base image" in rep["skipped"], rep


@pytest.mark.parametrize("text", [
    "FROM alpine:3.20\nRUN apk add --no-cache curl\n",  # a step of its own
    "FROM alpine:3.20\nCOPY app /app\nCMD [\"/app\"]\n",  # a program of its own
    "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM build\n",  # its chain builds something
])
def test_a_file_that_adds_something_is_not_this_rule(cli, tmp_path, text):
    f = tmp_path / "Dockerfile"
    f.write_text(text)
    assert report(cli, f)["rule"] != "adds-nothing"


# --- test-input ----------------------------------------------------------------------------------

RUN_PY = "FROM alpine:3.20\nRUN apk add --no-cache python3\nCOPY example.py /\nRUN python3 /example.py\n"


@pytest.mark.parametrize("rel", ["tests/checks/resources/NoRootUser/fail/Dockerfile", "test/linters/docker/bad/Dockerfile",
                                 "pkg/parser/testdata/multistage/Dockerfile", "src/__fixtures__/Dockerfile.node"])
def test_a_linters_test_data_is_left(cli, tmp_path, rel):
    r = repo(tmp_path, {rel: RUN_PY})
    rep = report(cli, r / rel)
    assert rep["rule"] == "test-input", rep
    assert rep["skipped"].startswith(f"{rel} is in the repository's test data"), rep["skipped"]


def test_a_test_image_the_repository_builds_is_fixed(cli, tmp_path):
    rel = "tests/fixtures/server/Dockerfile"
    r = repo(tmp_path, {rel: RUN_PY + 'CMD ["python3", "-m", "http.server", "8080"]\n', "tests/docker-compose.yml": (
        "services:\n  server:\n    build: ./fixtures/server\n    ports: ['8080:8080']\n")})
    rep = report(cli, r / rel)
    assert rep["rule"] is None and rep["changed"], rep


def test_a_dockerfile_in_tests_without_an_input_folder_is_not_test_data(cli, tmp_path):
    rel = "tests/integration/Dockerfile"
    r = repo(tmp_path, {rel: RUN_PY + 'CMD ["python3", "-m", "http.server", "8080"]\n'})
    rep = report(cli, r / rel)
    assert rep["rule"] != "test-input", rep


@pytest.mark.parametrize("rel", ["docker/Dockerfile.base", "base/Dockerfile", "Dockerfiles/build-base/alpine/Dockerfile",
                                 "docker/Base.Dockerfile"])
def test_a_dockerfile_named_base_without_a_program_is_a_base_image(cli, tmp_path, rel):
    deps = "FROM node:22-bookworm-slim\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\n"
    r = repo(tmp_path, {rel: deps})
    rep = report(cli, r / rel)
    assert rep["rule"] == "base-image", rep
    assert rep["skipped"].startswith(f"{rel} names it a base image"), rep["skipped"]


@pytest.mark.parametrize("rel,text", [
    ("src/database/Dockerfile", "FROM node:22-bookworm-slim\nWORKDIR /app\nCOPY . .\nRUN yarn install\n"),
    ("docker/Dockerfile.base", "FROM node:22-bookworm-slim\nWORKDIR /app\nCOPY . .\nRUN yarn install\nCMD [\"node\", \"index.js\"]\n"),
])
def test_database_or_a_base_with_its_own_program_is_not_named_base(cli, tmp_path, rel, text):
    r = repo(tmp_path, {rel: text})
    rep = report(cli, r / rel)
    assert rep["rule"] is None and rep["changed"], rep


def test_an_sdk_image_whose_cmd_is_a_bare_build_tool_is_a_base_image(cli, tmp_path):
    sdk = ("FROM golang:1.23 AS build\nRUN mkdir -p /out/tinyc/bin && touch /out/tinyc/bin/tinyc\n"
           "FROM golang:1.23\nCOPY --from=build /out/tinyc /tinyc\nENV PATH=\"${PATH}:/tinyc/bin\"\nCMD [\"tinyc\"]\n")
    r = repo(tmp_path, {"Dockerfile": sdk.replace('CMD ["tinyc"]', 'CMD ["cargo"]')})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "base-image", rep
    assert "CMD is cargo, a build tool given nothing to build" in rep["skipped"], rep["skipped"]


def test_tini_in_front_of_a_shell_is_a_base_image(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": (
        "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y --no-install-recommends tini curl\n"
        "COPY --from=ghcr.io/acme/conda-build:1 /conda-rootfs /\nENTRYPOINT [\"tini\", \"--\"]\nCMD [\"/bin/bash\"]\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "base-image", rep


def test_a_composite_action_running_the_image_is_a_github_action(cli, tmp_path):
    (tmp_path / "notify").mkdir()
    r = repo(tmp_path / "notify", {"Dockerfile": "FROM alpine:3.20\nRUN apk add --no-cache curl\nCOPY notify /notify\nENTRYPOINT [\"/notify\"]\n",
                                   "action.yml": ("name: notify\nruns:\n  using: composite\n  steps:\n"
                                                  "    - name: send\n      uses: \"docker://ghcr.io/acme/notify@sha256:0123\" # v2\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "github-action", rep
    assert rep["skipped"].startswith("action.yml runs this Dockerfile"), rep["skipped"]


def test_action_labels_in_the_builder_stage_name_an_action(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": ("FROM golang:1.23-alpine AS builder\nLABEL \"com.github.actions.name\"=\"Notify\"\n"
                                       "RUN go build -o /notify .\nFROM alpine:3.20\nRUN apk add --no-cache curl\n"
                                       "COPY --from=builder /notify /notify\nENTRYPOINT [\"/notify\"]\n")})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "github-action", rep


def test_a_readme_titled_base_images_makes_its_cmdless_dockerfiles_bases(cli, tmp_path):
    files = {"glibc/Dockerfile": "FROM busybox:glibc\nCOPY certs/ca-certificates.crt /etc/ssl/certs/\n",
             "README.md": "# Acme Busybox Docker Base Images\n\nTags: `acme/busybox:glibc`.\n"}
    r = repo(tmp_path, files)
    rep = report(cli, r / "glibc" / "Dockerfile")
    assert rep["rule"] == "base-image", rep
    assert rep["skipped"].startswith('README.md:1 titles the repository "Acme Busybox Docker Base Images"'), rep
    # the title of an application's README mentioning base images further down does not count
    (r / "README.md").write_text("# Acme Shop\n\n## Base images\nWe build on busybox.\n")
    rep = report(cli, r / "glibc" / "Dockerfile")
    assert rep["rule"] != "base-image" or "titles the repository" not in (rep["skipped"] or ""), rep
