"""The events a time limit names are events the workflow records (core/clocks.py reads them by id): a
catalog author who misspells one is told which, with the events the transitions do record."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from licensedesk.core.catalog.folders import LICENSE_FILE, license_folders
from licensedesk.core.catalog.loader import CatalogError, load_catalog

RECORDED = (
    "acceptance_notice, approval_decision, correction_request, correction_submission, online_submission, "
    "paper_delivery, refusal_decision"
)


@pytest.fixture
def data() -> dict[str, Any]:
    folder = next(f for f in license_folders() if f.name == "icp-b25")
    return copy.deepcopy(yaml.safe_load((folder / LICENSE_FILE).read_text(encoding="utf-8")))


def _limits(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {limit["id"]: limit for limit in data["versions"][0]["time_limits"]}


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "icp-b25" / LICENSE_FILE  # a license lives in a folder named after it
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _problems(tmp_path: Path, data: dict[str, Any]) -> list[tuple[str, str]]:
    path = _write(tmp_path, data)
    with pytest.raises(CatalogError) as info:
        load_catalog([path])
    return [(p.path, p.message) for p in info.value.problems]


def test_the_shipped_limits_name_recorded_events(data: dict[str, Any], tmp_path: Path) -> None:
    limits = load_catalog([_write(tmp_path, data)]).license("icp-b25").versions[0].time_limits
    assert [(t.id, t.from_event) for t in limits] == [
        ("acceptance", "paper_delivery"),
        ("decision", "paper_delivery"),
        ("certificate_issuance", "approval_decision"),
        ("correction", "correction_request"),
    ]


def test_unknown_events_and_stages_are_named(data: dict[str, Any], tmp_path: Path) -> None:
    limits = _limits(data)
    limits["acceptance"]["from_event"] = "application_received"
    limits["decision"]["stopped_by"] = ["correction_request", "hearing"]
    limits["certificate_issuance"]["met_at_stages"] = ["certified"]
    index = {limit_id: i for i, limit_id in enumerate(limits)}
    where = "versions[0].time_limits"
    assert _problems(tmp_path, data) == [
        (
            f"{where}[{index['acceptance']}].from_event",
            f"unknown event 'application_received'; the transitions record: {RECORDED}",
        ),
        (
            f"{where}[{index['decision']}].stopped_by[1]",
            f"unknown event 'hearing'; the transitions record: {RECORDED}",
        ),
        (f"{where}[{index['certificate_issuance']}].met_at_stages[0]", "unknown stage 'certified'"),
    ]


def test_a_due_field_must_be_a_date_field_of_its_event(data: dict[str, Any], tmp_path: Path) -> None:
    limits = _limits(data)
    limits["correction"]["due_field"] = "items"
    index = list(limits).index("correction")
    assert _problems(tmp_path, data) == [
        (f"versions[0].time_limits[{index}].due_field", "'correction_request' records no date field 'items'")
    ]


def test_a_limit_needs_a_period_or_a_due_field(data: dict[str, Any], tmp_path: Path) -> None:
    limits = _limits(data)
    limits["correction"].pop("due_field")
    index = list(limits).index("correction")
    [(path, message)] = _problems(tmp_path, data)
    assert path == f"versions[0].time_limits[{index}]"
    assert "a time limit needs either amount (a period) or due_field (a date set in the event)" in message
