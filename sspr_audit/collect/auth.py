"""Credentials and national clouds.

The collector signs in with whatever the operator has: a client secret, a
certificate, a device code, a browser, a token acquired elsewhere, or the
ambient ``DefaultAzureCredential`` chain. Every credential is wrapped so the
tokens it hands out are added to the redactor before anyone can log them.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import TYPE_CHECKING, Any

from sspr_audit.collect.errors import AuthenticationError, OptionError
from sspr_audit.collect.redact import Redactor
from sspr_audit.text import shorten

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken

    from sspr_audit.collect.endpoint import GraphEndpoint
    from sspr_audit.collect.options import CollectOptions

STATIC_TOKEN_LIFETIME = 3600  # seconds; a pre-acquired token's real expiry is Graph's to judge


class StaticTokenCredential:
    """A token acquired elsewhere (``--access-token``), served as an async credential."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + STATIC_TOKEN_LIFETIME)

    async def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return "StaticTokenCredential(***)"


class WatchedCredential:
    """Wraps an async credential: every token it hands out is registered with the redactor."""

    def __init__(self, inner: Any, redactor: Redactor) -> None:
        self._inner = inner
        self._redactor = redactor

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        try:
            result = await self._inner.get_token(*scopes, **kwargs)
        except Exception as exc:  # azure-identity raises many types; the message is what the operator needs
            raise AuthenticationError(self._redactor.redact(sign_in_failure(exc))) from None
        self._redactor.add(result.token)
        return result

    async def close(self) -> None:
        await self._inner.close()


class ThreadedCredential:
    """A synchronous credential (device code, browser) whose sign-in runs off the event loop."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return await asyncio.to_thread(self._inner.get_token, *scopes, **kwargs)

    async def close(self) -> None:
        self._inner.close()


NO_CREDENTIALS = (
    "no credentials found (no Azure CLI login, managed identity or AZURE_* variables): run az login,"
    " or pass --tenant-id and --client-id with --certificate PATH or AZURE_CLIENT_SECRET, or --access-token"
)
_CHAIN_FOUND_NOTHING = "failed to retrieve a token from the included credentials"
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", re.IGNORECASE)


def sign_in_failure(exc: Exception) -> str:
    """One line for a failed sign-in: what azure-identity said, or the next step when it found nothing."""
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if _CHAIN_FOUND_NOTHING in first_line:
        return f"could not sign in to Microsoft Entra ID: {NO_CREDENTIALS}"
    return f"could not sign in to Microsoft Entra ID: {first_line[:300]}"


def check_tenant_id(tenant_id: str) -> None:
    """Refuse a tenant that is neither a directory id (GUID) nor a domain, before anyone is asked for a token."""
    if not (_GUID.fullmatch(tenant_id) or _DOMAIN.fullmatch(tenant_id)):
        raise OptionError(
            f"--tenant-id {shorten(tenant_id, 60)} is neither a directory (tenant) id such as"
            " 72f988bf-86f1-41af-91ab-2d7cd011db47 nor a domain such as contoso.onmicrosoft.com;"
            " copy the Directory (tenant) ID from the app registration's Overview page"
        )


def make_credential(options: CollectOptions, endpoint: GraphEndpoint, redactor: Redactor) -> WatchedCredential:
    """The credential the options ask for, wrapped for redaction."""
    return WatchedCredential(_build(options, endpoint), redactor)


def _build(options: CollectOptions, endpoint: GraphEndpoint) -> Any:
    if options.tenant_id:
        check_tenant_id(options.tenant_id)
    if options.access_token:
        return StaticTokenCredential(options.access_token)
    chosen = [
        name
        for name, on in (
            ("--client-secret", bool(options.client_secret)),
            ("--certificate", options.certificate is not None),
            ("--device-code", options.device_code),
            ("--interactive", options.interactive),
        )
        if on
    ]
    if len(chosen) > 1:
        raise OptionError(f"choose one way to sign in, not {' and '.join(chosen)}")
    authority = endpoint.login_host
    if options.client_secret or options.certificate is not None:
        if not (options.tenant_id and options.client_id):
            raise OptionError(f"{chosen[0]} needs --tenant-id and --client-id")
        from azure.identity.aio import CertificateCredential, ClientSecretCredential

        if options.client_secret:
            return ClientSecretCredential(
                options.tenant_id, options.client_id, options.client_secret, authority=authority
            )
        if options.certificate is None or not options.certificate.is_file():
            raise OptionError(f"--certificate {options.certificate}: no such file")
        return CertificateCredential(
            options.tenant_id, options.client_id, certificate_path=str(options.certificate), authority=authority
        )
    if options.device_code or options.interactive:
        from azure.identity import DeviceCodeCredential, InteractiveBrowserCredential

        kind = DeviceCodeCredential if options.device_code else InteractiveBrowserCredential
        kwargs: dict[str, Any] = {"authority": authority}
        if options.tenant_id:
            kwargs["tenant_id"] = options.tenant_id
        if options.client_id:
            kwargs["client_id"] = options.client_id
        return ThreadedCredential(kind(**kwargs))
    if options.tenant_id and options.client_id:
        raise OptionError(
            "--tenant-id and --client-id need the app's credential: pass --certificate PATH, set"
            " AZURE_CLIENT_SECRET (or --client-secret), or add --device-code to sign in as a person"
        )
    from azure.identity.aio import DefaultAzureCredential

    return DefaultAzureCredential(authority=authority)
