"""Readers of the repository model: one per kind of file (Dockerfiles, compose, bake, CI workflows,
scripts, docs, Kubernetes manifests, Helm charts, generators). Each adds what it finds to the
`Repository`; a file that cannot be read safely adds a warning instead."""

from __future__ import annotations

from .. import lazyre

import json
import os
import posixpath
import re

from . import (COPY_FROM_RE, FROM_RE, GENERATOR_RE, K8S_KINDS, TEMPLATE_RE, Build, Repository, Run, Where, commands,
               image_path)
from .yamlfile import YamlError, key_lines, line_of, load_all
from .. import recache

IMAGE_OUTPUT_TYPES = ("image", "registry", "docker")
# a manifest of a workload that runs containers (CRDs, ConfigMaps, Services... are not parsed)
K8S_KIND_RE = recache.compile(r"^kind:\s*['\"]?(?:" + "|".join(sorted(K8S_KINDS)) + r")['\"]?\s*$", re.M)


MAX_YAML = 80  # YAML files parsed per repository (the cheap reading: a quarter)


def _yaml(repo: Repository, rel: str, text: str) -> list:
    repo.yaml_left -= 1
    if repo.yaml_left < 0:
        if repo.yaml_left == -1:
            repo.warn(f"more than {MAX_YAML} YAML files: {rel} and the rest were not parsed")
        return []
    try:
        return load_all(text)
    except YamlError as e:
        repo.warn(f"{rel}: {e}; not used")
        return []


def _existing(repo: Repository, *parts: str) -> str | None:
    """The real path of a file inside the root, when it exists."""
    path = os.path.normpath(os.path.join(*parts))
    real = repo.inside(path)
    return real if real and os.path.isfile(real) else None


def _int(v) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return None


def output_makes_image(spec: str) -> bool:
    """An --output/outputs value that still makes an image (`type=image`, `type=registry`, `type=docker`)."""
    opts = dict(p.partition("=")[::2] for p in spec.split(",") if "=" in p)
    return opts.get("type", "") in IMAGE_OUTPUT_TYPES


def read_file(repo: Repository, rel: str, kind: str, charts: set) -> None:
    path = os.path.join(repo.root, rel)
    folder = os.path.dirname(path)
    if kind == "chart":
        _chart(repo, posixpath.dirname(rel))
        return
    if kind == "action":
        return  # read by the github-action rule, for the folders above its Dockerfile
    if kind == "generator" and TEMPLATE_RE.search(posixpath.basename(rel)):
        repo.generators.append(Where(rel, 1))
        return
    # files read on the chance they are relevant (any YAML, any Markdown) are skipped quietly when large
    text = repo.read(path, walked=True, quiet=kind in ("yaml", "doc"))
    if text is None:
        return
    if kind == "dockerfile":
        _dockerfile(repo, rel, path, text)
    elif kind == "compose":
        _compose(repo, rel, folder, text)
    elif kind in ("bake", "hcl"):
        _bake(repo, rel, folder, text)
    elif kind == "goreleaser":
        _goreleaser(repo, rel, folder, text)
    elif kind == "precommit":
        _precommit_hooks(repo, rel, text)
    elif kind == "ci":
        _workflow(repo, rel, text)
        _commands(repo, rel, text, (repo.root,))
        if posixpath.basename(rel).startswith("cloudbuild"):
            _cloudbuild(repo, rel, folder, text)
    elif kind == "generator" and not GENERATOR_RE.match(posixpath.basename(rel)):
        m = FROM_EMIT_RE.search(text)  # source code that writes Dockerfiles: its `FROM {image}` line
        if m:
            repo.generators.append(Where(rel, text.count("\n", 0, m.start()) + 1))
    elif kind in ("script", "generator"):
        if kind == "generator" and re.search(r"Dockerfile|Containerfile", text):
            repo.generators.append(Where(rel, line_of(text, "Dockerfile") if "Dockerfile" in text else 1))
        # (a script that does `cd ..` first, as a scripts/ folder's do, builds from the folder above)
        up = (os.path.dirname(folder),) if folder != repo.root and re.search(r"^\s*cd\s+\.\.\s*$", text, re.M) else ()
        _commands(repo, rel, text, (folder,) + up + (repo.root,))
        if posixpath.basename(rel).startswith("Jenkinsfile"):
            _jenkins(repo, rel, folder, text)
    elif kind == "package":
        if "docker" in text or "podman" in text:
            _commands(repo, rel, package_scripts(text), (folder, repo.root))
    elif kind == "doc":
        _doc(repo, rel, text)
    elif kind == "yaml":
        if any(rel.startswith(c + "/") for c in charts if c):
            return  # a chart's templates: read with the chart
        if "image" in text and K8S_KIND_RE.search(text):
            _kubernetes(repo, rel, text)


SCRIPTS_RE = lazyre.compile(r'^\s*"scripts"\s*:\s*\{\s*$')
SCRIPT_LINE_RE = lazyre.compile(r'^\s*"(?:[^"\\]|\\.)*"\s*:\s*"((?:[^"\\]|\\.)*)"\s*,?\s*$')


def package_scripts(text: str) -> str:
    """The npm scripts of a package.json (`npm run NAME` runs each with sh) as shell lines, each on
    the line of the file it is written on (every other line blank, so a finding names its line).
    Read line by line: a script is one `"name": "command"` line of the `"scripts": {` block."""
    out = []
    inside = False
    for line in text.splitlines():
        m = SCRIPT_LINE_RE.match(line) if inside else None
        if inside and line.strip().startswith("}"):
            inside = False
        elif not inside and SCRIPTS_RE.match(line):
            inside = True
        out.append(re.sub(r"\\(.)", r"\1", m.group(1)) if m else "")
    return "\n".join(out)


