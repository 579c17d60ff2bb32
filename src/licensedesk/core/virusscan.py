"""A small client for ClamAV's daemon (clamd) speaking the INSTREAM command over a Unix or TCP socket.

Why not the ``clamd`` package: it is unmaintained, and INSTREAM is a dozen lines — ``zINSTREAM\\0``,
then chunks each prefixed with its length as a 4-byte big-endian integer, a zero-length chunk to end,
and one reply: ``stream: OK``, ``stream: <signature> FOUND`` or ``<reason> ERROR``.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import IO

CHUNK_SIZE = 256 * 1024


@dataclass(frozen=True)
class ScanResult:
    infected: bool
    signature: str = ""


class ScannerError(Exception):
    """clamd could not be reached or could not scan the stream (the reply says why)."""


@dataclass(frozen=True)
class Clamd:
    """Where clamd listens: a Unix socket path, or a TCP host and port."""

    socket_path: str | None = None
    host: str | None = None
    port: int = 3310
    timeout: float = 60.0

    def _connect(self) -> socket.socket:
        if self.socket_path:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            sock.connect(self.socket_path)
            return sock
        if not self.host:
            raise ScannerError("clamd is not configured (no socket path or host)")
        return socket.create_connection((self.host, self.port), timeout=self.timeout)

    def scan(self, stream: IO[bytes], chunk_size: int = CHUNK_SIZE) -> ScanResult:
        """Send ``stream`` (from its start) to clamd and return its verdict; :class:`ScannerError` when
        clamd cannot be reached or answers with an error (a size limit, for instance)."""
        stream.seek(0)
        try:
            with self._connect() as sock:
                sock.sendall(b"zINSTREAM\0")
                while chunk := stream.read(chunk_size):
                    sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                sock.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    data = sock.recv(4096)
                    if not data:
                        break
                    reply += data
        except OSError as exc:
            raise ScannerError(f"clamd unreachable: {exc}") from None
        finally:
            stream.seek(0)
        text = reply.rstrip(b"\0").decode("utf-8", errors="replace").strip()
        if text.endswith("FOUND"):
            signature = text.removeprefix("stream:").removesuffix("FOUND").strip()
            return ScanResult(infected=True, signature=signature)
        if text.endswith("OK"):
            return ScanResult(infected=False)
        raise ScannerError(text or "clamd closed the connection without an answer")
