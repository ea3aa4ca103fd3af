"""fixer/ports.py: ports below 1024 that the program binds, each with the concrete change."""

from __future__ import annotations

from types import SimpleNamespace

from fixer import ports


def _an(env, base="mcr.microsoft.com/dotnet/aspnet:6.0"):
    return SimpleNamespace(chain=[], env=env, base_image=base)


def test_inherited_aspnetcore_urls_names_the_base_image():
    found = ports._env_findings(_an({"ASPNETCORE_URLS": "http://+:80"}))
    assert found == [(80, "base image mcr.microsoft.com/dotnet/aspnet:6.0 sets ASPNETCORE_URLS=http://+:80",
                      "add ENV ASPNETCORE_URLS=http://+:8080")]


def test_https_url_without_port_and_several_urls():
    found = ports._env_findings(_an({"ASPNETCORE_URLS": "https://+;http://+:5000"}))
    assert found == [(443, "base image mcr.microsoft.com/dotnet/aspnet:6.0 sets ASPNETCORE_URLS=https://+;http://+:5000",
                      "add ENV ASPNETCORE_URLS=https://+:8443;http://+:5000")]


def test_high_ports_and_client_ports_say_nothing():
    env = {"ASPNETCORE_HTTP_PORTS": "8080", "PORT": "3000", "SMTP_PORT": "25", "DB_PORT": "5432",
           "REDIS_PORT": "6379", "LDAP_PORT": "389"}
    assert ports._env_findings(_an(env)) == []


def test_program_options():
    f = ports._option_findings("line 9: CMD", "gunicorn -b :80 app:app")
    assert f == [(80, "line 9: CMD passes `-b :80`", "`-b :8080`")]
    f = ports._option_findings("line 9: CMD", "java -Dserver.port=80 -jar app.jar")
    assert f == [(80, "line 9: CMD passes `-Dserver.port=80`", "`-Dserver.port=8080`")]
    f = ports._option_findings("line 9: CMD", "python manage.py runserver 0.0.0.0:80")
    assert f == [(80, "line 9: CMD passes `runserver 0.0.0.0:80`", "`runserver 0.0.0.0:8080`")]
    assert ports._option_findings("x", "app --port 8080 --metrics-port=9090 --db-port 5432 -p 22") == []


def test_windows_images_have_no_privileged_ports(cli, tmp_path):
    import json

    df = tmp_path / "Dockerfile"
    df.write_text("FROM mcr.microsoft.com/dotnet/aspnet:8.0-windowsservercore-ltsc2022\nCOPY out/ /app/\n"
                  "ENV ASPNETCORE_URLS=http://+:80\nEXPOSE 80\nENTRYPOINT [\"dotnet\", \"C:\\\\app\\\\Web.dll\"]\n")
    code, out, err = cli(["--isolated", "--format", "json", "--check", df])
    rep = json.loads(out)[0]
    assert rep["changed"] and rep["family"] == "windows" and rep["user_after"] == "ContainerUser"
    assert rep["warnings"] == []