def _dockerfile(repo, rel, path, text):
    from .families import skeleton

    real = os.path.realpath(path)
    repo.skeletons[rel] = skeleton(text)
    if re.search(r"(?:^|/)[\w-]*(?:templates?|tmpl|tpl)/", rel):
        repo.generators.append(Where(rel, 1))  # a template the real Dockerfiles are rendered from
    stages = set()
    first = FROM_RE.search(text)
    args = dict(GLOBAL_ARG_RE.findall(text[:first.start()])) if first and "$" in text else {}
    for m in FROM_RE.finditer(text):
        ref = _arg_default(m.group(1), args)
        if ref.lower() not in stages:
            p = image_path(ref)
            if p:
                repo.froms.append((p, Where(rel, text.count("\n", 0, m.start(1)) + 1), real, ref))
        if m.group(2):
            stages.add(m.group(2).lower())
    for m in COPY_FROM_RE.finditer(text):
        ref = m.group(1)
        if ref.lower() in stages or ref.isdigit():
            continue
        p = image_path(ref)
        if p:
            repo.copy_froms.append((p, Where(rel, text.count("\n", 0, m.start(1)) + 1), real))
    if "docker" in text or "podman" in text:
        # the file's own usage comments: `# docker build --tag acme/base .` names the image it builds
        comments = "\n".join(line.lstrip()[1:] if line.lstrip().startswith("#") else "" for line in text.splitlines())
        found_builds, found_runs = commands.scan(comments)
        tags = set()
        for b in found_builds:
            if b.tags and (b.dockerfile is None or posixpath.basename(b.dockerfile) == posixpath.basename(rel)):
                repo.builds.append(Build(real, Where(rel, b.line), tags=list(b.tags), target=b.target, image=True))
                tags.update(image_path(t) for t in b.tags)
        # and how it is run: `# docker run --rm -v "$PWD":/src acme/tool lint` runs this file's image when
        # its usage comment builds that image, else the image it names (matched by name like a README's
        # run: a comment may run another image, `docker run --privileged tonistiigi/binfmt` as a set-up)
        for r in found_runs:
            p = image_path(r.image)
            if p:
                repo.runs.append(_run(rel, r, r.image, dockerfile=real if p in tags else None))


# a global ARG with a default (`ARG BASE_IMAGE=org/base`): what `FROM ${BASE_IMAGE}` builds on
# unless the build passes another value
GLOBAL_ARG_RE = lazyre.compile(r"^[ \t]*ARG[ \t]+(\w+)=[\"']?([\w./:@-]+)[\"']?[ \t]*$", re.I | re.M)
ARG_REF_RE = lazyre.compile(r"^\$(?:\{(\w+)\}|(\w+))")


def _arg_default(ref: str, args: dict) -> str:
    """A FROM's image whose name starts with a global ARG, that ARG's default put in."""
    m = ARG_REF_RE.match(ref)
    if m and (m.group(1) or m.group(2)) in args:
        return args[m.group(1) or m.group(2)] + ref[m.end():]
    return ref


# a string in source code that starts a FROM line and fills in the image: `"FROM %s"`,
# `f"FROM {image}"`, `"FROM " + base`, `` `FROM ${image}` ``, `'FROM ' .. base`
FROM_EMIT_RE = lazyre.compile(r"[\"'`](?:\\n)?FROM[ \t]+(?:%[s(]|\{|\$\{?\w|<%|[\"'`][ \t]*(?:\+|\.\.?|,|<<))")
# docs saying the repository's Dockerfiles are generated (and so not to be edited by hand)
GENERATED_DOC_RE = lazyre.compile(
    r"\b(?:docker|container)files?\b[^.\n]{0,60}?\b(?:are|is|get|were|being)\s+(?:all\s+)?(?:auto-?|automatically\s+)?"
    r"(?:generated|rendered|templated)\b"
    r"|\b(?:do\s+not|don'?t|never)\s+(?:edit|modify|change)\b[^.\n]{0,40}?\b(?:docker|container)files?\b"
    # "The files here are built from sources in acme/tool-docker": an archive made elsewhere
    r"|\b(?:docker|container)?files\s+(?:here|in\s+this\s+(?:repo(?:sitory)?|folder|directory))\s+(?:are|were)\s+"
    r"(?:all\s+)?(?:built|generated|produced|rendered)\s+from\b",
    re.I)


# what follows `from NAME` in Python (and Elixir-less docs): ` import ...`
PY_IMPORT_RE = lazyre.compile(r"[ \t]+(?:import|cimport)\b")


def _doc(repo, rel, text):
    if len(repo.generated_docs) < 20:
        for m in GENERATED_DOC_RE.finditer(text):
            start = text.rfind("\n", 0, m.start()) + 1
            end = text.find("\n", m.end())
            repo.generated_docs.append((Where(rel, text.count("\n", 0, m.start()) + 1),
                                        text[start:end if end >= 0 else len(text)].strip()[:160]))
    for m in FROM_RE.finditer(text):
        if PY_IMPORT_RE.match(text, m.end(1)):
            continue  # Python's `from moto import mock_aws`, not a Dockerfile's FROM
        p = image_path(m.group(1))
        if p and p != "scratch":
            repo.doc_froms.append((p, Where(rel, text.count("\n", 0, m.start(1)) + 1), m.group(1)))
    # `docker build -t org/app .` in a README beside a Dockerfile builds that one
    _commands(repo, rel, text, (os.path.join(repo.root, posixpath.dirname(rel)), repo.root), builds=True)
    if "image:" in text and "```" in text:
        _doc_ci_images(repo, rel, text)


# a Makefile or shell variable set to a literal: `NAME ?= acme/base`, `NAME := ...`, `NAME=...`,
# `export NAME=...`, `NAME="${NAME:-acme/base}"`
ASSIGN_RE = lazyre.compile(r"^[ \t]*(?:export[ \t]+)?([A-Za-z_]\w*)[ \t]*(?:\?=|:=|::=|=)[ \t]*(['\"]?)"
                           r"(?:\$\{\1:?-([^}\s]+)\}|([\w./:@-]+))\2[ \t]*$", re.M)
VAR_RE = lazyre.compile(r"\$\(([A-Za-z_]\w*)\)|\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)")


def _resolve(tag: str, values: dict) -> list[str]:
    """The tag with its variables replaced by the literal values the same file assigns them (each
    value of a variable assigned in several branches); the tag itself when it has none."""
    names = [a or b or c for a, b, c in VAR_RE.findall(tag)]
    if not names or not any(n in values for n in names):
        return [tag]
    out = [tag]
    for n in dict.fromkeys(names):
        if n in values:
            out = [re.sub(r"\$\(" + n + r"\)|\$\{" + n + r"\}|\$" + n + r"\b", lambda _m, v=v: v, t)
                   for t in out for v in values[n][:3]][:9]  # bounded: a tag of many variables
    return out


def _commands(repo, rel, text, cwds, builds=True):
    found_builds, runs = commands.scan(text)
    if any("$" in t for b in found_builds for t in b.tags):
        values: dict = {}
        for m in ASSIGN_RE.finditer(text):
            v = m.group(3) or m.group(4)
            if v and v not in values.setdefault(m.group(1), []):
                values[m.group(1)].append(v)
        for b in found_builds:
            b.tags = [r for t in b.tags for r in _resolve(t, values)]
    for b in found_builds if builds else ():
        for cwd in dict.fromkeys(cwds):
            ctx = os.path.join(cwd, b.context or ".")
            df = os.path.join(cwd, b.dockerfile) if b.dockerfile else os.path.join(ctx, "Dockerfile")
            real = _existing(repo, df)
            if real is None:
                continue
            repo.builds.append(Build(real, Where(rel, b.line), tags=[_assigned(text, t, b.line) for t in b.tags],
                                     target=b.target,
                                     outputs=list(b.outputs),
                                     image=bool(b.tags or b.push or b.load
                                                or any(output_makes_image(o) for o in b.outputs)),
                                     matrix=any("matrix." in t for t in b.tags), args=dict(b.args)))
            break
    for r in runs:
        repo.runs.append(_run(rel, r, _assigned(text, r.image, r.line)))


