"""Graph collector: reads a tenant through Microsoft Graph into a :class:`~sspr_audit.snapshot.models.Snapshot`.

Entry point: :func:`sspr_audit.collect.collector.collect`; options and the
click decorator in :mod:`sspr_audit.collect.options` (cheap to import).
"""
