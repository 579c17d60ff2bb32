"""The ``licensedesk`` command: the same engine as the application, offline.

Exit codes: 0 done (whatever the verdict), 1 the thing checked is invalid (``validate``, ``catalog
validate``), 2 bad input or usage. Errors name the file and the field and never print a traceback.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import click

from licensedesk.cli.catalog_schema import register as register_catalog_schema
from licensedesk.cli.docs import register as register_document_commands
from licensedesk.core.catalog.loader import CatalogError, LookupProblem, default_catalog, load_catalog
from licensedesk.core.catalog.profile_schema import validate_section
from licensedesk.core.eligibility import Evaluator, citation_text
from licensedesk.core.identifiers import (
    IdentifierError,
    parse_icp_filing,
    parse_license_number,
    parse_resident_id,
    validate_uscc,
)
from licensedesk.core.profile import ProfileError, load_profile, parse_profile_text, validate_profile
from licensedesk.core.report import render_check_text
from licensedesk.core.screening import (
    ResultWriter,
    ScreeningInputError,
    ScreeningSummary,
    read_rows,
    screen_row,
    statuses,
)

CHINA = ZoneInfo("Asia/Shanghai")


def today_in_china() -> date:
    """Legal dates are Chinese dates: 'today' is the date in Beijing, wherever the command runs."""
    return datetime.now(CHINA).date()


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"licensedesk: {message}", err=True)
    sys.exit(code)


def _evaluator(license_id: str, as_of: date | None) -> Evaluator:
    day = as_of or today_in_china()
    try:
        return Evaluator(default_catalog().version_on(license_id, day), day)
    except LookupProblem as exc:
        _fail(str(exc))
    except CatalogError as exc:
        _fail(f"the license catalog is invalid:\n{exc}")


def _profile_errors(exc: ProfileError) -> NoReturn:
    click.echo(
        f"licensedesk: {exc.source or 'profile'}: {len(exc.problems)} problem(s) / 发现 "
        f"{len(exc.problems)} 处错误",
        err=True,
    )
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(2)


class _DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD", param, ctx)


DATE = _DateType()
as_of_option = click.option(
    "--as-of",
    type=DATE,
    default=None,
    help="Date whose rules apply and against which validity is judged (default: today in China).",
)
license_option = click.option(
    "--license",
    "license_id",
    default="icp-b25",
    show_default=True,
    help="Catalog id of the license (every license with its Chinese name: licensedesk catalog list).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """licensedesk: Chinese business-license applications, from eligibility to certificate."""


@cli.command()
@click.argument("profile", type=click.Path(path_type=Path, dir_okay=False))
@license_option
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(profile: Path, license_id: str, as_of: date | None, fmt: str) -> None:
    """Check one company profile (JSON or YAML; - reads standard input) against a license's rules."""
    as_of = as_of or today_in_china()  # the profile is judged on the same date as the rules
    evaluator = _evaluator(license_id, as_of)  # an unknown license or date is reported first
    try:
        if str(profile) == "-":
            company = validate_profile(
                parse_profile_text(sys.stdin.read(), source="<stdin>"), source="<stdin>", as_of=as_of
            )
        else:
            company = load_profile(profile, as_of=as_of)
        company = validate_section(company, license_id, source=str(profile))  # extensions.<license>
    except ProfileError as exc:
        _profile_errors(exc)
    result = evaluator.check(company)
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(render_check_text(result, company.company.name), nl=False)


@cli.group()
def catalog() -> None:
    """The license catalog: list, show and validate license definitions."""


@catalog.command("list")
def catalog_list() -> None:
    """List the licenses in the catalog with their rule versions."""
    for lic in _catalog().licenses():
        versions = ", ".join(f"{v.id} ({v.effective_from}–{v.effective_to or ''})" for v in lic.versions)
        click.echo(f"{lic.id}\t{lic.category}\t{lic.short_names.zh} / {lic.short_names.en}\t{versions}")


def _catalog():
    try:
        return default_catalog()
    except CatalogError as exc:
        _fail(f"the license catalog is invalid:\n{exc}")