def _run(rel, r, image, dockerfile=None) -> Run:
    """The Run of a `docker run` line (`dockerfile`: the Dockerfile whose image it runs, when known)."""
    return Run("docker-run", Where(rel, r.line), image=image, dockerfile=dockerfile, user=r.user,
               privileged=r.privileged, caps=list(r.caps), mounts=list(r.mounts), read_only=list(r.read_only),
               volume_targets=list(r.volume_targets), workdir=r.workdir, ports=r.ports,
               devices=list(r.devices),
               command=" ".join(([r.entrypoint] if r.entrypoint else []) + r.command))


ASSIGNED_RE = lazyre.compile(r"\$(?:\{(\w+)\}|\((\w+)\)|(\w+))")


def _assigned(text: str, value: str, line: int) -> str:
    """An image name that is only a variable (`-t "$tag"`, make's `$(IMAGE)`), replaced by the
    variable's last plain assignment in the same file (`tag=${ORG}/${name}:${VERSION}` above the
    line in a script, `IMAGE ?= org/tool` anywhere in a Makefile), else as it is."""
    m = ASSIGNED_RE.fullmatch(value)
    if not m:
        return value
    name = m.group(1) or m.group(2) or m.group(3)
    if m.group(2):  # make: variables are expanded when the rule runs, so any assignment counts
        found = re.findall(rf"^[ \t]*(?:export[ \t]+|override[ \t]+)?{name}[ \t]*[:?]?=[ \t]*(\S+)[ \t]*$", text, re.M)
    else:
        before = "\n".join(text.split("\n", line - 1)[:line - 1])
        found = re.findall(rf"^[ \t]*(?:local[ \t]+|export[ \t]+|readonly[ \t]+)?{name}=(\S+)[ \t]*$", before, re.M)
    return found[-1].strip("'\"") if found else value


def _mounts(volumes) -> tuple[list, list, list]:
    """A compose service's volumes: (bind mounts, the read-only ones among them, (source, target)
    of every mount, named volumes too)."""
    out, ro, targets = [], [], []
    for v in volumes if isinstance(volumes, list) else ():
        if isinstance(v, str):
            m = commands.parse_mount(v)
            if m:
                out.append(m)
                if commands.read_only(v):
                    ro.append(m)
            t = commands.mount_target(v)
            if t:
                targets.append(t)
        elif isinstance(v, dict):
            src, dst = v.get("source"), v.get("target")
            if not isinstance(dst, str):
                continue
            targets.append((src if isinstance(src, str) else "", dst))
            if v.get("type") == "bind" and isinstance(src, str):
                out.append((src, dst))
                if v.get("read_only") is True:
                    ro.append((src, dst))
    return out, ro, targets


def _compose(repo, rel, folder, text):
    keys = key_lines(text)
    for doc in _yaml(repo, rel, text):
        if not isinstance(doc, dict):
            continue
        services = doc.get("services")
        if not isinstance(services, dict):
            continue
        for name, svc in services.items():
            if not isinstance(svc, dict):
                continue
            line = (keys.get(str(name)) or [1])[0]
            build = svc.get("build")
            dockerfile = target = context = None
            if isinstance(build, str):
                dockerfile = _existing(repo, folder, build, "Dockerfile")
                context = repo.inside(os.path.normpath(os.path.join(folder, build)))
            elif isinstance(build, dict):
                ctx = build.get("context") if isinstance(build.get("context"), str) else "."
                df = build.get("dockerfile") if isinstance(build.get("dockerfile"), str) else "Dockerfile"
                dockerfile = _existing(repo, folder, ctx, df)
                context = repo.inside(os.path.normpath(os.path.join(folder, ctx)))
                target = build.get("target") if isinstance(build.get("target"), str) else None
            image = svc.get("image") if isinstance(svc.get("image"), str) else None
            if dockerfile and image:
                repo.builds.append(Build(dockerfile, Where(rel, line), tags=[image], target=target, image=True))
            if dockerfile is None and image is None:
                continue
            caps = svc.get("cap_add")
            command = svc.get("entrypoint") or svc.get("command") or ""
            user = svc.get("user")
            mounts, ro, targets = _mounts(svc.get("volumes"))
            devices = [(d.get("source") if isinstance(d, dict) else str(d).split(":", 1)[0])
                       for d in svc.get("devices") if isinstance(d, (str, dict))] \
                if isinstance(svc.get("devices"), list) else []
            mount_lines = {m: line_of(text, f"{m[0]}:{m[1]}", after=line) for m in mounts
                           if f"{m[0]}:{m[1]}" in text}
            mount_lines.update({(d, ""): line_of(text, d, after=line) for d in devices if isinstance(d, str) and d in text})
            repo.runs.append(Run("compose", Where(rel, line), image=image, dockerfile=dockerfile, target=target,
                                 user=str(user) if user is not None else None,
                                 privileged=svc.get("privileged") is True,
                                 caps=[str(c) for c in caps] if isinstance(caps, list) else [],
                                 mounts=mounts, mount_lines=mount_lines, read_only=ro, volume_targets=targets,
                                 context=context if dockerfile else None, folder=repo.inside(folder),
                                 workdir=svc.get("working_dir") if isinstance(svc.get("working_dir"), str) else None,
                                 ports=bool(svc.get("ports")),
                                 devices=[d for d in devices if isinstance(d, str) and d.startswith("/dev/")],
                                 command=" ".join(map(str, command)) if isinstance(command, list) else str(command)))


