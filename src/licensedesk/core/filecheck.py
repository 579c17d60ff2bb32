"""Check an uploaded file from its bytes: what it really is, whether it is whole, and whether it is safe
to keep and to open later. Plain Python (no Django), so the web upload and the command line share it.

The file name is only trusted for display: the type comes from the content (magic bytes, then the
format's own parser), and the name's extension must agree with it. Everything is read in chunks or
through seeks; a file is never read whole into memory, whatever its size.

What is refused, each with a bilingual message naming the file (:class:`FileRejected`, an
:class:`~licensedesk.core.errors.InvalidInput` whose ``code`` starts with ``upload.``):

* names: empty, with a path (``/``, ``\\``, ``..``), with control or bidirectional-override characters,
  too long, without an extension, or whose extension does not match the content;
* empty files, files over the size limit of their kind, types the material does not accept;
* polyglots: a file readable as two types (a PDF that is also a ZIP, an image with a ZIP appended, a
  PDF header after junk, a ZIP with a PDF header inside its first kilobyte);
* PDF: encrypted, damaged, or without pages (page count from pypdf);
* JPEG/PNG: damaged or truncated (Pillow ``verify()``; JPEG decoded at 1/8 scale), or more pixels
  than the decompression-bomb limit;
* DOCX/XLSX/OFD: ZIP bombs (too many members, too much uncompressed data, a member expanding far more
  than any document does) refused *before* any member is decompressed; encrypted members; missing
  required parts (``[Content_Types].xml`` and ``word/document.xml`` or ``xl/workbook.xml``;
  ``OFD.xml`` at the root); old-format or password-protected Office files (OLE compound files).

What is accepted but flagged: a PDF with active content (scripts, launch actions, embedded files, rich
media, XFA, form submission) gets ``details["active_content"]``, the kinds found
(:func:`pdf_active_content`), so the reviewer is warned and the client asked for a plain PDF.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from licensedesk.core.errors import InvalidInput

KINDS: tuple[str, ...] = ("pdf", "jpeg", "png", "docx", "xlsx", "ofd")

CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ofd": "application/ofd",
}

KIND_LABELS: dict[str, str] = {
    "pdf": "PDF",
    "jpeg": "JPEG",
    "png": "PNG",
    "docx": "DOCX",
    "xlsx": "XLSX",
    "ofd": "OFD",
}

EXTENSIONS: dict[str, str] = {
    ".pdf": "pdf",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".jpe": "jpeg",
    ".png": "png",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".ofd": "ofd",
}

MB = 1024 * 1024
CHUNK_SIZE = 1024 * 1024
HEAD_SIZE = 1024  # PDF readers accept a header anywhere in the first kilobyte: that is where junk hides

_PDF_MAGIC = b"%PDF-"
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_ZIP_MAGIC = b"PK\x03\x04"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .doc/.xls, or encrypted OOXML

_OOXML_MAIN = {
    "docx": (
        "word/document.xml",
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "xlsx": (
        "xl/workbook.xml",
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
}
_OFD_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?OFD[\s>/]")
_SMALL_PART_MAX = 4 * MB  # [Content_Types].xml and OFD.xml are a few kilobytes


@dataclass(frozen=True)
class Limits:
    """How big a file of each kind may be, and what an image or a ZIP container may expand to."""

    max_bytes: Mapping[str, int]
    max_pixels: int = 50_000_000
    zip_max_members: int = 5_000
    zip_max_uncompressed: int = 512 * MB
    zip_max_ratio: int = 200  # per member above ``zip_ratio_floor``: documents compress < 100:1
    zip_ratio_floor: int = 1 * MB
    max_name_length: int = 200

    def limit_for(self, kind: str) -> int:
        return int(self.max_bytes[kind])


DEFAULT_LIMITS = Limits(
    max_bytes={
        "pdf": 256 * MB,
        "jpeg": 30 * MB,
        "png": 30 * MB,
        "docx": 50 * MB,
        "xlsx": 50 * MB,
        "ofd": 100 * MB,
    }
)


@dataclass(frozen=True)
class FileReport:
    """What a checked file is. ``name`` is the display name as given (Chinese kept)."""

    name: str
    kind: str
    content_type: str
    size: int
    sha256: str
    details: dict[str, Any] = field(default_factory=dict)


class FileRejected(InvalidInput):
    """A file refused by :func:`inspect_file`; the message names the file in both languages."""

    def __init__(self, code: str, name: str, message: str, message_zh: str, **details: Any) -> None:
        super().__init__(
            message, code=f"upload.{code}", message_zh=message_zh, details={"file": name, **details}
        )
        self.file_name = name


# -- names ------------------------------------------------------------------------------------------


def _shown(name: str) -> str:
    """The name with control and format characters made visible (``\\x07``, ``\\u202e``)."""
    out = []
    for char in name:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(char.encode("unicode_escape").decode("ascii"))
        else:
            out.append(char)
    return "".join(out)


def check_file_name(name: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """Return ``name`` if it is a plain file name, else raise :class:`FileRejected`.

    Refused: empty; a path (any ``/`` or ``\\``, or ``.``/``..``); control characters, line separators
    and invisible format characters (the right-to-left override turns ``exe.pdf`` into ``fdp.exe``);
    longer than ``limits.max_name_length``; no extension.
    """
    if name is None or not name.strip():
        raise FileRejected("name_empty", "", "The file has no name.", "文件没有文件名。")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        shown = _shown(name)
        raise FileRejected(
            "name_control_characters",
            shown,
            f"The file name “{shown}” contains control or invisible characters; rename the file.",
            f"文件名“{shown}”含有控制字符或不可见字符，请重命名后再上传。",
        )
    if "/" in name or "\\" in name or name.strip() in (".", ".."):
        raise FileRejected(
            "name_path",
            name,
            f"The file name “{name}” contains a path (“/”, “\\” or “..”); upload the file itself.",
            f"文件名“{name}”含有路径（“/”“\\”或“..”），请直接上传文件本身。",
        )
    if len(name) > limits.max_name_length:
        short = name[:40] + "…"
        raise FileRejected(
            "name_too_long",
            short,
            f"The file name “{short}” is longer than {limits.max_name_length} characters; shorten it.",
            f"文件名“{short}”超过 {limits.max_name_length} 个字符，请缩短后再上传。",
        )
    if extension_kind(name) is None:
        raise FileRejected(
            "name_extension",
            name,
            f"The file “{name}” has no known extension; name it .pdf, .jpg, .png, .docx, .xlsx or .ofd.",
            f"文件“{name}”没有可识别的扩展名，请使用 .pdf、.jpg、.png、.docx、.xlsx 或 .ofd。",
        )
    return name


def extension_kind(name: str) -> str | None:
    dot = name.rfind(".")
    return EXTENSIONS.get(name[dot:].lower()) if dot > 0 else None


# -- bytes ------------------------------------------------------------------------------------------


def hash_file(stream: IO[bytes], chunk_size: int = CHUNK_SIZE) -> tuple[str, int]:
    """SHA-256 (hex) and size of a seekable binary stream, read in chunks from the start."""
    stream.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(chunk_size):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return digest.hexdigest(), size


def _head(stream: IO[bytes]) -> bytes:
    stream.seek(0)
    head = stream.read(HEAD_SIZE)
    stream.seek(0)
    return head


def sniff(head: bytes) -> str | None:
    """The kind the first bytes announce: pdf, jpeg, png, zip, cfb, or None."""
    if head.startswith(_PDF_MAGIC):
        return "pdf"
    if head.startswith(_JPEG_MAGIC):
        return "jpeg"
    if head.startswith(_PNG_MAGIC):
        return "png"
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if head.startswith(_CFB_MAGIC):
        return "cfb"
    return None


def _is_zip(stream: IO[bytes]) -> bool:
    """Whether a ZIP end-of-central-directory record makes this readable as a ZIP archive too."""
    try:
        return zipfile.is_zipfile(stream)
    finally:
        stream.seek(0)


def _size_mb(size: int) -> str:
    return f"{size / MB:.1f}"


def inspect_file(
    stream: IO[bytes],
    *,
    name: str,
    allowed_kinds: Iterable[str] = KINDS,
    limits: Limits = DEFAULT_LIMITS,
    sha256: str | None = None,
    size: int | None = None,
) -> FileReport:
    """Check the file in ``stream`` (binary, seekable) and return what it is, or raise FileRejected.

    ``sha256``/``size`` may be passed when they were computed while the bytes arrived (the web upload
    handler hashes each chunk as it writes it); otherwise the file is hashed here, in chunks.
    """
    name = check_file_name(name, limits)
    if sha256 is None or size is None:
        sha256, size = hash_file(stream)
    if size == 0:
        raise FileRejected("empty", name, f"The file “{name}” is empty.", f"文件“{name}”为空文件。")
    head = _head(stream)
    announced = sniff(head)
    if announced == "cfb":
        raise FileRejected(
            "office_legacy_or_encrypted",
            name,
            f"The file “{name}” is an old-format (.doc/.xls) or password-protected Office file; save it as "
            "an unprotected .docx/.xlsx or PDF.",
            f"文件“{name}”为旧版（.doc/.xls）或设有密码的 Office 文件，请另存为未加密的 .docx/.xlsx 或 PDF。",
        )
    if announced is None:
        if _PDF_MAGIC in head:
            raise _polyglot(name, "PDF")
        raise FileRejected(
            "unsupported_type",
            name,
            f"The file “{name}” is not a PDF, JPEG, PNG, DOCX, XLSX or OFD file (judged from its content).",
            f"文件“{name}”不是 PDF、JPEG、PNG、DOCX、XLSX 或 OFD 文件（按文件内容判断）。",
        )
    if announced != "pdf" and _PDF_MAGIC in head:
        raise _polyglot(name, "PDF")
    if announced != "zip" and _is_zip(stream):
        raise _polyglot(name, "ZIP")
    if announced == "zip":
        kind, details = _check_zip_container(stream, name, limits)
    else:
        kind, details = announced, {}
    named = extension_kind(name)
    if named != kind:
        raise FileRejected(
            "type_mismatch",
            name,
            f"The file “{name}” is named as {KIND_LABELS[named or kind]} but its content is "
            f"{KIND_LABELS[kind]}; rename it or upload the right file.",
            f"文件“{name}”的扩展名表示 {KIND_LABELS[named or kind]} 格式，"
            f"但其内容为 {KIND_LABELS[kind]} 格式，请更正文件名或上传正确的文件。",
            kind=kind,
        )
    allowed = tuple(k for k in KINDS if k in set(allowed_kinds))
    if kind not in allowed:
        wanted = "/".join(KIND_LABELS[k] for k in allowed)
        raise FileRejected(
            "kind_not_accepted",
            name,
            f"The file “{name}” is of type {KIND_LABELS[kind]}; this material accepts {wanted}.",
            f"文件“{name}”为 {KIND_LABELS[kind]} 格式，该材料只接受 {wanted} 格式。",
            kind=kind,
            allowed=list(allowed),
        )
    limit = limits.limit_for(kind)
    if size > limit:
        raise FileRejected(
            "too_large",
            name,
            f"The file “{name}” is {_size_mb(size)} MB; {KIND_LABELS[kind]} files may be at most "
            f"{_size_mb(limit)} MB.",
            f"文件“{name}”大小为 {_size_mb(size)} MB，"
            f"{KIND_LABELS[kind]} 文件不得超过 {_size_mb(limit)} MB。",
            kind=kind,
            size=size,
            limit=limit,
        )
    if kind == "pdf":
        details = _check_pdf(stream, name)
    elif kind in ("jpeg", "png"):
        details = _check_image(stream, name, kind, limits)
    stream.seek(0)
    return FileReport(
        name=name, kind=kind, content_type=CONTENT_TYPES[kind], size=size, sha256=sha256, details=details
    )


def _polyglot(name: str, other: str) -> FileRejected:
    return FileRejected(
        "polyglot",
        name,
        f"The file “{name}” can also be read as another type of file ({other}); such files are refused.",
        f"文件“{name}”同时可被识别为另一种文件（{other}），此类文件不予接收。",
        other=other,
    )


# -- PDF --------------------------------------------------------------------------------------------


def _check_pdf(stream: IO[bytes], name: str) -> dict[str, Any]:
    """Page count from pypdf reading the file object (seeks; a path would make pypdf read it whole)."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    broken = FileRejected(
        "pdf_broken",
        name,
        f"The PDF “{name}” is damaged and cannot be read.",
        f"PDF 文件“{name}”已损坏，无法读取。",
    )
    stream.seek(0)
    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)  # repairs of small defects are logged as warnings: not ours to show
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(stream, strict=False)
            if reader.is_encrypted:
                raise FileRejected(
                    "pdf_encrypted",
                    name,
                    f"The PDF “{name}” is encrypted or password-protected; upload it without a password.",
                    f"PDF 文件“{name}”已加密或设有密码，请上传未加密的文件。",
                )
            pages = len(reader.pages)
            active = pdf_active_content_of(reader, stream)
    except FileRejected:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError):
        raise broken from None
    finally:
        pypdf_logger.setLevel(level)
    if pages < 1:
        raise FileRejected(
            "pdf_no_pages", name, f"The PDF “{name}” has no pages.", f"PDF 文件“{name}”没有页面。"
        )
    return {"pages": pages, "active_content": active} if active else {"pages": pages}


