"""A WSGI app for ``test_request_body.py``, served by a real gunicorn: it parses the request with
``parse_upload`` (the upload views' parser) and answers what it got as JSON, with the kind of body
reader used, so the tests can see that gunicorn's socket was read directly and that the connection
stays usable afterwards. ``GET /ping?x`` answers ``pong x``;
``?read-first`` reads ``request.body`` before parsing. Not a test module (no ``test_`` prefix)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "licensedesk.web.settings")
django.setup()

from django.core.handlers.wsgi import WSGIRequest  # noqa: E402

from licensedesk.web.materials import request_body, uploads  # noqa: E402
from licensedesk.web.materials.services import upload_limits  # noqa: E402

READERS: list[str] = []


def _recording_body_reader(request: Any) -> Any:
    reader = request_body.body_reader(request)
    READERS.append(type(reader).__name__)
    return reader


uploads.body_reader = _recording_body_reader  # type: ignore[assignment]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ["PATH_INFO"] == "/ping":
        pong = f"pong {environ.get('QUERY_STRING', '')}".strip().encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(pong)))])
        return [pong]
    request = WSGIRequest(environ)
    READERS.clear()
    if environ.get("QUERY_STRING") == "read-first":  # as a middleware reading request.body would
        assert request.body
    try:
        with uploads.parse_upload(request, limits=upload_limits()) as parsed:
            files = parsed.files.getlist("files")
            answer = {
                "reader": READERS[-1],
                "fields": {key: parsed.post.getlist(key) for key in parsed.post},
                "files": [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in files],
            }
        status = "200 OK"
    except Exception as exc:  # the test reads the kind of failure
        answer = {"error": type(exc).__name__, "reader": READERS[-1] if READERS else None}
        status = "400 Bad Request"
    body = json.dumps(answer).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
