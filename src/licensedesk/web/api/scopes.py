"""What an API token may do: ``<resource>:read`` and ``<resource>:write`` per resource.

Scopes narrow what the token's owner (an agency admin) could do through the web; they never widen it.
A write scope does not imply the read scope of the same resource: a CRM that only opens cases holds
``cases:write`` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Resource:
    id: str
    title: object  # a lazy translation
    writable: bool = True


RESOURCES: tuple[Resource, ...] = (
    Resource("companies", _("Companies and their profiles")),
    Resource("cases", _("Cases and stage moves")),
    Resource("checks", _("Eligibility checks")),
    Resource("materials", _("Materials: checklist, uploads, review")),
    Resource("documents", _("Documents and submission bundles")),
    Resource("notes", _("Notes")),
    Resource("tasks", _("Tasks")),
    Resource("audit", _("Audit trail of a case"), writable=False),
    Resource("register", _("License register"), writable=False),
    Resource("deadlines", _("Statutory deadlines of cases"), writable=False),
    Resource("eligibility", _("Stateless eligibility check (stores nothing)"), writable=False),
)

READ = "read"
WRITE = "write"


def scope(resource: str, access: str) -> str:
    return f"{resource}:{access}"


ALL_SCOPES: tuple[str, ...] = tuple(
    scope(r.id, access) for r in RESOURCES for access in ((READ, WRITE) if r.writable else (READ,))
)
