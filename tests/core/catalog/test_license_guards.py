"""A license's own guards, declared once in its file: transitions may name them, the loader checks them
(no shadowing of the application's guards, one error code each, facts the profile has)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.core.catalog.test_sections import DEMO, LICENSE

from licensedesk.core.catalog.folders import LICENSE_FILE
from licensedesk.core.catalog.loader import CatalogError, load_catalog


def _copy(tmp_path: Path, change: Any) -> Path:
    folder = tmp_path / LICENSE
    shutil.copytree(DEMO, folder)
    data = yaml.safe_load((folder / LICENSE_FILE).read_text(encoding="utf-8"))
    change(data)
    (folder / LICENSE_FILE).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder / LICENSE_FILE


def _problems(path: Path) -> list[str]:
    with pytest.raises(CatalogError) as info:
        load_catalog([path])
    return [str(p) for p in info.value.problems]


def test_a_declared_guard_may_be_named_by_a_transition() -> None:
    lic = load_catalog([DEMO / LICENSE_FILE]).license(LICENSE)
    [guard] = lic.guards
    assert (guard.id, guard.code) == ("premises_inspected", "guard.demo-permit.premises_not_ready")
    assert guard.requires == ("extensions.demo-permit.premises_ready",)
    assert lic.versions[0].workflow.transitions[0].guards == ("eligibility_eligible", "premises_inspected")


def test_an_undeclared_guard_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    path = _copy(tmp_path, lambda d: d.pop("guards"))
    assert _problems(path) == [
        "demo-permit/license.yaml: versions[0].workflow.transitions[0].guards: Value error, unknown guard(s) "
        "premises_inspected; known: eligibility_eligible, license_record, materials_accepted"
    ]


def test_declared_guards_are_checked(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        first = data["guards"][0]
        data["guards"] += [
            {**first, "requires": ["extensions.demo-permit.nowhere"]},  # twice, and an unknown fact
            {**first, "id": "license_record", "code": "guard.demo-permit.other"},  # the application's
        ]

    assert _problems(_copy(tmp_path, change)) == [
        "demo-permit/license.yaml: guards[1].id: guard 'premises_inspected' is declared twice",
        "demo-permit/license.yaml: guards[1].code: error code 'guard.demo-permit.premises_not_ready' is "
        "declared twice",
        "demo-permit/license.yaml: guards[1].requires[0]: 'extensions.demo-permit.nowhere' is not a field of "
        "the company profile contract",
        "demo-permit/license.yaml: guards[2].id: 'license_record' is a guard of the application; a license "
        "declares only its own",
    ]
