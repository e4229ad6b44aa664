"""Any audit log answer gives each user an activity or nothing, never a traceback.

A hostile or broken Graph may send anything inside ``value``; the events
parser keeps what it can read and leaves the rest.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sspr_audit.collect.events import FLOW_ACTIVITIES, REGISTERED, SERVICE, SUCCESSES, activities

PROPERTY = settings(derandomize=True, database=None, max_examples=200, deadline=None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10,
)
times = st.sampled_from(["2026-11-01T10:00:00Z", "2026-11-02T10:00:00+02:00", "2026-11-03", "later", 7, None])
events = st.fixed_dictionaries(
    {
        "activityDisplayName": st.sampled_from(sorted({*FLOW_ACTIVITIES, REGISTERED, "Reset password (by admin)"})),
        "loggedByService": st.sampled_from([SERVICE, "Core Directory"]),
        "activityDateTime": times,
        "result": st.sampled_from(["success", "failure", "timeout", None, 3]),
        "correlationId": st.sampled_from(["a", "b", None, 5]),
        "targetResources": json_values | st.just([{"id": "u1", "type": "User"}]),
        "initiatedBy": json_values | st.just({"user": {"id": "u2"}}),
        "resultReason": json_values,
        "additionalDetails": json_values,
    }
)


@PROPERTY
@given(st.lists(events | json_values, max_size=8))
def test_any_answer_gives_activities_that_add_up(items):
    found = activities(items)
    for activity in found.values():
        assert 0 <= activity.successes <= activity.attempts
        assert (activity.attempts > 0) == (activity.last_reset is not None)
        if activity.last_reset is not None:
            assert activity.last_reset.at.endswith("Z") and len(activity.last_reset.at) == 20
            assert (activity.last_reset.outcome in SUCCESSES) <= (activity.successes > 0)
