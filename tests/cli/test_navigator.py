"""``licensedesk navigate``: the JSON result meets its published schema, the text report reads needs
first, and bad answers exit 2 naming every bad path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from jsonschema import Draft202012Validator

from licensedesk.cli.main import cli
from licensedesk.contracts import load_schema

RESULT_VALIDATOR = Draft202012Validator(
    load_schema("navigator-result.schema.json"), format_checker=Draft202012Validator.FORMAT_CHECKER
)
PLATFORM = """\
province: CN-GD
city: 深圳
online:
  website_or_app: true
  charges_users_or_advertisers: true
  third_party_merchants_trade_on_platform: true
  users_across_provinces: true
  content_areas: [news]
dispatches_workers_to_other_employers: true
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_json_result_meets_the_schema(tmp_path: Path) -> None:
    answers = _write(tmp_path, "answers.yaml", PLATFORM)
    done = CliRunner().invoke(cli, ["navigate", str(answers), "--format", "json", "--as-of", "2026-12-03"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert list(RESULT_VALIDATOR.iter_errors(data)) == []
    assert data["as_of"] == "2026-12-03"
    assert [n["license"] for n in data["needs"]] == [
        "icp-b25",
        "edi-b21",
        "internet-news",
        "labour-dispatch",
    ]
    assert "icp-filing" in [n["license"] for n in data["not_needed"]]


def test_json_answers_are_read_too(tmp_path: Path) -> None:
    answers = _write(
        tmp_path, "answers.json", json.dumps({"province": "CN-BJ", "travel": "domestic_inbound"})
    )
    done = CliRunner().invoke(cli, ["navigate", str(answers), "--format", "json"])
    assert done.exit_code == 0, done.output
    needs = json.loads(done.output)["needs"]
    assert [(n["license"], n["tier"]) for n in needs] == [("travel-agency", "domestic_inbound")]


def test_text_report_puts_needs_first(tmp_path: Path) -> None:
    answers = _write(tmp_path, "answers.yaml", "province: CN-GD\nonline: {website_or_app: true}\n")
    done = CliRunner().invoke(cli, ["navigate", str(answers), "--as-of", "2026-12-03"])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0] == "需要办理 Needed (1)  ·  as of 2026-12-03"
    assert lines[2].startswith("1. 非经营性互联网信息服务备案（ICP 备案）（备案）")
    assert any(
        line.startswith("   依据 Basis: 互联网信息服务管理办法 第三条、第四条、第八条、第十一条")
        for line in lines
    )
    assert "不需要 Not needed" in done.output


def test_bad_answers_exit_2_naming_every_path(tmp_path: Path) -> None:
    answers = _write(
        tmp_path,
        "bad.yaml",
        "province: CN-GD\ntravel: moon\nonline: {website_or_app: true, colour: red}\nextra: 1\n",
    )
    done = CliRunner().invoke(cli, ["navigate", str(answers)])
    assert done.exit_code == 2
    assert done.stderr.splitlines() == [
        f"licensedesk: {answers}: 3 problem(s) / 发现 3 处错误",
        "  online.colour: unknown key / 未知字段",
        "  travel: Input should be 'none', 'domestic_inbound' or 'outbound'",
        "  extra: unknown key / 未知字段",
    ]
    assert "Traceback" not in done.output


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    done = CliRunner().invoke(cli, ["navigate", str(tmp_path / "nope.yaml")])
    assert done.exit_code == 2
    assert "cannot read" in done.stderr


def test_standard_input_through_the_installed_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "licensedesk", "navigate", "-", "--format", "json"],
        input="province: CN-GD\npawn_lending: true\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [n["license"] for n in json.loads(done.stdout)["needs"]] == ["pawn-shop"]
