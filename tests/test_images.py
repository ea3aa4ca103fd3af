"""Base-image knowledge: the data file, name spellings, and the facts each class relies on."""

from __future__ import annotations

import time

import pytest

from fixer import images


def test_every_entry_has_a_source_and_a_known_family():
    rules = images._rules()
    assert len(rules) > 30
    for rule in rules:
        assert rule.info.source.startswith(("http", "tag convention", "default variants")), rule
        assert rule.info.family in images.FAMILIES
        if rule.info.reuse_user:
            assert rule.info.reuse_user in rule.info.users, rule
        for ids in rule.info.users.values():
            assert ids == "" or all(p.isdigit() for p in ids.split(":")), rule


def test_loaded_once_and_fast():
    images._rules.cache_clear()
    images.lookup.cache_clear()
    t = time.perf_counter()
    images.lookup("node:20")
    first = time.perf_counter() - t
    t = time.perf_counter()
    for i in range(200):
        images.lookup(f"example.com/team/app{i}:1.{i}")
    many = time.perf_counter() - t
    assert first < 0.05 and many < 0.2, (first, many)


@pytest.mark.parametrize("name", ["images", "accounts", "commands"])
def test_data_copies_are_current(name):
    """A run reads data/NAME.json, the copy of data/NAME.toml (no tomllib at start-up): it must be
    made from the TOML as it is now. After editing a TOML file run `python -m fixer.datafiles`."""
    from fixer import datafiles

    with open(f"{datafiles.HERE}/{name}.json", encoding="utf-8") as f:
        assert f.read() == datafiles.copy_text(name), "stale copy: run `python -m fixer.datafiles`"
    with open(f"{datafiles.HERE}/{name}.toml", "rb") as f:
        assert datafiles.load(name) == datafiles._from_toml(f.read())


def test_a_stale_data_copy_is_not_used(tmp_path, monkeypatch):
    """A TOML edited after its copy was made is read itself: the copy's checksum no longer fits."""
    from fixer import datafiles

    for name in ("images", "accounts"):
        (tmp_path / f"{name}.toml").write_bytes(open(f"{datafiles.HERE}/{name}.toml", "rb").read())
        (tmp_path / f"{name}.json").write_text(datafiles.copy_text(name), encoding="utf-8")
    monkeypatch.setattr(datafiles, "HERE", str(tmp_path))
    with open(tmp_path / "images.toml", "a", encoding="utf-8") as f:
        f.write('\n[[image]]\nnames = ["edited-example"]\nfamily = "alpine"\nsource = "https://example.com"\n')
    assert datafiles.load("images")["image"][-1]["names"] == ["edited-example"]
    (tmp_path / "accounts.json").write_text("{not json", encoding="utf-8")
    assert "debian" in datafiles.load("accounts")  # a broken copy: the TOML
    images._rules.cache_clear()
    images.lookup.cache_clear()
    try:
        assert images.lookup("edited-example:1").family == "alpine"
    finally:
        images._rules.cache_clear()
        images.lookup.cache_clear()


def test_glob_is_fnmatch():
    """The fast path of image-name matching says what fnmatch says, for every pattern of the data
    file and of starts-as-root's images, on names that match and names that almost do."""
    import fnmatch

    from fixer.rules.program.starts_as_root import BASES

    patterns = {p for rule in images._rules() for p in rule.names + rule.tags}
    patterns |= {p for names, tags, _ in BASES for p in [*names, *tags]}
    patterns |= {"a[0-9]b", "a?c", "[ab]*", "*x", "x*y*z", "*/*", "**", "a*a", "*ab*ab*", "x*[0-9]"}
    texts = {"", "/", "*", "x", "a", "aa", "aba", "abab", "ababab", "latest", "a1b", "abc", "ab/c", "xyz", "xzyz",
             "x/y/z", "team/x", "x7"}
    for p in patterns:
        stem = p.replace("*", "").replace("?", "")
        texts |= {p, stem, stem + "-1", "mirror/" + stem, "a/" + p, p + "/x", stem.split("[")[0] + "7"}
    for p in patterns:
        for text in texts:
            assert images.glob_match(text, p) == fnmatch.fnmatchcase(text, p), (text, p)
            assert images.glob_match(text, "*/" + p) == fnmatch.fnmatchcase(text, "*/" + p), (text, p)