# -- PDF active content -------------------------------------------------------------------------------
#
# A PDF may carry things a reader *does* rather than shows: scripts, programs to launch, files inside
# it, Flash/3D, XFA forms, form submission. Such a PDF is not refused (a bank's statement may carry a
# harmless print script), but flagged, so the reviewer does not open it with scripts enabled and the
# client can re-export a plain one. Detection walks the document's objects with pypdf (compressed object
# streams included: pypdf resolves them), never runs or decodes anything but the object structure, and
# stops after ``ACTIVE_CONTENT_BUDGET`` objects; past the budget, or when pypdf cannot read the
# structure, the raw bytes are scanned for the names (which objects compressed in streams can hide).

#: finding codes, in the order they are reported
ACTIVE_CONTENT_KINDS: tuple[str, ...] = (
    "javascript",
    "open_action",
    "additional_actions",
    "launch",
    "embedded_file",
    "rich_media",
    "xfa",
    "submit_form",
)
ACTIVE_CONTENT_BUDGET = 50_000  # objects visited: a 1,000-page PDF has some 10,000

#: action types (``/S``) that do something beyond moving within the document or opening a link
_ACTION_FINDINGS: Mapping[str, str] = {
    "/JavaScript": "javascript",
    "/Launch": "launch",
    "/GoToE": "embedded_file",
    "/RichMediaExecute": "rich_media",
    "/SubmitForm": "submit_form",
    "/ImportData": "submit_form",
}
_HARMLESS_ACTIONS = frozenset({"/GoTo", "/GoToR", "/URI", "/Named", "/Thread", "/Hide", "/ResetForm"})
#: keys the walk does not follow: back-references (what they lead to is visited anyway), and what holds
#: page content, fonts, images and structure — streams pypdf would read whole, where no action lives —
#: or what is already flagged (an embedded file's data, a script's text, an XFA form)
_NOT_FOLLOWED = frozenset(
    {
        "/Parent",
        "/P",
        "/Prev",
        "/Contents",
        "/Resources",
        "/Thumb",
        "/Metadata",
        "/StructTreeRoot",
        "/PieceInfo",
        "/EF",
        "/JS",
        "/XFA",
    }
)
_RAW_NAMES: Mapping[bytes, str] = {
    b"/JavaScript": "javascript",
    b"/JS": "javascript",
    b"/OpenAction": "open_action",
    b"/AA": "additional_actions",
    b"/Launch": "launch",
    b"/EmbeddedFiles": "embedded_file",
    b"/EmbeddedFile": "embedded_file",
    b"/RichMedia": "rich_media",
    b"/XFA": "xfa",
    b"/SubmitForm": "submit_form",
}
_RAW_NAME = re.compile(
    rb"/(?:JavaScript|JS|OpenAction|AA|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm)(?![A-Za-z0-9])"
)


