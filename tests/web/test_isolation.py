"""The isolation matrix: every URL pattern of the urlconf, requested by every role of one agency for
objects of another agency (and, for a client user, of another client of the same agency), answers
403/404 (or a redirect to a sign-in page) and never shows the other tenant's data."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from licensedesk.web.api.services import api_token_create
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.models import (
    Case,
    CaseCheck,
    ClientCompany,
    GuardOverride,
    LicenseRecord,
    Note,
    Task,
)
from licensedesk.web.cases.services import (
    case_override_eligibility,
    case_run_check,
    note_create,
    task_create,
)
from licensedesk.web.documents.models import AgencyTemplate
from licensedesk.web.documents.services import agency_template_upload
from licensedesk.web.inbox.models import InboxItem
from licensedesk.web.materials.models import CaseMaterial, MaterialFile
from licensedesk.web.materials.services import IncomingFile, material_upload
from licensedesk.web.portal.services import invitation_create
from licensedesk.web.register.models import ChangeProposal
from licensedesk.web.webhooks.events import CHECK_COMPLETED
from licensedesk.web.webhooks.models import WebhookDelivery
from licensedesk.web.webhooks.outbox import outbox_write
from licensedesk.web.webhooks.services import subscription_create

from .documents.conftest import generate_now, make_ready, template_bytes
from .factories import CaseFactory, ClientCompanyFactory
from .materials.conftest import samplefiles
from .portal.conftest import LINK

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _patterns(
    resolver: URLResolver | None = None, namespace: str = "", prefix: str = ""
) -> Iterator[tuple[str | None, list[str], str, str]]:
    """(qualified name or None, kwarg names, route prefix, route) of every URL pattern, recursively."""
    resolver = resolver or get_resolver()
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            inner = (
                f"{namespace}:{item.namespace}"
                if namespace and item.namespace
                else (item.namespace or namespace)
            )
            yield from _patterns(item, inner, prefix + str(item.pattern))
        elif isinstance(item, URLPattern):
            pattern = item.pattern
            names = list(getattr(pattern, "converters", {}) or pattern.regex.groupindex)
            name = (f"{namespace}:{item.name}" if namespace else item.name) if item.name else None
            yield name, names, prefix, str(pattern)


def _seed_webhooks(tenant: Any) -> dict[str, Any]:
    """A webhook subscription of the tenant and one delivery in its log (the outbox, as a change
    writes it)."""
    subscription = subscription_create(
        actor=tenant.admin,
        url=f"https://hooks-{tenant.agency.pk}.example.cn/in",
        event_types=[CHECK_COMPLETED],
    )
    outbox_write(agency_id=tenant.agency.pk, event_type=CHECK_COMPLETED, data={"case": None})
    return {
        "webhooks.webhooksubscription": subscription,
        "webhooks.webhookdelivery": WebhookDelivery.objects.get(subscription=subscription),
    }


def _seed_victim(tenant: Any) -> dict[str, Any]:
    """Give a tenant one of everything (through the services), and return it by model."""
    case = tenant.case
    check = case_run_check(case=case, actor=tenant.consultant)
    override = case_override_eligibility(
        case=case, actor=tenant.admin, reason=f"机密豁免理由-{tenant.agency.name}"
    )
    note = note_create(
        case=case, author=tenant.consultant, body=f"机密备注-{tenant.company.name}", visibility="client"
    )
    task = task_create(case=case, actor=tenant.consultant, title=f"机密任务-{tenant.company.name}")
    licensed = CaseFactory(
        company=ClientCompanyFactory(agency=tenant.agency), stage="approved", consultant=tenant.admin
    )
    record = LicenseRecord.objects.create(
        case=licensed,
        agency_id=licensed.agency_id,
        company_id=licensed.company_id,
        license_id=licensed.license_id,
        number="粤B2-20260009",
        issued_on=licensed.opened_on,
        expires_on=licensed.opened_on.replace(year=licensed.opened_on.year + 5),
        recorded_by=tenant.admin,
    )
    invitation = invitation_create(case=case, email=_invitee(tenant), actor=tenant.consultant)
    material_file = _seed_material(case, tenant.client, tenant.company)
    invitation.link_token = LINK.search(mail.outbox[-1].body).group(2)  # the link only its invitee holds
    return {
        **_seed_documents(case, tenant.consultant),
        "documents.agencytemplate": _seed_template(tenant),
        "api.apitoken": api_token_create(
            actor=tenant.admin, name="机密系统", scopes=["cases:read"], days=9
        ).token,
        "materials.casematerial": material_file.version.material,
        "materials.materialversion": material_file.version,
        "materials.materialfile": material_file,
        "portal.invitation": invitation,
        **_seed_webhooks(tenant),
        "accounts.agency": tenant.agency,
        "accounts.user": tenant.admin,
        "cases.clientcompany": tenant.company,
        "cases.case": case,
        "cases.casecheck": check,
        "cases.guardoverride": override,
        "cases.note": note,
        "cases.task": task,
        "cases.licenserecord": record,
        "register.changeproposal": ChangeProposal.objects.create(
            license=record,
            rule_id="registration_change",
            fields=["company.name"],
            changed_on=record.issued_on,
            due_on=record.issued_on,
            certainty="S",
            proposed_by=tenant.admin,
        ),
        "audit.auditevent": AuditEvent.objects.filter(agency=tenant.agency).order_by("-seq").first(),
        "inbox.inboxitem": InboxItem.objects.get(case=case),  # the client's upload, for the consultant
        "reminders.calendarfeed.revoked_token": _revoked_feed_token(tenant),
    }


def _revoked_feed_token(tenant: Any) -> str:
    """The consultant's calendar address, revoked (a live one is a bearer secret: whoever holds it reads
    it, by design; tests/web/reminders/test_views.py checks what it holds)."""
    from licensedesk.web.reminders.services import calendar_feed_create, calendar_feed_revoke

    _, token = calendar_feed_create(actor=tenant.consultant)
    calendar_feed_revoke(actor=tenant.consultant)
    return token


def _seed_material(case: Any, client_user: Any, company: Any) -> MaterialFile:
    """An uploaded business license on ``case`` (whose check was stored, so it has a checklist)."""
    item = CaseMaterial.objects.select_related("case").get(case=case, material_id="business_license")
    data = IncomingFile(name=f"机密文件-{company.name}.pdf", content=io.BytesIO(samplefiles.pdf_bytes()))
    version = material_upload(material=item, actor=client_user, files=[data])
    return version.files.get()


def _seed_documents(case: Any, staff: Any) -> dict[str, Any]:
    """Generated documents and a submission bundle on ``case`` (one signed document, as the client of
    the company may download it, and one not)."""
    job = generate_now(make_ready(case, staff), staff, bundle=True, confirmed=True)
    documents = {d.document_id: d for d in job.documents.all()}
    return {
        "documents.generateddocument": documents["application_letter"],  # for signature
        "documents.generateddocument.unsigned": documents["commission_contract"],
        "documents.submissionbundle": job.submission_bundle,
        "documents.generationjob": job,
        "documents.casedocumentdata": case.document_data,
    }


def _seed_template(tenant: Any) -> AgencyTemplate:
    """The agency's own version of the application letter, its file named after the agency."""
    upload = IncomingFile(
        name=f"{tenant.agency.name}-模板.docx", content=io.BytesIO(template_bytes("{{ company.name }}"))
    )
    return agency_template_upload(
        agency=tenant.agency,
        document_id="application_letter",
        upload=upload,
        actor=tenant.admin,
        license_id="icp-b25",
    )


