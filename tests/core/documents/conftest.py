"""Shared inputs: the example profile and case file, and the documents drafted from them once."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from licensedesk.core.documents import CaseData, DocumentSet, render_documents, validate_case
from licensedesk.core.profile import CompanyProfile, validate_profile

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"


def profile_data() -> dict[str, Any]:
    return json.loads((EXAMPLES / "eligible-shenzhen.json").read_text(encoding="utf-8"))


def case_data() -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / "case.yaml").read_text(encoding="utf-8"))


def without(data: dict[str, Any], *paths: str) -> dict[str, Any]:
    """A copy of ``data`` with the dotted ``paths`` removed."""
    data = copy.deepcopy(data)
    for path in paths:
        *parents, leaf = path.split(".")
        node = data
        for part in parents:
            node = node[part]
        del node[leaf]
    return data


@pytest.fixture(scope="session")
def profile() -> CompanyProfile:
    return validate_profile(profile_data())


@pytest.fixture(scope="session")
def case() -> CaseData:
    return validate_case(case_data())


@pytest.fixture(scope="session")
def document_set(profile: CompanyProfile, case: CaseData) -> DocumentSet:
    return render_documents(profile, case)
