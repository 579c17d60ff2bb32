"""Annual reports and renewal from the catalog: who reports when, the renewal's last day, and what is
left out before the as-of date or after expiry."""

from __future__ import annotations

from datetime import date

import pytest

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.obligations import ObligationInputError, obligations


def _for(issued_on: date, expires_on: date, as_of: date) -> list[tuple[str, str, date | None, date]]:
    compiled = default_catalog().version_on("icp-b25", issued_on)
    found = obligations(
        compiled.license, compiled.version, issued_on=issued_on, expires_on=expires_on, as_of=as_of
    )
    return [(o.kind, o.period, o.opens, o.due) for o in found]


def test_a_license_issued_in_november_reports_in_the_first_quarter_of_the_next_year() -> None:
    found = _for(date(2026, 11, 15), date(2031, 11, 14), date(2026, 11, 15))
    assert found[0] == ("annual_report", "2026", date(2027, 1, 1), date(2027, 3, 31))
    assert [f[1] for f in found if f[0] == "annual_report"] == ["2026", "2027", "2028", "2029", "2030"]
    assert found[-1] == ("renewal", "2026-11-15/2031-11-14", None, date(2031, 8, 16))


def test_a_license_issued_on_1_january_first_reports_a_year_later() -> None:
    found = _for(date(2027, 1, 1), date(2032, 1, 1), date(2027, 1, 1))
    assert found[0] == ("annual_report", "2027", date(2028, 1, 1), date(2028, 3, 31))
    # the 2032 window opens on the expiry day itself: still owed while the license is valid
    assert ("annual_report", "2031", date(2032, 1, 1), date(2032, 3, 31)) in found


def test_past_reports_are_left_out_and_a_missed_renewal_stays_listed_until_expiry() -> None:
    found = _for(date(2026, 11, 15), date(2031, 11, 14), date(2031, 9, 1))
    assert found == [("renewal", "2026-11-15/2031-11-14", None, date(2031, 8, 16))]
    assert _for(date(2026, 11, 15), date(2031, 11, 14), date(2031, 11, 15)) == []


def test_an_expiry_before_the_issue_date_is_refused_naming_the_field() -> None:
    with pytest.raises(
        ObligationInputError, match="expires_on: 2026-01-01 is not after issued_on 2026-11-15"
    ):
        _for(date(2026, 11, 15), date(2026, 1, 1), date(2026, 11, 15))
