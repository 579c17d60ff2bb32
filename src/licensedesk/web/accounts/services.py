"""Writes for agencies and users. Role and activation changes are permission changes: each is audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from licensedesk.core.case_numbers import CaseNumberFormatError, parse_case_number_format
from licensedesk.core.errors import ConcurrencyError, InvalidInput
from licensedesk.core.identifiers import IdentifierError, validate_uscc
from licensedesk.web.accounts.models import Agency, Role, StageTarget, TargetUnit, User
from licensedesk.web.accounts.roles import ensure_admin
from licensedesk.web.audit.services import audit_record


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "role": user.role,
        "company": user.company_id,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
    }


def agency_create(*, name: str, actor: User | None = None) -> Agency:
    """A new agency (tenant). ``actor`` None means the platform itself (setup, demo data)."""
    name = name.strip()
    if not name:
        raise InvalidInput(
            "An agency needs a name.", code="accounts.agency_name_required", message_zh="请填写机构名称。"
        )
    if Agency.objects.filter(name=name).exists():
        raise InvalidInput(
            f"An agency named {name!r} already exists.",
            code="accounts.agency_exists",
            message_zh="该机构名称已存在。",
        )
    with transaction.atomic():
        agency = Agency.objects.create(name=name)
        audit_record(agency=agency, actor=actor, action="agency.created", target=agency, after={"name": name})
    return agency


def _check_role_company(*, agency: Agency | int, role: str, company: Any | None) -> None:
    agency_id = agency if isinstance(agency, int) else agency.pk
    if role not in Role.values:
        raise InvalidInput(
            f"Unknown role {role!r}; roles: {', '.join(Role.values)}.",
            code="accounts.invalid_role",
            message_zh=f"未知的角色 {role!r}。",
        )
    if role == Role.CLIENT_USER:
        if company is None:
            raise InvalidInput(
                "A client user belongs to a client company; choose one.",
                code="accounts.company_required",
                message_zh="客户用户须关联一家客户企业。",
            )
        if company.agency_id != agency_id:
            raise InvalidInput(
                "That company is a client of another agency.",
                code="accounts.company_other_agency",
                message_zh="该企业不是本机构的客户。",
            )
    elif company is not None:
        raise InvalidInput(
            "Only client users belong to a client company.",
            code="accounts.company_not_allowed",
            message_zh="只有客户用户可以关联客户企业。",
        )


def user_create(
    *,
    agency: Agency,
    username: str,
    password: str | None,
    role: str,
    actor: User | None,
    company: Any | None = None,
    email: str = "",
    display_name: str = "",
    check_password: bool = True,
) -> User:
    """A user of ``agency``. ``actor`` must be an admin of that agency (None: the platform itself).
    ``password`` None leaves the account without a usable password (invitation flows)."""
    if actor is not None:
        ensure_admin(actor, agency.pk, action="create users")
    _check_role_company(agency=agency, role=role, company=company)
    username = username.strip()
    if not username:
        raise InvalidInput(
            "A username is required.", code="accounts.username_required", message_zh="请填写用户名。"
        )
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(
            f"The username {username!r} is taken.",
            code="accounts.username_taken",
            message_zh="该用户名已被使用。",
        )
    user = User(
        username=username,
        email=email,
        display_name=display_name,
        role=role,
        agency=agency,
        company=company,
        is_staff=role == Role.AGENCY_ADMIN,
    )
    if password is None:
        user.set_unusable_password()
    else:
        if check_password:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                raise InvalidInput(
                    "The password is too weak: " + " ".join(exc.messages),
                    code="accounts.weak_password",
                    message_zh="密码强度不足：" + " ".join(exc.messages),
                    details={"problems": exc.messages},
                ) from None
        user.set_password(password)
    with transaction.atomic():
        user.save()
        audit_record(
            agency=agency,
            actor=actor,
            action="user.created",
            target=user,
            after={"username": user.username, **_user_snapshot(user)},
        )
    return user


def _other_active_admins(user: User) -> bool:
    return (
        User.objects.filter(agency_id=user.agency_id, role=Role.AGENCY_ADMIN, is_active=True)
        .exclude(pk=user.pk)
        .exists()
    )


def user_change_role(*, user: User, role: str, actor: User, company: Any | None = None) -> User:
    """Give ``user`` another role (and, for a client user, a company). Agency admins only; the last
    active admin of an agency cannot be demoted."""
    ensure_admin(actor, user.agency_id, action="change roles")
    _check_role_company(agency=user.agency_id, role=role, company=company)
    if user.role == Role.AGENCY_ADMIN and role != Role.AGENCY_ADMIN and not _other_active_admins(user):
        raise InvalidInput(
            "This is the agency's last admin; make someone else an admin first.",
            code="accounts.last_admin",
            message_zh="这是本机构唯一的管理员，请先指定其他管理员。",
        )
    before = _user_snapshot(user)
    user.role = role
    user.company = company
    user.is_staff = role == Role.AGENCY_ADMIN
    if before == _user_snapshot(user):
        return user
    with transaction.atomic():
        user.save(update_fields=["role", "company", "is_staff"])
        audit_record(
            agency=user.agency_id,
            actor=actor,
            action="user.role_changed",
            target=user,
            before=before,
            after=_user_snapshot(user),
        )
    return user


def user_set_active(*, user: User, active: bool, actor: User) -> User:
    """Let a user sign in again, or stop them (accounts are deactivated, never deleted: the audit trail
    refers to them)."""
    ensure_admin(actor, user.agency_id, action="activate or deactivate users")
    if user.pk == actor.pk and not active:
        raise InvalidInput(
            "You cannot deactivate yourself.",
            code="accounts.self_deactivate",
            message_zh="不能停用自己的账户。",
        )
    if not active and user.role == Role.AGENCY_ADMIN and not _other_active_admins(user):
        raise InvalidInput(
            "This is the agency's last admin; make someone else an admin first.",
            code="accounts.last_admin",
            message_zh="这是本机构唯一的管理员，请先指定其他管理员。",
        )
    if user.is_active == active:
        return user
    before = _user_snapshot(user)
    user.is_active = active
    with transaction.atomic():
        user.save(update_fields=["is_active"])
        audit_record(
            agency=user.agency_id,
            actor=actor,
            action="user.activated" if active else "user.deactivated",
            target=user,
            before=before,
            after=_user_snapshot(user),
        )
    return user


# -- agency settings -----------------------------------------------------------------------------------

#: The settings an agency admin edits, in the order of the page; the before/after of the audit row.
AGENCY_SETTINGS_FIELDS = (
    "name",
    "uscc",
    "address",
    "legal_representative",
    "contact_person",
    "phone",
    "email",
    "default_fee_cny",
    "case_number_format",
)


def _agency_settings(agency: Agency) -> dict[str, Any]:
    return {name: getattr(agency, name) for name in AGENCY_SETTINGS_FIELDS}


def _field_problem(field: str, message: str, message_zh: str, code: str) -> InvalidInput:
    return InvalidInput(message, code=code, message_zh=message_zh, details={"field": field})


def _clean_agency_settings(agency: Agency, values: dict[str, Any]) -> dict[str, Any]:
    """Trimmed values, each checked: the USCC with the same rules as everywhere (its check character
    included), the case-number format with the parser the numbering uses."""
    clean = {name: values.get(name, getattr(agency, name)) for name in AGENCY_SETTINGS_FIELDS}
    for name in AGENCY_SETTINGS_FIELDS:
        if isinstance(clean[name], str):
            clean[name] = clean[name].strip()
    if not clean["name"]:
        raise _field_problem(
            "name", "An agency needs a name.", "请填写机构名称。", "accounts.agency_name_required"
        )
    if Agency.objects.filter(name=clean["name"]).exclude(pk=agency.pk).exists():
        raise _field_problem(
            "name", "Another agency already has that name.", "该机构名称已被使用。", "accounts.agency_exists"
        )
    if clean["uscc"]:
        try:
            clean["uscc"] = validate_uscc(clean["uscc"])
        except IdentifierError as exc:
            raise _field_problem(
                "uscc",
                f"USCC: {exc.message_en}",
                f"统一社会信用代码：{exc.message_zh}",
                "accounts.agency_uscc",
            ) from None
    try:
        clean["case_number_format"] = parse_case_number_format(clean["case_number_format"]).text
    except CaseNumberFormatError as exc:
        raise _field_problem(
            "case_number_format",
            f"Case-number format: {exc}",
            f"案件编号格式：{exc.message_zh}",
            "accounts.case_number_format",
        ) from None
    fee = clean["default_fee_cny"]
    if fee is not None and fee < 0:
        raise _field_problem(
            "default_fee_cny",
            "The default fee cannot be negative.",
            "默认服务费不能为负数。",
            "accounts.agency_fee",
        )
    return clean


def agency_settings_update(*, agency: Agency, actor: User, expected_version: int, **values: Any) -> Agency:
    """Change the agency's settings (only its admins). ``expected_version`` is the version the admin's
    form was read at: if someone saved in between, the change is refused rather than overwriting theirs.
    The audit row keeps every changed field before and after."""
    ensure_admin(actor, agency.pk, action="edit the agency settings")
    with transaction.atomic():
        current = Agency.objects.select_for_update().get(pk=agency.pk)
        if current.version != expected_version:
            raise ConcurrencyError(
                "Someone else saved the agency settings since you opened them; reload and try again.",
                code="accounts.agency_changed",
                message_zh="机构设置已被他人修改，请刷新后重试。",
            )
        clean = _clean_agency_settings(current, values)
        before = _agency_settings(current)
        changed = {name: value for name, value in clean.items() if value != before[name]}
        if not changed:
            return current
        for name, value in changed.items():
            setattr(current, name, value)
        current.version += 1
        current.save(update_fields=[*changed, "version"])
        audit_record(
            agency=current,
            actor=actor,
            action="agency.settings_updated",
            target=current,
            before={name: before[name] for name in changed},
            after=changed,
        )
    return current


TARGET_MAX_DAYS = 365
DUE_SOON_MAX_DAYS = 90


def agency_targets_update(
    *,
    agency: Agency,
    actor: User,
    due_soon_days: int,
    targets: Mapping[tuple[str, str], tuple[int, str] | None],
) -> Agency:
    """Set the agency's own targets per stage (``targets``: (license id, stage) → (amount, unit), or
    None to clear one) and how close a statutory due date must be to flag a case (``due_soon_days``).
    Only its admins. Every problem is raised at once, by field; one audit row holds what changed."""
    from licensedesk.web.accounts.selectors import stage_targets_of, target_stages  # selectors read models

    ensure_admin(actor, agency.pk, action="edit the agency's targets")
    known = {(s.license_id, s.stage) for s in target_stages()}
    zh: dict[str, str] = {}
    en: dict[str, str] = {}
    if not 1 <= due_soon_days <= DUE_SOON_MAX_DAYS:
        zh["due_soon_days"] = f"提醒天数须在 1 到 {DUE_SOON_MAX_DAYS} 之间。"
        en["due_soon_days"] = f"The flag window must be between 1 and {DUE_SOON_MAX_DAYS} days."
    clean: dict[tuple[str, str], tuple[int, str] | None] = {}
    for key, value in targets.items():
        field = f"target__{key[0]}__{key[1]}"
        if key not in known:
            zh[field] = "该阶段不能设置内部目标。"
            en[field] = "This stage takes no target."
            continue
        if value is not None:
            amount, unit = value
            if unit not in TargetUnit.values:
                zh[field] = "请选择工作日或日历日。"
                en[field] = "Choose working days or calendar days."
                continue
            if not 1 <= amount <= TARGET_MAX_DAYS:
                zh[field] = f"目标天数须在 1 到 {TARGET_MAX_DAYS} 之间。"
                en[field] = f"A target must be between 1 and {TARGET_MAX_DAYS} days."
                continue
        clean[key] = value
    if zh:
        raise InvalidInput(
            " ".join(en.values()),
            code="accounts.targets_invalid",
            message_zh="".join(zh.values()),
            details={"fields": zh, "fields_en": en},
        )
    with transaction.atomic():
        current = Agency.objects.select_for_update().get(pk=agency.pk)
        existing = stage_targets_of(agency_id=current.pk)
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for key, value in clean.items():
            name, old = "/".join(key), existing.get(key)
            old_value = (old.amount, old.unit) if old else None
            if old_value == value:
                continue
            before[name] = list(old_value) if old_value else None
            after[name] = list(value) if value else None
            if value is None:
                StageTarget.objects.filter(pk=old.pk).delete()  # type: ignore[union-attr]
            elif old is None:
                StageTarget.objects.create(
                    agency=current, license_id=key[0], stage=key[1], amount=value[0], unit=value[1]
                )
            else:
                old.amount, old.unit = value
                old.save(update_fields=["amount", "unit"])
        if current.due_soon_days != due_soon_days:
            before["due_soon_days"], after["due_soon_days"] = current.due_soon_days, due_soon_days
            current.due_soon_days = due_soon_days
            current.save(update_fields=["due_soon_days"])
        if after:
            audit_record(
                agency=current,
                actor=actor,
                action="agency.targets_updated",
                target=current,
                before=before,
                after=after,
            )
    return current