def _invitee(tenant: Any) -> str:
    return f"invitee{tenant.agency.pk}@example.cn"


def _markers(tenant: Any, *, whole_agency: bool) -> list[str]:
    markers = [
        tenant.company.name,
        tenant.company.uscc,
        f"机密备注-{tenant.company.name}",
        f"机密任务-{tenant.company.name}",
        f"机密文件-{tenant.company.name}.pdf",
    ]
    if whole_agency:
        markers += [
            tenant.agency.name,
            tenant.admin.username,
            f"机密豁免理由-{tenant.agency.name}",
            tenant.company2.name,
            _invitee(tenant),
        ]
    return markers


# the case page's forms (POST only: a GET is 405, and the matrix checks that it leaks nothing either)
CASE_WRITES = (
    "cases:run_check",
    "cases:move",
    "cases:undo_move",
    "cases:override",
    "cases:license",
    "cases:note_create",
    "cases:task_create",
)


# the REST API's path parameters → the victim whose id fills them (tests/web/api/ runs the token matrix)
API_KWARGS = {
    "company_id": "cases.clientcompany",
    "case_id": "cases.case",
    "check_id": "cases.casecheck",
    "task_id": "cases.task",
    "material_id": "materials.casematerial",
    "version_id": "materials.materialversion",
    "job_id": "documents.generationjob",
    "document_id": "documents.generateddocument",
    "bundle_id": "documents.submissionbundle",
    "record_id": "cases.licenserecord",
}


