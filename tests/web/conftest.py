"""Fixtures of the web tests. Persistence tests run on SQLite by default and on PostgreSQL when
``DATABASE_URL`` is set; tests marked ``postgres`` are skipped on SQLite."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection

from . import factories as f

TEST_AUDIT_KEY = "licensedesk-test-audit-key-0123456789abcdef"  # not a secret: tests only
POSTGRES_REASON = (
    "needs PostgreSQL (row locks, concurrent connections): run with "
    "DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason=POSTGRES_REASON)
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    """Tests that assert Chinese text read the compiled catalogs (.mo files are build output, not
    committed): compile them as ``make install`` does, and drop any catalog Django already loaded."""
    from django.core.signals import setting_changed

    from licensedesk.web.translations import compile_translations

    if compile_translations():
        setting_changed.send(sender=None, setting="LOCALE_PATHS", value=None, enter=True)


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Every test starts in the default language (Chinese), as a request without a choice does: the
    active language is per thread, and a test (or a page rendered in English) that leaves English
    active would otherwise change the labels the next test reads outside a request."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_settings(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    media = tmp_path_factory.mktemp("media")  # uploaded materials never land in the repository's var/
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path_factory.mktemp("upload-tmp")
    settings.AUDIT_KEY = TEST_AUDIT_KEY  # a fixed key: audit chains are keyed in tests as in production


@dataclass
class Tenant:
    """One agency with an admin, two consultants, two client companies (each with a client user and
    an open case, the first case assigned to ``consultant``)."""

    agency: Any
    admin: Any
    consultant: Any
    other_consultant: Any
    company: Any
    client: Any
    case: Any
    company2: Any
    client2: Any
    case2: Any

    @property
    def users(self) -> dict[str, Any]:
        return {"admin": self.admin, "consultant": self.consultant, "client": self.client}


def make_tenant(name: str) -> Tenant:
    agency = f.AgencyFactory(name=name)
    admin = f.AdminFactory(agency=agency)
    consultant = f.ConsultantFactory(agency=agency)
    other_consultant = f.ConsultantFactory(agency=agency)
    company = f.ClientCompanyFactory(agency=agency)
    company2 = f.ClientCompanyFactory(agency=agency)
    return Tenant(
        agency=agency,
        admin=admin,
        consultant=consultant,
        other_consultant=other_consultant,
        company=company,
        client=f.ClientUserFactory(company=company),
        case=f.CaseFactory(company=company, consultant=consultant),
        company2=company2,
        client2=f.ClientUserFactory(company=company2),
        case2=f.CaseFactory(company=company2, consultant=other_consultant),
    )


@pytest.fixture
def tenant(db: Any) -> Tenant:
    return make_tenant("甲方企业管理咨询有限公司")


@pytest.fixture
def other_tenant(db: Any) -> Tenant:
    return make_tenant("乙方企业管理咨询有限公司")
