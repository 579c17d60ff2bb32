"""Agency (the tenant) and User with a role.

Every user but a platform superuser belongs to exactly one agency; a client user also belongs to one
client company of that agency. Roles, not Django groups or model permissions, decide what a user may
do; :mod:`licensedesk.web.accounts.roles` holds the rules and the selectors apply them in one place.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q


class Agency(models.Model):
    """A licensing agency (代办机构): the tenant. Nothing crosses from one agency to another."""

    name = models.CharField("名称 name", max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "代办机构 agency"
        verbose_name_plural = "代办机构 agencies"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    AGENCY_ADMIN = "agency_admin", "机构管理员 Agency admin"
    CONSULTANT = "consultant", "顾问 Consultant"
    CLIENT_USER = "client_user", "客户 Client user"


STAFF_ROLES = frozenset({Role.AGENCY_ADMIN, Role.CONSULTANT})


class User(AbstractUser):
    """A person who signs in: agency staff (admin, consultant) or a client company's user."""

    role = models.CharField("角色 role", max_length=20, choices=Role.choices, default=Role.CONSULTANT)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        verbose_name="代办机构 agency",
    )
    company = models.ForeignKey(
        "cases.ClientCompany",
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        verbose_name="客户企业 company",
    )
    display_name = models.CharField("姓名 name", max_length=100, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = "用户 user"
        verbose_name_plural = "用户 users"
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
