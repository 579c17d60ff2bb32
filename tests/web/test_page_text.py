"""Whole-page scan: every page of the isolation matrix's URL list, rendered for the viewer's own data as
each role that may see it, shows no template syntax, no internal name (profile path, catalog material or
condition id) and no raw Python value (``1000000.0``, ``None``) in its visible text.

The tenant gets realistic data through the services: a case with two checks (the registered capital
changed in between, so the change table shows), materials with an upload and a rejection, generated
documents with a submission bundle, notes, tasks, an override and a license record.
"""

from __future__ import annotations

import copy
import io
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.web.accounts.models import User
from licensedesk.web.cases.services import case_run_check, company_profile_update
from licensedesk.web.demo.services import demo_load
from licensedesk.web.documents.models import CaseDocumentData
from licensedesk.web.documents.services import case_document_data_save
from licensedesk.web.materials.models import CaseMaterial
from licensedesk.web.materials.services import (
    IncomingFile,
    material_upload,
    review_round_finish,
    version_reject,
)

from .documents.conftest import generate_now
from .factories import incomplete_profile
from .materials.conftest import samplefiles
from .test_isolation import BACKEND, _get, _seed_victim, _urls

pytestmark = pytest.mark.django_db

TEMPLATE_SYNTAX = ("{#", "#}", "{{", "{%", "%}", "}}")
# profile paths, and the case-file paths of the document data (``case.agency.name``)
PROFILE_PATH = re.compile(r"\b(?:company|service|readiness|extensions|case)\.[a-z_]")
RAW_FLOAT = re.compile(r"(?<![\d.])\d+\.0(?![\d.])")
NONE_WORD = re.compile(r"\bNone\b")


def _catalog_ids() -> re.Pattern[str]:
    """Every material and condition id of every rule version of the catalog, as whole words."""
    ids: set[str] = set()
    for lic in default_catalog().licenses():
        for version in lic.versions:
            ids |= {c.id for c in version.conditions} | {m.id for m in version.materials}
    words = sorted((i for i in ids if "_" in i), key=len, reverse=True)  # single words read as words
    return re.compile(r"(?<![A-Za-z0-9_])(?:" + "|".join(map(re.escape, words)) + r")(?![A-Za-z0-9_])")


