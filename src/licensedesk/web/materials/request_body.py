"""Reading a request body into buffers the caller owns and reuses.

Why: an upload's bytes pass through every layer between the socket and our parser, and each layer
copies them. Behind gunicorn, ``wsgi.input.read()`` goes through two ``BytesIO`` buffers (gunicorn's
``Unreader`` and ``Body``) and hands back a new ``bytes`` object per read: five to six copies of every
byte and 200 freshly allocated (page-faulted) megabytes for a 200 MB file. That measured 0.1–0.6 s for
200 MB on this machine where ``recv_into`` a reused buffer takes 0.08–0.13 s — the difference is most of
an upload's time.

So when the request is served by gunicorn with a ``Content-Length`` body, :func:`body_reader` reads it
straight from the connection (``environ["gunicorn.socket"]``):

* it first takes what gunicorn already read ahead with the headers, and gives back to gunicorn any
  part of that, or of the body's last TLS record, that lies past the body (a pipelined request);
* after every read it sets gunicorn's count of the body bytes not yet read, so if the request fails
  half way gunicorn drains a short rest before the next request on the connection and closes the
  connection after a long one — the rest of a body is never read as a request.

Any other server, a chunked body, a body something already began to read, or a gunicorn whose
internals do not look as expected gets :class:`StreamReader` over ``wsgi.input`` (one copy more,
nothing else changes).
"""

from __future__ import annotations

import socket
import ssl
from typing import Any, Protocol

from django.http import HttpRequest
from django.http.request import UnreadablePostError

_WAITALL = getattr(socket, "MSG_WAITALL", 0)


class BodyReader(Protocol):
    """Fills the start of a buffer with the next bytes of the body; 0 at its end."""

    def readinto(self, buffer: memoryview) -> int: ...


class StreamReader:
    """Any WSGI server: ``request.read()`` (Django's stream, limited to ``Content-Length``), copied in."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def readinto(self, buffer: memoryview) -> int:
        data = self.request.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class GunicornReader:
    """gunicorn with a ``Content-Length`` body: ``recv_into`` the caller's buffer from the connection."""

    def __init__(self, sock: Any, length_reader: Any, buffered: bytes) -> None:
        self.sock = sock
        self.tls = isinstance(sock, ssl.SSLSocket)
        # MSG_WAITALL: a blocking socket (gunicorn's gthread worker) fills the buffer in one call instead
        # of one call per segment that arrived, each dropping and retaking the GIL. TLS sockets take no
        # flags (gunicorn with --certfile).
        self.flags = 0 if self.tls else _WAITALL
        self.length_reader = length_reader  # gunicorn's LengthReader: .length = body bytes not yet read
        self.buffered = memoryview(buffered)

    def readinto(self, buffer: memoryview) -> int:
        remaining = self.length_reader.length
        if not remaining:
            return 0
        wanted = min(len(buffer), remaining)
        if self.buffered:
            count = min(wanted, len(self.buffered))
            buffer[:count] = self.buffered[:count]
            self.buffered = self.buffered[count:]
        else:
            count = self.sock.recv_into(buffer, wanted, self.flags)
            if not count:
                raise UnreadablePostError("the client closed the connection before the end of the body")
        self.length_reader.length = remaining - count
        if self.tls and not self.length_reader.length and (pending := self.sock.pending()):
            # TLS decrypts whole records: the start of a pipelined request may sit decrypted in the
            # TLS object, where gunicorn's poller cannot see it. Hand it to gunicorn, which serves a
            # connection with buffered bytes at once (as after its own read past a body's end).
            self.length_reader.unreader.unread(self.sock.recv(pending))
        return count


def body_reader(request: HttpRequest) -> BodyReader:
    """The fastest reader for this request's body (see the module docstring)."""
    reader = _gunicorn_reader(request)
    return reader if reader is not None else StreamReader(request)


def _gunicorn_reader(request: HttpRequest) -> GunicornReader | None:
    environ = request.META
    sock = environ.get("gunicorn.socket")
    if sock is None or getattr(request, "_read_started", False):
        return None
    try:
        from gunicorn.http.body import Body, LengthReader
    except ImportError:  # pragma: no cover - gunicorn is a dependency; another server may set the key
        return None
    body = environ.get("wsgi.input")
    if not isinstance(body, Body) or not isinstance(body.reader, LengthReader):
        return None  # chunked or read-to-EOF bodies: gunicorn's own reader
    unreader = getattr(body.reader, "unreader", None)
    if body.buf.tell() or not hasattr(unreader, "take_buffered") or not hasattr(unreader, "unread"):
        return None  # something read the body already, or a gunicorn unlike the one this was written for
    length_reader = body.reader
    ahead = unreader.take_buffered()
    if len(ahead) > length_reader.length:  # the start of a pipelined request: gunicorn keeps it
        unreader.unread(ahead[length_reader.length :])
        ahead = ahead[: length_reader.length]
    request._read_started = True  # type: ignore[attr-defined]  # as request.read() would: no second reader
    return GunicornReader(sock, length_reader, ahead)
