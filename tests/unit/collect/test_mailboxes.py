"""What the mailbox-purpose source says when some reads were never answered (a run cut by --max-minutes)."""

from __future__ import annotations

from sspr_audit.collect import mailboxes
from sspr_audit.collect.batch import Outcome
from sspr_audit.snapshot.models import SourceState


def asked(*ids: str) -> mailboxes.Mailboxes:
    boxes = mailboxes.Mailboxes(lambda key, url: None)
    boxes.listed([{"id": i, "userType": "Member", "accountEnabled": True} for i in ids])
    for i in ids:
        boxes.decided(i)
    return boxes


def test_reads_never_answered_are_counted_as_not_read_never_as_read():
    boxes = asked("a", "b", "c")
    boxes.answered(Outcome(mailboxes.KEY + "a", True, {"userPurpose": "shared"}, 200))
    boxes.answered(Outcome(mailboxes.KEY + "b", False, None, 404, "MailboxNotEnabledForRESTAPI"))
    status = boxes.status()
    assert (status.state, status.message) == (
        SourceState.READ,
        "1 of 3 users were not read in the time the run allowed: they stay counted",
    )
    assert boxes.purposes == {"a": "shared", "b": mailboxes.NO_MAILBOX}


def test_no_answer_at_all_is_a_source_not_read():
    status = asked("a", "b").status()
    assert (status.state, status.message) == (
        SourceState.FAILED,
        "none of 2 users read in the time the run allowed: they stay counted",
    )


def test_every_answer_in_is_read_without_a_note():
    boxes = asked("a")
    boxes.answered(Outcome(mailboxes.KEY + "a", True, {"userPurpose": "user"}, 200))
    assert (boxes.status().state, boxes.status().message) == (SourceState.READ, None)
