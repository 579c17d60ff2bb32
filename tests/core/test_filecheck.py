"""The file checks judge files by their bytes: every kind accepted when whole, and the hostile corpus
refused, each with its exact bilingual message naming the file."""

from __future__ import annotations

import io
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` (with the sample-file builders) lives at the repository root
    sys.path.insert(0, str(ROOT))

from bench import active_pdfs  # noqa: E402
from bench import samplefiles as sf  # noqa: E402
from licensedesk.core import filecheck  # noqa: E402
from licensedesk.core.filecheck import (  # noqa: E402
    DEFAULT_LIMITS,
    FileRejected,
    Limits,
    check_file_name,
    hash_file,
    inspect_file,
    pdf_active_content,
)


def _inspect(data: bytes, name: str, **kwargs: object) -> object:
    return inspect_file(io.BytesIO(data), name=name, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "build", "kind", "details"),
    [
        ("营业执照副本.pdf", lambda: sf.pdf_bytes(pages=3), "pdf", {"pages": 3}),
        ("扫描件.JPG", lambda: sf.jpeg_bytes((64, 48)), "jpeg", {"width": 64, "height": 48}),
        ("scan.jpeg", lambda: sf.jpeg_bytes((64, 48)), "jpeg", {"width": 64, "height": 48}),
        ("公章.png", lambda: sf.png_bytes((30, 20)), "png", {"width": 30, "height": 20}),
        ("公司概况.docx", sf.docx_bytes, "docx", {"members": 2}),
        ("财务报表.xlsx", sf.xlsx_bytes, "xlsx", {"members": 2}),
        ("电子营业执照.ofd", sf.ofd_bytes, "ofd", {"members": 2}),
    ],
)
def test_whole_files_of_every_kind_pass(
    name: str, build: Callable[[], bytes], kind: str, details: dict[str, int]
) -> None:
    data = build()
    report = _inspect(data, name)
    assert report.kind == kind  # type: ignore[attr-defined]
    assert report.name == name  # type: ignore[attr-defined]
    assert report.size == len(data)  # type: ignore[attr-defined]
    assert report.sha256 == __import__("hashlib").sha256(data).hexdigest()  # type: ignore[attr-defined]
    assert details.items() <= report.details.items()  # type: ignore[attr-defined]


HOSTILE = [
    (
        "empty",
        "空.pdf",
        lambda: b"",
        "upload.empty",
        "The file “空.pdf” is empty.",
        "文件“空.pdf”为空文件。",
    ),
    (
        "text named pdf",
        "a.pdf",
        lambda: b"hello, world",
        "upload.unsupported_type",
        "The file “a.pdf” is not a PDF, JPEG, PNG, DOCX, XLSX or OFD file (judged from its content).",
        "文件“a.pdf”不是 PDF、JPEG、PNG、DOCX、XLSX 或 OFD 文件（按文件内容判断）。",
    ),
    (
        "png named pdf",
        "营业执照.pdf",
        sf.png_bytes,
        "upload.type_mismatch",
        "The file “营业执照.pdf” is named as PDF but its content is PNG; rename it or upload the right file.",
        "文件“营业执照.pdf”的扩展名表示 PDF 格式，但其内容为 PNG 格式，请更正文件名或上传正确的文件。",
    ),
    (
        "encrypted pdf",
        "加密.pdf",
        sf.encrypted_pdf_bytes,
        "upload.pdf_encrypted",
        "The PDF “加密.pdf” is encrypted or password-protected; upload it without a password.",
        "PDF 文件“加密.pdf”已加密或设有密码，请上传未加密的文件。",
    ),
    (
        "broken pdf",
        "broken.pdf",
        lambda: b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R",
        "upload.pdf_broken",
        "The PDF “broken.pdf” is damaged and cannot be read.",
        "PDF 文件“broken.pdf”已损坏，无法读取。",
    ),
    (
        "truncated pdf",
        "cut.pdf",
        lambda: sf.pdf_bytes()[:-70],
        "upload.pdf_broken",
        "The PDF “cut.pdf” is damaged and cannot be read.",
        "PDF 文件“cut.pdf”已损坏，无法读取。",
    ),
    (
        "pdf without pages",
        "blank.pdf",
        lambda: sf.pdf_bytes(pages=0),
        "upload.pdf_no_pages",
        "The PDF “blank.pdf” has no pages.",
        "PDF 文件“blank.pdf”没有页面。",
    ),
    (
        "truncated jpeg",
        "cut.jpg",
        lambda: sf.jpeg_bytes((400, 300))[:-300],
        "upload.image_broken",
        "The image “cut.jpg” is damaged or incomplete.",
        "图片“cut.jpg”已损坏或不完整。",
    ),
    (
        "truncated png",
        "cut.png",
        lambda: sf.png_bytes()[:-30],
        "upload.image_broken",
        "The image “cut.png” is damaged or incomplete.",
        "图片“cut.png”已损坏或不完整。",
    ),
    (
        "decompression bomb png",
        "bomb.png",
        lambda: sf.png_declaring(30000, 30000),
        "upload.image_too_many_pixels",
        "The image “bomb.png” is 30000×30000 pixels; at most 50 million pixels are accepted.",
        "图片“bomb.png”为 30000×30000 像素，最多接受 50 百万像素。",
    ),
    (
        "zip bomb docx",
        "bomb.docx",
        sf.zip_bomb_docx,
        "upload.zip_bomb",
        "The file “bomb.docx” expands to far more than its size (600.0 MB uncompressed); it is refused as a "
        "possible zip bomb.",
        "文件“bomb.docx”解压后体积异常（解压后 600.0 MB），疑似“压缩炸弹”，不予接收。",
    ),
    (
        "docx without document.xml",
        "hollow.docx",
        lambda: sf._zip({"[Content_Types].xml": b"<Types/>", "word/styles.xml": b"<w:styles/>"}),
        "upload.container_broken",
        "The DOCX file “hollow.docx” is damaged or incomplete (word/document.xml is missing).",
        "DOCX 文件“hollow.docx”已损坏或不完整（缺少 word/document.xml）。",
    ),
    (
        "xlsx without content types",
        "hollow.xlsx",
        lambda: sf._zip({"xl/workbook.xml": b"<workbook/>"}),
        "upload.container_broken",
        "The Office file “hollow.xlsx” is damaged or incomplete ([Content_Types].xml is missing).",
        "Office 文件“hollow.xlsx”已损坏或不完整（缺少 [Content_Types].xml）。",
    ),
    (
        "ofd without OFD.xml root element",
        "fake.ofd",
        lambda: sf._zip({"OFD.xml": b"<html/>"}),
        "upload.container_broken",
        "The OFD file “fake.ofd” is damaged or incomplete (OFD.xml has no OFD root element).",
        "OFD 文件“fake.ofd”已损坏或不完整（OFD.xml 缺少 OFD 根元素）。",
    ),
    (
        "plain zip named docx",
        "archive.docx",
        lambda: sf._zip({"readme.txt": b"hi"}),
        "upload.unsupported_type",
        "The file “archive.docx” is a ZIP archive but not a DOCX, XLSX or OFD document.",
        "文件“archive.docx”是 ZIP 压缩包，但不是 DOCX、XLSX 或 OFD 文档。",
    ),
    (
        "password-protected office file",
        "secret.docx",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024,
        "upload.office_legacy_or_encrypted",
        "The file “secret.docx” is an old-format (.doc/.xls) or password-protected Office file; save it as "
        "an unprotected .docx/.xlsx or PDF.",
        "文件“secret.docx”为旧版（.doc/.xls）或设有密码的 Office 文件，请另存为未加密的 .docx/.xlsx 或 PDF。",
    ),
    (
        "pdf that is also a zip",
        "poly.pdf",
        lambda: sf.pdf_bytes() + sf.docx_bytes(),
        "upload.polyglot",
        "The file “poly.pdf” can also be read as another type of file (ZIP); such files are refused.",
        "文件“poly.pdf”同时可被识别为另一种文件（ZIP），此类文件不予接收。",
    ),
    (
        "pdf header after junk",
        "junk.pdf",
        lambda: b"GIF89a junk" + sf.pdf_bytes(),
        "upload.polyglot",
        "The file “junk.pdf” can also be read as another type of file (PDF); such files are refused.",
        "文件“junk.pdf”同时可被识别为另一种文件（PDF），此类文件不予接收。",
    ),
    (
        "jpeg with a zip appended",
        "photo.jpg",
        lambda: sf.jpeg_bytes() + sf.docx_bytes(),
        "upload.polyglot",
        "The file “photo.jpg” can also be read as another type of file (ZIP); such files are refused.",
        "文件“photo.jpg”同时可被识别为另一种文件（ZIP），此类文件不予接收。",
    ),
    (
        "zip with a pdf header in its first kilobyte",
        "poly.docx",
        lambda: _stored_zip_with_pdf_header(),
        "upload.polyglot",
        "The file “poly.docx” can also be read as another type of file (PDF); such files are refused.",
        "文件“poly.docx”同时可被识别为另一种文件（PDF），此类文件不予接收。",
    ),
    (
        "path traversal",
        "../../etc/passwd.pdf",
        sf.pdf_bytes,
        "upload.name_path",
        "The file name “../../etc/passwd.pdf” contains a path (“/”, “\\” or “..”); upload the file itself.",
        "文件名“../../etc/passwd.pdf”含有路径（“/”“\\”或“..”），请直接上传文件本身。",
    ),
    (
        "absolute path",
        "/etc/x.pdf",
        sf.pdf_bytes,
        "upload.name_path",
        "The file name “/etc/x.pdf” contains a path (“/”, “\\” or “..”); upload the file itself.",
        "文件名“/etc/x.pdf”含有路径（“/”“\\”或“..”），请直接上传文件本身。",
    ),
    (
        "windows path",
        "C:\\Users\\a\\x.pdf",
        sf.pdf_bytes,
        "upload.name_path",
        "The file name “C:\\Users\\a\\x.pdf” contains a path (“/”, “\\” or “..”); upload the file itself.",
        "文件名“C:\\Users\\a\\x.pdf”含有路径（“/”“\\”或“..”），请直接上传文件本身。",
    ),
    (
        "control character",
        "bell\x07.pdf",
        sf.pdf_bytes,
        "upload.name_control_characters",
        "The file name “bell\\x07.pdf” contains control or invisible characters; rename the file.",
        "文件名“bell\\x07.pdf”含有控制字符或不可见字符，请重命名后再上传。",
    ),
    (
        "right-to-left override",
        "invoice\u202efdp.exe.pdf",
        sf.pdf_bytes,
        "upload.name_control_characters",
        "The file name “invoice\\u202efdp.exe.pdf” contains control or invisible characters; "
        "rename the file.",
        "文件名“invoice\\u202efdp.exe.pdf”含有控制字符或不可见字符，请重命名后再上传。",
    ),
    (
        "no extension",
        "营业执照",
        sf.pdf_bytes,
        "upload.name_extension",
        "The file “营业执照” has no known extension; name it .pdf, .jpg, .png, .docx, .xlsx or .ofd.",
        "文件“营业执照”没有可识别的扩展名，请使用 .pdf、.jpg、.png、.docx、.xlsx 或 .ofd。",
    ),
]


def _stored_zip_with_pdf_header() -> bytes:
    """A DOCX whose first member is stored uncompressed and holds a PDF header: PK first, %PDF- within
    the first kilobyte (a ZIP/PDF polyglot the other way round)."""
    import zipfile

    buffer = io.BytesIO()
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.pdf", sf.pdf_bytes())
        archive.writestr(
            "[Content_Types].xml",
            f'<Types><Override PartName="/word/document.xml" ContentType="{main}"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("case", "name", "build", "code", "message", "message_zh"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
def test_hostile_corpus_is_refused_with_its_message(
    case: str, name: str, build: Callable[[], bytes], code: str, message: str, message_zh: str
) -> None:
    with pytest.raises(FileRejected) as caught:
        _inspect(build(), name)
    assert (caught.value.code, caught.value.message, caught.value.message_zh) == (code, message, message_zh)


def test_size_limit_per_kind() -> None:
    limits = Limits(max_bytes={**DEFAULT_LIMITS.max_bytes, "pdf": 1024})
    with pytest.raises(FileRejected) as caught:
        _inspect(sf.pdf_bytes(filler=4096), "big.pdf", limits=limits)
    assert caught.value.code == "upload.too_large"
    assert caught.value.message == "The file “big.pdf” is 0.0 MB; PDF files may be at most 0.0 MB."
    limits = Limits(max_bytes={**DEFAULT_LIMITS.max_bytes, "pdf": 3 * 1024 * 1024})
    with pytest.raises(FileRejected) as caught:
        _inspect(sf.pdf_bytes(filler=4 * 1024 * 1024), "big.pdf", limits=limits)
    assert caught.value.message == "The file “big.pdf” is 4.0 MB; PDF files may be at most 3.0 MB."
    assert caught.value.message_zh == "文件“big.pdf”大小为 4.0 MB，PDF 文件不得超过 3.0 MB。"
    # the same bytes pass under the default limit: the limit is per kind, not a broken file
    assert _inspect(sf.pdf_bytes(filler=4 * 1024 * 1024), "big.pdf").kind == "pdf"  # type: ignore[attr-defined]


def test_kind_the_material_does_not_accept() -> None:
    with pytest.raises(FileRejected) as caught:
        _inspect(sf.xlsx_bytes(), "表.xlsx", allowed_kinds=("pdf", "ofd"))
    assert caught.value.code == "upload.kind_not_accepted"
    assert caught.value.message == "The file “表.xlsx” is of type XLSX; this material accepts PDF/OFD."
    assert caught.value.message_zh == "文件“表.xlsx”为 XLSX 格式，该材料只接受 PDF/OFD 格式。"


def test_zip_with_too_many_members_is_refused_before_reading_them() -> None:
    members = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}
    members.update({f"word/media/{i}.xml": b"" for i in range(60)})
    with pytest.raises(FileRejected) as caught:
        _inspect(
            sf._zip(members),
            "many.docx",
            limits=Limits(max_bytes=DEFAULT_LIMITS.max_bytes, zip_max_members=50),
        )
    assert caught.value.code == "upload.zip_bomb"
    assert (
        caught.value.message_zh == "文件“many.docx”解压后体积异常（含 62 个文件），疑似“压缩炸弹”，不予接收。"
    )


def test_a_member_expanding_beyond_the_ratio_is_a_bomb_even_under_the_total() -> None:
    data = sf.zip_bomb_docx(expanded=20 * 1024 * 1024)
    with pytest.raises(FileRejected) as caught:
        _inspect(data, "bomb.docx")
    assert caught.value.code == "upload.zip_bomb"
    assert "word/media/zeros.bin expands" in caught.value.message


@pytest.mark.parametrize("name", ["", "  ", ".", ".."])
def test_names_that_are_no_names(name: str) -> None:
    with pytest.raises(FileRejected) as caught:
        check_file_name(name)
    assert caught.value.code in ("upload.name_empty", "upload.name_path")


def test_long_names_and_chinese_names() -> None:
    assert check_file_name("深圳市云帆信息科技有限公司 营业执照（副本）.pdf").endswith("（副本）.pdf")
    with pytest.raises(FileRejected) as caught:
        check_file_name("长" * 201 + ".pdf")
    assert caught.value.code == "upload.name_too_long"


def test_hashing_and_checking_a_large_pdf_stays_in_bounded_memory(tmp_path: Path) -> None:
    """A 50 MB PDF checked from a file: memory stays far below its size (chunks and seeks only)."""
    path = sf.pdf_file(tmp_path / "big.pdf", 50 * 1024 * 1024)
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            digest, size = hash_file(stream)
            report = inspect_file(stream, name="big.pdf")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size == path.stat().st_size and report.sha256 == digest and report.details == {"pages": 1}
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes for a {size}-byte file"


# -- PDF active content: flagged, not refused -----------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (active_pdfs.open_action_javascript, ["javascript", "open_action"]),
        (active_pdfs.launch_action, ["additional_actions", "launch"]),
        (active_pdfs.embedded_file, ["embedded_file"]),
        (active_pdfs.javascript_in_object_stream, ["javascript", "open_action"]),
    ],
    ids=["open-action-js", "launch", "embedded-file", "js-in-object-stream"],
)
def test_a_pdf_with_active_content_is_accepted_with_its_findings(
    build: Callable[[], bytes], expected: list[str]
) -> None:
    data = build()
    report = _inspect(data, "营业执照副本.pdf")
    assert report.details == {"pages": 1, "active_content": expected}  # type: ignore[attr-defined]
    assert pdf_active_content(io.BytesIO(data)) == expected


def test_a_plain_pdf_has_no_finding() -> None:
    assert _inspect(sf.pdf_bytes(pages=2), "plain.pdf").details == {"pages": 2}  # type: ignore[attr-defined]
    assert pdf_active_content(io.BytesIO(sf.pdf_bytes())) == []


def test_a_script_compressed_in_an_object_stream_is_found_by_the_walk_not_the_bytes() -> None:
    data = active_pdfs.javascript_in_object_stream()
    assert b"/JavaScript" not in data and b"/OpenAction" not in data
    assert pdf_active_content(io.BytesIO(data)) == ["javascript", "open_action"]


def test_the_walk_is_bounded_and_falls_back_to_the_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(filecheck, "ACTIVE_CONTENT_BUDGET", 2)
    assert pdf_active_content(io.BytesIO(active_pdfs.launch_action())) == ["additional_actions", "launch"]
    # past the budget only the bytes are left to tell: a compressed script is not in them
    assert pdf_active_content(io.BytesIO(active_pdfs.javascript_in_object_stream())) == []


def test_a_pdf_pypdf_cannot_read_is_scanned_for_the_names() -> None:
    data = b"%PDF-1.7\n1 0 obj << /OpenAction << /S /JavaScript /JS (x) >> >> endobj\n%%EOF"
    assert pdf_active_content(io.BytesIO(data)) == ["javascript", "open_action"]