@pytest.mark.parametrize(
    "ref",
    [
        "node",
        "node:20",
        "docker.io/library/node:20",
        "index.docker.io/library/node:20",
        "mirror.example.com:5000/library/node:20-bookworm-slim",
        "localhost:5000/library/node:20",
        "node@sha256:" + "ab" * 32,
        "docker.io/library/node:20@sha256:" + "ab" * 32,
        "NODE:20",
    ],
)
def test_name_spellings(ref):
    info = images.lookup(ref)
    assert info.reuse_user == "node" and info.users["node"] == "1000:1000", ref


@pytest.mark.parametrize(
    "ref,family,shell,useradd",
    [
        ("debian:bookworm-slim", "debian", True, True),
        ("ubuntu:24.04", "debian", True, True),
        ("alpine:3.20", "alpine", True, False),
        ("busybox:1.36", "busybox", True, False),
        ("quay.io/centos/centos:stream9", "rhel", True, True),
        ("registry.access.redhat.com/ubi9/ubi:9.4", "rhel", True, True),
        ("registry.access.redhat.com/ubi9/ubi-minimal:9.4", "rhel", True, False),
        ("registry.access.redhat.com/ubi9/ubi-micro:9.4", "rhel", True, False),
        ("amazonlinux:2023", "rhel", True, False),
        ("opensuse/leap:15.6", "suse", True, True),
        ("archlinux:latest", "arch", True, True),
        ("python:3.12-slim", "debian", True, True),
        ("python:3.12-alpine", "alpine", True, False),
        ("golang:1.22-bookworm", "debian", True, True),
        ("scratch", "scratch", False, False),
        ("gcr.io/distroless/static-debian12", "scratch", False, False),
        ("gcr.io/distroless/base-debian12:debug", "busybox", True, False),
        ("cgr.dev/chainguard/static:latest", "scratch", False, False),
        ("mcr.microsoft.com/windows/servercore:ltsc2022", "windows", False, False),
        ("mcr.microsoft.com/dotnet/aspnet:8.0-nanoserver-ltsc2022", "windows", False, False),
        ("mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled", "scratch", False, False),
        ("mcr.microsoft.com/dotnet/aspnet:8.0-alpine", "alpine", True, False),
        ("private.example.com/team/app:1.0", "unknown", True, False),
    ],
)
def test_families(ref, family, shell, useradd):
    info = images.lookup(ref)
    assert (info.family, info.shell, info.has_useradd) == (family, shell, useradd), info


@pytest.mark.parametrize(
    "ref,user,ids",
    [
        ("node:20-alpine", "node", "1000:1000"),
        ("mcr.microsoft.com/dotnet/aspnet:8.0", "app", "1654:1654"),
        ("mcr.microsoft.com/dotnet/runtime:9.0-alpine", "app", "1654:1654"),
        ("gcr.io/distroless/static-debian12:nonroot", "nonroot", "65532:65532"),
        ("mcr.microsoft.com/devcontainers/base:bookworm", "vscode", "1000:1000"),
    ],
)
def test_images_with_their_own_user(ref, user, ids):
    info = images.lookup(ref)
    assert info.reuse_user == user and info.users[user] == ids


def test_dotnet_app_uid_env():
    assert images.lookup("mcr.microsoft.com/dotnet/aspnet:8.0").env["APP_UID"] == "1654"
    assert images.lookup("mcr.microsoft.com/dotnet/sdk:6.0").reuse_user == ""


@pytest.mark.parametrize(
    "ref,default",
    [
        ("bitnami/postgresql:16", "1001"),
        ("nginxinc/nginx-unprivileged:1.27-alpine", "101"),
        ("jenkins/jenkins:lts", "jenkins"),
        ("grafana/grafana:11.2.0", "472"),
        ("docker.elastic.co/elasticsearch/elasticsearch:8.15.0", "1000:0"),
        ("cgr.dev/chainguard/python:latest-dev", "65532"),
        ("gcr.io/distroless/static-debian12:nonroot", "65532"),
    ],
)
def test_images_that_already_run_non_root(ref, default):
    assert images.lookup(ref).default_user == default


