"""The submission bundle: checklist order, manifest, contents, print packet, verification."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas
from tests.core.documents.test_render import COMPANY, USCC, pdf_text

from licensedesk.core.documents import BundleError, DocumentSet
from licensedesk.core.documents.bundle import Bundle, MaterialFile, build_bundle, verify_bundle
from licensedesk.core.documents.packet import COPY_MARK
from licensedesk.core.profile import CompanyProfile


def scan_pdf(path: Path, pages: int = 1) -> Path:
    canvas = Canvas(str(path), invariant=1)
    for number in range(pages):
        canvas.drawString(100, 700, f"scan page {number + 1}")
        canvas.showPage()
    canvas.save()
    return path


def scan_png(path: Path) -> Path:
    Image.new("RGB", (800, 600), (200, 220, 255)).save(path)
    return path


@pytest.fixture(scope="module")
def materials(tmp_path_factory: pytest.TempPathFactory) -> list[MaterialFile]:
    folder = tmp_path_factory.mktemp("materials")
    return [
        MaterialFile("business_license", scan_pdf(folder / "营业执照.pdf")),
        MaterialFile("articles_of_association", scan_pdf(folder / "章程.pdf", pages=2)),
        MaterialFile("credit_proof", scan_png(folder / "credit.png")),
    ]


@pytest.fixture(scope="module")
def bundle(document_set: DocumentSet, profile: CompanyProfile, materials: list[MaterialFile]) -> Bundle:
    return build_bundle(document_set, materials, company=profile.company.name, uscc=profile.company.uscc)


def names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()


def test_files_follow_the_checklist_with_contents_packet_and_manifest(bundle: Bundle) -> None:
    assert names(bundle.data) == [
        "00-contents.pdf",
        "01-application_letter.pdf",
        "02-business_license.pdf",
        "03-company_profile.pdf",
        "04-articles_of_association.pdf",
        "05-business_plan_and_technical_solution.pdf",
        "06-security_measures.pdf",
        "07-guarantee_letter.pdf",
        "08-application_form.pdf",
        "09-security_responsibility_letter.pdf",
        "10-long_term_service_measures.pdf",
        "11-credit_proof.png",
        "12-lawful_operation_commitment.pdf",
        "print-packet.pdf",
        "manifest.json",
    ]


def test_the_commission_contract_is_not_submitted(bundle: Bundle) -> None:
    assert not any("commission_contract" in name for name in names(bundle.data))


def test_manifest_lists_every_file_with_size_and_hash(bundle: Bundle) -> None:
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest == bundle.manifest
        assert manifest["format"] == "licensedesk-bundle/1"
        assert manifest["case"] == {"number": "LD-2026-0042", "company": COMPANY, "uscc": USCC}
        assert manifest["license"] == "icp-b25"
        assert manifest["rule_version"] == "2017-09-01"
        assert manifest["generated_at"] == "2026-11-28T09:30:00+08:00"
        assert manifest["missing_required_materials"] == ["financial_report", "social_insurance_proof"]
        assert [f["path"] for f in manifest["files"]] == names(bundle.data)[:-1]
        for entry in manifest["files"]:
            data = archive.read(entry["path"])
            assert entry["size"] == len(data)
            assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        license_entry = next(f for f in manifest["files"] if f["material"] == "business_license")
        assert license_entry["source"] == "supplied"
        assert license_entry["original_name"] == "营业执照.pdf"
    assert bundle.warnings == ["required materials without a file: financial_report, social_insurance_proof"]


def test_contents_list_each_item_with_its_pages_in_the_packet(bundle: Bundle) -> None:
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        contents = pdf_text(archive.read("00-contents.pdf"))
        packet = PdfReader(io.BytesIO(archive.read("print-packet.pdf")))
    assert "目　录" in contents or "目 录" in contents
    assert "2026年11月28日" in contents
    assert "营业执照副本复印件" in contents
    # item 2 (business license) comes after the contents (1 page) and item 1 (separator + 1 page)
    assert "02-business_license.pdf" in contents
    assert "4–5" in contents
    separator = packet.pages[3].extract_text()
    assert "材料 2" in separator and "营业执照副本复印件" in separator
    assert "以下共 1 页（复印件，须加盖公章）" in separator


def test_packet_numbers_every_page_and_marks_each_copy_for_the_seal(bundle: Bundle) -> None:
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        packet = PdfReader(io.BytesIO(archive.read("print-packet.pdf")))
    total = len(packet.pages)
    texts = [page.extract_text() for page in packet.pages]
    for number, text in enumerate(texts, start=1):
        assert f"总第 {number} 页 / 共 {total} 页" in text
    copies = [t for t in texts if "scan page" in t]
    assert len(copies) == 3  # license (1 page) and articles (2 pages)
    assert all(COPY_MARK in t for t in copies)
    generated = [t for t in texts if COMPANY in t and "scan page" not in t and "材料" not in t[:10]]
    assert generated and not any(COPY_MARK in t for t in generated)
    separator = next(i for i, t in enumerate(texts) if t.startswith("材料 11\n公司信誉情况证明材料"))
    image_page = texts[separator + 1]
    assert COPY_MARK in image_page


def test_same_input_gives_the_same_bundle(
    bundle: Bundle, document_set: DocumentSet, profile: CompanyProfile, materials: list[MaterialFile]
) -> None:
    again = build_bundle(document_set, materials, company=profile.company.name, uscc=profile.company.uscc)
    assert again.data == bundle.data


def test_verify_accepts_an_untouched_bundle(bundle: Bundle, tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle.data)
    report = verify_bundle(path)
    assert report.ok
    assert (report.changed, report.added, report.removed) == ([], [], [])


def _rewrite(
    data: bytes,
    *,
    replace: dict[str, bytes] | None = None,
    drop: str | None = None,
    add: dict[str, bytes] | None = None,
) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            if name == drop:
                continue
            target.writestr(name, (replace or {}).get(name, source.read(name)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def test_verify_names_a_changed_file(bundle: Bundle) -> None:
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        letter = archive.read("01-application_letter.pdf")
    report = verify_bundle(
        _rewrite(bundle.data, replace={"01-application_letter.pdf": letter.replace(b"2026", b"2025", 1)})
    )
    assert not report.ok
    assert (report.changed, report.added, report.removed) == (["01-application_letter.pdf"], [], [])


def test_verify_names_an_added_file(bundle: Bundle) -> None:
    report = verify_bundle(_rewrite(bundle.data, add={"99-extra.pdf": b"%PDF-1.4"}))
    assert (report.changed, report.added, report.removed) == ([], ["99-extra.pdf"], [])


def test_verify_names_a_removed_file(bundle: Bundle) -> None:
    report = verify_bundle(_rewrite(bundle.data, drop="02-business_license.pdf"))
    assert (report.changed, report.added, report.removed) == ([], [], ["02-business_license.pdf"])


def test_verify_names_a_duplicate_entry_shadowing_a_listed_file(bundle: Bundle) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name, which is the point
        tampered = _rewrite(bundle.data, add={"02-business_license.pdf": b"other"})
    report = verify_bundle(tampered)
    assert "02-business_license.pdf (duplicate entry)" in report.added
    assert report.changed == ["02-business_license.pdf"]


def test_verify_refuses_what_is_not_a_bundle(tmp_path: Path, bundle: Bundle) -> None:
    with pytest.raises(BundleError, match="not a zip file"):
        verify_bundle(b"not a zip")
    with pytest.raises(BundleError, match=r"bundle: no manifest.json in the bundle"):
        verify_bundle(_rewrite(bundle.data, drop="manifest.json"))
    with pytest.raises(BundleError, match=r"missing.zip: file not found"):
        verify_bundle(tmp_path / "missing.zip")


def test_a_material_of_a_kind_the_checklist_refuses_is_named(
    document_set: DocumentSet, tmp_path: Path
) -> None:
    png = scan_png(tmp_path / "articles.png")
    with pytest.raises(BundleError) as caught:
        build_bundle(document_set, [MaterialFile("articles_of_association", png)], company=COMPANY, uscc=USCC)
    assert caught.value.message == f"{png}: a articles_of_association file must be one of pdf, ofd"
    assert caught.value.message_zh == f"{png}：公司章程、股权结构及股东信息的文件类型应为 pdf, ofd"


def test_an_unknown_material_id_and_a_missing_file_are_named(
    document_set: DocumentSet, tmp_path: Path
) -> None:
    with pytest.raises(BundleError, match=r"unknown material id 'passport'"):
        build_bundle(document_set, [MaterialFile("passport", tmp_path / "p.pdf")], company=COMPANY, uscc=USCC)
    with pytest.raises(BundleError, match=r"gone.pdf: file not found"):
        build_bundle(
            document_set,
            [MaterialFile("business_license", tmp_path / "gone.pdf")],
            company=COMPANY,
            uscc=USCC,
        )


def test_a_damaged_pdf_material_is_named(document_set: DocumentSet, tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(
        BundleError, match=r"broken.pdf\b.*not a readable PDF|02-business_license.pdf: not a readable PDF"
    ):
        build_bundle(document_set, [MaterialFile("business_license", bad)], company=COMPANY, uscc=USCC)


def test_a_material_that_cannot_be_printed_gets_a_sheet_saying_so(
    document_set: DocumentSet, tmp_path: Path
) -> None:
    xlsx = tmp_path / "report.xlsx"
    xlsx.write_bytes(b"PK\x03\x04 spreadsheet")
    built = build_bundle(document_set, [MaterialFile("financial_report", xlsx)], company=COMPANY, uscc=USCC)
    assert "03-financial_report.xlsx: XLSX 文件，不能并入打印稿，请单独打印" in built.warnings
    with zipfile.ZipFile(io.BytesIO(built.data)) as archive:
        packet = pdf_text(archive.read("print-packet.pdf"))
    assert "XLSX 文件，不能并入打印稿，请单独打印" in packet


# -- the set you would hand in (issue 10 item 11) ----------------------------------------------------


def test_a_signed_upload_replaces_the_generated_draft(
    document_set: DocumentSet, profile: CompanyProfile, materials: list[MaterialFile], tmp_path: Path
) -> None:
    signed = MaterialFile("application_letter", scan_pdf(tmp_path / "书面申请-已盖章.pdf"))
    built = build_bundle(
        document_set, [*materials, signed], company=profile.company.name, uscc=profile.company.uscc
    )
    letters = [f for f in built.manifest["files"] if f["material"] == "application_letter"]
    assert letters == [
        {
            "path": "01-application_letter.pdf",
            "material": "application_letter",
            "source": "supplied",
            "original_name": "书面申请-已盖章.pdf",
            "size": signed.path.stat().st_size,
            "sha256": hashlib.sha256(signed.path.read_bytes()).hexdigest(),
        }
    ]
    with zipfile.ZipFile(io.BytesIO(built.data)) as archive:
        packet = pdf_text(archive.read("print-packet.pdf"))
    assert packet.count("文件：01-application_letter") == 1  # one separator: the signed copy only
    assert "以下共 1 页（复印件，须加盖公章）" in packet


def test_contents_mark_each_missing_required_item(bundle: Bundle) -> None:
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        lines = [line.strip() for line in pdf_text(archive.read("00-contents.pdf")).splitlines()]
    # listed in checklist order (after the company profile, before the articles), no file, marked 缺
    at = lines.index("最近经会计师事务所审计的财务报告或验资报告")
    assert lines[at - 1 : at + 3] == ["6–8", "最近经会计师事务所审计的财务报告或验资报告", "—", "缺"]
    assert lines[at + 3] == "4"  # the numbering goes on with the articles
    assert lines.count("缺") == 2  # and the social insurance proof


def test_the_build_time_is_the_manifests_and_a_rebuild_gives_the_same_bytes(
    document_set: DocumentSet, profile: CompanyProfile, materials: list[MaterialFile]
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    built_at = datetime(2026, 12, 3, 10, 17, 42, tzinfo=ZoneInfo("Asia/Shanghai"))
    first = build_bundle(
        document_set, materials, company=profile.company.name, uscc=profile.company.uscc, built_at=built_at
    )
    again = build_bundle(
        document_set, materials, company=profile.company.name, uscc=profile.company.uscc, built_at=built_at
    )
    assert first.manifest["generated_at"] == "2026-12-03T10:17:42+08:00"
    assert first.data == again.data
    later = build_bundle(
        document_set,
        materials,
        company=profile.company.name,
        uscc=profile.company.uscc,
        built_at=built_at.replace(minute=18),
    )
    assert later.data != first.data