def _bake(repo, rel, folder, text):
    targets = []  # (name, context, dockerfile, tags, output, target, line, contexts)
    if rel.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError:
            repo.warn(f"{rel}: not valid JSON; not used")
            return
        for name, t in ((data.get("target") or {}).items() if isinstance(data, dict) else ()):
            if isinstance(t, dict):
                contexts = t.get("contexts") if isinstance(t.get("contexts"), dict) else {}
                args = t.get("args") if isinstance(t.get("args"), dict) else {}
                targets.append((name, t.get("context"), t.get("dockerfile"), t.get("tags") or [], t.get("output") or [],
                                t.get("target"), line_of(text, f'"{name}"'),
                                {k: v for k, v in contexts.items() if isinstance(k, str) and isinstance(v, str)},
                                {k: v for k, v in args.items() if isinstance(k, str) and isinstance(v, str)}))
    else:
        if not re.search(r'^\s*target\s+"', text, re.M):
            return  # another HCL file (a Packer template, a Nomad job)
        for m in re.finditer(r'^\s*target\s+"([^"]*)"\s*\{(.*?)^\s*\}', text, re.M | re.S):
            block = m.group(2)

            def one(key):
                v = re.search(rf'^\s*{key}\s*=\s*"([^"]*)"', block, re.M)
                return v and v.group(1)

            def many(key):
                v = re.search(rf"^\s*{key}\s*=\s*\[(.*?)\]", block, re.M | re.S)
                return re.findall(r'"([^"]*)"', v.group(1)) if v else []

            def pairs(key):
                v = re.search(rf"^\s*{key}\s*=\s*\{{([^}}]*)", block, re.M)  # the block may end at its `}`
                return dict(re.findall(r'"?([\w.-]+)"?\s*[=:]\s*"([^"]*)"', v.group(1))) if v else {}

            targets.append((m.group(1), one("context"), one("dockerfile"), many("tags"), many("output"), one("target"),
                            text.count("\n", 0, m.start(1)) + 1, pairs("contexts"), pairs("args")))
    dockerfiles = {}  # target name -> its Dockerfile's real path
    for name, ctx, df, tags, output, target, line, _contexts, args in targets:
        if not isinstance(tags, list) or not isinstance(output, list):
            continue
        # bake resolves paths from where it runs: the file's folder, or the root (`bake -f ci/build.hcl`)
        real = _existing(repo, folder, ctx or ".", df or "Dockerfile") or _existing(repo, repo.root, ctx or ".",
                                                                                      df or "Dockerfile")
        if real is None:
            continue
        dockerfiles[name] = real
        tags = [t for t in tags if isinstance(t, str)]
        output = [o for o in output if isinstance(o, str)]
        repo.builds.append(Build(real, Where(rel, line), tags=tags, target=target if isinstance(target, str) else None,
                                 outputs=output, image=bool(tags) or any(output_makes_image(o) for o in output),
                                 args=args))
    for name, *_rest, line, contexts, _args in targets:
        for ctx_name, value in contexts.items():
            # `contexts = { base = "target:base" }`: this target's `FROM base` is target base's image
            if value.startswith("target:") and value[7:] in dockerfiles and name in dockerfiles:
                repo.context_froms.append((dockerfiles[value[7:]], Where(rel, line), dockerfiles[name], ctx_name))


GO_TEMPLATE_RE = lazyre.compile(r"\{\{[^}]*\}\}")


def _goreleaser(repo, rel, folder, text):
    """GoReleaser's `dockers` (a `dockerfile` and its `image_templates`) and `dockers_v2` (a
    `dockerfile` and its `images`): the images a release pushes. Templates in a tag or a leading
    registry (`{{ .Env.REGISTRY }}/org/tool:{{ .Tag }}`) are dropped; a name still templated is not
    used."""
    if "docker" not in text:
        return
    keys = key_lines(text)
    for doc in _yaml(repo, rel, text):
        if not isinstance(doc, dict):
            continue
        project = doc.get("project_name") if isinstance(doc.get("project_name"), str) else (repo.names or ("",))[-1]
        for section, names_key in (("dockers", "image_templates"), ("dockers_v2", "images")):
            entries = doc.get(section)
            for i, e in enumerate(entries[:100] if isinstance(entries, list) else ()):
                if not isinstance(e, dict):
                    continue
                df = e.get("dockerfile") if isinstance(e.get("dockerfile"), str) else "Dockerfile"
                real = _existing(repo, folder, df)
                names = e.get(names_key)
                if real is None or not isinstance(names, list):
                    continue
                tags = []
                for n in names:
                    if not isinstance(n, str):
                        continue
                    n = re.sub(r"\{\{\s*\.ProjectName\s*\}\}", project, n.strip())
                    n = re.sub(r"^\{\{[^}]*\}\}/", "", n)
                    n = re.sub(r":[^/:]*\{\{.*$", "", n)
                    if n and not GO_TEMPLATE_RE.search(n):
                        tags.append(n)
                if tags:
                    line = line_of(text, e["dockerfile"]) if isinstance(e.get("dockerfile"), str) else \
                        (keys.get(section) or [1])[0]
                    repo.builds.append(Build(real, Where(rel, line), tags=tags, image=True))


def _workflow(repo, rel, text):
    """docker/build-push-action steps of a GitHub workflow (tags, outputs, push) and whether a job
    pushes one image per matrix entry."""
    if rel.endswith(".gitlab-ci.yml"):
        _gitlab(repo, rel, text)
        return
    if rel.startswith(".circleci/"):
        _circleci(repo, rel, text)
        return
    if posixpath.basename(rel) in STEP_CI_FILES or rel.startswith(".woodpecker/"):
        _step_images(repo, rel, text)
        return
    if ("build-push-action" not in text and "container:" not in text and "docker://" not in text
            and not ("matrix" in text and ("docker push" in text or "--push" in text))
            and not STEP_DOCKERFILE_RE.search(text)):
        return
    for doc in _yaml(repo, rel, text):
        jobs = doc.get("jobs") if isinstance(doc, dict) else None
        top_env = doc.get("env") if isinstance(doc, dict) and isinstance(doc.get("env"), dict) else {}
        for job in jobs.values() if isinstance(jobs, dict) else ():
            if not isinstance(job, dict):
                continue
            env = {**top_env, **(job["env"] if isinstance(job.get("env"), dict) else {})}
            env = {k: _github(v, repo) if isinstance(v, str) else v for k, v in env.items()}
            meta: dict = {}  # docker/metadata-action step id -> the image names it makes tags for
            suffixes: dict = {}  # step id -> the suffixes all its tags end with (None: some have none)
            container = job.get("container")
            image = container.get("image") if isinstance(container, dict) else container
            if isinstance(image, str) and image:
                repo.runs.append(Run("ci-job", Where(rel, line_of(text, image)), image=image))
            matrix = isinstance(job.get("strategy"), dict) and "matrix" in job["strategy"]
            for step in job.get("steps") or []:
                if not isinstance(step, dict):
                    continue
                uses = step.get("uses") if isinstance(step.get("uses"), str) else ""
                w = step.get("with") if isinstance(step.get("with"), dict) else {}
                run = step.get("run") if isinstance(step.get("run"), str) else ""
                pushes = (BUILD_PUSH_RE.match(uses) is not None and str(w.get("push")).lower() == "true"
                          ) or "docker push" in run or "--push" in run
                if matrix and pushes:
                    repo.publish_ci.append(Where(rel, line_of(text, uses or "push")))
                if uses.startswith("docker://"):
                    # a step run in the image, on the checkout the runner mounts as its working folder
                    repo.runs.append(Run("ci-job", Where(rel, line_of(text, uses)), image=uses[len("docker://"):]))
                    continue
                if uses.startswith("docker/metadata-action") and isinstance(step.get("id"), str):
                    meta[step["id"]] = [_github(i, repo) for i in _meta_images(w.get("images"), env)]
                    suffixes[step["id"]] = _meta_suffixes(w)
                    continue
                if not BUILD_PUSH_RE.match(uses):
                    build = _action_build(repo, rel, text, uses, w, env) if uses and w else None
                    if build:
                        repo.builds.append(build)
                    continue
                variants = _matrix_variants(job) if "matrix." in str(w) else [{}]
                seen = set()
                for var in variants or [{}]:
                    # the metadata step's image names take the same matrix entry as the build's inputs
                    named = {k: [_matrix(i, var) for i in v] for k, v in meta.items()}
                    build = _build_push(repo, rel, text, uses, {k: _matrix(v, var) for k, v in w.items()}, env, named,
                                        matrix, suffixes)
                    key = (build.dockerfile, tuple(build.tags), tuple(sorted(build.args.items()))) if build else None
                    if build and key not in seen:
                        seen.add(key)
                        repo.builds.append(build)


