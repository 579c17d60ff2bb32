"""Sample PDFs with active content (scripts, launch actions, embedded files), for the file-check tests.

Built with pypdf, except :func:`javascript_in_object_stream`, written by hand: pypdf does not write object
streams, and a script compressed inside one is what a raw byte scan cannot see.
"""

from __future__ import annotations

import io
import zlib

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

SCRIPT = "app.alert('licensedesk test');"


def _written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _one_page() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


def open_action_javascript() -> bytes:
    """A script run when the document opens (``/OpenAction`` → ``/S /JavaScript``)."""
    writer = _one_page()
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(SCRIPT)}
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _written(writer)


def launch_action() -> bytes:
    """A page that launches a program when opened (``/AA /O`` → ``/S /Launch``)."""
    writer = _one_page()
    launch = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
    )
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(launch)})
    return _written(writer)


def embedded_file() -> bytes:
    """A file attached to the document (``/Names /EmbeddedFiles``)."""
    writer = _one_page()
    writer.add_attachment("说明.exe", b"MZ\x90\x00 not really a program")
    return _written(writer)


def javascript_in_object_stream() -> bytes:
    """Every object but the two streams inside a Flate-compressed object stream, the catalog's
    ``/OpenAction`` a JavaScript action among them, and a cross-reference stream: the names are in no
    byte of the file as such."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        4: b"<< /S /JavaScript /JS (" + SCRIPT.encode() + b") >>",
    }
    body, offsets = b"", []
    for number, text in objects.items():
        offsets.append(f"{number} {len(body)}")
        body += text + b"\n"
    header = (" ".join(offsets) + "\n").encode()
    packed = zlib.compress(header + body)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    stream_offset = len(out)
    out += (
        f"5 0 obj\n<< /Type /ObjStm /N {len(objects)} /First {len(header)} /Filter /FlateDecode "
        f"/Length {len(packed)} >>\nstream\n"
    ).encode()
    out += packed + b"\nendstream\nendobj\n"
    xref_offset = len(out)
    rows = [b"\x00" + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")]
    rows += [b"\x02" + (5).to_bytes(4, "big") + i.to_bytes(2, "big") for i in range(len(objects))]
    rows += [b"\x01" + stream_offset.to_bytes(4, "big") + (0).to_bytes(2, "big")]
    rows += [b"\x01" + xref_offset.to_bytes(4, "big") + (0).to_bytes(2, "big")]
    table = zlib.compress(b"".join(rows))
    out += (
        f"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
        f"/Length {len(table)} >>\nstream\n"
    ).encode()
    out += table + b"\nendstream\nendobj\n"
    out += f"startxref\n{xref_offset}\n%%EOF\n".encode()
    return bytes(out)
