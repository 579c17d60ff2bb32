"""The portal's events on the case timeline (invitations), in the active language.

Registered with :func:`licensedesk.web.cases.timeline.register_description` from
:meth:`PortalConfig.ready`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.display import Lang
from licensedesk.web.cases.timeline import Names, register_description


def _sent(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    return _("Invited %(email)s to the client portal") % {"email": (event.after or {}).get("email", "")}, ""


def _resent(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    email = (event.after or {}).get("email", "")
    return _("Re-sent the client portal invitation to %(email)s") % {"email": email}, ""


def _opened(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    return _("The client opened the portal invitation"), ""


def _accepted(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    return _("The client accepted the portal invitation"), ""


def _uscc_conflict(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    uscc = (event.data or {}).get("uscc", "")
    return _(
        "The client entered the USCC %(uscc)s, which another client company of the agency holds: "
        "it was not saved. Check it with the client."
    ) % {"uscc": uscc}, ""


def register() -> None:
    """Tell the case timeline how to say the invitation events."""
    register_description("invitation.sent", _sent)
    register_description("invitation.resent", _resent)
    register_description("invitation.opened", _opened)
    register_description("invitation.accepted", _accepted)
    register_description("company.uscc_conflict", _uscc_conflict)
