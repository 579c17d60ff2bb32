"""Small, real files of each kind the material uploads accept (PDF, JPEG, PNG, DOCX, XLSX, OFD), and a
PDF of any size written in chunks, for the upload tests and ``bench/upload.py``.

The PDF writer emits a valid file (cross-reference table with exact offsets) whose first page carries a
content stream of ``filler`` bytes: a 200 MB PDF costs 200 MB of disk and one chunk of memory.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

CHUNK = 1024 * 1024


def _pdf_parts(pages: int, filler: int) -> Iterator[bytes | int]:
    """The PDF as byte strings, with an int standing for that many filler bytes (a comment stream)."""
    yield b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects: list[bytes | tuple[bytes, int]] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
    ]
    content_id = 3 + pages
    for i in range(pages):
        contents = f" /Contents {content_id} 0 R" if i == 0 else ""
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]{contents} >>".encode())
    objects.append((f"<< /Length {filler} >>\nstream\n".encode(), filler))
    yield from _objects(objects)


def _objects(objects: list[bytes | tuple[bytes, int]]) -> Iterator[bytes | int]:
    offset = len(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(offset)
        head = f"{number} 0 obj\n".encode()
        if isinstance(obj, tuple):
            start, filler = obj
            tail = b"\nendstream\nendobj\n"
            yield head + start
            yield filler
            offset += len(head) + len(start) + filler + len(tail)
            yield tail
        else:
            body = head + obj + b"\nendobj\n"
            offset += len(body)
            yield body
    xref = [f"xref\n0 {len(objects) + 1}\n".encode(), b"0000000000 65535 f \n"]
    xref += [f"{o:010d} 00000 n \n".encode() for o in offsets]
    yield b"".join(xref)
    yield f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{offset}\n%%EOF\n".encode()


def write_pdf(out: IO[bytes], *, pages: int = 1, filler: int = 0) -> int:
    """Write a valid PDF to ``out``; ``filler`` bytes of content stream (``%`` comments) make it as big
    as wanted, written a megabyte at a time. Returns the size written."""
    written = 0
    block = (b"%" + b"0" * 62 + b"\n") * (CHUNK // 64)
    for part in _pdf_parts(pages, filler):
        if isinstance(part, int):
            left = part
            while left:
                piece = block[: min(left, len(block))]
                out.write(piece)
                left -= len(piece)
                written += len(piece)
        else:
            out.write(part)
            written += len(part)
    return written


def pdf_bytes(pages: int = 1, filler: int = 64) -> bytes:
    buffer = io.BytesIO()
    write_pdf(buffer, pages=pages, filler=filler)
    return buffer.getvalue()


def pdf_length(pages: int, filler: int) -> int:
    return sum(part if isinstance(part, int) else len(part) for part in _pdf_parts(pages, filler))


def pdf_file(path: Path, size: int, pages: int = 1) -> Path:
    """A PDF of about ``size`` bytes at ``path``, written a megabyte at a time."""
    with path.open("wb") as out:
        write_pdf(out, pages=pages, filler=max(0, size - pdf_length(pages, 0)))
    return path


def pdf_chunks(size: int, pages: int = 1) -> tuple[int, Iterator[bytes]]:
    """(exact length, chunks) of a PDF of about ``size`` bytes, generated on the fly."""
    filler = max(0, size - pdf_length(pages, 0))
    block = (b"%" + b"0" * 62 + b"\n") * (CHUNK // 64)

    def chunks() -> Iterator[bytes]:
        for part in _pdf_parts(pages, filler):
            if isinstance(part, int):
                left = part
                while left:
                    piece = block[: min(left, len(block))]
                    left -= len(piece)
                    yield piece
            else:
                yield part

    return pdf_length(pages, filler), chunks()


def encrypted_pdf_bytes() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _image(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    for x in range(0, size[0], 4):
        image.putpixel((x, x % size[1]), (0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    return _image("JPEG", size)


def png_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    return _image("PNG", size)


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width``×``height`` (data for one row only): a decompression bomb
    as far as the header goes."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))

    header = struct.pack("!IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\0" + b"\0" * min(width, 1024))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{main}"/></Types>'
)


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes(extra: dict[str, bytes] | None = None) -> bytes:
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return _zip(
        {
            "[Content_Types].xml": _CONTENT_TYPES.format(part="word/document.xml", main=main).encode(),
            "word/document.xml": "<w:document><w:body><w:p>公司概况</w:p></w:body></w:document>".encode(),
            **(extra or {}),
        }
    )


def xlsx_bytes() -> bytes:
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    return _zip(
        {
            "[Content_Types].xml": _CONTENT_TYPES.format(part="xl/workbook.xml", main=main).encode(),
            "xl/workbook.xml": b"<workbook><sheets/></workbook>",
        }
    )


def ofd_bytes() -> bytes:
    return _zip(
        {
            "OFD.xml": b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0"><ofd:DocBody/></ofd:OFD>',
            "Doc_0/Document.xml": b"<ofd:Document/>",
        }
    )


def zip_bomb_docx(expanded: int = 600 * 1024 * 1024) -> bytes:
    """A DOCX whose one extra member inflates ``expanded`` bytes of zeros (deflate ~1000:1), written in
    chunks so building it stays small in memory."""
    buffer = io.BytesIO()
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(part="word/document.xml", main=main))
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            zeros = b"\0" * CHUNK
            left = expanded
            while left:
                piece = zeros[: min(left, CHUNK)]
                member.write(piece)
                left -= len(piece)
    return buffer.getvalue()


def stream_of(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
