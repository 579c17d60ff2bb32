"""The stateless eligibility check: a profile in, the check result out, nothing stored (for an
agency's website). The same validation as the CLI and the web (``validated_profile``), the same
evaluator as a stored check."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from licensedesk.core.catalog.loader import LookupProblem
from licensedesk.core.eligibility import evaluator_for
from licensedesk.core.errors import InvalidInput, NotFound
from licensedesk.web.audit.chain import jsonable
from licensedesk.web.cases.services import validated_profile


def eligibility_check(*, license_id: str, profile: Any, as_of: date | None = None) -> dict[str, Any]:
    """The check result (``check-result.schema.json``) of ``profile`` for ``license_id`` on ``as_of``
    (default today in China). Raises ``NotFound`` for an unknown license, ``InvalidInput`` for a
    profile that breaks the contract or a day no rule version is in force."""
    as_of = as_of or timezone.localdate()
    try:
        evaluator = evaluator_for(license_id, as_of)
    except LookupProblem as exc:
        if exc.code == "license.no_version":
            raise InvalidInput(
                str(exc), code=exc.code, message_zh="该日期没有生效的规则版本。", details={"field": "as_of"}
            ) from None
        raise NotFound(str(exc), code=exc.code, message_zh=f"未知的许可证类型：{license_id}。") from None
    return jsonable(evaluator.check(validated_profile(profile)))