@catalog.command("show")
@click.argument("license_id")
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def catalog_show(license_id: str, as_of: date | None, fmt: str) -> None:
    """Show a license: legal bases, conditions, materials, time limits and stages in force on a date."""
    try:
        compiled = _catalog().version_on(license_id, as_of or today_in_china())
    except LookupProblem as exc:
        _fail(str(exc))
    lic, version = compiled.license, compiled.version
    if fmt == "json":
        data = {
            "license": lic.model_dump(mode="json", by_alias=True, exclude={"versions"}),
            "version": version.model_dump(mode="json", by_alias=True),
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    out = [
        f"{lic.names.zh}",
        f"{lic.names.en}",
        f"id {lic.id} · 类别 category {lic.category} · "
        f"规则版本 rule version {version.id} (from {version.effective_from})",
        "",
        "法律依据 Legal bases",
    ]
    out += [
        f"  {b.title}（{b.instrument or b.title_en}）[{b.certainty}]" + (f" {b.url}" if b.url else "")
        for b in lic.legal_bases
    ]
    out += ["", "申请条件 Conditions"]
    out += [
        f"  {c.id}: {c.title.zh} / {c.title.en} — {citation_text(lic, c.citations)}"
        for c in version.conditions
    ]
    out += ["", "申请材料 Materials"]
    for m in version.materials:
        when = (
            "always"
            if m.required_when is True
            else ("on request" if m.required_when is False else "conditional")
        )
        out.append(f"  {m.id}: {m.title.zh} [{m.basis}, {when}, supplied by {m.supplied_by}]")
    out += ["", "时限 Time limits"]
    for t in version.time_limits:
        unit = {"days": "日", "working_days": "个工作日"}[t.unit]
        period = f"{t.amount}{unit}" if t.amount is not None else f"按通知所定日期 (set in {t.due_field})"
        if t.extension_amount:
            period += f"（可延长 {t.extension_amount}{unit} / +{t.extension_amount} extendable）"
        out.append(
            f"  {t.id}: {period}（from {t.from_event}）{t.duty.zh} [{t.certainty}] — "
            f"{citation_text(lic, t.citations)}"
        )
    if version.validity is None:
        out.append("  validity: 长期有效（无固定期限） / no fixed term")
    else:
        renew = f"; renewal ≥ {version.renewal.lead_days} 日 before expiry" if version.renewal else ""
        out.append(f"  validity: {version.validity.years} 年{renew}")
    for d in version.duties:
        unit = {"days": "日", "working_days": "个工作日"}[d.unit]
        out.append(f"  duty {d.id}: {d.title.zh} {d.amount}{unit}（from {d.from_event}）[{d.certainty}]")
    if version.annual_report:
        out.append(
            f"  annual report: {version.annual_report.window_from} – {version.annual_report.window_to}"
        )
    out += ["", "办理阶段 Stages"]
    out += [
        f"  {s.id}: {s.title.zh} / {s.title.en}" + (" (terminal)" if s.terminal else "")
        for s in version.workflow.stages
    ]
    click.echo("\n".join(out))


@catalog.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
def catalog_validate(files: tuple[Path, ...]) -> None:
    """Check license files (default: the shipped catalog) and report every problem with file and path."""
    try:
        loaded = load_catalog(list(files) if files else None)
    except CatalogError as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        click.echo(f"{len(exc.problems)} problem(s) found / 发现 {len(exc.problems)} 处问题", err=True)
        sys.exit(1)
    licenses = loaded.licenses()
    versions = sum(len(lic.versions) for lic in licenses)
    click.echo(f"OK: {len(licenses)} license(s), {versions} rule version(s) / 校验通过")


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@license_option
@as_of_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write one result per row to .csv or .jsonl.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal)."
)
def screen(file: Path, license_id: str, as_of: date | None, out: Path | None, progress: bool | None) -> None:
    """Screen many companies (CSV or JSON Lines) and summarise the verdicts."""
    from tqdm import tqdm

    evaluator = _evaluator(license_id, as_of)
    summary = ScreeningSummary()
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle, _open_out(out) as sink:
            writer = ResultWriter(out, sink) if out else None
            rows = read_rows(file, handle)
            bar = tqdm(
                rows, unit=" rows", file=sys.stderr, disable=not progress if progress is not None else None
            )
            for row in bar:
                record = screen_row(row, evaluator)
                result = record.get("result")
                summary.add(
                    result["verdict"] if result else "invalid", statuses(result, "unmet") if result else []
                )
                if writer:
                    writer.write(record)
    except FileNotFoundError as exc:
        _fail(f"{exc.filename}: file not found / 文件不存在")
    except (ScreeningInputError, UnicodeDecodeError) as exc:
        _fail(str(exc))
    _print_summary(summary, evaluator, out)