def _cloudbuild(repo, rel, folder, text):
    """Google Cloud Build steps run by the docker builder (`name: gcr.io/cloud-builders/docker`,
    `args: [build, -t, IMAGE, .]`, `dir:`): the command line its args make, from its folder."""
    import shlex

    for doc in _yaml(repo, rel, text):
        steps = doc.get("steps") if isinstance(doc, dict) else None
        for step in steps if isinstance(steps, list) else ():
            if not isinstance(step, dict) or not isinstance(step.get("name"), str) or "docker" not in step["name"]:
                continue
            args = step.get("args")
            if not isinstance(args, list) or not args or not all(isinstance(a, (str, int)) for a in args):
                continue
            args = [str(a) for a in args]
            if args[0] not in ("build", "run", "buildx"):
                continue
            sub = step.get("dir") if isinstance(step.get("dir"), str) else ""
            # `dir` is relative to the build's source folder: the cloudbuild file's, or the repository's
            cwds = tuple(os.path.join(base, sub) for base in (folder, repo.root)) + (folder, repo.root)
            line = line_of(text, step["name"])
            padded = "\n" * (line - 1) + "docker " + shlex.join(args) + "\n"
            _commands(repo, rel, padded, cwds)


def _matrix_variants(job: dict) -> list:
    """The entries of a job's `strategy.matrix.include` (plain values only), or one entry per
    value of a matrix that has a single key (at most 50)."""
    matrix = job["strategy"].get("matrix") if isinstance(job.get("strategy"), dict) else None
    if not isinstance(matrix, dict):
        return []
    include = matrix.get("include")
    if isinstance(include, list):
        return [{k: v for k, v in e.items() if isinstance(v, str)} for e in include[:50] if isinstance(e, dict)]
    keys = [k for k, v in matrix.items() if isinstance(v, list) and k != "exclude"]
    if len(keys) == 1:
        return [{keys[0]: v} for v in matrix[keys[0]][:50] if isinstance(v, str)]
    return []


MATRIX_REF_RE = lazyre.compile(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}")


def _matrix(value, variant: dict):
    if not isinstance(value, str) or not variant:
        return value
    return MATRIX_REF_RE.sub(lambda m: variant.get(m.group(1), m.group(0)), value)


def _build_push(repo, rel, text, uses, w, env, meta, matrix, suffixes=None) -> Build | None:
    """The build a docker/build-push-action step makes (None: its Dockerfile is not found)."""
    ctx = w.get("context") if isinstance(w.get("context"), str) else "."
    ctx = re.sub(r"^\$\{\{\s*github\.workspace\s*\}\}/?", "", ctx) or "."
    file = w.get("file") if isinstance(w.get("file"), str) else None
    if (file is None and "${{" in ctx) or (file and "${{" in file):
        return None
    real = _existing(repo, repo.root, file) if file else _existing(repo, repo.root, ctx, "Dockerfile")
    if real is None:
        return None
    tags = w.get("tags")
    tags = [t.strip() for t in (tags.replace(",", "\n").splitlines() if isinstance(tags, str) else
                                tags if isinstance(tags, list) else []) if isinstance(t, str) and t.strip()]
    tags = [_github(_env(t, env), repo) for t in tags]
    suffix = None
    for t in list(tags):
        m = META_TAGS_RE.fullmatch(t)
        if m and m.group(1) in meta:
            tags.remove(t)
            tags += meta[m.group(1)]
            suffix = (suffixes or {}).get(m.group(1))
    outputs = w.get("outputs")
    outputs = [o.strip() for o in (outputs.splitlines() if isinstance(outputs, str) else
                                   outputs if isinstance(outputs, list) else []) if isinstance(o, str)]
    for o in outputs:  # `type=image,name=org/app,push-by-digest=true`: the output names the image
        if output_makes_image(o):
            tags += [n for n in re.findall(r"(?:^|,)name=([^,\s]+)", o) if "${{" not in n]
    makes = (bool(tags) or str(w.get("push")).lower() == "true" or str(w.get("load")).lower() == "true"
             or any(output_makes_image(o) for o in outputs))
    args = w.get("build-args")
    args = dict(a.strip().partition("=")[::2] for a in (args.splitlines() if isinstance(args, str) else
                                                          args if isinstance(args, list) else [])
                if isinstance(a, str) and "=" in a)
    return Build(real, Where(rel, line_of(text, uses)), tags=tags,
                 target=w.get("target") if isinstance(w.get("target"), str) else None,
                 outputs=outputs, image=makes, matrix=matrix or any("matrix." in t for t in tags),
                 args={k: _github(_env(v, env), repo) for k, v in args.items()},
                 tag_suffixes=suffix if suffix and not any(":" in t.rsplit("/", 1)[-1] for t in tags) else None)


# docker/build-push-action and its drop-in forks (`org/build-push-action@v2`: the same inputs)
BUILD_PUSH_RE = lazyre.compile(r"^[\w.-]+/build-push-action(?:@|$)")
# another action that builds and pushes an image: given a Dockerfile (`file:`, `dockerfile:`) and
# the image's name (`repository:`, `image:`, `name:`...), as publish actions of the Marketplace are
STEP_DOCKERFILE_RE = lazyre.compile(r"^\s*(?:dockerfile|file|dockerfile[_-]path)\s*:\s*['\"]?[\w./-]*"
                                    r"(?:Dockerfile|Containerfile|\.dockerfile)", re.M | re.I)
ACTION_DOCKERFILE_INPUTS = ("dockerfile", "file", "dockerfile_path", "dockerfile-path", "Dockerfile")
ACTION_IMAGE_INPUTS = ("repository", "image", "image_name", "image-name", "name", "images")


