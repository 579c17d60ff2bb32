"""Demo data: realistic, valid, at different stages, idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from licensedesk.core.identifiers import validate_resident_id, validate_uscc
from licensedesk.web.accounts.models import Agency, Role, User
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.audit.services import audit_verify
from licensedesk.web.cases.models import Case, CaseCheck, ClientCompany, GuardOverride
from licensedesk.web.demo.services import DEMO_AGENCY, DEMO_LOGINS, demo_load, make_resident_id, make_uscc

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Agency, User, ClientCompany, Case, CaseCheck, GuardOverride, AuditEvent)
    }


def test_demo_loads_one_agency_two_consultants_five_clients_at_different_stages() -> None:
    summary = demo_load()
    assert summary.created == {"agencies": 1, "users": 8, "companies": 5, "cases": 6}
    agency = Agency.objects.get(name=DEMO_AGENCY)
    users = User.objects.filter(agency=agency)
    assert users.filter(role=Role.CONSULTANT).count() == 2
    assert users.filter(role=Role.AGENCY_ADMIN).count() == 1
    assert users.filter(role=Role.CLIENT_USER, company__isnull=False).count() == 5
    stages = sorted(Case.objects.filter(license_id="icp-b25").values_list("stage", flat=True))
    assert stages == sorted(
        [
            "reviewing_materials",
            "collecting_materials",
            "contract_signed",
            "qualification_review",
            "withdrawn",
        ]
    )
    for company in ClientCompany.objects.all():
        assert validate_uscc(company.uscc) == company.uscc
        rep = company.profile["company"]["legal_representative"]["id_number"]
        assert validate_resident_id(rep) == rep
    assert GuardOverride.objects.count() == 1
    assert audit_verify().ok


def test_demo_shows_a_second_license_checked_eligible_with_its_checklist() -> None:
    from licensedesk.web.materials.selectors import checklist_for

    demo_load()
    case = Case.objects.get(license_id="labour-dispatch")
    assert case.company.name == "杭州金石数据服务有限公司"
    assert case.stage == "contract_signed"
    check = CaseCheck.objects.filter(case=case).latest("pk")
    assert check.verdict == "eligible"
    extensions = case.company.profile["extensions"]["labour-dispatch"]
    assert extensions["dispatch_rules_ready"] is True
    assert case.company.profile["company"]["paid_in_capital_cny"] == 3_000_000
    checklist = checklist_for(user=User.objects.get(username="demo-wang"), case_id=case.pk)
    assert checklist.required_count > 0
    assert Case.objects.filter(company=case.company, license_id="icp-b25", stage="contract_signed").exists()


def test_a_database_loaded_before_the_second_license_gets_it_with_its_facts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from licensedesk.web.demo import services

    with monkeypatch.context() as older:  # the demo as it was: no second license, no license facts
        older.setattr(services, "_second_license", lambda *args: None)
        demo_load()
    company = ClientCompany.objects.get(name="杭州金石数据服务有限公司")
    profile = dict(company.profile)
    profile.pop("extensions")
    ClientCompany.objects.filter(pk=company.pk).update(profile=profile, profile_hash="")
    again = demo_load()
    assert again.created["cases"] == 1
    case = Case.objects.get(license_id="labour-dispatch")
    assert case.stage == "contract_signed"
    assert CaseCheck.objects.filter(case=case).latest("pk").verdict == "eligible"


def test_demo_logins_work() -> None:
    demo_load()
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        assert user.check_password(login.password), login.username
        assert user.role == login.role
        if login.company:
            assert user.company.name == login.company


def test_demo_is_idempotent() -> None:
    demo_load()
    before = _counts()
    again = demo_load()
    assert not again.created_anything
    assert _counts() == before


def test_demo_command_prints_the_logins(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo")
    call_command("demo")
    out = capsys.readouterr().out
    assert "already loaded" in out
    assert all(login.username in out and login.password in out for login in DEMO_LOGINS)


def test_identifier_builders() -> None:
    assert validate_uscc(make_uscc("91440300MA5FXK2Q1")) == "91440300MA5FXK2Q18"
    assert validate_resident_id(make_resident_id("44030519880612351")) == "440305198806123517"


def test_the_case_in_material_review_has_real_uploads_three_accepted() -> None:
    from licensedesk.web.materials.models import CaseMaterial, MaterialFile, MaterialVersion
    from licensedesk.web.materials.selectors import checklist_for

    demo_load()
    case = Case.objects.get(stage="reviewing_materials")
    uploaded = {
        m.material_id: m.status for m in CaseMaterial.objects.filter(case=case, latest_version__isnull=False)
    }
    assert uploaded == {
        "business_license": "accepted",
        "articles_of_association": "accepted",
        "financial_report": "accepted",
        "social_insurance_proof": "uploaded",
    }
    kinds = sorted(MaterialFile.objects.filter(version__material__case=case).values_list("kind", flat=True))
    assert kinds == ["pdf", "pdf", "pdf", "png"]
    assert AuditEvent.objects.filter(case=case, action="material.uploaded").count() == 4
    assert AuditEvent.objects.filter(case=case, action="material.accepted").count() == 3
    checklist = checklist_for(user=User.objects.get(username="demo-wang"), case_id=case.pk)
    assert checklist.accepted_count == 3 and checklist.required_count > 3
    demo_load()  # idempotent: no second round of uploads
    assert MaterialVersion.objects.filter(material__case=case).count() == 4
    assert audit_verify().ok


def test_the_demo_case_in_material_review_can_generate_its_documents_at_once() -> None:
    """The demo carries the document data 云帆's case needs, so "generate" works straight away."""
    from licensedesk.web.documents.models import GeneratedDocument, JobStatus

    from ..documents.conftest import generate_now

    demo_load()
    case = Case.objects.get(stage="reviewing_materials")
    job = generate_now(case, User.objects.get(username="demo-wang"))
    assert (job.status, job.error_code) == (JobStatus.DONE, "")
    assert GeneratedDocument.objects.filter(case=case, current=True).count() == job.total == 10
    demo_load()  # idempotent: the data is kept as it is
    assert audit_verify().ok
