"""The audit stage: judge every user of a snapshot against a policy.

Pure and synchronous. :mod:`~sspr_audit.audit.engine` runs it; readiness,
phones, emails, policy and the rule families in :mod:`~sspr_audit.audit.rules`
decide; :mod:`~sspr_audit.audit.results` is what it hands to the renderers.
"""
