from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from licensedesk.web.accounts.models import Agency, User
from licensedesk.web.accounts.services import user_change_role, user_create, user_set_active
from licensedesk.web.admin_scoping import AgencyScopedAdmin, AgencyScopedReadOnlyAdmin

# Roles replace groups; groups are global (they would cross agencies).
admin.site.unregister(Group)
admin.site.site_header = "licensedesk 管理后台"
admin.site.site_title = "licensedesk"


@admin.register(Agency)
class AgencyAdmin(AgencyScopedReadOnlyAdmin):
    agency_path = "pk"
    list_display = ("name", "created_at")


class UserAddForm(forms.ModelForm):
    password = forms.CharField(label="密码 password", widget=forms.PasswordInput, strip=False)

    class Meta:
        model = User
        fields = ("username", "display_name", "email", "role", "company")


@admin.register(User)
class UserAdmin(AgencyScopedAdmin, DjangoUserAdmin):
    """Users of the admin's agency. Creating users, changing roles and (de)activating go through the
    account services, so each is checked (last admin, company of the agency …) and audited."""

    agency_path = "agency"
    scoped_relations: ClassVar[dict[str, str]] = {"company": "agency"}
    autocomplete_fields = ("company",)
    add_form = UserAddForm
    list_display = ("username", "display_name", "role", "company", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "display_name", "email")
    ordering = ("username",)
    list_select_related = ("company",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息 Person", {"fields": ("display_name", "email")}),
        ("权限 Access", {"fields": ("role", "company", "is_active")}),
        ("时间 Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "display_name", "email", "role", "company", "password")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            created = user_create(
                agency=request.user.agency,
                username=obj.username,
                password=form.cleaned_data["password"],
                role=obj.role,
                company=obj.company,
                actor=request.user,
                email=obj.email,
                display_name=obj.display_name,
            )
            obj.pk, obj.password, obj.is_staff, obj.agency_id = (
                created.pk,
                created.password,
                created.is_staff,
                created.agency_id,
            )
            obj._state.adding, obj._state.db = False, created._state.db
            return
        original = User.objects.get(pk=obj.pk)
        if (obj.role, obj.company_id) != (original.role, original.company_id):
            user_change_role(user=original, role=obj.role, company=obj.company, actor=request.user)
        if obj.is_active != original.is_active:
            user_set_active(user=original, active=obj.is_active, actor=request.user)
        User.objects.filter(pk=obj.pk).update(display_name=obj.display_name, email=obj.email)
