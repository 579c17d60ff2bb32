"""The clamd INSTREAM client against a fake clamd on 127.0.0.1 (the real protocol, in chunks)."""

from __future__ import annotations

import io
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.fakeclamd import EICAR, FakeClamd  # noqa: E402

from licensedesk.core.virusscan import Clamd, ScannerError  # noqa: E402


@pytest.fixture
def clamd() -> object:
    server = FakeClamd()
    yield server
    server.close()


def test_clean_and_infected_streams(clamd: FakeClamd) -> None:
    client = Clamd(host="127.0.0.1", port=clamd.port, timeout=5)
    data = b"%PDF-1.7 " + b"x" * 700_000
    assert not client.scan(io.BytesIO(data), chunk_size=65536).infected
    result = client.scan(io.BytesIO(b"prefix " + EICAR + b" suffix"))
    assert result.infected and result.signature == "Eicar-Test-Signature"
    assert clamd.streams == [len(data), len(EICAR) + 14]


def test_an_error_reply_and_an_unreachable_daemon_are_errors() -> None:
    server = FakeClamd(reply=b"INSTREAM size limit exceeded. ERROR\0")
    try:
        with pytest.raises(ScannerError, match=r"INSTREAM size limit exceeded\. ERROR"):
            Clamd(host="127.0.0.1", port=server.port, timeout=5).scan(io.BytesIO(b"data"))
    finally:
        server.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    with pytest.raises(ScannerError, match="clamd unreachable"):
        Clamd(host="127.0.0.1", port=free, timeout=2).scan(io.BytesIO(b"data"))
