"""The nginx configuration renderer (``deploy/nginx.py``): every placeholder filled, the values
checked so a command-line value cannot add a directive, and the result accepted by Debian's nginx
(``nginx -t``). The configuration at work is in ``test_behind_nginx.py``."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from licensedesk.deploy.nginx import PLACEHOLDER, ConfigValueError, NginxSite, render_nginx_config

from .nginx_process import nginx_binary, self_signed_certificate, write_main_config

SITE = NginxSite(
    server_name="licensedesk.example.cn www.licensedesk.example.cn",
    upstream="127.0.0.1:8000",
    cert="/etc/ssl/licensedesk/fullchain.pem",
    key="/etc/ssl/licensedesk/privkey.pem",
    static_root="/srv/licensedesk/var/static/",
    max_body_mb=257,
)


def test_every_placeholder_is_filled_and_nginx_variables_are_kept() -> None:
    config = render_nginx_config(SITE)
    assert not PLACEHOLDER.search(config)
    assert "server 127.0.0.1:8000;" in config
    assert "server_name licensedesk.example.cn www.licensedesk.example.cn;" in config
    assert "ssl_certificate /etc/ssl/licensedesk/fullchain.pem;" in config
    assert "ssl_certificate_key /etc/ssl/licensedesk/privkey.pem;" in config
    assert "alias /srv/licensedesk/var/static/;" in config
    assert "client_max_body_size 257m;" in config
    assert 'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;' in config
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in config
    assert re.findall(r"^    listen (.*);$", config, re.M) == [
        "80",
        "[::]:80",
        "443 ssl http2",
        "[::]:443 ssl http2",
    ]
    assert "return 301 https://$host$request_uri;" in config  # nginx's own variables pass through
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in config
    for directive in ("proxy_request_buffering on;", "proxy_buffering on;", "client_header_timeout 10s;"):
        assert directive in config


def test_a_unix_socket_upstream_other_ports_and_listen_addresses() -> None:
    config = render_nginx_config(
        replace(
            SITE,
            upstream="unix:/run/licensedesk/gunicorn.sock",
            https_port=8443,
            http_port=8080,
            listen=("127.0.0.1",),
        )
    )
    assert "server unix:/run/licensedesk/gunicorn.sock;" in config
    assert re.findall(r"^    listen (.*);$", config, re.M) == ["127.0.0.1:8080", "127.0.0.1:8443 ssl http2"]
    assert "return 301 https://$host:8443$request_uri;" in config


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"server_name": "a.cn; include /etc/passwd"}, "server_name: not a plain name, address or path"),
        ({"server_name": " "}, "server_name: empty"),
        ({"upstream": "127.0.0.1"}, "upstream: expected HOST:PORT or unix:/PATH"),
        ({"upstream": "127.0.0.1:8000;}"}, "upstream: expected HOST:PORT or unix:/PATH"),
        ({"upstream": "unix:relative.sock"}, "upstream: must be an absolute path"),
        ({"cert": "certs/fullchain.pem"}, "cert: must be an absolute path"),
        ({"key": "/etc/ssl/key.pem\n    ssl_verify_client off"}, "key: not a plain name, address or path"),
        ({"static_root": "/srv/static{"}, "static_root: not a plain name, address or path"),
        ({"max_body_mb": 0}, "max_body_mb: must be at least 1"),
        ({"https_port": 70000}, "https_port: not a port number"),
        ({"listen": ("localhost",)}, "listen: not an IP address"),
    ],
)
def test_unsafe_values_are_refused_by_name(change: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigValueError, match=re.escape(message)):
        render_nginx_config(replace(SITE, **change))  # type: ignore[arg-type]


def test_debian_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    site = replace(SITE, cert=str(cert), key=str(key), static_root=str(tmp_path / "static"))
    main = write_main_config(tmp_path, render_nginx_config(site))
    checked = subprocess.run(
        [nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(main), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr
