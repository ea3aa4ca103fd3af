"""Images others build FROM and generated files (issue 21, classes 1 and 7): families of variant
Dockerfiles (fixer/repository/families.py) with the evidence that they are published (a generator,
docs that say the Dockerfiles are generated or show `FROM` the image, CI pushing a matrix), the
templates and generated samples that generated-file leaves, and a `FROM scratch` stage filled with
a whole root filesystem. All repositories here are invented."""

from __future__ import annotations

import pytest
from test_rules_program import report, repo

from fixer.repository import load
from fixer.repository.families import family, skeleton, variantish

TOOLCHAIN = """FROM debian:{base}
ENV TOOL_VERSION={version}
RUN apt-get update && apt-get install -y --no-install-recommends gcc-{arch} make \\
    && rm -rf /var/lib/apt/lists/*
COPY setup.sh /
RUN /setup.sh {arch}
ENV CC={arch}-gcc
CMD ["make"]
"""

SERVICE = """FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["python", "-m", "{name}"]
"""


def toolchain(arch: str, base: str = "bookworm", version: str = "1.4") -> str:
    return TOOLCHAIN.format(arch=arch, base=base, version=version)


# --- the family itself -------------------------------------------------------------------------

@pytest.mark.parametrize("part", ["5.40", "slim-bookworm", "x86_64-unknown-linux-gnu", "python3.11-slim", "jdk-17",
                                  "mipsel-unknown-linux-gnu", "windowsservercore-ltsc2022", "edge", "alpine"])
def test_version_and_flavour_parts(part):
    assert variantish(part)


@pytest.mark.parametrize("part", ["api", "worker", "web", "dev", "prod", "frontend", "docs", "tests", ""])
def test_program_and_use_parts_are_not_variants(part):
    assert not variantish(part)


def test_skeleton_skips_comments_and_continuations():
    assert skeleton("# c\nFROM a\nRUN x \\\n  && RUN y\nCMD z\n") == ("from", "run", "cmd")


def test_variant_file_names_of_one_shape_are_a_family():
    dfs = {f"images/Dockerfile.{a}": skeleton(toolchain(a)) for a in ("aarch64-linux-gnu", "armv7-linux-musl",
                                                                      "mipsel-linux-gnu")}
    fam = family("images/Dockerfile.aarch64-linux-gnu", list(dfs), dfs)
    assert len(fam.members) == 3 and fam.varies == ["aarch64-linux-gnu"]


def test_services_of_one_shape_are_not_a_family():
    dfs = {f"{n}/Dockerfile": skeleton(SERVICE.format(name=n)) for n in ("api", "worker", "web")}
    assert not family("api/Dockerfile", list(dfs), dfs)


def test_services_with_versions_in_their_names_are_not_a_family():
    dfs = {f"services/{n}/Dockerfile": skeleton(SERVICE.format(name=n)) for n in ("auth-v2", "billing-v1", "s3-sync")}
    assert not family("services/auth-v2/Dockerfile", list(dfs), dfs)


def test_a_development_file_beside_the_main_one_is_not_a_family():
    dfs = {"Dockerfile": skeleton(SERVICE.format(name="app")), "Dockerfile.dev": skeleton(SERVICE.format(name="app")),
           "Dockerfile.prod": skeleton(SERVICE.format(name="app"))}
    assert not family("Dockerfile.prod", list(dfs), dfs)


def test_variants_of_another_shape_are_not_a_family():
    dfs = {"1.0/Dockerfile": skeleton(toolchain("x86_64")),
           "2.0/Dockerfile": skeleton("FROM alpine:3.20\nCOPY a /a\nENTRYPOINT [\"/a\"]\n")}
    assert not family("1.0/Dockerfile", list(dfs), dfs)


# --- publishes-image over a family -------------------------------------------------------------

def test_docs_show_from_the_image_of_a_variant(cli, tmp_path):
    files = {f"images/Dockerfile.{a}": toolchain(a) for a in ("aarch64-linux-gnu", "armv7-linux-musl", "riscv64-linux-gnu")}
    files["docs/custom.md"] = ("# Custom images\n\n```Dockerfile\nFROM ghcr.io/acme/armv7-linux-musl:1.4\n"
                               "RUN apt-get update && apt-get install -y libssl-dev\n```\n")
    r = repo(tmp_path, files)
    rep = report(cli, r / "images" / "Dockerfile.aarch64-linux-gnu")
    assert rep["rule"] == "publishes-image", rep
    assert "one of 3 variants of one image" in rep["skipped"], rep
    assert "docs/custom.md:4 shows users building FROM ghcr.io/acme/armv7-linux-musl:1.4" in rep["skipped"], rep


