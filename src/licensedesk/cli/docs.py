"""``licensedesk docs`` and ``licensedesk bundle``: draft a case's documents and build or verify its
submission bundle offline, with the same core as the application.

Exit codes as the rest of the CLI: 0 done, 1 the thing checked is invalid (``docs check-template``,
``bundle verify``), 2 bad input (missing data is named field by field), never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from licensedesk.core.errors import ApplicationError
from licensedesk.core.profile import CompanyProfile, ProfileError, load_profile

if TYPE_CHECKING:
    from licensedesk.core.documents.case import CaseData
    from licensedesk.core.documents.render import DocumentSet

# The document libraries (ReportLab, docxtpl, pypdf) take about a third of a second to import: they are
# imported inside the commands that use them, so `licensedesk check` and the rest do not pay for them.


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"licensedesk: {message}", err=True)
    sys.exit(code)


def _problems(exc: ProfileError) -> NoReturn:
    click.echo(
        f"licensedesk: {exc.source or 'input'}: {len(exc.problems)} problem(s) / "
        f"发现 {len(exc.problems)} 处错误",
        err=True,
    )
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(2)


def _inputs(profile: Path, case: Path) -> tuple[CompanyProfile, CaseData]:
    from licensedesk.core.documents.case import load_case

    try:
        return load_profile(profile), load_case(case)
    except ProfileError as exc:  # the case file's errors (CaseFileError) included
        _problems(exc)


def _pairs(values: tuple[str, ...], option: str) -> list[tuple[str, Path]]:
    pairs = []
    for value in values:
        key, sep, path = value.partition("=")
        if not sep or not key or not path:
            _fail(f"{option} {value!r}: expected ID=PATH / 格式应为 编号=文件路径")
        pairs.append((key.strip(), Path(path)))
    return pairs


def _templates(values: tuple[str, ...]) -> dict[str, tuple[bytes, str]]:
    """``--template ID=FILE`` → document id → (bytes, file name, to name the file in a refusal)."""
    templates = {}
    for doc_id, path in _pairs(values, "--template"):
        try:
            templates[doc_id] = (path.read_bytes(), path.name)
        except OSError:
            _fail(f"{path}: template file not found or unreadable / 模板文件不存在或无法读取")
    return templates


def _render(
    profile: CompanyProfile,
    case: CaseData,
    only: tuple[str, ...],
    templates: dict[str, tuple[bytes, str]],
    pdf: bool = True,
) -> DocumentSet:
    from licensedesk.core.documents.errors import DocumentDataMissing
    from licensedesk.core.documents.render import render_documents

    try:
        return render_documents(
            profile,
            case,
            only=only or None,
            templates={doc_id: data for doc_id, (data, _) in templates.items()},
            template_names={doc_id: name for doc_id, (_, name) in templates.items()},
            pdf=pdf,
        )
    except DocumentDataMissing as exc:
        click.echo("licensedesk: missing data / 缺少数据:", err=True)
        for doc_id, paths in exc.missing.items():
            click.echo(f"  {doc_id}: {', '.join(paths)}", err=True)
        sys.exit(2)
    except ApplicationError as exc:  # a bad agency template, the CJK font missing
        _fail(f"{exc.message} / {exc.message_zh}")
    except KeyError as exc:
        _fail(str(exc.args[0]))


profile_option = click.option(
    "--profile",
    "profile_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Company profile (JSON or YAML).",
)
case_option = click.option(
    "--case",
    "case_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Case file (YAML): agency, fee, dates …",
)
template_option = click.option(
    "--template",
    "template_args",
    multiple=True,
    metavar="ID=FILE.docx",
    help="Use an agency's own template for a document.",
)


@click.group()
def docs() -> None:
    """Application documents: draft them as DOCX and PDF, check agency templates."""


@docs.command("render")
@profile_option
@case_option
@click.option(
    "--out", required=True, type=click.Path(path_type=Path, file_okay=False), help="Folder to write to."
)
@click.option("--only", multiple=True, metavar="ID", help="Only this document (repeatable).")
@template_option
@click.option(
    "--format", "fmt", type=click.Choice(["both", "docx", "pdf"]), default="both", show_default=True
)
def docs_render(
    profile_path: Path,
    case_path: Path,
    out: Path,
    only: tuple[str, ...],
    template_args: tuple[str, ...],
    fmt: str,
) -> None:
    """Draft the case's documents into OUT as <id>.docx and <id>.pdf."""
    profile, case = _inputs(profile_path, case_path)
    result = _render(profile, case, only, _templates(template_args), pdf=fmt != "docx")
    out.mkdir(parents=True, exist_ok=True)
    for doc in result.documents:
        written = []
        if fmt in ("both", "docx"):
            (out / f"{doc.id}.docx").write_bytes(doc.docx)
            written.append(f"{doc.id}.docx")
        if fmt in ("both", "pdf"):
            (out / f"{doc.id}.pdf").write_bytes(doc.pdf)
            written.append(f"{doc.id}.pdf")
        click.echo(f"{doc.title_zh} / {doc.title_en}: {', '.join(written)}")
    for skipped in result.skipped:
        d = skipped.definition
        click.echo(
            f"不需要 not needed: {d.title.zh} / {d.title.en} — {skipped.because_zh} / {skipped.because_en}"
        )
    click.echo(f"{len(result.documents)} document(s) in {out} / 已生成 {len(result.documents)} 份文件")