def _action_build(repo, rel, text, uses, w, env) -> Build | None:
    """The image another action step builds: a `with:` naming one of the repository's Dockerfiles
    and the image's name (a plain name with an owner, `org/tool`; templated names are not used)."""
    df = next((w[k] for k in ACTION_DOCKERFILE_INPUTS if isinstance(w.get(k), str)), None)
    if not df or "${{" in df:
        return None
    ctx = w.get("context") if isinstance(w.get("context"), str) and "${{" not in w["context"] else "."
    real = _existing(repo, repo.root, df) or _existing(repo, repo.root, ctx, df)
    if real is None or repo.rel(real) not in repo.dockerfiles:
        return None
    tags = []
    for k in ACTION_IMAGE_INPUTS:
        v = w.get(k)
        for name in (v.replace(",", "\n").splitlines() if isinstance(v, str) else ()):
            name = _github(_env(name.strip(), env), repo)
            if "/" in name and "${{" not in name and image_path(name):
                tags.append(name)
    if not tags:
        return None
    return Build(real, Where(rel, line_of(text, uses)), tags=tags, image=True)


SUFFIX_RE = lazyre.compile(r"(?:^|,)\s*suffix=([^,\s]+)")


def _meta_suffixes(w: dict):
    """The suffixes every tag of a docker/metadata-action step ends with (`flavor: suffix=-web`, or
    `suffix=-web` on each `tags:` line), or None when some tag has none: a variant's tags
    (`app:1.2-web`, `app:nightly-web`) beside another Dockerfile's (`app:1.2-collector`)."""
    flavor = w.get("flavor") if isinstance(w.get("flavor"), str) else ""
    m = SUFFIX_RE.search(flavor.replace("\n", ","))
    default = m.group(1) if m else None
    if default and re.search(r"onlatest=false", flavor) and re.search(r"latest=(?:true|auto)", flavor):
        default = None  # `latest` itself then carries no suffix  (flavor latest defaults to auto)
    lines = [ln.strip() for ln in w["tags"].splitlines() if ln.strip()] if isinstance(w.get("tags"), str) else []
    out = set()
    for ln in lines or [""]:
        m = SUFFIX_RE.search(ln)
        if m or default:
            out.add(m.group(1) if m else default)
        else:
            return None
    return frozenset(out)


ENV_REF_RE = lazyre.compile(r"\$\{\{\s*env\.(\w+)\s*\}\}")
META_TAGS_RE = lazyre.compile(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.tags\s*\}\}")


def _env(value: str, env: dict) -> str:
    """`${{ env.NAME }}` replaced by the workflow's or job's plain value of NAME (else kept)."""
    def one(m):
        v = env.get(m.group(1))
        return v if isinstance(v, str) and "${{" not in v else m.group(0)

    return ENV_REF_RE.sub(one, value)


GITHUB_REPO_RE = lazyre.compile(r"\$\{\{\s*github\.(?:repository|event\.repository\.name)\s*\}\}")
GITHUB_OWNER_RE = lazyre.compile(r"\$\{\{\s*github\.repository_owner\s*\}\}/")


def _github(value: str, repo: Repository) -> str:
    """`${{ github.repository }}` (GitHub's publishing template: `ghcr.io/${{ github.repository }}`)
    as the repository's name, the owner left out (image names match on their last component)."""
    if "github." not in value or not repo.names:
        return value
    value = GITHUB_OWNER_RE.sub("", value)
    return GITHUB_REPO_RE.sub(lambda m: repo.names[-1], value)


def _meta_images(images, env: dict) -> list:
    """The image names of a docker/metadata-action step's `images:` (one a line or comma
    separated, each a name or `name=NAME,enable=...`)."""
    out = []
    for item in images.replace(",\n", "\n").splitlines() if isinstance(images, str) else ():
        item = item.strip()
        if item.startswith("name="):
            item = item.split(",", 1)[0][len("name="):]
        elif "," in item:
            out += [i.strip() for i in item.split(",") if i.strip() and "=" not in i]
            continue
        if item:
            out.append(_env(item, env))
    return out


def _circleci(repo, rel, text):
    """The job images of a CircleCI configuration: the first image of a job's (or an executor's)
    `docker:` list is the primary container its steps run in, on the checkout (`- checkout`);
    the others are services beside it (a database), not job images."""
    if "docker:" not in text or "image:" not in text:
        return
    for doc in _yaml(repo, rel, text):
        if not isinstance(doc, dict):
            continue
        for section in ("jobs", "executors"):
            entries = doc.get(section) if isinstance(doc.get(section), dict) else {}
            for job in entries.values():
                docker = job.get("docker") if isinstance(job, dict) else None
                first = docker[0] if isinstance(docker, list) and docker else None
                image = first.get("image") if isinstance(first, dict) else None
                if isinstance(image, str) and image:
                    repo.runs.append(Run("ci-job", Where(rel, line_of(text, image)), image=image))


# CI whose pipeline steps each run in an image of their own, on the checkout: Drone, Woodpecker, Bitbucket
STEP_CI_FILES = (".drone.yml", ".drone.yaml", ".woodpecker.yml", ".woodpecker.yaml", "bitbucket-pipelines.yml")


def _step_images(repo, rel, text):
    """The images the steps of a Drone, Woodpecker or Bitbucket pipeline run in: a mapping with an
    `image:` and the step's `commands:`/`script:` (a service beside them has none), and Bitbucket's
    default `image:` at the top."""
    if "image:" not in text:
        return

    def walk(node, depth=0):
        if depth > 12:
            return
        if isinstance(node, dict):
            image = node.get("image")
            image = image.get("name") if isinstance(image, dict) else image
            if isinstance(image, str) and image and ("commands" in node or "script" in node or
                                                     (depth == 0 and "pipelines" in node)):
                repo.runs.append(Run("ci-job", Where(rel, line_of(text, image)), image=image))
            for v in node.values():
                walk(v, depth + 1)
        elif isinstance(node, list):
            for v in node:
                walk(v, depth + 1)

    for doc in _yaml(repo, rel, text):
        walk(doc)


# Jenkins: `agent { docker { image 'NAME' } }`, `docker.image('NAME').inside`, and an agent built
# from a Dockerfile of the repository (`agent { dockerfile true }`, `dockerfile { filename 'ci/Dockerfile' dir 'x' }`)
JENKINS_IMAGE_RE = lazyre.compile(r"\bdocker\s*\{[^{}]*?\bimage\s+['\"]([^'\"\s]+)['\"]|\bdocker\.image\(\s*['\"]([^'\"\s]+)['\"]\s*\)\s*\.inside\b")
JENKINS_DOCKERFILE_RE = lazyre.compile(r"\bdockerfile\s*(?:true\b|\{([^{}]*)\})")


