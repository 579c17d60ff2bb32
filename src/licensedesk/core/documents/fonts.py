"""The CJK font the PDFs embed, found by path.

Why WenQuanYi Zen Hei (Debian ``fonts-wqy-zenhei``): ReportLab embeds TrueType outlines only, and Debian's
Noto CJK fonts are CFF-based OpenType collections it cannot use; Zen Hei is a TrueType collection with
the full GB 18030 repertoire, and ReportLab subsets it per document, so a two-page form stays small.
``LICENSEDESK_CJK_FONT`` may point at another TrueType font (``path`` or ``path#index`` for a collection).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from licensedesk.core.documents.errors import FontMissing

FONT_NAME = "LicensedeskCJK"
DEBIAN_PACKAGE = "fonts-wqy-zenhei"
DEFAULT_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
_lock = threading.Lock()


def font_location() -> tuple[Path, int]:
    """The configured font file and collection index (``LICENSEDESK_CJK_FONT`` or the Debian default)."""
    configured = os.environ.get("LICENSEDESK_CJK_FONT", "").strip()
    if not configured:
        return DEFAULT_FONT, 0
    path, _, index = configured.partition("#")
    return Path(path), int(index or 0)


def cjk_font() -> str:
    """Register the CJK font with ReportLab once and return its name; :class:`FontMissing` names the
    Debian package to install when the file is absent."""
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    path, index = font_location()
    with _lock:
        if FONT_NAME in pdfmetrics.getRegisteredFontNames():
            return FONT_NAME
        if not path.is_file():
            raise FontMissing(
                f"The CJK font {path} is missing: install the Debian package {DEBIAN_PACKAGE} "
                f"(apt-get install -y {DEBIAN_PACKAGE}) or set LICENSEDESK_CJK_FONT to a TrueType font",
                message_zh=f"缺少中文字体 {path}：请安装 Debian 软件包 {DEBIAN_PACKAGE}"
                f"（apt-get install -y {DEBIAN_PACKAGE}），或用 LICENSEDESK_CJK_FONT 指定 TrueType 字体",
                details={"path": str(path), "package": DEBIAN_PACKAGE},
            )
        try:
            font = TTFont(FONT_NAME, str(path), subfontIndex=index)
        except TTFError as exc:
            raise FontMissing(
                f"{path} is not a usable TrueType font ({exc}); install {DEBIAN_PACKAGE}",
                message_zh=f"{path} 不是可用的 TrueType 字体；请安装 {DEBIAN_PACKAGE}",
                details={"path": str(path), "package": DEBIAN_PACKAGE},
            ) from None
        pdfmetrics.registerFont(font)
        pdfmetrics.registerFontFamily(
            FONT_NAME, normal=FONT_NAME, bold=FONT_NAME, italic=FONT_NAME, boldItalic=FONT_NAME
        )
    return FONT_NAME
