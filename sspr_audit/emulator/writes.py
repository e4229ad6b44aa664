"""The writes a remediation script makes, checked as Graph checks them.

``PATCH /users/{id}`` (mobilePhone, businessPhones, otherMails) and
``PATCH /users/{id}/authentication/phoneMethods/{id}`` (phoneNumber): pure
functions from the user and the request body to the changed user, or a 400.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from sspr_audit.audit.sspr_methods import PHONE_METHOD_IDS
from sspr_audit.emulator.graph_views import USER_PROPERTIES
from sspr_audit.emulator.replies import GraphError, bad_request, not_found
from sspr_audit.snapshot.models import User

WRITABLE_USER = ("mobilePhone", "businessPhones", "otherMails")
# Graph's phone number format for authentication methods: "+{country code} {subscriber number}x{extension}".
_E164_SPACED = re.compile(r"^\+\d{1,3} \d{4,15}(x\d{1,10})?$")
SYNCED_REFUSAL = (
    "Unable to update the specified properties for on-premises mastered Directory Sync objects"
    " or objects currently undergoing migration."
)


def json_object(body: bytes | None) -> dict[str, Any]:
    """The request body as a JSON object; anything else is Graph's 400."""
    try:
        value = json.loads(body or b"")
    except (UnicodeDecodeError, json.JSONDecodeError):
        value = None
    if not isinstance(value, dict):
        raise bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set"
            " and payload is of valid JSON format."
        )
    return value


def _strings(name: str, value: Any, most: int | None = None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _invalid(name)
    if most is not None and len(value) > most:
        raise _invalid(name)
    return tuple(value)


def _invalid(name: str) -> GraphError:
    return GraphError(400, "Request_BadRequest", f"Invalid value specified for property '{name}' of resource 'User'.")


def patch_user(user: User, body: bytes | None) -> User:
    """``user`` with the body's changes; unknown names, unserved ones and bad values are 400s, as is a synced phone."""
    changes = json_object(body)
    fields: dict[str, Any] = {}
    for given, value in changes.items():
        name = USER_PROPERTIES.get(given.lower())
        if name is None:
            raise GraphError(
                400,
                "Request_BadRequest",
                f"Property '{given}' does not exist as a declared property or extension property.",
            )
        if name not in WRITABLE_USER:
            raise GraphError(
                400,
                "Request_BadRequest",
                f"Updating '{name}' is not supported here; only {', '.join(WRITABLE_USER)} can be changed.",
            )
        if name == "mobilePhone":
            if value is not None and not isinstance(value, str):
                raise _invalid(name)
            fields["mobile_phone"] = value or None
        elif name == "businessPhones":
            fields["business_phones"] = _strings(name, value, most=1)  # Graph keeps one business phone
        else:
            fields["other_mails"] = _strings(name, value)
    if user.on_premises_sync_enabled and {"mobile_phone", "business_phones"} & set(fields):
        raise GraphError(400, "Request_BadRequest", SYNCED_REFUSAL)
    return dataclasses.replace(user, **fields)


def patch_phone_method(user: User, method_id: str, body: bytes | None) -> User:
    """``user`` with the phone method's new number; its type cannot change."""
    changes = json_object(body)
    wanted = {key.lower(): value for key, value in changes.items()}
    unknown = set(wanted) - {"phonenumber", "phonetype"}
    if unknown:
        name = next(key for key in changes if key.lower() in unknown)
        raise bad_request(f"Property '{name}' does not exist on type 'microsoft.graph.phoneAuthenticationMethod'.")
    methods = list(user.methods or ())
    for index, method in enumerate(methods):
        served_id = PHONE_METHOD_IDS.get(method.phone_type or "", method.id)
        if method.type != "phone" or served_id.lower() != method_id.lower():
            continue
        if "phonetype" in wanted and wanted["phonetype"] != method.phone_type:
            raise bad_request("The phone type of an existing phone method cannot be changed.")
        number = wanted.get("phonenumber", method.phone_number)
        if not isinstance(number, str) or not _E164_SPACED.match(number):
            raise bad_request(
                "Invalid phone number: it must look like '+{country code} {subscriber number}x{extension}'."
            )
        methods[index] = dataclasses.replace(method, phone_number=number)
        return dataclasses.replace(user, methods=tuple(methods))
    raise not_found(method_id)
