"""The DOCX files are sound for the people who edit them: LibreOffice converts every one without error
(one batched call, as document-assembly tools use it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from tests.core.documents.test_render import COMPANY, USCC, pdf_text

from licensedesk.core.documents import DocumentSet

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
@pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice missing: apt-get install -y libreoffice-writer-nogui"
)
def test_libreoffice_converts_every_generated_docx(document_set: DocumentSet, tmp_path: Path) -> None:
    sources = []
    for doc in document_set.documents:
        path = tmp_path / f"{doc.id}.docx"
        path.write_bytes(doc.docx)
        sources.append(path)
    out = tmp_path / "pdf"
    done = subprocess.run(
        [
            SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless", "--norestore",
            "--convert-to", "pdf", "--outdir", str(out), *map(str, sources),
        ],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr, done.stderr
    for doc in document_set.documents:
        converted = out / f"{doc.id}.pdf"
        assert converted.is_file(), f"{doc.id}: not converted\n{done.stdout}\n{done.stderr}"
        text = pdf_text(converted.read_bytes())
        assert COMPANY in text, doc.id
        assert USCC in text, doc.id
