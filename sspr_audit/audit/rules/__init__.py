"""The rule catalog: one module per family, registered in :mod:`sspr_audit.audit.rules.registry`."""