def _urls(victims: dict[str, Any]) -> Iterator[tuple[str, str, bool]]:
    """(pattern, URL, is the URL about one object) for every pattern; ids taken from ``victims``."""
    for name, kwarg_names, prefix, route in _patterns():
        shown = name or prefix + route
        if not kwarg_names:
            yield shown, reverse(name) if name else "/" + prefix + route, False
        elif name == "cases:detail":
            yield shown, reverse(name, kwargs={"pk": victims["cases.case"].pk}), True
        elif name == "cases:company_detail":
            yield shown, reverse(name, kwargs={"pk": victims["cases.clientcompany"].pk}), True
        elif name in CASE_WRITES:
            yield shown, reverse(name, kwargs={"pk": victims["cases.case"].pk}), True
        elif name in ("cases:company_profile", "cases:case_create"):
            yield shown, reverse(name, kwargs={"pk": victims["cases.clientcompany"].pk}), True
        elif name == "cases:task_complete":
            yield shown, reverse(name, kwargs={"pk": victims["cases.task"].pk}), True
        elif name in ("portal:case", "portal:reply", "portal:invite"):
            yield shown, reverse(name, kwargs={"pk": victims["cases.case"].pk}), True
        elif name == "portal:invitation_resend":
            yield shown, reverse(name, kwargs={"pk": victims["portal.invitation"].pk}), True
        elif name == "portal:accept":
            yield shown, reverse(name, kwargs={"token": victims["portal.invitation"].link_token}), True
        elif name == "portal:profile_section":  # the signed-in client's own company: no id to tamper with
            for section in ("company", "service", "readiness"):
                yield shown, reverse(name, kwargs={"section": section}), False
        elif name and name.startswith("materials:") and kwarg_names == ["case_id"]:
            yield shown, reverse(name, kwargs={"case_id": victims["cases.case"].pk}), True
        elif name in ("materials:item", "materials:upload", "materials:start_review"):
            yield shown, reverse(name, kwargs={"pk": victims["materials.casematerial"].pk}), True
        elif name in (
            "register:detail",
            "register:coverage",
            "register:end",
            "register:launch",
            "register:duty_case",
        ):
            yield shown, reverse(name, kwargs={"pk": victims["cases.licenserecord"].pk}), True
        elif name == "register:proposal_dismiss":
            yield shown, reverse(name, kwargs={"pk": victims["register.changeproposal"].pk}), True
        elif name == "reminders:feed":
            yield (
                shown,
                reverse(name, kwargs={"token": victims["reminders.calendarfeed.revoked_token"]}),
                True,
            )
        elif name == "inbox:open":
            yield shown, reverse(name, kwargs={"pk": victims["inbox.inboxitem"].pk}), True
        elif name == "materials:review":
            yield shown, reverse(name, kwargs={"pk": victims["materials.materialversion"].pk}), True
        elif name == "materials:download":
            yield shown, reverse(name, kwargs={"pk": victims["materials.materialfile"].pk}), True
        elif name and name.startswith("documents:") and kwarg_names == ["case_id"]:
            yield shown, reverse(name, kwargs={"case_id": victims["cases.case"].pk}), True
        elif name == "documents:download":
            for key in ("documents.generateddocument", "documents.generateddocument.unsigned"):
                for fmt in ("docx", "pdf"):
                    yield shown, reverse(name, kwargs={"pk": victims[key].pk, "fmt": fmt}), True
        elif name == "documents:bundle_download":
            yield shown, reverse(name, kwargs={"pk": victims["documents.submissionbundle"].pk}), True
        elif name in ("documents:template_download", "documents:template_deactivate"):
            yield shown, reverse(name, kwargs={"pk": victims["documents.agencytemplate"].pk}), True
        elif name == "documents:template_shipped":  # the package's own file: the same for every agency
            yield (
                shown,
                reverse(name, kwargs={"license_id": "icp-b25", "document_id": "application_letter"}),
                False,
            )
        elif name == "api:token_revoke":
            yield shown, reverse(name, kwargs={"pk": victims["api.apitoken"].pk}), True
        elif name and name.startswith("api-v1:"):  # the REST API: token-only, so 401 for a session
            kwargs = {k: (victims[API_KWARGS[k]].pk if k in API_KWARGS else "icp-b25") for k in kwarg_names}
            yield shown, reverse(name, kwargs=kwargs), any(k in API_KWARGS for k in kwarg_names)
        elif name == "admin:app_list":
            for label in ("accounts", "audit", "cases"):
                yield shown, reverse(name, kwargs={"app_label": label}), False
        elif name == "admin:view_on_site":
            for label, obj in victims.items():
                if label.count(".") != 1:  # a second object of a model, for the views above
                    continue
                ct = ContentType.objects.get_by_natural_key(*label.split("."))
                yield shown, reverse(name, kwargs={"content_type_id": ct.pk, "object_id": obj.pk}), True
        elif kwarg_names == ["url"]:  # the admin's catch-all
            yield shown, f"/admin/cases/case/{victims['cases.case'].pk}/nonexistent/", True
        elif prefix.startswith("admin/") and len(kwarg_names) == 1 and kwarg_names[0] in ("object_id", "id"):
            app, model = prefix.split("/")[1:3]  # admin/<app>/<model>/
            obj = victims[f"{app}.{model}"]
            yield (
                shown,
                "/"
                + prefix
                + route.replace(f"<path:{kwarg_names[0]}>", str(obj.pk)).replace("<id>", str(obj.pk)),
                True,
            )
        elif name in ("webhooks:detail", "webhooks:action"):
            pk = victims["webhooks.webhooksubscription"].pk
            for action in ("enable", "disable", "rotate", "delete") if name == "webhooks:action" else ("",):
                kwargs = {"pk": pk, "action": action} if action else {"pk": pk}
                yield shown, reverse(name, kwargs=kwargs), True
        elif name in ("webhooks:delivery", "webhooks:redeliver"):
            yield shown, reverse(name, kwargs={"pk": victims["webhooks.webhookdelivery"].pk}), True
        elif name == "exports:download":  # the reader's own lists: no id to tamper with
            for what in ("cases", "companies", "materials", "register", "deadlines"):
                for fmt in ("csv", "xlsx"):
                    yield shown, reverse(name, kwargs={"what": what, "fmt": fmt}), False
        else:
            pytest.fail(f"the isolation matrix does not know how to fill {shown} {kwarg_names}: add it")


