"""The snapshot stage: what one collection read from a tenant.

:mod:`~sspr_audit.snapshot.models` holds the dataclasses (the contract between
the collector or the demo generator and the audit); :mod:`~sspr_audit.snapshot.codec`
reads and writes them, documented by ``snapshot.schema.json`` beside it.
"""

from sspr_audit.snapshot.codec import (
    Unstreamable,
    dumps,
    from_dict,
    read,
    stream_users,
    to_dict,
    write,
    write_streamed,
)

__all__ = ["Unstreamable", "dumps", "from_dict", "read", "stream_users", "to_dict", "write", "write_streamed"]
