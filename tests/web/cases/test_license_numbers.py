"""The register's license numbers, checked by license: telecom licenses parse as VATS numbers, an ICP
filing as a filing number, the other licenses (numbered by their own authorities) as printed."""

from __future__ import annotations

from datetime import date

import pytest

from licensedesk.core.errors import InvalidInput
from licensedesk.web.cases.services import license_fields_validated

ISSUED = date(2025, 3, 1)


def _check(license_id: str, number: str, expires_on: date | None = None) -> str:
    fields = license_fields_validated(
        license_id=license_id, number=number, issued_on=ISSUED, expires_on=expires_on
    )
    return fields["number"]


def test_a_labour_dispatch_or_travel_agency_number_is_kept_as_printed() -> None:
    assert _check("labour-dispatch", " 440305202500012 ", date(2028, 2, 28)) == "440305202500012"
    assert _check("travel-agency", "L-GD-100123") == "L-GD-100123"


@pytest.mark.parametrize("number", ["", "   ", "A" * 61, "L-GD\n100123", "L-GD\x00"])
def test_an_empty_overlong_or_multi_line_number_is_refused_naming_the_field(number: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        _check("travel-agency", number)
    assert refused.value.code == "license_record.invalid_number"
    assert refused.value.details == {"field": "number"}
    assert refused.value.message_zh == "请按许可证上印制的编号填写（一行，不超过 60 个字符）。"


def test_an_icp_filing_number_must_be_a_filing_number() -> None:
    assert _check("icp-filing", "粤ICP备2024123456号") == "粤ICP备2024123456号"
    with pytest.raises(InvalidInput) as refused:
        _check("icp-filing", "粤ICP备2024ABC号")
    assert refused.value.code == "license_record.invalid_number"
    assert refused.value.details["field"] == "number"


def test_a_telecom_license_still_needs_a_vats_number_of_its_category() -> None:
    with pytest.raises(InvalidInput) as refused:
        _check("icp-b25", "L-GD-100123", date(2030, 2, 28))
    assert refused.value.code == "license_record.invalid_number"