def test_variant_files_pushed_by_a_ci_matrix(cli, tmp_path):
    files = {f"images/{v}.dockerfile": SERVICE.format(name="server").replace("3.12-slim", v.replace("python", ""))
             for v in ("python3.11", "python3.12", "python3.12-slim")}
    files[".github/workflows/push.yml"] = (
        "on: push\njobs:\n  push:\n    strategy:\n      matrix:\n        v: [python3.11, python3.12, python3.12-slim]\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n"
        "          push: true\n          context: images\n          file: images/${{ matrix.v }}.dockerfile\n"
        "          tags: acme/server:${{ matrix.v }}\n")
    r = repo(tmp_path, files)
    rep = report(cli, r / "images" / "python3.12.dockerfile")
    assert rep["rule"] == "publishes-image", rep
    assert ".github/workflows/push.yml:9 pushes as a matrix of tags" in rep["skipped"], rep


def test_docs_say_the_dockerfiles_are_generated(cli, tmp_path):
    files = {f"out/{v}/builder/Dockerfile": toolchain("x86_64", base=v.split("-")[1]) for v in
             ("jdk17-bookworm", "jdk21-bookworm", "jdk21-trixie")}
    files["README.md"] = "# Images\n\nSome words.\n\nAll the Dockerfiles under out/ are generated by `make images`.\n"
    r = repo(tmp_path, files)
    rep = report(cli, r / "out" / "jdk21-trixie" / "builder" / "Dockerfile")
    assert rep["rule"] == "publishes-image", rep
    assert 'README.md:5 says "All the Dockerfiles under out/ are generated by `make images`."' in rep["skipped"], rep


def test_source_code_that_writes_from_lines(cli, tmp_path):
    files = {f"out/{v}/Dockerfile": toolchain("x86_64", version=v) for v in ("1.4", "1.5", "2.0")}
    files["src/imagegen/dockerfile.py"] = ('"""Writes the images."""\n\n\ndef render(base):\n'
                                           '    return f"FROM {base}\\n" + body()\n')
    r = repo(tmp_path, files)
    rep = report(cli, r / "out" / "2.0" / "Dockerfile")
    assert rep["rule"] == "publishes-image", rep
    assert "src/imagegen/dockerfile.py:5" in rep["skipped"], rep


def test_docs_from_the_image_the_variants_build_on_each_other(cli, tmp_path):
    slim = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends tool-runtime\n"
    full = "FROM acme/tool:{v}-slim\nRUN apt-get update && apt-get install -y tool-devel && rm -rf /var/lib/apt/lists/*\n"
    r = repo(tmp_path, {"7.1/slim/Dockerfile": slim, "7.1/Dockerfile": full.format(v="7.1"),
                        "7.2/slim/Dockerfile": slim, "7.2/Dockerfile": full.format(v="7.2"),
                        "README.md": "# Use\n\n```\nFROM acme/tool:latest\nRUN tool build app.proj\n```\n"})
    rep = report(cli, r / "7.2" / "Dockerfile")
    assert rep["rule"] == "publishes-image", rep
    assert "README.md:4 shows users building FROM acme/tool:latest, the image these variants publish" in rep["skipped"]
    assert "7.2/Dockerfile:1 builds FROM acme/tool:7.2-slim" in rep["skipped"], rep


def test_a_family_with_no_other_evidence_is_fixed(cli, tmp_path):
    files = {f"images/Dockerfile.{a}": toolchain(a) for a in ("aarch64-linux-gnu", "armv7-linux-musl")}
    r = repo(tmp_path, files)
    rep = report(cli, r / "images" / "Dockerfile.armv7-linux-musl")
    assert rep["rule"] is None and rep["changed"], rep


