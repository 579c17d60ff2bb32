"""``licensedesk navigate ANSWERS``: which licenses, filings and approvals a company needs.

Reads the answers (JSON or YAML, ``-`` for standard input; ``navigator-answers.schema.json``), runs the
navigator's rules on the as-of date's catalog and prints a bilingual report or, with ``--format json``,
the result (``navigator-result.schema.json``). Exit 0 whatever is needed; 2 on bad answers, naming
every bad path (unknown keys refused), with no traceback.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from licensedesk.core.navigator.answers import AnswersError, load_answers, parse_answers_text
from licensedesk.core.navigator.navigate import navigate, render_text
from licensedesk.core.navigator.rules import NavigatorRulesError, default_rules


def _answer_errors(exc: AnswersError) -> None:
    count = len(exc.problems)
    click.echo(f"licensedesk: {exc.source or 'answers'}: {count} problem(s) / 发现 {count} 处错误", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(2)


def register(cli: click.Group, *, date_type: click.ParamType, fail: Any, catalog: Any, today: Any) -> None:
    """Add ``navigate`` to ``cli``; ``fail``, ``catalog`` and ``today`` are the CLI's own helpers."""

    @cli.command("navigate")
    @click.argument("answers", type=click.Path(path_type=Path, dir_okay=False))
    @click.option(
        "--as-of", type=date_type, default=None, help="Date whose law applies (default: today in China)."
    )
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    def navigate_command(answers: Path, as_of: date | None, fmt: str) -> None:
        """Which licenses, filings and approvals a company needs, from its answers (JSON or YAML)."""
        try:
            if str(answers) == "-":
                parsed = parse_answers_text(sys.stdin.read(), source="<stdin>")
            else:
                parsed = load_answers(answers)
        except AnswersError as exc:
            _answer_errors(exc)
        try:
            result = navigate(parsed, rules=default_rules(), catalog=catalog(), as_of=as_of or today())
        except NavigatorRulesError as exc:
            fail(f"the navigator's rules are invalid:\n{exc}")
        if fmt == "json":
            click.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
        else:
            click.echo(render_text(result), nl=False)
