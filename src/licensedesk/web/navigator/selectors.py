"""Reads for the navigator page: the result for a set of answers (from the shipped rules and the
catalog, on today's date in China) and the client companies a case may be opened for (tenancy-scoped
through the cases app's selectors)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.navigator.answers import Answers
from licensedesk.core.navigator.navigate import NavigatorResult, navigate
from licensedesk.core.navigator.rules import default_rules
from licensedesk.web.cases.models import ClientCompany
from licensedesk.web.cases.selectors import company_list_visible_to


def navigator_result(*, answers: Answers) -> NavigatorResult:
    return navigate(answers, rules=default_rules(), catalog=default_catalog(), as_of=timezone.localdate())


def navigator_companies(*, user: Any) -> QuerySet[ClientCompany]:
    """The companies of the user's agency, by name: the ones a case may be opened for."""
    return company_list_visible_to(user=user).only("pk", "name", "uscc")
