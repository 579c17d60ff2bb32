"""``licensedesk docs`` and ``licensedesk bundle`` through a real subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml
from reportlab.pdfgen.canvas import Canvas

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "examples" / "eligible-shenzhen.json"
CASE = ROOT / "examples" / "case.yaml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "licensedesk", *args], capture_output=True, text=True, timeout=180, check=False
    )


def test_docs_render_writes_docx_and_pdf_of_every_document(tmp_path: Path) -> None:
    done = run("docs", "render", "--profile", str(PROFILE), "--case", str(CASE), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in tmp_path.iterdir())
    assert len(written) == 20
    assert "guarantee_letter.pdf" in written and "commission_contract.docx" in written
    assert "保证书 / Guarantee letter: guarantee_letter.docx, guarantee_letter.pdf" in done.stdout
    assert done.stdout.strip().endswith(f"10 document(s) in {tmp_path} / 已生成 10 份文件")


def test_docs_render_only_one_format_and_one_document(tmp_path: Path) -> None:
    done = run(
        "docs", "render", "--profile", str(PROFILE), "--case", str(CASE), "--out", str(tmp_path),
        "--only", "application_form", "--format", "pdf",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["application_form.pdf"]


def test_docs_render_names_missing_data_and_writes_nothing(tmp_path: Path) -> None:
    case = yaml.safe_load(CASE.read_text(encoding="utf-8"))
    del case["security_officer"]
    del case["contract"]["fee_cny"]
    case_path = tmp_path / "case.yaml"
    case_path.write_text(yaml.safe_dump(case, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    done = run("docs", "render", "--profile", str(PROFILE), "--case", str(case_path), "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "licensedesk: missing data / 缺少数据:",
        "  company_profile: case.security_officer.name",
        "  security_measures: case.security_officer.name, case.security_officer.phone",
        "  security_responsibility_letter: case.security_officer.name, case.security_officer.phone",
        "  commission_contract: case.contract.fee_cny",
    ]
    assert not out.exists()


def test_docs_render_names_a_bad_case_field(tmp_path: Path) -> None:
    case_path = tmp_path / "case.yaml"
    case_path.write_text('schema_version: "1"\napplication_date: 28/11/2026\n', encoding="utf-8")
    done = run("docs", "render", "--profile", str(PROFILE), "--case", str(case_path), "--out", str(tmp_path))
    assert done.returncode == 2
    assert f"licensedesk: {case_path}: 1 problem(s) / 发现 1 处错误" in done.stderr
    assert "application_date: Input should be a valid date" in done.stderr
    assert "Traceback" not in done.stderr


def test_check_template_accepts_a_shipped_template_and_refuses_an_unknown_placeholder(tmp_path: Path) -> None:
    shipped = ROOT / "src/licensedesk/core/catalog/licenses/icp-b25/templates/guarantee_letter.docx"
    done = run("docs", "check-template", str(shipped))
    assert done.returncode == 0, done.stderr
    assert "  company.uscc" in done.stdout
    from docx import Document

    document = Document(str(shipped))
    document.add_paragraph("{{ company.fax }}")
    bad = tmp_path / "bad.docx"
    document.save(str(bad))
    done = run("docs", "check-template", str(bad))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "无效 invalid: bad.docx：模板中有未知的占位符：company.fax",
        "  bad.docx: unknown placeholders: company.fax",
    ]


PAYLOAD = (
    "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == '_wrap_close' %}"
    "{{ c.__init__.__globals__['popen']('touch MARKER').read() }}{% endif %}{% endfor %}"
)


def _payload_template(tmp_path: Path) -> Path:
    from docx import Document

    document = Document(
        str(ROOT / "src/licensedesk/core/catalog/licenses/icp-b25/templates/application_letter.docx")
    )
    document.add_paragraph(PAYLOAD.replace("MARKER", str(tmp_path / "pwned")))
    bad = tmp_path / "evil.docx"
    document.save(str(bad))
    return bad


def test_check_template_refuses_a_code_execution_payload_by_name(tmp_path: Path) -> None:
    done = run("docs", "check-template", str(_payload_template(tmp_path)))
    assert done.returncode == 1, done.stderr
    [zh, en] = done.stdout.splitlines()
    assert zh.startswith("无效 invalid: evil.docx：文件模板中不允许使用：第 ")
    assert "调用 ''.__class__.__mro__[1].__subclasses__(…)" in zh
    assert en.startswith("  evil.docx: not allowed in a document template: line ")
    assert "calling ''.__class__.__mro__[1].__subclasses__(…)" in en
    assert "the internal name c.__name__ (starting with _)" in en
    assert "Traceback" not in done.stderr


def test_docs_render_refuses_the_payload_template_and_runs_nothing(tmp_path: Path) -> None:
    bad = _payload_template(tmp_path)
    out = tmp_path / "out"
    done = run(
        "docs", "render", "--profile", str(PROFILE), "--case", str(CASE), "--out", str(out),
        "--only", "application_letter", "--template", f"application_letter={bad}",
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("licensedesk: evil.docx: not allowed in a document template: line ")
    assert "Traceback" not in done.stderr
    assert not out.exists()
    assert not (tmp_path / "pwned").exists()


def test_bundle_build_then_verify_then_tamper(tmp_path: Path) -> None:
    scan = tmp_path / "license.pdf"
    canvas = Canvas(str(scan), invariant=1)
    canvas.drawString(100, 700, "business license")
    canvas.showPage()
    canvas.save()
    bundle = tmp_path / "bundle.zip"
    done = run(
        "bundle", "build", "--profile", str(PROFILE), "--case", str(CASE), "--out", str(bundle),
        "--material", f"business_license={scan}",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (
        "注意 warning: required materials without a file: financial_report, articles_of_association"
        in done.stderr
    )
    done = run("bundle", "verify", str(bundle))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "有效 valid: 12 file(s) match manifest.json (case LD-2026-0042, rule version 2017-09-01"
    )

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            if name == "04-business_plan_and_technical_solution.pdf":
                continue
            data = source.read(name)
            if name == "02-business_license.pdf":
                data += b"\n% appended"
            target.writestr(name, data)
        target.writestr("notes.txt", "extra")
    done = run("bundle", "verify", str(tampered))
    assert done.returncode == 1
    assert done.stdout.splitlines()[:3] == [
        "changed 已修改: 02-business_license.pdf",
        "added 多出: notes.txt",
        "removed 缺失: 04-business_plan_and_technical_solution.pdf",
    ]
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(bundle.read_bytes())).read("manifest.json"))
    assert manifest["files"][1]["path"] == "01-application_letter.pdf"


def test_bundle_build_refuses_a_malformed_material_option(tmp_path: Path) -> None:
    done = run(
        "bundle", "build", "--profile", str(PROFILE), "--case", str(CASE), "--out", str(tmp_path / "b.zip"),
        "--material", "business_license",
    )  # fmt: skip
    assert done.returncode == 2
    assert (
        done.stderr
        == "licensedesk: --material 'business_license': expected ID=PATH / 格式应为 编号=文件路径\n"
    )


def test_bundle_verify_refuses_a_file_that_is_not_a_bundle(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_text("hello")
    done = run("bundle", "verify", str(path))
    assert done.returncode == 2
    assert done.stderr.startswith(f"licensedesk: {path}: not a zip file")


def test_a_missing_cjk_font_names_the_debian_package(tmp_path: Path) -> None:
    env = {**os.environ, "LICENSEDESK_CJK_FONT": str(tmp_path / "no-font.ttc")}
    command = [
        sys.executable, "-m", "licensedesk", "docs", "render", "--profile", str(PROFILE), "--case", str(CASE),
        "--out", str(tmp_path / "out"), "--only", "guarantee_letter",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False, env=env)
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"licensedesk: The CJK font {tmp_path / 'no-font.ttc'} is missing: install the Debian package "
        "fonts-wqy-zenhei (apt-get install -y fonts-wqy-zenhei)"
    )
    assert "请安装 Debian 软件包 fonts-wqy-zenhei" in done.stderr