def _denied(response: Any) -> bool:
    if response.status_code in (401, 403, 404, 405):  # 401: the API without a token
        return True
    if response.status_code == 302:
        location = response["Location"]
        return location.startswith(("/admin/login/", "/accounts/login/"))
    return False


def _get(client: Client, url: str) -> Any:
    """GET, following redirects that are not to a sign-in page (the admin's ``<id>/`` → ``<id>/change/``)."""
    response = client.get(url, HTTP_ACCEPT="text/html")
    for _ in range(3):
        if response.status_code != 302 or _denied(response):
            break
        response = client.get(response["Location"], HTTP_ACCEPT="text/html")
    return response


def _check(
    client: Client, role: str, name: str, url: str, markers: list[str], *, object_url: bool
) -> list[str]:
    problems = []
    for suffix in ("", "?format=json"):
        response = _get(client, url + suffix)
        raw = b"".join(response.streaming_content) if response.streaming else response.content  # exports
        body = raw.decode("utf-8", errors="replace")
        escaped = {m: json.dumps(m)[1:-1] for m in markers}  # as it would appear in ASCII-escaped JSON
        leaked = [m for m in markers if m in body or escaped[m] in body]
        if leaked:
            problems.append(f"{role} {name} {url}{suffix}: {response.status_code} shows {leaked}")
        if object_url and not _denied(response):
            problems.append(f"{role} {name} {url}{suffix}: answered {response.status_code}, expected 403/404")
    return problems