@docs.command("check-template")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def docs_check_template(file: Path) -> None:
    """Check a DOCX template: every placeholder and filter must be known, and nothing outside the
    allow-list of harmless constructs may be used (calls, ``_`` names, ``set``, ``include`` …)."""
    from licensedesk.core.documents.errors import TemplateInvalid
    from licensedesk.core.documents.template_check import check_template

    try:
        data = file.read_bytes()
    except OSError:
        _fail(f"{file}: file not found or unreadable / 文件不存在或无法读取")
    try:
        report = check_template(data, name=file.name)
    except TemplateInvalid as exc:
        click.echo(f"无效 invalid: {exc.message_zh}")
        click.echo(f"  {exc.message}")
        sys.exit(1)
    click.echo(f"有效 valid: {len(report.paths)} placeholder path(s)")
    for path in sorted(report.paths):
        click.echo(f"  {path}")


@click.group()
def bundle() -> None:
    """Submission bundles: build one, verify one."""


@bundle.command("build")
@profile_option
@case_option
@click.option(
    "--out", required=True, type=click.Path(path_type=Path, dir_okay=False), help="The bundle (.zip)."
)
@click.option(
    "--material",
    "material_args",
    multiple=True,
    metavar="ID=FILE",
    help="An accepted material file (repeatable).",
)
@template_option
def bundle_build(
    profile_path: Path,
    case_path: Path,
    out: Path,
    material_args: tuple[str, ...],
    template_args: tuple[str, ...],
) -> None:
    """Build the submission bundle: documents and materials in checklist order, contents (目录), print
    packet, manifest."""
    from licensedesk.core.documents.bundle import MaterialFile, build_bundle

    profile, case = _inputs(profile_path, case_path)
    materials = [MaterialFile(material_id, path) for material_id, path in _pairs(material_args, "--material")]
    result = _render(profile, case, (), _templates(template_args))
    try:
        built = build_bundle(result, materials, company=profile.company.name, uscc=profile.company.uscc)
    except ApplicationError as exc:
        _fail(f"{exc.message} / {exc.message_zh}")
    out.write_bytes(built.data)
    for warning in built.warnings:
        click.echo(f"注意 warning: {warning}", err=True)
    click.echo(f"{out}: {len(built.manifest['files'])} file(s) and manifest.json / 已生成提交材料包")


@bundle.command("verify")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def bundle_verify(file: Path) -> None:
    """Recompute every hash of a bundle; name any file added, removed or changed (exit 1)."""
    from licensedesk.core.documents.bundle import verify_bundle

    try:
        report = verify_bundle(file)
    except ApplicationError as exc:
        _fail(f"{exc.message} / {exc.message_zh}")
    for path in report.changed:
        click.echo(f"changed 已修改: {path}")
    for path in report.added:
        click.echo(f"added 多出: {path}")
    for path in report.removed:
        click.echo(f"removed 缺失: {path}")
    count = len(report.manifest.get("files", []))
    if not report.ok:
        click.echo(f"无效 invalid: the bundle does not match its manifest ({count} file(s) listed)")
        sys.exit(1)
    case = report.manifest.get("case", {})
    click.echo(
        f"有效 valid: {count} file(s) match manifest.json (case {case.get('number')}, "
        f"rule version {report.manifest.get('rule_version')}, "
        f"generated {report.manifest.get('generated_at')})"
    )


def register(cli: click.Group) -> None:
    """Add the ``docs`` and ``bundle`` groups to the ``licensedesk`` command."""
    cli.add_command(docs)
    cli.add_command(bundle)
