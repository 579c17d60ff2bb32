"""Agency (the tenant) and User with a role.

Every user but a platform superuser belongs to exactly one agency; a client user also belongs to one
client company of that agency. Roles, not Django groups or model permissions, decide what a user may
do; :mod:`licensedesk.web.accounts.roles` holds the rules and the selectors apply them in one place.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Agency(models.Model):
    """A licensing agency (代办机构): the tenant. Nothing crosses from one agency to another."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    # The agency's own facts, edited by its admins on the settings page; the documents take them from
    # here instead of asking for them again on every case.
    uscc = models.CharField(_("USCC"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("agency email"), max_length=200, blank=True)
    default_fee_cny = models.DecimalField(
        _("default fee (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    case_number_format = models.CharField(_("case-number format"), max_length=60, default="{year}-{seq:04d}")
    # The board and the case list flag a case whose nearest statutory due date is this close (in days).
    due_soon_days = models.PositiveSmallIntegerField(_("flag due dates within (days)"), default=7)
    version = models.PositiveIntegerField(_("edit version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class TargetUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    DAYS = "days", _("calendar days")


class StageTarget(models.Model):
    """The agency's own target for a stage of a license's workflow ("材料审核 within 3 working days"):
    counted from the day the case entered the stage, shown on the case page apart from the statutory
    clocks and labelled as the agency's own. Not law: nothing is refused when it is missed."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="stage_targets"
    )
    license_id = models.CharField(_("license"), max_length=40)
    stage = models.CharField(_("stage"), max_length=40)
    amount = models.PositiveSmallIntegerField(_("within"))
    unit = models.CharField(
        _("unit"), max_length=20, choices=TargetUnit.choices, default=TargetUnit.WORKING_DAYS
    )

    class Meta:
        verbose_name = _("stage target")
        verbose_name_plural = _("stage targets")
        ordering = ("license_id", "stage")
        constraints = (
            models.UniqueConstraint(fields=["agency", "license_id", "stage"], name="stage_target_uniq"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="stage_target_amount_positive"),
        )

    def __str__(self) -> str:
        return f"{self.license_id} · {self.stage}: {self.amount} {self.unit}"


class Role(models.TextChoices):
    AGENCY_ADMIN = "agency_admin", "机构管理员 Agency admin"
    CONSULTANT = "consultant", "顾问 Consultant"
    CLIENT_USER = "client_user", "客户 Client user"


STAFF_ROLES = frozenset({Role.AGENCY_ADMIN, Role.CONSULTANT})


class User(AbstractUser):
    """A person who signs in: agency staff (admin, consultant) or a client company's user."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CONSULTANT)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        verbose_name=_("agency"),
    )
    company = models.ForeignKey(
        "cases.ClientCompany",
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        verbose_name=_("client company"),
    )
    display_name = models.CharField(_("full name"), max_length=100, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = (models.Index(fields=["agency", "role"], name="user_agency_role_idx"),)
        constraints = (
            # A client user always has a company; staff never do.
            models.CheckConstraint(
                condition=(Q(role=Role.CLIENT_USER) & Q(company__isnull=False))
                | (~Q(role=Role.CLIENT_USER) & Q(company__isnull=True)),
                name="user_company_iff_client",
            ),
            # Only a platform superuser may have no agency.
            models.CheckConstraint(
                condition=Q(agency__isnull=False) | Q(is_superuser=True),
                name="user_agency_unless_superuser",
            ),
        )

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_agency_admin(self) -> bool:
        return self.role == Role.AGENCY_ADMIN and self.agency_id is not None

    @property
    def is_consultant(self) -> bool:
        return self.role == Role.CONSULTANT and self.agency_id is not None

    @property
    def is_client_user(self) -> bool:
        return self.role == Role.CLIENT_USER and self.agency_id is not None

    @property
    def is_agency_staff(self) -> bool:
        return self.role in STAFF_ROLES and self.agency_id is not None