def test_isolation_matrix(tenant: Any, other_tenant: Any) -> None:
    _seed_victim(tenant)  # the viewers' own data exists too, so lists are not trivially empty
    other_agency = _seed_victim(other_tenant)
    # another client of the viewer's own agency: what a client user must not see
    invitation2 = invitation_create(case=tenant.case2, email="invitee-client2@example.cn", actor=tenant.admin)
    invitation2.link_token = LINK.search(mail.outbox[-1].body).group(2)
    case_run_check(case=tenant.case2, actor=tenant.other_consultant)
    other_client_file = _seed_material(tenant.case2, tenant.client2, tenant.company2)
    same_agency_other_client = {
        **_seed_documents(tenant.case2, tenant.other_consultant),
        "materials.casematerial": other_client_file.version.material,
        "materials.materialversion": other_client_file.version,
        "materials.materialfile": other_client_file,
        "portal.invitation": invitation2,
        "cases.clientcompany": tenant.company2,
        "cases.case": tenant.case2,
        "cases.note": note_create(
            case=tenant.case2,
            author=tenant.consultant,
            body=f"机密备注-{tenant.company2.name}",
            visibility="client",
        ),
    }
    problems: list[str] = []
    checked = 0
    for role, user in tenant.users.items():
        client = Client()
        client.force_login(user, backend=BACKEND)
        scenarios = [(other_agency, _markers(other_tenant, whole_agency=True))]
        if role == "client":
            victims = {**other_agency, **same_agency_other_client}
            scenarios.append(
                (
                    victims,
                    [
                        tenant.company2.name,
                        tenant.company2.uscc,
                        f"机密备注-{tenant.company2.name}",
                        f"机密文件-{tenant.company2.name}.pdf",
                    ],
                )
            )
        for victims, markers in scenarios:
            for name, url, object_url in _urls(victims):
                problems += _check(client, role, name, url, markers, object_url=object_url)
                checked += 1
    assert not problems, "\n".join(problems)
    assert checked > 100  # the walk reached the admin's per-model URLs too


def test_own_data_is_reachable(tenant: Any) -> None:
    """The matrix's 404s are not everything-404s: each role reaches what it should."""
    _seed_victim(tenant)
    for role, user in tenant.users.items():
        client = Client()
        client.force_login(user, backend=BACKEND)
        response = client.get(reverse("cases:detail", kwargs={"pk": tenant.case.pk}))
        if role == "client":  # the staff screens are not a client's: the client portal is
            assert response.status_code == 403, role
        else:
            assert response.status_code == 200, role
            assert tenant.company.name in response.content.decode()
            listing = client.get(reverse("cases:list") + "?format=json").json()
            assert {tenant.case.pk, tenant.case2.pk} <= {c["id"] for c in listing["cases"]}, role
        portal = client.get(reverse("portal:home"))
        assert portal.status_code == (200 if role == "client" else 403), role
    admin = Client()
    admin.force_login(tenant.admin, backend=BACKEND)
    for model in (Case, ClientCompany, CaseCheck, GuardOverride, Note, Task):
        meta = model._meta
        response = admin.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        assert response.status_code == 200, meta.label
    response = admin.get(reverse("admin:cases_case_change", kwargs={"object_id": tenant.case.pk}))
    assert response.status_code == 200 and tenant.company.name in response.content.decode()