def test_bitnami_minideb_is_a_root_base():
    assert images.lookup("bitnami/minideb:bookworm").default_user == ""


@pytest.mark.parametrize(
    "ref,user",
    [
        ("postgres:16", "postgres"),
        ("postgres:16-alpine", "postgres"),
        ("redis:7.4", "redis"),
        ("redis:7.4-alpine", "redis"),
        ("mysql:8.4", "mysql"),
        ("mysql:8.0-debian", "mysql"),
        ("mariadb:11", "mysql"),
        ("mongo:8", "mongodb"),
        ("rabbitmq:4-management", "rabbitmq"),
    ],
)
def test_privilege_dropping_images(ref, user):
    info = images.lookup(ref)
    assert info.drops_privileges and info.reuse_user == user


def test_postgres_alpine_uid_differs():
    assert images.lookup("postgres:16-alpine").users["postgres"] == "70:70"
    assert images.lookup("postgres:16").users["postgres"] == "999:999"


@pytest.mark.parametrize(
    "ref,path",
    [
        ("library/postgres:16", "postgres"),
        ("docker.io/library/postgres:16", "postgres"),
        ("mirror.example.com:5000/library/postgres", "postgres"),
        # `library` only as a whole path component, and only as the whole path library/NAME
        ("registry.example.com/mylibrary/postgres:16", "mylibrary/postgres"),
        ("mylibrary/postgres:16", "mylibrary/postgres"),
        ("registry.example.com/library-team/postgres", "library-team/postgres"),
        ("registry.example.com/team/library/postgres", "team/library/postgres"),
        ("registry.example.com/library/team/postgres", "library/team/postgres"),
    ],
)
def test_library_prefix_is_a_whole_path(ref, path):
    assert images.parse_ref(ref).path == path


@pytest.mark.parametrize(
    "ref", ["registry.example.com/mylibrary/postgres:16", "mylibrary/postgres:16", "example.com/team/library/postgres"]
)
def test_a_private_image_named_like_an_official_one_is_unknown(ref):
    info = images.lookup(ref)
    assert info.family == "unknown" and not info.drops_privileges, info


# --- vendors' images that already run as a non-root user ---------------------------------------------


@pytest.mark.parametrize("ref,family,default", [
    ("icr.io/appcafe/open-liberty:kernel-slim-java17-openj9-ubi", "rhel", "1001"),
    ("open-liberty:full-java11-openj9-ubi", "rhel", "1001"),
    ("open-liberty:kernel-slim", "debian", "1001"),
    ("websphere-liberty:kernel-java11-openj9-ubi", "rhel", "1001"),
    ("confluentinc/cp-kafka:7.6.0", "rhel", "appuser"),
    ("grafana/k6:0.49.0", "alpine", "12345"),
    ("gitpod/workspace-full:latest", "debian", "gitpod"),
    ("registry.redhat.io/rhel9/postgresql-16", "rhel", "26"),
    ("quay.io/sclorg/postgresql-15-c9s", "rhel", "26"),
    ("registry.redhat.io/rhel8/mysql-80", "rhel", "27"),
    ("quay.io/sclorg/mariadb-1011-c9s", "rhel", "27"),
    ("quay.io/keycloak/keycloak:26.0", "rhel", "1000"),
    ("selenium/standalone-chrome:4.21", "debian", "1200"),
    ("odoo:17.0", "debian", "odoo"),
    ("haproxy:2.8", "debian", "haproxy"),
    ("haproxy:3.0-alpine", "alpine", "haproxy"),
    ("prom/prometheus:v2.4.2", "busybox", "nobody"),
    ("mambaorg/micromamba:1.4", "debian", "mambauser"),
    ("quay.io/jupyter/base-notebook", "debian", "1000"),
    ("jupyter/scipy-notebook:latest", "debian", "1000"),
    ("docker.elastic.co/elastic-agent/elastic-agent:8.15.0", "debian", "1000"),
    ("docker.elastic.co/kibana/kibana:8.15.0", "debian", "1000"),
])
def test_vendor_images_that_run_non_root(ref, family, default):
    info = images.lookup(ref)
    assert (info.family, info.default_user) == (family, default), info.matched
    assert images.known(ref)


