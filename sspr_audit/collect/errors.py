"""Errors that stop a collection, each a one-line message naming the fix."""

from __future__ import annotations

from sspr_audit.errors import InputError


class CollectError(InputError):
    """A collection that cannot go on; the message says what to do."""


class AuthenticationError(CollectError):
    """Graph rejected the credentials (401) or no token could be acquired."""


class PermissionMissing(CollectError):
    """A 403 on data the collection cannot do without (the users list)."""


class GraphUnavailable(CollectError):
    """Graph kept failing after every retry; a checkpoint, if any, is kept for --resume."""


class CheckpointError(CollectError):
    """A checkpoint that belongs to another collection, or cannot be used."""


class OptionError(CollectError):
    """A collect option with a bad value (cloud, URL, scope group)."""
