"""Demo uploads for the case in material review: small but real files (a PDF "scan" with the company's
data, a PNG photo of a document), made in code and uploaded through the materials services, so the
checklist shows progress in the demo. Bytes are reproducible (ReportLab's invariant mode, a drawn PNG).
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from licensedesk.core.documents.errors import FontMissing
from licensedesk.core.documents.fonts import cjk_font
from licensedesk.web.accounts.models import User
from licensedesk.web.cases.models import Case
from licensedesk.web.materials.models import CaseMaterial
from licensedesk.web.materials.services import IncomingFile, material_upload, version_accept


def scan_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with a title and lines of text (Chinese with the CJK font, when installed)."""
    try:
        font = cjk_font()
    except FontMissing:  # without the font the demo still gets a valid PDF
        font = "Helvetica"
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1)
    width, height = A4
    canvas.setTitle(title)
    canvas.setFont(font, 20)
    canvas.drawCentredString(width / 2, height - 90, title)
    canvas.setFont(font, 12)
    y = height - 140
    for line in lines:
        canvas.drawString(72, y, line)
        y -= 22
    canvas.rect(width - 200, 90, 120, 120)  # where the seal is
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def photo_png(seed: int = 0) -> bytes:
    """A small PNG "photo" of a document: a page with ruled lines and a round seal."""
    image = Image.new("RGB", (480, 640), (236, 233, 226))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 440, 600), fill=(252, 252, 250), outline=(180, 180, 180))
    for row in range(12):
        y = 90 + row * 36
        draw.line((70, y, 410 - (row * 17 + seed) % 90, y), fill=(90, 90, 90), width=3)
    draw.ellipse((300, 470, 400, 570), outline=(200, 30, 30), width=5)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _upload(case: Case, material_id: str, user: User, name: str, data: bytes) -> Any:
    material = CaseMaterial.objects.select_related("case", "case__company").get(
        case=case, material_id=material_id
    )
    return material_upload(material=material, actor=user, files=[IncomingFile(name, io.BytesIO(data))])


def upload_demo_materials(*, case: Case, client: User, reviewer: User, statement_on: date) -> bool:
    """Upload four materials as the client and accept three as the consultant (the review round stays
    open, the fourth waits). Does nothing if the case already has uploads (idempotent); False then."""
    if CaseMaterial.objects.filter(case=case, latest_version__isnull=False).exists():
        return False
    company = case.company.profile["company"]
    rep = company["legal_representative"]["name"]
    license_version = _upload(
        case,
        "business_license",
        client,
        "营业执照副本.pdf",
        scan_pdf(
            "营业执照（副本）",
            [
                f"统一社会信用代码：{company['uscc']}",
                f"名称：{company['name']}",
                "类型：有限责任公司",
                f"法定代表人：{rep}",
                f"注册资本：{int(company.get('registered_capital_cny', 0)) // 10000}万元",
                f"成立日期：{company['established_on']}",
                f"住所：{company['registered_address']}",
            ],
        ),
    )
    version_accept(
        version=license_version,
        actor=reviewer,
        long_term=True,
        confirmed={
            "company.name": company["name"],
            "company.uscc": company["uscc"],
            "company.legal_representative.name": rep,
        },
    )
    articles = _upload(
        case,
        "articles_of_association",
        client,
        "公司章程.pdf",
        scan_pdf(f"{company['name']}章程", ["第一章 总则", "第二章 经营范围", "第三章 注册资本与股东"]),
    )
    version_accept(version=articles, actor=reviewer)
    report = _upload(
        case,
        "financial_report",
        client,
        f"{statement_on.year}年度审计报告.pdf",
        scan_pdf(
            f"{statement_on.year}年度审计报告", [company["name"], f"报告期末：{statement_on.isoformat()}"]
        ),
    )
    version_accept(version=report, actor=reviewer, document_date=statement_on)
    _upload(case, "social_insurance_proof", client, "社保缴纳证明.png", photo_png(len(company["name"])))
    return True