@pytest.mark.parametrize("ref", ["haproxy:2.3", "haproxy:2.2-alpine", "haproxy:1.8", "java:8-jdk-alpine"])
def test_older_or_root_images_are_known_root(ref):
    info = images.lookup(ref)
    assert info.default_user == "" and images.known(ref)


def test_haproxy_2_10_is_not_2_1():
    assert images.lookup("haproxy:2.10").default_user == "haproxy"


@pytest.mark.parametrize("ref,family", [
    ("vendor/app:kernel-slim-ubi", "rhel"),  # `slim` must not make a UBI image Debian
    ("vendor/app:1.2-ubi9-minimal", "rhel"),
    ("vendor/app:3.12-slim", "debian"),
    ("vendor/app:1-ubuntu-jammy", "debian"),
])
def test_tag_conventions(ref, family):
    assert images.lookup(ref).family == family


@pytest.mark.parametrize("ref,family,useradd", [
    # an official image's tag that names another distribution than its Debian default
    ("eclipse-temurin:17-centos7", "rhel", True),
    ("vendor/app:2.1-rockylinux9", "rhel", True),
    ("vendor/app:2.1-oraclelinux8", "rhel", True),
    ("vendor/app:2.1-almalinux9", "rhel", True),
    ("vendor/app:2.1-fedora40", "rhel", True),
    # a minimal UBI or Amazon Linux variant has no shadow-utils: the portable user creation is used
    ("eclipse-temurin:21-ubi9-minimal", "rhel", False),
    ("vendor/app:1.2-ubi9-minimal", "rhel", False),
    ("vendor/app:1.2-ubi8-micro", "rhel", False),
    ("amazoncorretto:21-al2023", "rhel", False),
    ("vendor/app:1-amazonlinux2", "rhel", False),
    ("vendor/app:final2", "unknown", False),  # `al2` inside another word names nothing
])
def test_tag_names_the_distribution_over_the_image_default(ref, family, useradd):
    info = images.lookup(ref)
    assert (info.family, info.has_useradd) == (family, useradd), info


def test_tag_conventions_do_not_make_an_image_known():
    assert not images.known("vendor/app:3.12-slim")
    assert images.known("python:3.12-slim")


def test_ubi_micro_has_a_shell_but_no_useradd():
    info = images.lookup("registry.access.redhat.com/ubi9/ubi-micro:9.4")
    assert info.shell and not info.has_useradd


@pytest.mark.parametrize("ref, words", [
    ("python:3.14-slim", "base image python:3.14-slim is Debian-based: its tag names slim"),
    ("python:3.9-slim-bullseye", "base image python:3.9-slim-bullseye is Debian-based: its tag names bullseye"),
    ("python:3.13-windowsservercore", "is a Windows image: its tag names windowsservercore"),
    ("node:18-alpine", "is Alpine-based: dockerfix's knowledge file says so of node images whose tag names alpine (https://"),
    ("ubuntu:24.04", "is Debian-based: dockerfix's knowledge file says so of ubuntu images whose tag starts with 24.04"),
    ("mcr.microsoft.com/windows/servercore:ltsc2022", "is a Windows image: dockerfix's knowledge file says so of images under windows/ (https://"),
    ("gcr.io/distroless/static", "has no shell: dockerfix's knowledge file says so of images under distroless/"),
    ("scratch", "base image scratch has no shell: scratch is the empty image"),
])
def test_reasons_say_why_in_words(ref, words):
    """A reason names the part of the name that matched, or the knowledge file's source: never
    the knowledge file's patterns (`*:*bookworm*|*bullseye*|...`)."""
    text = images.describe(ref, images.lookup(ref))
    assert words in text
    assert not any(c in text.split("(https://")[0] for c in "*|["), text


def test_every_entry_is_described_without_patterns():
    """Each knowledge entry, reached through a name and tag it matches, reads as words."""
    for rule in images._rules():
        name = next(n for n in rule.names)
        name = name.replace("*", "x").replace("?", "x").replace("[0-9]", "8")
        tag = rule.tags[0].replace("*", "1").replace("?", "1").replace("[0-9]", "8")
        info = images.lookup(f"{name}:{tag}")
        text = images.describe(f"{name}:{tag}", info)
        assert info.evidence and not any(c in text.split(" (http")[0] for c in "*|?["), text
        assert "-family" not in text, text