def _jenkins(repo, rel, folder, text):
    """The images a Jenkinsfile runs its stages in, on the workspace it checked out."""
    for m in JENKINS_IMAGE_RE.finditer(text):
        image = m.group(1) or m.group(2)
        repo.runs.append(Run("ci-job", Where(rel, text.count("\n", 0, m.start()) + 1), image=image))
    for m in JENKINS_DOCKERFILE_RE.finditer(text):
        body = m.group(1) or ""
        name = re.search(r"\bfilename\s+['\"]([^'\"]+)['\"]", body)
        sub = re.search(r"\bdir\s+['\"]([^'\"]+)['\"]", body)
        df = _existing(repo, folder, os.path.join(sub.group(1) if sub else "", name.group(1) if name else "Dockerfile"))
        if df is not None:
            repo.runs.append(Run("ci-job", Where(rel, text.count("\n", 0, m.start()) + 1), dockerfile=df))


def _precommit_hooks(repo, rel, text):
    """The hooks a repository offers to pre-commit (`.pre-commit-hooks.yaml`): `language: docker`
    builds the repository's root Dockerfile and `language: docker_image` runs the image its `entry`
    names; pre-commit runs either on the caller's checkout, mounted at /src as the working folder,
    with `-u` the caller's uid:gid."""
    root_df = _existing(repo, repo.root, "Dockerfile")
    for doc in _yaml(repo, rel, text):
        for hook in doc if isinstance(doc, list) else ():
            if not isinstance(hook, dict) or hook.get("language") not in ("docker", "docker_image"):
                continue
            entry = hook.get("entry") if isinstance(hook.get("entry"), str) else ""
            where = Where(rel, line_of(text, str(hook.get("id") or "language")))
            common = dict(mounts=[("$(pwd)", "/src")], workdir="/src", user="$(id -u):$(id -g)")
            if hook["language"] == "docker" and root_df is not None:
                repo.runs.append(Run("docker-run", where, dockerfile=root_df, command=entry, **common))
            elif hook["language"] == "docker_image":
                words = entry.split()
                i = 0
                while i < len(words) and words[i].startswith("-"):
                    i += 1 if "=" in words[i] else 2  # `--entrypoint /bin/tool` before the image
                if i < len(words):
                    repo.runs.append(Run("docker-run", where, image=words[i], command=" ".join(words[i + 1:]), **common))


def _gitlab(repo, rel, text):
    """The job images of a GitLab CI file: `image:` at the top, in `default:` or in a job (a name
    or `{name: ...}`)."""
    if "image:" not in text:
        return
    for doc in _yaml(repo, rel, text):
        if not isinstance(doc, dict):
            continue
        for key, job in [("", doc)] + list(doc.items()):
            image = job.get("image") if isinstance(job, dict) else None
            image = image.get("name") if isinstance(image, dict) else image
            if isinstance(image, str) and image and (key == "" or isinstance(job, dict)):
                repo.runs.append(Run("ci-job", Where(rel, line_of(text, image)), image=image))


CI_SNIPPET_RE = lazyre.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)


def _doc_ci_images(repo, rel, text):
    """Job images in the docs' CI configuration examples: a fenced block with `image: NAME` and a
    job's `script:` (GitLab) or `steps:` (GitHub)."""
    for block in CI_SNIPPET_RE.finditer(text):
        body = block.group(1)
        if not re.search(r"^\s*(?:script|steps|before_script):", body, re.M):
            continue
        for m in re.finditer(r"^\s*(?:image|name):\s*['\"]?([\w.:/@${}-]+)['\"]?\s*$", body, re.M):
            line = text.count("\n", 0, block.start(1) + m.start(1)) + 1
            repo.runs.append(Run("ci-job", Where(rel, line), image=m.group(1)))


def _pod_spec(doc: dict):
    kind = doc.get("kind")
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {} if isinstance(spec.get("jobTemplate"), dict) else {}
    tpl = spec.get("template") if isinstance(spec, dict) else None
    return tpl.get("spec") if isinstance(tpl, dict) and isinstance(tpl.get("spec"), dict) else None


def _kubernetes(repo, rel, text):
    for doc in _yaml(repo, rel, text):
        if not isinstance(doc, dict) or doc.get("kind") not in K8S_KINDS:
            continue
        pod = _pod_spec(doc)
        if not isinstance(pod, dict):
            continue
        psc = pod.get("securityContext") if isinstance(pod.get("securityContext"), dict) else {}
        host_paths = [v["hostPath"].get("path") for v in pod.get("volumes") or []
                      if isinstance(v, dict) and isinstance(v.get("hostPath"), dict)]
        by_name = {v.get("name"): v["hostPath"].get("path") for v in pod.get("volumes") or []
                   if isinstance(v, dict) and isinstance(v.get("hostPath"), dict)
                   and isinstance(v["hostPath"].get("path"), str)}
        # persistent volumes: a pod's claims, a StatefulSet's claim templates (volume name -> claim)
        persistent = {v.get("name"): v["persistentVolumeClaim"].get("claimName") or v.get("name")
                      for v in pod.get("volumes") or []
                      if isinstance(v, dict) and isinstance(v.get("persistentVolumeClaim"), dict)}
        templates = (doc.get("spec") or {}).get("volumeClaimTemplates") if isinstance(doc.get("spec"), dict) else None
        for t in templates if isinstance(templates, list) else ():
            name = (t.get("metadata") or {}).get("name") if isinstance(t, dict) and isinstance(t.get("metadata"), dict) else None
            if isinstance(name, str):
                persistent[name] = name
        inits = pod.get("initContainers") if isinstance(pod.get("initContainers"), list) else []
        for c in (pod.get("containers") if isinstance(pod.get("containers"), list) else []) + inits:
            if not isinstance(c, dict) or not isinstance(c.get("image"), str):
                continue
            csc = c.get("securityContext") if isinstance(c.get("securityContext"), dict) else {}

            def get(key):
                return csc[key] if key in csc else psc.get(key)

            caps = (csc.get("capabilities") or {}).get("add") if isinstance(csc.get("capabilities"), dict) else None
            mounts, ro = [], []  # hostPath volumes as bind mounts: (host path, mountPath)
            claims = []  # persistent volumes it may write: (claim, mountPath)
            for vm in c.get("volumeMounts") if isinstance(c.get("volumeMounts"), list) else ():
                if isinstance(vm, dict) and vm.get("name") in by_name and isinstance(vm.get("mountPath"), str):
                    m = (by_name[vm["name"]], vm["mountPath"])
                    mounts.append(m)
                    if vm.get("readOnly") is True:
                        ro.append(m)
                elif isinstance(vm, dict) and vm.get("name") in persistent and isinstance(vm.get("mountPath"), str) \
                        and vm.get("readOnly") is not True:
                    claims.append((persistent[vm["name"]], vm["mountPath"]))
            command = c.get("command") or []
            env = {e["name"]: str(e["value"]) for e in (c.get("env") if isinstance(c.get("env"), list) else ())
                   if isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("value"), (str, int))
                   and not isinstance(e.get("value"), bool)}
            ports = [p.get("containerPort") for p in (c.get("ports") if isinstance(c.get("ports"), list) else ())
                     if isinstance(p, dict)]
            repo.runs.append(Run("kubernetes", Where(rel, line_of(text, c["image"])), image=c["image"],
                                 env=env, container_ports=[n for n in map(_int, ports) if n is not None],
                                 low_ports_allowed=_low_ports_allowed(psc),
                                 run_as_user=_int(get("runAsUser")), run_as_group=_int(get("runAsGroup")),
                                 run_as_non_root=get("runAsNonRoot") if isinstance(get("runAsNonRoot"), bool) else None,
                                 fs_group=_int(psc.get("fsGroup")), privileged=csc.get("privileged") is True,
                                 caps=[str(x) for x in caps] if isinstance(caps, list) else [],
                                 host_paths=[h for h in host_paths if isinstance(h, str)],
                                 mounts=mounts, read_only=ro, claims=claims,
                                 init=any(c is i for i in inits),
                                 command=" ".join(map(str, command)) if isinstance(command, list) else ""))