class _NullSink:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _open_out(out: Path | None):
    if out is None:
        return _NullSink()
    if out.suffix.lower() not in (".csv", ".jsonl"):
        _fail(f"{out}: unsupported output kind {out.suffix or '(none)'}; use .csv or .jsonl")
    return out.open("w", encoding="utf-8", newline="")


def _print_summary(summary: ScreeningSummary, evaluator: Evaluator, out: Path | None) -> None:
    titles = {c.id: c.title for c in evaluator.compiled.version.conditions}
    names = {
        "eligible": "符合 eligible",
        "not_eligible": "不符合 not eligible",
        "incomplete": "信息不完整 incomplete",
        "invalid": "无效输入 invalid",
    }
    click.echo(
        f"筛查 Screened: {summary.total} 家企业 companies ({evaluator.license_id} "
        f"{evaluator.ruleset_version}, as of {evaluator.as_of})"
    )
    for key, name in names.items():
        count = summary.verdicts.get(key, 0)
        share = f"{100 * count / summary.total:.1f}%" if summary.total else "-"
        click.echo(f"  {name}: {count} ({share})")
    if summary.unmet:
        click.echo("最常见的不满足条件 Most common unmet conditions:")
        for cond_id, count in summary.unmet.most_common(5):
            click.echo(f"  {cond_id} {titles[cond_id].zh} / {titles[cond_id].en}: {count}")
    if out:
        click.echo(f"结果 Results: {out}")


@cli.command()
@click.argument("kind", type=click.Choice(["uscc", "resident-id", "license-number", "icp-filing"]))
@click.argument("value")
def validate(kind: str, value: str) -> None:
    """Check an identifier: a USCC, a resident ID number, a telecom license number or an ICP filing number."""
    try:
        details = _identifier_details(kind, value)
    except IdentifierError as exc:
        click.echo(f"无效 invalid: {exc}")
        sys.exit(1)
    click.echo("有效 valid")
    for key, shown in details.items():
        click.echo(f"  {key}: {shown}")


def _identifier_details(kind: str, value: str) -> dict[str, Any]:
    if kind == "uscc":
        return {"number": validate_uscc(value)}
    if kind == "resident-id":
        rid = parse_resident_id(value, today=today_in_china())
        province = rid.province.name_zh if rid.province else rid.region
        return {"number": rid.number, "birth_date": rid.birth_date, "sex": rid.sex, "region": province}
    if kind == "license-number":
        lic = parse_license_number(value, today=today_in_china())
        issuer = f"{lic.province.name_zh}通信管理局" if lic.province else "工业和信息化部 (MIIT)"
        return {
            "number": lic.number,
            "issuer": issuer,
            "categories": ".".join(lic.categories),
            "foreign_invested": lic.foreign_invested,
            "year": lic.year,
            "serial": lic.serial,
        }
    filing = parse_icp_filing(value, today=today_in_china())
    return {
        "number": filing.number,
        "province": filing.province.name_zh,
        "entity_serial": filing.entity_serial,
        "site_serial": filing.site_serial,
        "first_year": filing.first_year,
    }


def _register_web_commands() -> None:
    from licensedesk.cli.backup import backup, restore
    from licensedesk.cli.deploy import deploy
    from licensedesk.cli.web import audit, demo, housekeeping, serve

    cli.add_command(backup)
    cli.add_command(restore)
    cli.add_command(serve)
    cli.add_command(deploy)
    cli.add_command(demo)
    cli.add_command(audit)
    cli.add_command(housekeeping)


_register_web_commands()

from licensedesk.cli.clocks import register as register_clock_commands  # noqa: E402  (uses the helpers above)

register_clock_commands(cli, date_type=DATE, fail=_fail, catalog=_catalog, today=today_in_china)
from licensedesk.cli.navigator import register as register_navigator  # noqa: E402

register_navigator(cli, date_type=DATE, fail=_fail, catalog=_catalog, today=today_in_china)


register_document_commands(cli)
register_catalog_schema(cli, fail=_fail, catalog=_catalog)


def main() -> None:
    cli(prog_name="licensedesk")
