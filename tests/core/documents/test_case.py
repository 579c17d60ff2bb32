"""The case file's phone numbers are checked like the profile's mobile: a wrong one is named by its path."""

from __future__ import annotations

import pytest

from licensedesk.core.documents import validate_case
from licensedesk.core.documents.case import CaseFileError


def test_phone_numbers_are_normalised() -> None:
    case = validate_case(
        {
            "schema_version": "1",
            "agency": {"phone": "0755 8321 6688"},
            "contact": {"phone": "+86 139 2345 6789"},
            "customer_service": {"phone": "400-820-1234"},
            "security_officer": {"phone": "0755-83216688转801"},
        }
    )
    assert case.agency.phone == "0755-83216688"
    assert case.contact.phone == "13923456789"
    assert case.customer_service.phone == "400-820-1234"
    assert case.security_officer.phone == "0755-83216688-801"


def test_malformed_phone_is_refused_with_its_path() -> None:
    with pytest.raises(CaseFileError) as info:
        validate_case({"schema_version": "1", "contact": {"phone": "1392345678"}})
    [problem] = info.value.problems
    assert (problem.path, problem.code) == ("contact.phone", "phone.format")
    assert problem.message.endswith(
        "“1392345678”不是有效的电话号码，应为 11 位手机号码或带区号的固定电话，"
        "如 13800138000、0755-12345678 或 0755-12345678-801"
    )
