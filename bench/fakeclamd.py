"""A stand-in for clamd on 127.0.0.1 speaking the INSTREAM protocol, for tests: it reads the chunks,
answers ``stream: OK`` — or ``stream: Eicar-Test-Signature FOUND`` when the stream contains the EICAR
test string — and counts what it received. Stops with :meth:`close`."""

from __future__ import annotations

import socket
import struct
import threading

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    def __init__(self, *, reply: bytes | None = None) -> None:
        self.reply = reply
        self.streams: list[int] = []  # bytes received per scan
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _read(self, conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            piece = conn.recv(n - len(data))
            if not piece:
                raise ConnectionError("client went away")
            data += piece
        return data

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                try:
                    command = self._read(conn, len(b"zINSTREAM\0"))
                    if command != b"zINSTREAM\0":
                        conn.sendall(b"UNKNOWN COMMAND\0")
                        continue
                    received, tail = 0, b""
                    infected = False
                    while True:
                        (length,) = struct.unpack("!L", self._read(conn, 4))
                        if length == 0:
                            break
                        chunk = self._read(conn, length)
                        received += length
                        infected = infected or EICAR in tail + chunk
                        tail = chunk[-len(EICAR) :]
                    self.streams.append(received)
                    if self.reply is not None:
                        conn.sendall(self.reply)
                    elif infected:
                        conn.sendall(b"stream: Eicar-Test-Signature FOUND\0")
                    else:
                        conn.sendall(b"stream: OK\0")
                except (ConnectionError, OSError):
                    continue

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(timeout=5)
