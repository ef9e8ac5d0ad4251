"""Review states and the one table of allowed transitions.

A table rather than per-method guards: the machine is small and fixed, so it
is readable at a glance and tested exhaustively (tests/test_review.py walks
every entry). ``awaiting_compliance`` is the state between an editor's
approval and the compliance reviewer's, for the kinds that need both
(``review.compliance_kinds`` in desk.yaml).

New text is a transition too: ``edit`` (an editor's text), ``redraft`` (the
writer's, from ``drafting/service.py``) and ``correct`` (an editor's fix of a
published post, sent again as 更正) each store a version and send the draft
back to review. A published draft is only ever reopened by ``correct``; an
expired one not at all (its slot is gone).

``fail`` is the writer's report that the provider failed (from
``drafting/service.py``): the draft goes to the queue flagged with the error,
so a slot whose provider stayed down is seen rather than left hidden in
``drafting``; it keeps whatever text it had, and one with none cannot be
approved until it is redrafted or an editor writes its text.
"""

from __future__ import annotations

from enum import StrEnum


class ReviewState(StrEnum):
    # A new draft until its first text is stored: hidden from the queue, nothing can be done to it.
    DRAFTING = "drafting"
    PENDING_REVIEW = "pending_review"
    AWAITING_COMPLIANCE = "awaiting_compliance"
    NEEDS_REVISION = "needs_revision"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"
    EXPIRED = "expired"


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_REVISION = "request_revision"
    EDIT = "edit"
    REDRAFT = "redraft"
    PUBLISH = "publish"
    EXPIRE = "expire"
    CORRECT = "correct"
    FAIL = "fail"


# Undecided: an editor still has to act (or the deadline will expire it).
OPEN = frozenset(
    {ReviewState.PENDING_REVIEW, ReviewState.AWAITING_COMPLIANCE, ReviewState.NEEDS_REVISION}
)

LABELS = {
    ReviewState.DRAFTING: "起草中",
    ReviewState.PENDING_REVIEW: "待审核",
    ReviewState.AWAITING_COMPLIANCE: "待合规复核",
    ReviewState.NEEDS_REVISION: "待修改",
    ReviewState.APPROVED: "已通过",
    ReviewState.REJECTED: "已拒绝",
    ReviewState.PUBLISHED: "已发布",
    ReviewState.EXPIRED: "已过期",
}

EDITORS = frozenset({"editor", "admin"})
REVIEWERS = frozenset({"editor", "compliance", "admin"})
COMPLIANCE = frozenset({"compliance", "admin"})
SYSTEM = frozenset({"system"})


def may_settle(role: str) -> bool:
    """Who may say whether an uncertain post arrived: the editors (and admins)."""
    return role in EDITORS


S, A = ReviewState, Action
# (state, action) -> (new state, roles allowed)
TRANSITIONS: dict[tuple[ReviewState, Action], tuple[ReviewState, frozenset[str]]] = {
    (S.DRAFTING, A.REDRAFT): (S.PENDING_REVIEW, SYSTEM),
    (S.DRAFTING, A.FAIL): (S.PENDING_REVIEW, SYSTEM),
    (S.PENDING_REVIEW, A.APPROVE): (S.APPROVED, REVIEWERS),
    (S.PENDING_REVIEW, A.REJECT): (S.REJECTED, REVIEWERS),
    (S.PENDING_REVIEW, A.REQUEST_REVISION): (S.NEEDS_REVISION, REVIEWERS),
    (S.PENDING_REVIEW, A.EDIT): (S.PENDING_REVIEW, EDITORS),
    (S.PENDING_REVIEW, A.EXPIRE): (S.EXPIRED, SYSTEM),
    (S.PENDING_REVIEW, A.REDRAFT): (S.PENDING_REVIEW, SYSTEM | EDITORS),
    (S.AWAITING_COMPLIANCE, A.APPROVE): (S.APPROVED, COMPLIANCE),
    (S.AWAITING_COMPLIANCE, A.REJECT): (S.REJECTED, COMPLIANCE),
    (S.AWAITING_COMPLIANCE, A.REQUEST_REVISION): (S.NEEDS_REVISION, COMPLIANCE),
    (S.AWAITING_COMPLIANCE, A.EXPIRE): (S.EXPIRED, SYSTEM),
    (S.AWAITING_COMPLIANCE, A.REDRAFT): (S.PENDING_REVIEW, SYSTEM | EDITORS),
    (S.NEEDS_REVISION, A.EDIT): (S.PENDING_REVIEW, EDITORS),
    (S.NEEDS_REVISION, A.REDRAFT): (S.PENDING_REVIEW, SYSTEM | EDITORS),
    (S.NEEDS_REVISION, A.REJECT): (S.REJECTED, REVIEWERS),
    (S.NEEDS_REVISION, A.EXPIRE): (S.EXPIRED, SYSTEM),
    (S.APPROVED, A.PUBLISH): (S.PUBLISHED, SYSTEM),
    (S.APPROVED, A.REDRAFT): (S.PENDING_REVIEW, SYSTEM | EDITORS),
    (S.REJECTED, A.REDRAFT): (S.PENDING_REVIEW, SYSTEM | EDITORS),
    (S.PUBLISHED, A.CORRECT): (S.PENDING_REVIEW, EDITORS),
    # A failed (re)write goes where a successful one would have, flagged with the error:
    # whoever asked for new text sees that none came.
    (S.PENDING_REVIEW, A.FAIL): (S.PENDING_REVIEW, SYSTEM),
    (S.AWAITING_COMPLIANCE, A.FAIL): (S.PENDING_REVIEW, SYSTEM),
    (S.NEEDS_REVISION, A.FAIL): (S.PENDING_REVIEW, SYSTEM),
    (S.APPROVED, A.FAIL): (S.PENDING_REVIEW, SYSTEM),
    (S.REJECTED, A.FAIL): (S.PENDING_REVIEW, SYSTEM),
}

# Actions that store a new text of the draft (a version) before changing its state.
NEW_TEXT = frozenset({A.EDIT, A.REDRAFT, A.CORRECT})
