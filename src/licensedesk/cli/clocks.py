"""``licensedesk deadline`` and ``licensedesk obligations``: a statutory time limit's due date, and what
keeps a license alive (annual reports, renewal), for scripts and checks, from the same catalog and
working-day calendar as the application.

``deadline``:
The rule version is the one in force on the ``--from`` date (the law that applied when the clock
started). JSON: ``{"license", "limit", "from", "amount", "unit", "due", "approximate", "citations"}``
plus, additively, what the catalog says of the limit's certainty and of the practice where it differs
from the statute."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click

from licensedesk.core.catalog.loader import LookupProblem
from licensedesk.core.deadlines import COUNTING_RULES, deadline
from licensedesk.core.eligibility import citation_text
from licensedesk.core.obligations import ObligationInputError, obligations

_UNIT_ZH = {"days": "日", "working_days": "个工作日"}
_CERTAINTY_ZH = {"U": "（日历日还是工作日尚无定论 calendar or working days: not settled）"}


_KIND_ZH = {"annual_report": "年度报告", "renewal": "续期申请"}


def register(cli: click.Group, *, date_type: click.ParamType, fail: Any, catalog: Any, today: Any) -> None:
    """Add the commands to ``cli``; ``fail``, ``catalog`` and ``today`` are the CLI's own helpers (exit 2,
    the validated default catalog, today's date in China)."""

    @cli.command("deadline")
    @click.option("--license", "license_id", required=True, help="Catalog id of the license.")
    @click.option("--limit", "limit_id", required=True, help="Id of the time limit (e.g. acceptance).")
    @click.option(
        "--from", "start", type=date_type, required=True, help="Date of the event the limit counts from."
    )
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    def deadline_command(license_id: str, limit_id: str, start: date, fmt: str) -> None:
        """Print the due date of a statutory time limit counted from an event date."""
        try:
            compiled = catalog().version_on(license_id, start)
        except LookupProblem as exc:
            fail(str(exc))
        lic, version = compiled.license, compiled.version
        limits = {t.id: t for t in version.time_limits}
        limit = limits.get(limit_id)
        if limit is None:
            known = ", ".join(sorted(limits)) or "none"
            fail(f"unknown time limit {limit_id!r} for {license_id}; known: {known}")
        if limit.amount is None:
            fail(
                f"time limit {limit_id!r} of {license_id} is not a period: its due date is the one the "
                f"authority sets in the notice ({limit.due_field})"
            )
        result = deadline(start, limit.amount, limit.unit)
        citations = [citation_text(lic, (cite,)) for cite in limit.citations]
        data = {
            "license": license_id,
            "limit": limit_id,
            "from": start.isoformat(),
            "amount": limit.amount,
            "unit": limit.unit,
            "due": result.due.isoformat(),
            "approximate": result.approximate,
            "citations": citations,
            "from_event": limit.from_event,
            "practice_from_event": limit.practice_from_event,
            "certainty": limit.certainty,
            "unit_certainty": limit.unit_certainty,
            "rule_version": version.id,
        }
        if fmt == "json":
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        unit_note = _CERTAINTY_ZH.get(limit.unit_certainty or "", "")
        lines = [
            f"{lic.names.zh} · {limit.duty.zh}",
            f"{lic.names.en} · {limit.duty.en}",
            f"期限 limit: {limit.amount}{_UNIT_ZH[limit.unit]}{unit_note}（{limit.amount} {limit.unit}）, "
            f"自 {start.isoformat()} 次日起算 (counted from the day after)",
            f"届满 due: {result.due.isoformat()}"
            + (
                "（约数：该年节假日安排尚未公布 approximate: holiday arrangement not yet published）"
                if result.approximate
                else ""
            ),
            f"依据 basis: {'；'.join(citations)}",
            f"计算规则 counting: {'；'.join(COUNTING_RULES.values())}",
        ]
        if limit.practice_from_event:
            lines.append(
                f"实务 practice: counted from {limit.practice_from_event} by the administrations "
                f"(the statute: from {limit.from_event})"
            )
        if limit.certainty == "U" or limit.unit_certainty == "U":
            lines.append(
                "注意 note: part of this limit is uncertain in the sources (marked U in the catalog)"
            )
        click.echo("\n".join(lines))

    @cli.command("obligations")
    @click.option("--license", "license_id", required=True, help="Catalog id of the license.")
    @click.option("--issued-on", type=date_type, required=True, help="Issue date printed on the license.")
    @click.option("--expires-on", type=date_type, required=True, help="Expiry date printed on the license.")
    @click.option(
        "--as-of", type=date_type, default=None, help="List from this date (default: today in China)."
    )
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    def obligations_command(
        license_id: str, issued_on: date, expires_on: date, as_of: date | None, fmt: str
    ) -> None:
        """List the annual reports and the renewal a license owes from a date to its expiry."""
        day = as_of or today()
        try:
            compiled = catalog().version_on(license_id, issued_on)
        except LookupProblem as exc:
            fail(str(exc))
        try:
            found = obligations(
                compiled.license, compiled.version, issued_on=issued_on, expires_on=expires_on, as_of=day
            )
        except ObligationInputError as exc:
            fail(str(exc))
        if fmt == "json":
            click.echo(json.dumps([o.to_dict(day) for o in found], ensure_ascii=False, indent=2))
            return
        lic = compiled.license
        lines = [
            f"{lic.names.zh} {issued_on.isoformat()} – {expires_on.isoformat()}（as of {day.isoformat()}）"
        ]
        for o in found:
            window = (
                f"{o.opens.isoformat()} 至 {o.due.isoformat()}" if o.opens else f"最迟 {o.due.isoformat()}"
            )
            what = f"{o.period} 年度" if o.kind == "annual_report" else "续期"
            late = " 已逾期 overdue" if o.overdue(day) else ""
            lines.append(f"  {_KIND_ZH[o.kind]} {what}: {window}{late} — {'；'.join(o.citations)}")
        if not found:
            lines.append("  无 none")
        click.echo("\n".join(lines))
