"""The folders a program's framework writes inside its working folder (fixer/rundirs.py): what the
fixture pairs (fixtures/writable-node-*, -next-*, -mix-*, -elixir-*, -rails-*, -laravel-*,
-django-static-*) do not show: the project files are read only inside the build context, a
malformed one changes nothing, and the settings' values are read as Django writes them."""

from __future__ import annotations

import json
import os

from fixer import pipeline, rundirs
from fixer.plan import Options

NODE_DEV = (b"FROM node:20-alpine\nWORKDIR /usr/src/app\nCOPY package.json ./\nRUN npm install\nCOPY . .\n"
            b'CMD ["npm", "start"]\n')


def fix(folder, data: bytes):
    path = os.path.join(folder, "Dockerfile")
    with open(path, "wb") as f:
        f.write(data)
    return pipeline.fix(data, Options(), context=str(folder), path=path)


def test_a_development_server_gets_its_cache(tmp_path):
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"start": "vite --host 0.0.0.0"}}))
    out = fix(tmp_path, NODE_DEV).output.decode()
    assert "chown -R 1000:1000 /usr/src/app/node_modules/.vite" in out, out


def test_a_package_json_outside_the_context_is_not_read(tmp_path):
    """A symlink out of the build context (a hostile repository) is never followed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "package.json").write_text(json.dumps({"scripts": {"start": "react-scripts start"}}))
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "package.json").symlink_to(outside / "package.json")
    result = fix(ctx, NODE_DEV)
    assert result.changed
    assert "node_modules/.cache" not in result.output.decode()


def test_a_malformed_package_json_changes_nothing(tmp_path):
    for text in ("{not json", json.dumps({"scripts": ["react-scripts start"]}), json.dumps([1, 2])):
        (tmp_path / "package.json").write_text(text)
        result = fix(tmp_path, NODE_DEV)
        assert result.changed and "node_modules/.cache" not in result.output.decode(), text


def test_no_install_in_the_working_folder_no_cache(tmp_path):
    """The development server's cache is handed over only with a node_modules the build installed
    there (without one the working folder, handed over, is enough)."""
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"start": "react-scripts start"}}))
    data = NODE_DEV.replace(b"RUN npm install\n", b"")
    assert "node_modules" not in fix(tmp_path, data).output.decode()


def test_a_system_working_folder_hands_nothing(tmp_path):
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"start": "react-scripts start"}}))
    result = fix(tmp_path, NODE_DEV.replace(b"/usr/src/app", b"/usr/local/bin"))
    assert "node_modules" not in result.output.decode()


def test_django_settings_values():
    assert rundirs._django_folder('BASE_DIR / "staticfiles"', "/app") == "/app/staticfiles"
    assert rundirs._django_folder("os.path.join(BASE_DIR, 'media')", "/srv/site") == "/srv/site/media"
    assert rundirs._django_folder("'/var/www/static'", "/app") == "/var/www/static"
    assert rundirs._django_folder("os.environ['STATIC_ROOT']", "/app") is None
    assert rundirs._django_folder('BASE_DIR / "../static"', "/app") is None


def test_a_file_copied_into_the_working_folder_without_a_slash(tmp_path):
    """`COPY package.json .` puts the file in the working folder as `./` does."""
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"start": "react-scripts start"}}))
    out = fix(tmp_path, NODE_DEV.replace(b"COPY package.json ./", b"COPY package.json .")).output.decode()
    assert "chown -R 1000:1000 /usr/src/app/node_modules/.cache" in out, out


def test_a_flask_instance_folder_the_build_fills(tmp_path):
    """`flask init-db` at build time leaves instance/app.db root's: the folder goes over with it."""
    data = (b"FROM python:3.12-slim\nWORKDIR /srv/notes\nCOPY . .\nRUN pip install -r requirements.txt && "
            b"mkdir -p instance && flask --app notes init-db\nCMD [\"gunicorn\", \"notes:app\"]\n")
    out = fix(tmp_path, data).output.decode()
    assert "chown -R 10001:10001 /srv/notes/instance" in out, out


def test_a_project_at_the_repository_root_built_with_f(tmp_path):
    """`docker build -f deploy/Dockerfile .`: the Dockerfile's folder holds no project, the
    repository root does (its settings are read from there, and named in the reason)."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "manage.py").write_text("import django\n")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "settings.py").write_text('import os\nSTATIC_ROOT = os.path.join(BASE_DIR, "collected")\n')
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    data = (b"FROM python:3.12-slim\nWORKDIR /srv/shop\nCOPY . .\nRUN pip install django gunicorn\n"
            b'CMD ["sh", "-c", "python manage.py collectstatic --noinput && gunicorn shop.wsgi"]\n')
    result = fix(deploy, data)
    assert "chown -R 10001:10001 /srv/shop/collected" in result.output.decode(), result.output.decode()
    assert any(r.startswith("shop/settings.py:2: STATIC_ROOT") for r in result.reasons), result.reasons


def test_collectstatic_into_a_folder_the_build_made(tmp_path):
    """STATIC_ROOT from the environment: the folder the build made for it goes over."""
    (tmp_path / "manage.py").write_text("import django\n")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "settings.py").write_text('import os\nSTATIC_ROOT = os.environ["STATIC_ROOT"]\n')
    (tmp_path / "start.sh").write_text("#!/bin/sh\npython manage.py migrate\npython manage.py collectstatic --noinput\n"
                                       "exec gunicorn site.wsgi\n")
    data = (b"FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install django gunicorn && mkdir -p /app/static\n"
            b"ENV STATIC_ROOT=/app/static\nENTRYPOINT [\"sh\", \"start.sh\"]\n")
    result = fix(tmp_path, data)
    assert "chown -R 10001:10001 /app/static" in result.output.decode(), result.output.decode()
    assert any("start.sh:3 collects Django's static files" in r for r in result.reasons), result.reasons