def test_services_pushed_by_a_ci_matrix_are_fixed(cli, tmp_path):
    # one Dockerfile per program, all of one shape, pushed by a matrix and used FROM in the docs:
    # an application's services, not variants of one image
    files = {f"services/{n}/Dockerfile": SERVICE.format(name=n) for n in ("api", "worker", "web")}
    files[".github/workflows/push.yml"] = (
        "on: push\njobs:\n  push:\n    strategy:\n      matrix:\n        svc: [api, worker, web]\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n"
        "          push: true\n          context: services/${{ matrix.svc }}\n          tags: acme/${{ matrix.svc }}:latest\n")
    files["README.md"] = "The Dockerfiles are generated from the service template.\n\n```\nFROM acme/api:latest\n```\n"
    r = repo(tmp_path, files)
    rep = report(cli, r / "services" / "worker" / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep
    assert not load(str(r)).family_of(str(r / "services" / "worker" / "Dockerfile"))


# --- generated-file: generated samples and templates ---------------------------------------------

APP = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir .\nCMD ["python", "-m", "server"]\n'


def test_a_generator_marker_folder_beside_the_file(cli, tmp_path):
    r = repo(tmp_path, {"samples/petshop/server/Dockerfile": APP, "samples/petshop/server/.acme-codegen/VERSION": "2.1\n"})
    rep = report(cli, r / "samples" / "petshop" / "server" / "Dockerfile")
    assert rep["rule"] == "generated-file", rep
    assert rep["skipped"].startswith("samples/petshop/server/.acme-codegen marks its folder as a code generator's output")


def test_a_generator_marker_two_folders_up(cli, tmp_path):
    r = repo(tmp_path, {"out/api/src/Api/Dockerfile": APP, "out/api/.api-generator-ignore": "# keep these\nREADME.md\n"})
    rep = report(cli, r / "out" / "api" / "src" / "Api" / "Dockerfile")
    assert rep["rule"] == "generated-file", rep
    assert rep["skipped"].startswith("out/api/.api-generator-ignore marks its folder"), rep


def test_the_generator_manifest_lists_the_file(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, ".api-generator/FILES": "README.md\nDockerfile\nserver/__main__.py\n"})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] == "generated-file", rep
    assert rep["skipped"].startswith(".api-generator/FILES:2 lists it among the files a code generator wrote"), rep