def _ordered(found: set[str]) -> list[str]:
    return [kind for kind in ACTIVE_CONTENT_KINDS if kind in found]


def pdf_active_content(stream: IO[bytes]) -> list[str]:
    """The kinds of active content in the PDF ``stream`` (codes of :data:`ACTIVE_CONTENT_KINDS`, in that
    order; empty for a plain PDF). Reads the object structure with pypdf; if pypdf cannot, the raw bytes."""
    import logging

    from pypdf import PdfReader

    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stream.seek(0)
            reader = PdfReader(stream, strict=False)
            return pdf_active_content_of(reader, stream)
    except Exception:  # pypdf could not read the structure at all: the names in the bytes still tell
        return _raw_active_content(stream)
    finally:
        pypdf_logger.setLevel(level)
        stream.seek(0)


def pdf_active_content_of(reader: Any, stream: IO[bytes]) -> list[str]:
    """:func:`pdf_active_content` on a PDF pypdf already opened (``stream`` is its file, for the raw scan
    when the walk cannot finish)."""
    try:
        found, complete = _walk_active_content(reader, ACTIVE_CONTENT_BUDGET)
    except Exception:  # a broken object deep inside: what the bytes show instead
        return _raw_active_content(stream)
    if not complete:
        found |= set(_raw_active_content(stream))
    return _ordered(found)


