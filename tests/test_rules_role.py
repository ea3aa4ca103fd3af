"""Rules of the `role` family that look at the repository around the Dockerfile."""

from __future__ import annotations

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