class _VisibleText(HTMLParser):
    """The text a reader sees: element text only (no tags, attributes, scripts or styles)."""

    HIDDEN = frozenset({"script", "style", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def page_problems(text: str, ids: re.Pattern[str], *, english: bool = False) -> list[str]:
    """What a reader must not see in ``text``, each with the line it is on. On an English page "None"
    is a word ("None of these"), so Python's ``None`` is looked for on Chinese pages only."""
    found = []
    for line in text.splitlines():
        hits = [s for s in TEMPLATE_SYNTAX if s in line]
        hits += PROFILE_PATH.findall(line) + ids.findall(line) + RAW_FLOAT.findall(line)
        hits += [] if english else NONE_WORD.findall(line)
        if hits:
            found.append(f"{hits} in {line[:160]!r}")
    return found


def _without_stored_json(text: str) -> str:
    """The admin's change pages show a stored JSON field (a profile, a check result, an audit event's
    data) as the JSON it is, for the record: those lines are data, not sentences, and are left out."""
    kept = []
    for line in text.splitlines():
        if line[:1] in "{[":
            try:
                json.loads(line)
                continue
            except ValueError:
                pass
        kept.append(line)
    return "\n".join(kept)


def _realistic(tenant: Any) -> dict[str, Any]:
    """The isolation matrix's objects for ``tenant``, plus a re-check after a profile change and a
    rejected material, so the change table and the rejection show."""
    victims = _seed_victim(tenant)
    case = tenant.case
    profile = copy.deepcopy(case.company.profile)
    profile["company"]["registered_capital_cny"] = 2_000_000.0
    company_profile_update(company=case.company, profile=profile, actor=tenant.consultant)
    case_run_check(case=case, actor=tenant.consultant)
    profile = copy.deepcopy(case.company.profile)
    profile["company"]["registered_capital_cny"] = 3_000_000.0  # after the check: the change table shows
    company_profile_update(company=case.company, profile=profile, actor=tenant.client)
    item = CaseMaterial.objects.select_related("case").get(case=case, material_id="financial_report")
    data = IncomingFile(name="财务报告.pdf", content=io.BytesIO(samplefiles.pdf_bytes()))
    version = material_upload(material=item, actor=tenant.client, files=[data])
    version_reject(version=version, actor=tenant.consultant, reason="other", text="请上传盖章版本")
    tenant.client.email = "client@example.cn"
    tenant.client.save(update_fields=["email"])
    review_round_finish(case=case, actor=tenant.consultant)  # the client is emailed the outcome
    data = CaseDocumentData.objects.get(case=case)
    case_document_data_save(  # the fee cleared: the next run fails, naming what is missing
        case=case, actor=tenant.consultant, values={"contract.fee_cny": None}, expected_version=data.version
    )
    generate_now(case, tenant.consultant)
    return victims


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_template_syntax_or_internal_names_on_any_page(tenant: Any, language: str, settings: Any) -> None:
    victims = _realistic(tenant)
    ids = _catalog_ids()
    problems: list[str] = []
    scanned = 0
    for role, user in tenant.users.items():
        client = Client()
        client.force_login(user, backend=BACKEND)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # as the language switch sets it
        for name, url, _ in _urls(victims):
            response = _get(client, url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            scanned += 1
            text = visible_text(response.content.decode())
            if url.startswith("/admin/"):
                text = _without_stored_json(text)
            for problem in page_problems(text, ids, english=language == "en"):
                problems.append(f"{role} {name} {url}: {problem}")
    for message in mail.outbox:  # the emails of the same data: the invitation, the review round
        text = f"{message.subject}\n{message.body}"
        problems += [f"email {message.subject!r}: {p}" for p in page_problems(text, ids)]
    assert not problems, "\n".join(problems)
    assert (
        scanned > 60 and len(mail.outbox) >= 2
    )  # staff pages, the client's pages and the admin's pages were all read


def test_the_scan_finds_what_it_looks_for() -> None:
    """The scan is not blind: each kind of leak in visible text is found; attributes and scripts are not."""
    ids = _catalog_ids()
    html = (
        "<p>{# a comment #}</p><p>缺少 company.registered_capital_cny</p><p>credit_proof</p>"
        "<p>1000000.0 → 2000000.0</p><p>None</p>"
        '<div data-path="company.name" title="credit_proof"><script>var x = None; {{ y }}</script>ok</div>'
    )
    problems = page_problems(visible_text(html), ids)
    assert len(problems) == 5, problems
    assert page_problems(visible_text('<p data-x="company.name">注册资本 100 万元</p>'), ids) == []


def test_the_change_table_shows_amounts_in_wan_yuan_and_field_names(tenant: Any) -> None:
    """The staff case page's profile changes since the last check: ``100 万元 → 200 万元`` under the
    field's name (it showed ``1000000.0``, ``2000000.0`` and the path ``company.registered_capital_cny``)."""
    case = tenant.case
    case_run_check(case=case, actor=tenant.consultant)
    profile = copy.deepcopy(case.company.profile)
    before = profile["company"]["registered_capital_cny"]
    profile["company"]["registered_capital_cny"] = before * 2
    profile["company"]["on_telecom_dishonesty_list"] = True
    company_profile_update(company=case.company, profile=profile, actor=tenant.client)
    client = Client()
    client.force_login(tenant.consultant, backend=BACKEND)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    table = html[html.index('data-testid="client-changes"') :]
    table = visible_text(table[: table.index("</section>")])
    wan = int(before / 10000)
    assert f"注册资本（元）\n{wan} 万元\n{wan * 2} 万元" in table, table
    assert "\n否\n是\n" in table, table
    assert "company." not in table and ".0" not in table


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href and href.startswith("/") and not href.startswith("//"):
            self.hrefs.append(href.split("#")[0])


SKIP = ("/admin/", "/accounts/logout", "/static/", "/i18n/")


def test_the_demo_pages_each_role_reaches_show_no_internal_names() -> None:
    """The demo is what users try first: every page a demo user reaches by following links from the
    start page (the staff case pages, the client's portal, checklists, material pages, documents)."""
    demo_load()
    ids = _catalog_ids()
    problems: list[str] = []
    for username in ("demo-wang", "demo-admin", "demo-yunfan"):
        client = Client()
        client.force_login(User.objects.get(username=username), backend=BACKEND)
        seen: set[str] = set()
        queue = ["/"]
        while queue and len(seen) < 60:
            url = queue.pop(0)
            if url in seen or url.startswith(SKIP):
                continue
            seen.add(url)
            response = client.get(url, follow=True)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            problems += [f"{username} {url}: {p}" for p in page_problems(visible_text(html), ids)]
            links = _Links()
            links.feed(html)
            queue += [h for h in links.hrefs if h not in seen]
        assert len(seen) > 5, (username, seen)
    assert not problems, "\n".join(problems)


def test_a_case_with_an_incomplete_profile_names_fields_never_paths(tenant: Any) -> None:
    """What is not known yet is named by the field the profile editor shows (the checklist said
    ``取决于内容领域（尚未填写 service.content_areas）``, the guard ``企业档案缺少：company.…``)."""
    company = tenant.company2
    profile = incomplete_profile(company.name, company.uscc)
    del profile["company"]["province"]
    del profile["service"]["content_areas"]
    company_profile_update(company=company, profile=profile, actor=tenant.admin)
    case_run_check(case=tenant.case2, actor=tenant.admin)
    client = Client()
    client.force_login(tenant.admin, backend=BACKEND)
    page = client.get(f"/cases/{tenant.case2.pk}/materials/").content.decode()
    text = visible_text(page)
    assert "企业档案尚未填写“内容领域”" in text and "企业档案尚未填写“注册省份”" in text
    assert page_problems(text, _catalog_ids()) == []
    detail = visible_text(client.get(f"/cases/{tenant.case2.pk}/").content.decode())
    assert page_problems(detail, _catalog_ids()) == []
