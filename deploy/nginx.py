"""Run the shipped nginx configuration as an ordinary user: for the proxy test, the benchmarks, or
to try the proxy locally.

    .venv/bin/python -m deploy.nginx --app 127.0.0.1:8000 --listen 8080 --folder /tmp/blog-nginx

writes ``nginx.conf`` in that folder (loopback port, every path inside the folder) and prints
the command that starts nginx with it.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

_MAIN = """{user}worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {access_log};
    sendfile on;
    keepalive_requests 100000;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/blog.conf;
{extra}}}
"""


def render_site(*, listen: str, app: str, media_root: str, cache_dir: str, server_name: str = "_",
                root: str = str(PROJECT_ROOT)) -> str:
    """The shipped template with its placeholders filled in (what ``envsubst`` does in production)."""
    text = TEMPLATE.read_text()
    values = {"BLOG_LISTEN": listen, "BLOG_SERVER_NAME": server_name, "BLOG_APP": app, "BLOG_ROOT": root,
              "BLOG_MEDIA_ROOT": media_root, "BLOG_CACHE_DIR": cache_dir}
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    return text


def write_config(folder: Path, *, listen: int, app: str, media_root: str, access_log: bool = True,
                 extra: str = "") -> Path:
    """A complete nginx.conf in ``folder`` for a non-root nginx on ``127.0.0.1:listen``; ``extra``
    is added inside ``http { }`` (the benchmark adds a static-file server there)."""
    folder.mkdir(parents=True, exist_ok=True)
    site = render_site(listen=f"127.0.0.1:{listen}", app=app, media_root=media_root,
                       cache_dir=str(folder / "cache"))
    (folder / "blog.conf").write_text(site)
    config = folder / "nginx.conf"
    # Started by root, nginx's workers would run as "nobody" and could not read a private temp folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    config.write_text(_MAIN.format(folder=folder, extra=extra, user=user,
                                   access_log=f"{folder}/access.log" if access_log else "off"))
    return config


def command(config: Path) -> list[str]:
    return [NGINX, "-e", str(config.parent / "error.log"), "-p", str(config.parent), "-c", str(config)]


def start(config: Path) -> subprocess.Popen:
    """nginx in the foreground as a child process (stop it with ``terminate()``)."""
    check = subprocess.run([*command(config), "-t"], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(check.stderr)
    return subprocess.Popen(command(config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", default="127.0.0.1:8000", help="gunicorn's address")
    parser.add_argument("--listen", type=int, default=8080)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/blog-nginx"))
    parser.add_argument("--media-root", default=str(PROJECT_ROOT / "instance" / "media"))
    args = parser.parse_args()
    config = write_config(args.folder.resolve(), listen=args.listen, app=args.app, media_root=args.media_root)
    print(" ".join(command(config)))


if __name__ == "__main__":
    main()
