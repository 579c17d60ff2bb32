from __future__ import annotations

import json
from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from licensedesk.core.errors import InvalidInput
from licensedesk.core.labels import verdict_label
from licensedesk.web.accounts.models import STAFF_ROLES
from licensedesk.web.admin_scoping import AgencyScopedAdmin, AgencyScopedReadOnlyAdmin, Scope
from licensedesk.web.cases.display import current_lang, license_name, stage_choices, stage_title
from licensedesk.web.cases.models import (
    Case,
    CaseCheck,
    ClientCompany,
    GuardOverride,
    LicenseRecord,
    Note,
    Task,
)
from licensedesk.web.cases.services import company_create, company_profile_update, validated_profile


class CompanyForm(forms.ModelForm):
    class Meta:
        model = ClientCompany
        fields = ("profile",)

    def clean_profile(self) -> Any:
        data = self.cleaned_data["profile"]
        try:
            return validated_profile(data)
        except InvalidInput as exc:
            raise forms.ValidationError(
                [p["path"] + ": " + p["message"] for p in exc.details["problems"]]
            ) from None


@admin.register(ClientCompany)
class ClientCompanyAdmin(AgencyScopedAdmin):
    """Companies of the admin's agency; the profile (contract JSON) is validated like the CLI does and
    saved through the company services (audited)."""

    form = CompanyForm
    list_display = ("name", "uscc", "province", "entity_type", "updated_at")
    list_filter = ("province", "entity_type")
    search_fields = ("name", "uscc")
    readonly_fields = ("name", "uscc", "province", "entity_type", "version")

    def save_model(self, request: HttpRequest, obj: ClientCompany, form: Any, change: bool) -> None:
        profile = json.loads(json.dumps(form.cleaned_data["profile"]))
        if change:
            company_profile_update(
                company=ClientCompany.objects.get(pk=obj.pk), profile=profile, actor=request.user
            )
            return
        created = company_create(agency=request.user.agency, profile=profile, actor=request.user)
        obj.pk, obj._state.adding, obj._state.db = created.pk, False, created._state.db


def stage_label(stage_id: Any) -> str:
    """A stage id's title in the active language (the catalog's, every license); the id if unknown."""
    return dict(stage_choices()).get(str(stage_id), str(stage_id))


def case_label(case: Case) -> str:
    """A case in words: company · license · stage title (``Case.__str__`` shows the codes)."""
    return f"{case.company.name} · {license_name(case.license_id)} · {stage_title(case)}"


#: a case's consultant is one of the agency's staff, never a client
CONSULTANT_SCOPE = Scope("agency", {"role__in": sorted(STAFF_ROLES)})


@admin.register(Case)
class CaseAdmin(AgencyScopedReadOnlyAdmin):
    list_display = (
        "company",
        "license_name",
        "ruleset_version",
        "stage_name",
        "consultant",
        "stage_due_on",
        "updated_at",
    )
    list_filter = ("stage", "license_id", "consultant")
    value_labels: ClassVar = {"stage": stage_label, "license_id": license_name}
    scoped_relations: ClassVar[dict[str, str | Scope]] = {
        "company": "agency",
        "consultant": CONSULTANT_SCOPE,
    }
    search_fields = ("company__name", "company__uscc")
    list_select_related = ("company", "consultant")
    fields = (
        "company",
        "license_name",
        "ruleset_version",
        "stage_name",
        "consultant",
        "version",
        "opened_on",
        "target_date",
        "stage_entered_at",
        "stage_due_on",
        "closed_at",
    )
    readonly_fields = ("license_name", "stage_name")

    @admin.display(description=_("stage"), ordering="stage")
    def stage_name(self, case: Case) -> str:
        return stage_title(case)

    @admin.display(description=_("license"), ordering="license_id")
    def license_name(self, case: Case) -> str:
        return license_name(case.license_id)


class CaseChildAdmin(AgencyScopedReadOnlyAdmin):
    agency_path = "case__agency"
    list_select_related = ("case", "case__company")
    scoped_relations: ClassVar[dict[str, str | Scope]] = {"case": "agency"}

    @admin.display(description=_("case"), ordering="case")
    def case_name(self, obj: Any) -> str:
        return case_label(obj.case)


@admin.register(CaseCheck)
class CaseCheckAdmin(CaseChildAdmin):
    list_display = ("case_name", "verdict_name", "ruleset_version", "as_of", "created_at")
    list_filter = ("verdict",)
    value_labels: ClassVar = {"verdict": lambda verdict: verdict_label(str(verdict), current_lang())}

    @admin.display(description=_("verdict"), ordering="verdict")
    def verdict_name(self, check: CaseCheck) -> str:
        return verdict_label(check.verdict, current_lang())


@admin.register(GuardOverride)
class GuardOverrideAdmin(CaseChildAdmin):
    list_display = ("case_name", "guard_id", "actor", "created_at")


@admin.register(Note)
class NoteAdmin(CaseChildAdmin):
    list_display = ("case_name", "author", "visibility", "created_at")


@admin.register(Task)
class TaskAdmin(CaseChildAdmin):
    list_display = ("case_name", "title", "assignee", "due_on", "done_at")


@admin.register(LicenseRecord)
class LicenseRecordAdmin(AgencyScopedReadOnlyAdmin):
    """The register's rows: scoped by their own agency (a license entered by hand has no case)."""

    list_display = ("company", "license_title", "number", "issued_on", "expires_on", "ended_status")
    list_select_related = ("company",)
    scoped_relations: ClassVar[dict[str, str | Scope]] = {"company": "agency", "case": "agency"}
    search_fields = ("number", "company__name")

    @admin.display(description=_("license"), ordering="license_id")
    def license_title(self, record: LicenseRecord) -> str:
        return license_name(record.license_id)
