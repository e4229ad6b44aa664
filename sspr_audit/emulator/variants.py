"""Variants of a tenant the emulator can serve instead of the snapshot as recorded."""

from __future__ import annotations

import dataclasses

from sspr_audit.snapshot.models import Snapshot, User


def initial_domain(snapshot: Snapshot) -> str:
    """The tenant's ``*.onmicrosoft.com`` domain (made from its name when the snapshot lists none)."""
    found = next(
        (
            d
            for d in snapshot.tenant.verified_domains
            if d.lower().endswith(".onmicrosoft.com") and not d.lower().endswith(".mail.onmicrosoft.com")
        ),
        None,
    )
    return found or "".join(ch for ch in snapshot.tenant.display_name.lower() if ch.isalnum()) + ".onmicrosoft.com"


def never_synced(snapshot: Snapshot) -> Snapshot:
    """The tenant as it would be had it never synchronised and never added a custom domain.

    Graph returns ``onPremisesSyncEnabled: null`` for such a tenant and for its
    users, and its only verified domain is the initial ``onmicrosoft.com`` one,
    so user principal names move to that domain.
    """
    domain = initial_domain(snapshot)

    def user(u: User) -> User:
        local, _, host = u.user_principal_name.rpartition("@")
        upn = u.user_principal_name if host.lower() == domain.lower() or not local else f"{local}@{domain}"
        return dataclasses.replace(u, user_principal_name=upn, on_premises_sync_enabled=None)

    tenant = dataclasses.replace(snapshot.tenant, on_premises_sync_enabled=None, verified_domains=(domain,))
    return dataclasses.replace(snapshot, tenant=tenant, users=tuple(user(u) for u in snapshot.users))