def test_a_file_the_generator_manifest_does_not_list_is_the_owners(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, ".api-generator/FILES": "README.md\nserver/__main__.py\n"})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_a_file_the_owner_keeps_from_the_generator_is_fixed(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": APP, ".api-generator-ignore": "# my own files\nDockerfile\n", ".api-generator/VERSION": "7\n"})
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_a_template_that_only_fills_in_values_is_fixed(cli, tmp_path):
    # the fix reaches every Dockerfile it renders (an expert-labelled case of the spent set)
    r = repo(tmp_path, {"gen/templates/Dockerfile.tmpl": ("FROM python:3.12-slim\nWORKDIR /app\nCOPY {{.Name}} /app/\n"
                                                         "CMD [\"python\", \"/app/{{.Name}}\"]\n"),
                        "gen/generate.sh": "#!/bin/sh\nrender gen/templates/Dockerfile.tmpl > out/Dockerfile\n"})
    rep = report(cli, r / "gen" / "templates" / "Dockerfile.tmpl")
    assert rep["rule"] is None and rep["changed"], rep


def test_a_template_by_the_placeholder_in_its_from(cli, tmp_path):
    r = repo(tmp_path, {"build/Dockerfile": "FROM {{ base_image }}\nRUN apt-get update\nCMD [\"sh\"]\n"})
    rep = report(cli, r / "build" / "Dockerfile")
    assert rep["rule"] == "generated-file", rep
    assert rep["skipped"].startswith("line 1: the FROM names its image with a template placeholder"), rep


def test_a_placeholder_in_the_tag_only_keeps_the_image_known(cli, tmp_path):
    r = repo(tmp_path, {"{{cookiecutter.slug}}/Dockerfile": "FROM python:{{ cookiecutter.python }}-slim\nCOPY . /app\nCMD [\"python\", \"/app/main.py\"]\n"})
    rep = report(cli, r / "{{cookiecutter.slug}}" / "Dockerfile")
    assert rep["rule"] != "generated-file", rep


def test_a_templates_folder_with_no_generator_is_fixed(cli, tmp_path):
    r = repo(tmp_path, {"templates/web/Dockerfile": APP})
    rep = report(cli, r / "templates" / "web" / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


# --- FROM scratch filled with a whole root filesystem ---------------------------------------------

SQUASHED = """FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*

FROM scratch
COPY --from=build / /
RUN sed -i -e 's/^#//' /etc/tool.conf
CMD ["make"]
"""


def test_scratch_filled_with_a_whole_root_filesystem_has_its_shell(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": SQUASHED})
    rep = report(cli, r / "Dockerfile")
    assert rep["changed"] and rep["family"] == "debian", rep
    assert rep["user_after"] == "appuser", rep
    assert not any("no shell" in x for x in rep["reasons"]), rep["reasons"]
    assert any("line 5 copies the whole root filesystem of stage build (debian:bookworm-slim)" in x
               for x in rep["reasons"]), rep["reasons"]


def test_scratch_with_a_single_program_still_has_no_shell(cli, tmp_path):
    r = repo(tmp_path, {"Dockerfile": "FROM golang:1.22 AS build\nRUN go build -o /srv .\n\nFROM scratch\n"
                                      "COPY --from=build /srv /srv\nENTRYPOINT [\"/srv\"]\n"})
    rep = report(cli, r / "Dockerfile")
    assert rep["changed"] and rep["family"] == "scratch", rep
    assert any("no shell" in x for x in rep["reasons"]), rep["reasons"]


# --- base-image: the repository's own base, named by the file itself ------------------------------

COMMON = """FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends python3 locales && rm -rf /var/lib/apt/lists/*
ENV LANG=en_US.UTF-8
RUN useradd --create-home shop
"""


def test_a_header_that_says_it_is_the_base_image_for_others(cli, tmp_path):
    r = repo(tmp_path, {"docker/common/Dockerfile": "#\n# Base container image for the shop images\n#\n" + COMMON})
    rep = report(cli, r / "docker" / "common" / "Dockerfile")
    assert rep["rule"] == "base-image", rep
    assert rep["skipped"].startswith('line 2: the header says "Base container image for the shop images"'), rep


def test_a_usage_comment_names_the_image_another_dockerfile_builds_from(cli, tmp_path):
    r = repo(tmp_path, {"docker/common/Dockerfile": "# Shared dependencies.\n#\n# docker build --tag acme/shop-common .\n\n" + COMMON,
                        "docker/web/Dockerfile": ("FROM acme/shop-common:latest\nCOPY . /home/shop/src\nUSER shop\n"
                                                  "CMD [\"python3\", \"-m\", \"shop\"]\n")})
    rep = report(cli, r / "docker" / "common" / "Dockerfile")
    assert rep["rule"] == "base-image", rep
    assert rep["skipped"].startswith("line 1 of docker/web/Dockerfile builds FROM acme/shop-common:latest (this "
                                     "Dockerfile's image, per docker/common/Dockerfile)"), rep


def test_the_template_of_a_published_family(cli, tmp_path):
    tmpl = toolchain("x86_64", version="${tool_version}")
    files = {f"{v}/bookworm/Dockerfile": toolchain("x86_64", version=v) for v in ("1.4", "1.5", "2.0")}
    files["bookworm/Dockerfile.tmpl"] = tmpl
    files["update.sh"] = "#!/bin/sh\nfor v in 1.4 1.5 2.0; do render bookworm/Dockerfile.tmpl > $v/bookworm/Dockerfile; done\n"
    r = repo(tmp_path, files)
    rep = report(cli, r / "bookworm" / "Dockerfile.tmpl")
    assert rep["rule"] == "publishes-image", rep
    assert rep["skipped"].startswith("bookworm/Dockerfile.tmpl is the template of 3 variants of one image"), rep
    assert "edit the template" not in rep["skipped"], rep


def test_a_template_of_no_dockerfile_in_the_repository_is_fixed(cli, tmp_path):
    files = {f"{v}/bookworm/Dockerfile": toolchain("x86_64", version=v) for v in ("1.4", "1.5")}
    files["gen/templates/Dockerfile.tmpl"] = toolchain("x86_64", version="{{.Version}}")
    files["update.sh"] = "#!/bin/sh\nrender gen/templates/Dockerfile.tmpl > Dockerfile\n"
    r = repo(tmp_path, files)
    rep = report(cli, r / "gen" / "templates" / "Dockerfile.tmpl")
    assert rep["rule"] is None and rep["changed"], rep


def test_a_makefile_variable_names_the_image_the_docs_build_from(cli, tmp_path):
    r = repo(tmp_path, {"image/Dockerfile": ("FROM ubuntu:24.04\nCOPY . /build\nRUN /build/prepare.sh && /build/cleanup.sh\n"
                                             "CMD [\"/sbin/my_init\"]\n"),
                        "image/prepare.sh": "#!/bin/sh\napt-get update\n",
                        "Makefile": ("VERSION ?= 2.1\nifdef BASE\n\tNAME = acme/base-$(BASE)\nelse\n\tNAME ?= acme/base\nendif\n\n"
                                     "build:\n\tdocker build -t $(NAME):$(VERSION) --rm image\n"),
                        "README.md": "# Using it\n\n    FROM acme/base:<VERSION>\n    RUN apt-get install -y nginx\n"})
    rep = report(cli, r / "image" / "Dockerfile")
    assert rep["rule"] == "publishes-image", rep
    assert rep["skipped"].startswith("README.md:3 shows users building FROM acme/base:<VERSION>, this Dockerfile's image")


def test_resolve_keeps_what_it_cannot_resolve():
    from fixer.repository.readers import _resolve

    assert _resolve("$(NAME):$(TAG)", {"NAME": ["acme/x"]}) == ["acme/x:$(TAG)"]
    assert _resolve("${IMAGE}", {"IMAGE": ["a/b", "a/c"]}) == ["a/b", "a/c"]
    assert _resolve("acme/x:1", {"NAME": ["y"]}) == ["acme/x:1"]


def test_resolve_is_bounded():
    from fixer.repository.readers import _resolve

    values = {f"V{i}": ["a", "b", "c"] for i in range(30)}
    assert len(_resolve("".join(f"$(V{i})" for i in range(30)), values)) <= 9


def test_a_generator_marker_linked_out_of_the_repository_is_not_read(cli, tmp_path):
    outside = tmp_path / "outside"
    (outside / ".gen-codegen").mkdir(parents=True)
    (outside / ".gen-codegen" / "FILES").write_text("Dockerfile\n")
    (tmp_path / "r").mkdir()
    r = repo(tmp_path / "r", {"Dockerfile": APP})
    (r / ".gen-codegen").symlink_to(outside / ".gen-codegen")
    rep = report(cli, r / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


def test_templates_in_a_templates_folder_are_not_told_to_edit_the_template(cli, tmp_path):
    files = {f"tmpl/alpine/tmplv{v}.Dockerfile": toolchain("x86_64", version=f"{v}.0") for v in (1, 2, 3)}
    files.update({f"v{v}.0/alpine/Dockerfile": toolchain("x86_64", version=f"{v}.0") for v in (2, 3)})
    files["update.sh"] = "#!/bin/sh\nenvsubst < tmpl/alpine/tmplv3.Dockerfile > v3.0/alpine/Dockerfile\n"
    r = repo(tmp_path, files)
    rep = report(cli, r / "tmpl" / "alpine" / "tmplv1.Dockerfile")
    assert rep["rule"] == "publishes-image", rep
    assert "templates the repository renders into its published Dockerfiles (update.sh:2" in rep["skipped"], rep
    assert "edit the template" not in rep["skipped"], rep
    rep = report(cli, r / "v3.0" / "alpine" / "Dockerfile")
    assert rep["skipped"].endswith("edit the template, not the file"), rep


def test_docs_from_the_upstream_image_the_versions_share_is_no_evidence(cli, tmp_path):
    df = "FROM python:{v}-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir .\nCMD [\"python\", \"-m\", \"app\"]\n"
    r = repo(tmp_path, {"3.11/Dockerfile": df.format(v="3.11"), "3.12/Dockerfile": df.format(v="3.12"),
                        "README.md": "```\nFROM python:3.12\nRUN pip install app\n```\n"})
    rep = report(cli, r / "3.12" / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep


# --- a template and the file rendered from it, side by side (issue 21 round 3) -------------------

def test_a_header_saying_automatically_generated(cli, tmp_path):
    df = "#+++++++++++++++\n# Dockerfile for acme/store:latest\n#    -- automatically generated --\n#+++++++++++++++\n\n" + APP
    r = repo(tmp_path, {"images/store/Dockerfile": df})
    rep = report(cli, r / "images" / "store" / "Dockerfile")
    assert rep["rule"] == "generated-file", rep
    assert rep["skipped"].startswith('line 3: the file is generated ("-- automatically generated --")'), rep


def test_the_file_beside_its_template_is_rendered_from_it(cli, tmp_path):
    r = repo(tmp_path, {"images/store/Dockerfile": APP, "images/store/Dockerfile.jinja2": "{{ docker.from('store') }}\n"})
    rep = report(cli, r / "images" / "store" / "Dockerfile")
    assert rep["rule"] == "generated-file", rep
    assert rep["skipped"].startswith("images/store/Dockerfile.jinja2 beside it is the template it is rendered from"), rep


def test_the_template_beside_its_rendered_file_is_not_changed_alone(cli, tmp_path):
    r = repo(tmp_path, {"browser/Dockerfile": "# DO NOT EDIT: generated by render.sh\n" + APP,
                        "browser/Dockerfile.template": APP, "render.sh": "#!/bin/sh\nfor d in */; do :; done\n"})
    rep = report(cli, r / "browser" / "Dockerfile.template")
    assert rep["rule"] == "generated-file", rep
    assert rep["skipped"].startswith("it is the template of browser/Dockerfile beside it"), rep


def test_a_template_with_no_rendered_file_beside_it_is_fixed(cli, tmp_path):
    r = repo(tmp_path, {"web/Dockerfile.template": APP})
    rep = report(cli, r / "web" / "Dockerfile.template")
    assert rep["rule"] is None and rep["changed"], rep


def test_an_archive_whose_readme_says_its_files_are_built_elsewhere(cli, tmp_path):
    files = {f"{v}/{e}/Dockerfile": TOOLCHAIN.format(base="bookworm", version=v, arch="x86_64")
             for v in ("1.0.1", "1.0.2", "1.1.0") for e in ("community", "enterprise")}
    files["README.md"] = ("# acme-db-publish\n\nThis repository holds the Dockerfiles of published releases.\n"
                          "The files here are built from sources in acme/acme-db-docker.\n")
    r = repo(tmp_path, files)
    rep = report(cli, r / "1.0.2" / "community" / "Dockerfile")
    assert rep["rule"] == "publishes-image", rep
    assert 'README.md:4 says "The files here are built from sources in acme/acme-db-docker."' in rep["skipped"], rep


def test_the_top_readme_is_read_when_the_dockerfiles_fill_the_budget(tmp_path, monkeypatch):
    import fixer.repository as model

    monkeypatch.setattr(model, "MAX_FILES", 5)
    r = repo(tmp_path, {**{f"{v}/Dockerfile": APP for v in ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5")},
                        "README.md": "The Dockerfiles here are generated; do not edit them.\n"})
    m = load(str(r))
    assert "more than 5 files to read: the repository was read in part" in m.warnings
    assert [str(w) for w, _ in m.generated_docs] == ["README.md:1"]


def test_docs_from_the_image_named_after_the_variants_folder(cli, tmp_path):
    """Variants of one image in a folder named after it (`jdk-community/Dockerfile.ol9-java21`),
    and docs that show `FROM ghcr.io/acme/jdk-community:21`: published for others to build on."""
    jdk = ("FROM oraclelinux:{v}-slim\nRUN microdnf install -y tar gzip && microdnf clean all\n"
           "ENV JAVA_HOME=/opt/jdk\nRUN curl -fsSL https://example.org/jdk.tgz | tar -xz -C /opt\nCMD java -version\n")
    files = {f"jdk-community/Dockerfile.ol{v}-java21": jdk.format(v=v) for v in (8, 9, 10)}
    files["README.md"] = "# JDK images\n\n```\nFROM ghcr.io/acme/jdk-community:21\nCOPY app.jar /app.jar\n```\n"
    r = repo(tmp_path, files)
    rep = report(cli, r / "jdk-community" / "Dockerfile.ol9-java21")
    assert rep["rule"] == "publishes-image", rep
    assert "README.md:4 shows users building FROM ghcr.io/acme/jdk-community:21, the image of one of these variants" \
        in rep["skipped"], rep
    files["README.md"] = "# JDK images\n\n```\nFROM ghcr.io/acme/other-image:21\n```\n"
    (tmp_path / "two").mkdir()
    r2 = repo(tmp_path / "two", files)
    assert report(cli, r2 / "jdk-community" / "Dockerfile.ol9-java21")["rule"] != "publishes-image"
