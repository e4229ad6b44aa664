"""A collection through chaos: seeded faults, a 429 storm, dropped connections and one malformed page.

The snapshot must equal :func:`expected_collection` of the truth served: every
enabled user exactly once, and the only users marked failed, with a reason,
are the ones Graph never answers for.
"""

from __future__ import annotations

import asyncio
import collections
import json

import httpx
import pytest

from sspr_audit.collect.collector import collect
from sspr_audit.collect.options import CollectOptions
from sspr_audit.demo.tenant import generate_tenant
from sspr_audit.emulator.config import EmulatorConfig, EmulatorConfigError
from sspr_audit.emulator.expected import expected_collection
from sspr_audit.emulator.server import emulator_in_thread
from sspr_audit.snapshot import to_dict
from sspr_audit.snapshot.models import CollectionState

NOW = "2025-02-03T04:05:06Z"
TOKEN = EmulatorConfig().token
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# Seed 13 resets the first request (the organization) and some $batch requests; the storm starts at the ninth.
CHAOS = EmulatorConfig(
    fault_rate=0.05, seed=13, storm_after=8, storm_seconds=3.0, malformed_collection="/users", malformed_page=2
)


@pytest.mark.slow  # waits out Graph's Retry-After for real
def test_collection_through_chaos_equals_truth_and_loses_nobody():
    truth = generate_tenant(300, 11)
    opts = CollectOptions(
        access_token=TOKEN,
        backoff_base=0.01,
        concurrency=8,
        scope_groups=tuple(g.display_name for g in truth.tenant.groups),
    )
    with emulator_in_thread(truth, CHAOS) as emulator:
        snapshot, stats = asyncio.run(collect(CollectOptions(**{**opts.__dict__, "graph_url": emulator.url}), now=NOW))
        served = emulator.stats
    assert served.stormed > 0 and served.resets > 0 and served.malformed == 1 and served.faults > served.resets
    assert 0 < stats.throttled <= served.throttled and stats.retries > 0  # a reset $batch hides its inner 429s
    assert served.by_route["GET /users"] >= 4  # several pages of 100 ($expand=manager), one of them asked twice

    enabled = [u.id for u in truth.users if u.account_enabled]
    assert collections.Counter(u.id for u in snapshot.users) == collections.Counter(enabled)
    expected = expected_collection(truth)
    failed = {u.id: u.collection.reason for u in snapshot.users if u.collection.state == CollectionState.FAILED}
    deliberate = {u.id for u in truth.users if u.account_enabled and u.collection.state == CollectionState.FAILED}
    assert failed and set(failed) <= deliberate and all(failed.values())
    assert {u.id for u in expected.users if u.collection.state == CollectionState.FAILED} == set(failed)
    assert [to_dict(u) for u in snapshot.users] == [to_dict(u) for u in expected.users]
    assert [s.state for s in snapshot.tenant.sources] == [s.state for s in expected.tenant.sources]


def test_the_storm_throttles_every_request_whole_and_inside_batches():
    config = EmulatorConfig(storm_after=1, storm_seconds=30.0, seed=5, throttle="off")
    batch = {"requests": [{"id": str(n), "method": "GET", "url": "/organization"} for n in range(1, 4)]}
    with emulator_in_thread(generate_tenant(20, 1), config) as emulator, httpx.Client(headers=AUTH) as client:
        api = emulator.url + "/v1.0"
        assert client.get(api + "/organization").status_code == 200  # the storm starts after the first request
        whole = client.get(api + "/users")
        batches = [client.post(api + "/$batch", json=batch) for _ in range(8)]
        stormed = emulator.stats.stormed
    assert whole.status_code == 429 and whole.json()["error"]["code"] == "TooManyRequests"
    assert 29 <= int(whole.headers["Retry-After"]) <= 30
    refused = [r for r in batches if r.status_code == 429]
    answered = [r for r in batches if r.status_code == 200]
    assert refused and answered and len(refused) + len(answered) == len(batches)
    inner = [step for r in answered for step in r.json()["responses"]]
    assert {step["status"] for step in inner} == {429} and all(s["headers"]["Retry-After"] for s in inner)
    assert stormed == 1 + len(refused) + len(inner)


def test_one_page_is_answered_once_with_a_truncated_body():
    config = EmulatorConfig(malformed_collection="/users", malformed_page=2, throttle="off")
    with emulator_in_thread(generate_tenant(40, 2), config) as emulator, httpx.Client(headers=AUTH) as client:
        first = client.get(emulator.url + "/v1.0/users?$top=5").json()
        second = client.get(first["@odata.nextLink"])
        again = client.get(first["@odata.nextLink"])
        later = client.get(first["@odata.nextLink"])
    assert second.status_code == 200 and second.content and second.content == again.content[: len(second.content)]
    with pytest.raises(json.JSONDecodeError):
        json.loads(second.content)
    assert len(again.json()["value"]) == 5 and later.content == again.content


@pytest.mark.parametrize("fields", [{"storm_seconds": -1.0}, {"storm_after": -2}, {"malformed_page": 0}])
def test_chaos_options_out_of_range_are_refused(fields):
    with pytest.raises(EmulatorConfigError):
        EmulatorConfig(**fields)