def _low_ports_allowed(psc: dict) -> bool:
    """A pod's `securityContext.sysctls` sets net.ipv4.ip_unprivileged_port_start (as Docker does):
    a non-root process may bind a port below 1024."""
    sysctls = psc.get("sysctls") if isinstance(psc.get("sysctls"), list) else []
    return any(isinstance(s, dict) and s.get("name") == "net.ipv4.ip_unprivileged_port_start" for s in sysctls)


HELM_PORT_RE = lazyre.compile(r"^[\s-]*(?:containerPort|targetPort)\s*:\s*(\d+)\s*$", re.M)


def _find(data, key, budget=None):
    """Every value of `key` in nested data (bounded: the data is already a plain, bounded copy)."""
    if isinstance(data, dict):
        for k, v in data.items():
            if k == key:
                yield v
            yield from _find(v, key)
    elif isinstance(data, list):
        for v in data:
            yield from _find(v, key)


HELM_RE = lazyre.compile(r"^\s*(runAsUser|runAsGroup|fsGroup|runAsNonRoot|privileged)\s*:\s*(\w+)\s*$", re.M)


def _chart(repo, chart):
    """A Helm chart: the image repositories and security settings of values.yaml, and the literal
    settings of its templates (read as text: templates are not YAML until rendered)."""
    base = os.path.join(repo.root, chart)
    values_text = repo.read(os.path.join(base, "values.yaml")) or ""
    values = _yaml(repo, f"{chart}/values.yaml".lstrip("/"), values_text) if values_text else []
    data = values[0] if values and isinstance(values[0], dict) else {}
    settings: dict = {}
    for key in ("runAsUser", "runAsGroup", "fsGroup", "runAsNonRoot", "privileged"):
        for v in _find(data, key):
            settings.setdefault(key, v)
    tdir = os.path.join(base, "templates")
    ports = [n for n in map(_int, _find(data, "containerPort")) if n is not None]
    allowed = "net.ipv4.ip_unprivileged_port_start" in values_text
    claims: list = []
    optional = any(v is False for p in _find(data, "persistence") if isinstance(p, dict) for v in [p.get("enabled")])
    for name in repo.listing(tdir)[:40]:
        if name.endswith((".yaml", ".yml", ".tpl")):
            text = repo.read(os.path.join(tdir, name), quiet=True) or ""
            if not optional and ("persistentVolumeClaim:" in text or "volumeClaimTemplates:" in text):
                claims += _template_claims(text)
            ports += [int(m.group(1)) for m in HELM_PORT_RE.finditer(text)]
            allowed = allowed or "net.ipv4.ip_unprivileged_port_start" in text
            for m in HELM_RE.finditer(text):
                v = m.group(2)
                settings.setdefault(m.group(1), int(v) if v.isdigit() else v == "true" if v in ("true", "false") else None)
    images = [v for v in _find(data, "repository") if isinstance(v, str)]
    images += [v for v in _find(data, "image") if isinstance(v, str)]
    rel = f"{chart}/values.yaml".lstrip("/")
    if len(set(images)) > 1:
        claims = []  # (templates read as text do not say which of the chart's images mounts a claim)
    for image in images:
        repo.runs.append(Run("helm", Where(rel, line_of(values_text, image)), image=image,
                             run_as_user=_int(settings.get("runAsUser")), run_as_group=_int(settings.get("runAsGroup")),
                             run_as_non_root=settings.get("runAsNonRoot") if isinstance(settings.get("runAsNonRoot"), bool)
                             else None,
                             fs_group=_int(settings.get("fsGroup")), privileged=settings.get("privileged") is True,
                             container_ports=ports, low_ports_allowed=allowed, claims=list(claims)))


# a template's volumes that are claims (`- name: data` then `persistentVolumeClaim:`), the claim
# templates of a StatefulSet (`volumeClaimTemplates:` ... `name: data`), and its mounts
HELM_CLAIM_VOL_RE = lazyre.compile(r"-[ \t]*name:[ \t]*['\"]?([^\s'\"]+)['\"]?[ \t]*\n[ \t]*persistentVolumeClaim:")
HELM_TEMPLATE_RE = lazyre.compile(r"volumeClaimTemplates:\s*\n(?:[ \t]*-?[ \t]*metadata:\s*\n)?[ \t]*-?[ \t]*name:[ \t]*['\"]?([^\s'\"]+)")
HELM_MOUNT_RE = lazyre.compile(r"-[ \t]*name:[ \t]*['\"]?([^\s'\"]+)['\"]?[ \t]*\n[ \t]*mountPath:[ \t]*['\"]?(/[^\s'\"]*)"
                               r"|-[ \t]*mountPath:[ \t]*['\"]?(/[^\s'\"]*)['\"]?[ \t]*\n[ \t]*name:[ \t]*['\"]?([^\s'\"]+)")


def _template_claims(text: str) -> list:
    """(claim volume, mountPath) of the persistent volumes a Helm template mounts (read as text)."""
    names = {m.group(1) for m in HELM_CLAIM_VOL_RE.finditer(text)} | {m.group(1) for m in HELM_TEMPLATE_RE.finditer(text)}
    out = []
    for m in HELM_MOUNT_RE.finditer(text):
        name, path = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if name in names and (name, path) not in out:
            out.append((name, path))
    return out


def finish(repo: Repository) -> None:
    """Nothing left to join today; kept as the place where cross-file facts are settled."""
    return None
