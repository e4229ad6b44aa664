"""What tells a person's account from a mailbox or an unused one, as Graph v1.0 serves it.

``user.assignedLicenses`` (assignedLicense: ``disabledPlans``, ``skuId``),
``user.createdDateTime``, ``user.signInActivity`` (only when ``$select``ed;
null for a user who never signed in) and ``GET /users/{id}/mailboxSettings``
(``userPurpose``; 404 ``MailboxNotEnabledForRESTAPI`` without a mailbox).
A snapshot that does not record these (older or hand-made) is served as
ordinary people: licensed, with a user mailbox, and with neither a creation time
nor a sign-in (Graph has null ``createdDateTime`` for accounts created before
it was recorded), which no audit reads as "unused".
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sspr_audit.emulator.graph_views import CONTEXT
from sspr_audit.emulator.odata import properties
from sspr_audit.snapshot.models import Tenant, User

# Microsoft 365 E3 (the demo tenant's own SKU): the licence of a user whose snapshot records none.
UNRECORDED_LICENCE = "05e9a617-0261-4cee-bb44-138d3ef5d965"
NO_MAILBOX = "none"
MAILBOX_SETTINGS_PROPERTIES = properties(
    "archiveFolder",
    "automaticRepliesSetting",
    "dateFormat",
    "delegateMeetingMessageDeliveryOptions",
    "language",
    "timeFormat",
    "timeZone",
    "userPurpose",
    "workingHours",
)
NO_MAILBOX_MESSAGE = "The mailbox is either inactive, soft-deleted, or is hosted on-premise."
SIGN_IN_REFUSED_CODE = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
SIGN_IN_REFUSED_MESSAGE = "Neither tenant is B2C or tenant doesn't have premium license"


@dataclass(frozen=True)
class Served:
    """The values the emulator serves for one user (what a faithful collection records)."""

    assigned_licenses: tuple[str, ...]
    created_at: str | None
    last_sign_in: str | None  # None: never signed in (signInActivity null)
    mailbox_purpose: str  # userPurpose, or NO_MAILBOX


def served(user: User, tenant: Tenant) -> Served:
    """What Graph would say of ``user`` in ``tenant``."""
    licences = user.assigned_licenses if user.assigned_licenses is not None else (UNRECORDED_LICENCE,)
    guest = (user.user_type or "").lower() == "guest"
    purpose = user.mailbox_purpose or (NO_MAILBOX if guest else "user")
    return Served(licences, user.created_at, user.last_sign_in, purpose)


def scope_json(user: User, tenant: Tenant) -> dict[str, Any]:
    """The user properties this module serves, by Graph's names."""
    values = served(user, tenant)
    return {
        "assignedLicenses": [{"disabledPlans": [], "skuId": sku} for sku in values.assigned_licenses],
        "createdDateTime": values.created_at,
        "signInActivity": _sign_in_json(user.id, values.last_sign_in),
    }


def mailbox_settings_json(user: User, tenant: Tenant, select: tuple[str, ...] | None) -> dict[str, Any] | None:
    """``mailboxSettings`` of ``user``, cut to ``select``; None when the user has no mailbox."""
    purpose = served(user, tenant).mailbox_purpose
    if purpose == NO_MAILBOX:
        return None
    body: dict[str, Any] = {
        "archiveFolder": _id("archive", user.id),
        "timeZone": "UTC",
        "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
        "dateFormat": "M/d/yyyy",
        "timeFormat": "h:mm tt",
        "userPurpose": purpose,
        "automaticRepliesSetting": {
            "status": "disabled",
            "externalAudience": "all",
            "internalReplyMessage": "",
            "externalReplyMessage": "",
        },
        "language": {"locale": "en-US", "displayName": "English (United States)"},
        "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000",
            "endTime": "17:00:00.0000000",
            "timeZone": {"name": "UTC"},
        },
    }
    context = f"{CONTEXT}users('{user.id}')/mailboxSettings"
    if select is not None:
        body = {name: body.get(name) for name in select}
        context += f"({','.join(select)})"
    return {"@odata.context": context, **body}


def _sign_in_json(user_id: str, last: str | None) -> dict[str, Any] | None:
    """Non-interactive sign-in at ``last``, the interactive one a few days before: the later is the last."""
    if last is None:
        return None
    try:
        moment = datetime.fromisoformat(last.replace("Z", "+00:00"))
        earlier = (moment - timedelta(days=1 + _number("interactive", user_id) % 5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        earlier = last
    return {
        "lastSignInDateTime": earlier,
        "lastSignInRequestId": _id("interactive", user_id),
        "lastNonInteractiveSignInDateTime": last,
        "lastNonInteractiveSignInRequestId": _id("non-interactive", user_id),
        "lastSuccessfulSignInDateTime": last,
        "lastSuccessfulSignInRequestId": _id("non-interactive", user_id),
    }


def _number(*parts: str) -> int:
    return int.from_bytes(hashlib.blake2b("\x00".join(parts).encode(), digest_size=8).digest())


def _id(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))
