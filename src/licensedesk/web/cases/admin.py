from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from licensedesk.core.errors import InvalidInput
from licensedesk.web.admin_scoping import AgencyScopedAdmin, AgencyScopedReadOnlyAdmin
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


@admin.register(Case)
class CaseAdmin(AgencyScopedReadOnlyAdmin):
    list_display = (
        "company",
        "license_id",
        "ruleset_version",
        "stage",
        "consultant",
        "stage_due_on",
        "updated_at",
    )
    list_filter = ("stage", "license_id", "consultant")
    search_fields = ("company__name", "company__uscc")
    list_select_related = ("company", "consultant")


class CaseChildAdmin(AgencyScopedReadOnlyAdmin):
    agency_path = "case__agency"
    list_select_related = ("case", "case__company")


@admin.register(CaseCheck)
class CaseCheckAdmin(CaseChildAdmin):
    list_display = ("case", "verdict", "ruleset_version", "as_of", "created_at")
    list_filter = ("verdict",)


@admin.register(GuardOverride)
class GuardOverrideAdmin(CaseChildAdmin):
    list_display = ("case", "guard_id", "actor", "created_at")


@admin.register(Note)
class NoteAdmin(CaseChildAdmin):
    list_display = ("case", "author", "visibility", "created_at")


@admin.register(Task)
class TaskAdmin(CaseChildAdmin):
    list_display = ("case", "title", "assignee", "due_on", "done_at")


@admin.register(LicenseRecord)
class LicenseRecordAdmin(CaseChildAdmin):
    list_display = ("case", "number", "issued_on", "expires_on")