def _is_action(value: Any) -> bool:
    return hasattr(value, "get") and ("/S" in value or value.get("/Type") == "/Action")


def _walk_active_content(reader: Any, budget: int) -> tuple[set[str], bool]:
    """Visit every object reachable from the trailer (dictionaries, arrays, indirect references, each
    once), noting active content by the keys and action types met. Returns (findings, finished)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    todo: list[Any] = [reader.trailer]
    visited = 0
    while todo:
        node = todo.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > budget:
            return found, False
        if isinstance(node, ArrayObject):
            todo.extend(node)
            continue
        if not isinstance(node, DictionaryObject):
            continue
        action = node.get("/S")
        if action in _ACTION_FINDINGS:
            found.add(_ACTION_FINDINGS[action])
        if "/JS" in node:
            found.add("javascript")
        if node.get("/Type") == "/EmbeddedFile" or "/EF" in node or "/EmbeddedFiles" in node:
            found.add("embedded_file")
        if "/JavaScript" in node:  # the document-level scripts (the /Names tree)
            found.add("javascript")
        if node.get("/Subtype") in ("/RichMedia", "/FileAttachment"):
            found.add("rich_media" if node.get("/Subtype") == "/RichMedia" else "embedded_file")
        if "/XFA" in node:
            found.add("xfa")
        opener = node.get("/OpenAction")
        if opener is not None:
            opener = opener.get_object()
            if _is_action(opener) and opener.get("/S") not in _HARMLESS_ACTIONS:
                found.add("open_action")
        triggers = node.get("/AA")
        if triggers is not None:
            triggers = triggers.get_object()
            if hasattr(triggers, "values") and any(
                _is_action(a.get_object()) and a.get_object().get("/S") not in _HARMLESS_ACTIONS
                for a in triggers.values()
            ):
                found.add("additional_actions")
        todo.extend(value for key, value in node.items() if key not in _NOT_FOLLOWED)
    return found, True


def _raw_active_content(stream: IO[bytes], chunk_size: int = CHUNK_SIZE) -> list[str]:
    """The active-content names found in the raw bytes (chunked, overlapping so none is cut in two).
    Names inside compressed object streams stay hidden from this scan: it is the fallback only."""
    found: set[str] = set()
    stream.seek(0)
    tail = b""
    while chunk := stream.read(chunk_size):
        window = tail + chunk
        for match in _RAW_NAME.finditer(window):
            found.add(_RAW_NAMES[match.group()])
        tail = window[-32:]
    stream.seek(0)
    return _ordered(found)


# -- images -----------------------------------------------------------------------------------------


def _check_image(stream: IO[bytes], name: str, kind: str, limits: Limits) -> dict[str, Any]:
    from PIL import Image, UnidentifiedImageError

    broken = FileRejected(
        "image_broken", name, f"The image “{name}” is damaged or incomplete.", f"图片“{name}”已损坏或不完整。"
    )
    fmt = {"jpeg": "JPEG", "png": "PNG"}[kind]

    def too_many(width: int, height: int) -> FileRejected:
        most = limits.max_pixels / 1_000_000
        return FileRejected(
            "image_too_many_pixels",
            name,
            f"The image “{name}” is {width}×{height} pixels; at most {most:g} million pixels are accepted.",
            f"图片“{name}”为 {width}×{height} 像素，最多接受 {most:g} 百万像素。",
            width=width,
            height=height,
        )

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            stream.seek(0)
            with Image.open(stream, formats=[fmt]) as image:
                width, height = image.size
                if width * height > limits.max_pixels:
                    raise too_many(width, height)
                image.verify()  # PNG: every chunk's CRC and the IEND chunk; JPEG: the markers
            if kind == "jpeg":
                stream.seek(0)
                with Image.open(stream, formats=[fmt]) as image:
                    image.draft("L", (max(1, width // 8), max(1, height // 8)))  # decode at 1/8 scale
                    image.load()  # truncated entropy data raises here
    except FileRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many(*_declared_size(stream, fmt)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError):
        raise broken from None
    return {"width": width, "height": height}


def _declared_size(stream: IO[bytes], fmt: str) -> tuple[int, int]:
    from PIL import Image

    stream.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            with Image.open(stream, formats=[fmt]) as image:
                return image.size
        except Exception:  # only for the message: any failure shows 0×0
            return (0, 0)
        finally:
            Image.MAX_IMAGE_PIXELS = saved


# -- ZIP containers: DOCX, XLSX, OFD ---------------------------------------------------------------


def _zip_bomb(name: str, why: str, why_zh: str, **details: Any) -> FileRejected:
    return FileRejected(
        "zip_bomb",
        name,
        f"The file “{name}” expands to far more than its size ({why}); it is refused as a possible zip bomb.",
        f"文件“{name}”解压后体积异常（{why_zh}），疑似“压缩炸弹”，不予接收。",
        **details,
    )


def _container_broken(name: str, label: str, missing: str, missing_zh: str) -> FileRejected:
    return FileRejected(
        "container_broken",
        name,
        f"The {label} file “{name}” is damaged or incomplete ({missing}).",
        f"{label} 文件“{name}”已损坏或不完整（{missing_zh}）。",
    )


def _check_zip_container(stream: IO[bytes], name: str, limits: Limits) -> tuple[str, dict[str, Any]]:
    """Which of DOCX/XLSX/OFD the ZIP is, after the bomb limits are checked on the central directory
    alone; then every member is read through once (CRC checked), which the limits keep bounded."""
    unknown = FileRejected(
        "unsupported_type",
        name,
        f"The file “{name}” is a ZIP archive but not a DOCX, XLSX or OFD document.",
        f"文件“{name}”是 ZIP 压缩包，但不是 DOCX、XLSX 或 OFD 文档。",
    )
    stream.seek(0)
    try:
        endrec = zipfile._EndRecData(stream)  # type: ignore[attr-defined]  # the directory size, unparsed
    except OSError:
        endrec = None
    if not endrec:
        raise _container_broken(name, "ZIP", "no central directory", "缺少中央目录")
    entries, directory_size = endrec[zipfile._ECD_ENTRIES_TOTAL], endrec[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
    if entries > limits.zip_max_members or directory_size > limits.zip_max_members * 1024:
        raise _zip_bomb(name, f"{entries} members", f"含 {entries} 个文件", members=entries)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _container_broken(name, "ZIP", "unreadable central directory", "中央目录无法读取") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.zip_max_members:
            raise _zip_bomb(name, f"{len(infos)} members", f"含 {len(infos)} 个文件", members=len(infos))
        total = sum(i.file_size for i in infos)
        if total > limits.zip_max_uncompressed:
            mb = _size_mb(total)
            raise _zip_bomb(name, f"{mb} MB uncompressed", f"解压后 {mb} MB", uncompressed=total)
        for info in infos:
            if info.file_size > limits.zip_ratio_floor and (
                info.compress_size == 0 or info.file_size / info.compress_size > limits.zip_max_ratio
            ):
                ratio = info.file_size / max(1, info.compress_size)
                raise _zip_bomb(
                    name,
                    f"{info.filename} expands {ratio:.0f}×",
                    f"{info.filename} 解压后膨胀 {ratio:.0f} 倍",
                    member=info.filename,
                )
            if info.flag_bits & 0x1:
                raise FileRejected(
                    "container_encrypted",
                    name,
                    f"The file “{name}” is password-protected; upload it without a password.",
                    f"文件“{name}”设有密码，请上传未加密的文件。",
                )
        names = {i.filename for i in infos}
        if "OFD.xml" in names:
            kind = "ofd"
        elif "[Content_Types].xml" in names and "word/document.xml" in names:
            kind = "docx"
        elif "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            kind = "xlsx"
        elif "[Content_Types].xml" in names:
            label = "DOCX" if any(n.startswith("word/") for n in names) else "XLSX"
            if not any(n.startswith(("word/", "xl/")) for n in names):
                raise unknown
            part = "word/document.xml" if label == "DOCX" else "xl/workbook.xml"
            raise _container_broken(name, label, f"{part} is missing", f"缺少 {part}")
        elif any(n.startswith(("word/", "xl/")) for n in names):
            raise _container_broken(
                name, "Office", "[Content_Types].xml is missing", "缺少 [Content_Types].xml"
            )
        else:
            raise unknown
        label = KIND_LABELS[kind]
        try:
            if kind == "ofd":
                root = _small_part(archive, "OFD.xml", name, label)
                if not _OFD_ROOT.search(root[:4096]):
                    raise _container_broken(
                        name, label, "OFD.xml has no OFD root element", "OFD.xml 缺少 OFD 根元素"
                    )
            else:
                part, main_type = _OOXML_MAIN[kind]
                types = _small_part(archive, "[Content_Types].xml", name, label)
                if main_type not in types:
                    raise _container_broken(
                        name,
                        label,
                        f"[Content_Types].xml does not declare {part}",
                        f"[Content_Types].xml 未声明 {part}",
                    )
            for info in infos:  # CRC of every member; sizes bounded by the limits above
                with archive.open(info) as member:
                    while member.read(CHUNK_SIZE):
                        pass
        except FileRejected:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
            raise _container_broken(
                name, label, "a member fails its checksum or cannot be read", "其中的文件校验失败或无法读取"
            ) from None
    return kind, {"members": len(infos), "uncompressed": total}


def _small_part(archive: zipfile.ZipFile, part: str, name: str, label: str) -> bytes:
    info = archive.getinfo(part)
    if info.file_size > _SMALL_PART_MAX:
        raise _container_broken(name, label, f"{part} is implausibly large", f"{part} 大小异常")
    with archive.open(info) as member:
        return member.read(_SMALL_PART_MAX + 1)
