"""The review state machine, walked whole; locking, overrides, compliance, accounts."""

from __future__ import annotations

import ast
import hashlib
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from newsdesk.config import Settings, load_settings
from newsdesk.drafting.offline import OfflineComposer
from newsdesk.drafting.service import redraft
from newsdesk.errors import AuthError, InvalidTransition, NotFound, PermissionDenied, StaleVersion
from newsdesk.review.accounts import (
    Actor,
    LoginThrottle,
    actor_for_token,
    add_user,
    authenticate,
    issue_token,
    list_tokens,
    revoke_token,
    set_active,
    set_password,
)
from newsdesk.review.queue import queue
from newsdesk.review.service import TransitionResult, allowed_actions, get_draft, transition
from newsdesk.review.states import TRANSITIONS, Action, ReviewState
from newsdesk.store.db import Database, downgrade, migrate
from newsdesk.store.models import AuditEntry, DraftVersion
from newsdesk.timetable import slot_time, working_day
from newsdesk.web.views import queue_groups
from tests.review_data import BODY, plant

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings(ROOT / "config" / "desk.yaml")
ROLE_FOR = {"editor": "editor", "compliance": "compliance", "admin": "admin", "system": "system"}


def lock(db: Database, draft_id: int) -> int:
    return get_draft(db, draft_id).lock_version


def edit_as_editor(db: Database, draft_id: int, text: str) -> TransitionResult:
    """An editor's edit of the draft's current version."""
    return transition(
        db,
        SETTINGS,
        draft_id,
        "edit",
        Actor("ed", "editor"),
        expected_version=lock(db, draft_id),
        text=text,
    )


@pytest.mark.parametrize(("state", "action"), sorted(TRANSITIONS), ids=lambda v: str(v))
def test_every_transition_in_the_table(db: Database, state: ReviewState, action: Action) -> None:
    new_state, roles = TRANSITIONS[(state, action)]
    draft_id = plant(db, state=state.value)
    actor = Actor("alice", sorted(roles)[0])
    result = transition(
        db,
        SETTINGS,
        draft_id,
        action,
        actor,
        expected_version=lock(db, draft_id),
        note="理由",
        text="编辑后的新稿。",
    )
    assert result.to_state == new_state.value
    draft = get_draft(db, draft_id)
    assert draft.state == new_state.value
    (entry,) = draft.audit
    assert (entry.actor, entry.from_state, entry.to_state, entry.version) == (
        "alice",
        state.value,
        new_state.value,
        draft.version,
    )
    assert entry.action == f"review.{action.value}"


REFUSED = [(s, a) for s in ReviewState for a in Action if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize(("state", "action"), REFUSED, ids=lambda v: str(v))
def test_everything_else_is_refused(
    sqlite_db: Database, state: ReviewState, action: Action
) -> None:
    draft_id = plant(sqlite_db, state=state.value)
    with pytest.raises(InvalidTransition, match=f"cannot {action.value}"):
        transition(
            sqlite_db,
            SETTINGS,
            draft_id,
            action,
            Actor("root", "admin"),
            expected_version=1,
            note="n",
            text="t",
        )
    assert get_draft(sqlite_db, draft_id).audit == []


def test_roles_are_enforced(sqlite_db: Database) -> None:
    draft_id = plant(sqlite_db)
    with pytest.raises(PermissionDenied, match="role 'compliance' may not edit"):
        transition(
            sqlite_db,
            SETTINGS,
            draft_id,
            "edit",
            Actor("c", "compliance"),
            expected_version=1,
            text="新稿",
        )
    with pytest.raises(PermissionDenied, match="needs a note"):
        transition(
            sqlite_db, SETTINGS, draft_id, "reject", Actor("e", "editor"), expected_version=1
        )


def test_second_actor_on_same_version_gets_a_conflict(db: Database) -> None:
    draft_id = plant(db)
    seen = lock(db, draft_id)
    transition(db, SETTINGS, draft_id, "approve", Actor("alice", "editor"), expected_version=seen)
    with pytest.raises(StaleVersion, match="changed by someone else"):
        transition(
            db,
            SETTINGS,
            draft_id,
            "reject",
            Actor("bob", "editor"),
            expected_version=seen,
            note="不行",
        )
    assert [e.actor for e in get_draft(db, draft_id).audit] == ["alice"]


def test_concurrent_approvals_exactly_one_wins(db: Database) -> None:
    draft_id = plant(db)
    seen = lock(db, draft_id)
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def approve(n: int) -> None:
        barrier.wait()
        try:
            transition(
                db,
                SETTINGS,
                draft_id,
                "approve",
                Actor(f"user{n}", "editor"),
                expected_version=seen,
            )
            outcomes.append("won")
        except StaleVersion:
            outcomes.append("conflict")

    threads = [threading.Thread(target=approve, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["won"]
    assert len(get_draft(db, draft_id).audit) == 1


def test_flagged_draft_needs_override_role_and_reason(db: Database) -> None:
    draft_id = plant(db, flagged=True)
    editor, compliance = Actor("ed", "editor"), Actor("co", "compliance")
    assert "approve" not in allowed_actions(SETTINGS, get_draft(db, draft_id), editor)
    with pytest.raises(PermissionDenied, match="failed its checks"):
        transition(db, SETTINGS, draft_id, "approve", editor, expected_version=lock(db, draft_id))
    with pytest.raises(PermissionDenied, match="needs a reason"):
        transition(
            db, SETTINGS, draft_id, "approve", compliance, expected_version=lock(db, draft_id)
        )
    transition(
        db,
        SETTINGS,
        draft_id,
        "approve",
        compliance,
        expected_version=lock(db, draft_id),
        note="已人工核实来源",
    )
    (entry,) = get_draft(db, draft_id).audit
    assert (
        entry.action == "review.override"
        and entry.note == "已人工核实来源"
        and entry.data["flag_reason"]
    )


def test_compliance_kinds_need_a_second_person(db: Database) -> None:
    draft_id = plant(db, slot="viewpoint", kind="viewpoint")
    admin = Actor("root", "admin")
    first = transition(
        db, SETTINGS, draft_id, "approve", admin, expected_version=lock(db, draft_id)
    )
    assert first.to_state == "awaiting_compliance"
    with pytest.raises(PermissionDenied, match="second person"):
        transition(db, SETTINGS, draft_id, "approve", admin, expected_version=lock(db, draft_id))
    with pytest.raises(PermissionDenied, match="role 'editor'"):
        transition(
            db,
            SETTINGS,
            draft_id,
            "approve",
            Actor("ed", "editor"),
            expected_version=lock(db, draft_id),
        )
    done = transition(
        db,
        SETTINGS,
        draft_id,
        "approve",
        Actor("co", "compliance"),
        expected_version=lock(db, draft_id),
    )
    draft = get_draft(db, draft_id)
    assert done.to_state == "approved" and (draft.approved_by, draft.compliance_by) == (
        "root",
        "co",
    )


def test_edit_makes_a_rechecked_version(db: Database) -> None:
    draft_id = plant(db)
    copied = (
        "人民银行决定下调金融机构存款准备金率0.25个百分点，预计释放长期资金约5000亿元。稳赚不赔。"
    )
    result = edit_as_editor(db, draft_id, copied)
    draft = get_draft(db, draft_id)
    assert result.version == 2 and draft.flagged and "原创度" in draft.flag_reason
    latest = draft.versions[-1]
    assert latest.origin == "edit" and latest.provider == "editor:ed" and not latest.passed
    assert latest.report["originality"]["borrowed"][0]["source"] == 1
    assert any(v["rule"] == "banned:稳赚不赔" for v in latest.report["compliance"]["violations"])


def test_request_rewrite_redrafts_with_the_note(db: Database) -> None:
    draft_id = plant(db)
    settings: Settings = SETTINGS
    note = "请补充对银行股的影响"
    transition(
        db,
        settings,
        draft_id,
        "request_revision",
        Actor("ed", "editor"),
        expected_version=lock(db, draft_id),
        note=note,
    )
    redraft(db, settings, draft_id, OfflineComposer(settings), note)
    draft = get_draft(db, draft_id)
    # the rewrite and any revisions the checks asked for: each version one redraft transition
    assert draft.state == "pending_review" and draft.version >= 2
    assert [(e.action, e.from_state, e.to_state) for e in draft.audit][:2] == [
        ("review.request_revision", "pending_review", "needs_revision"),
        ("review.redraft", "needs_revision", "pending_review"),
    ]
    assert [e.action for e in draft.audit[1:]] == ["review.redraft"] * (draft.version - 1)
    with db.session() as session:
        newest = session.scalars(
            select(DraftVersion)
            .where(DraftVersion.draft_id == draft_id)
            .order_by(DraftVersion.number.desc())
        ).first()
        # the editor's note, then what the composer could not do (its remark) beside it
        assert newest.note.startswith(note) and newest.origin == "revision"


def test_queue_filters(db: Database) -> None:
    a = plant(db)
    b = plant(db, slot="viewpoint", kind="viewpoint", state="approved")
    assert {r.id for r in queue(db)} == {a, b}
    assert [r.id for r in queue(db, state="approved")] == [b]
    assert [r.id for r in queue(db, kind="morning_report")] == [a]
    row = queue(db, slot="morning_report")[0]
    assert row.passed is True and row.originality == 1.0


def test_accounts(db: Database) -> None:
    add_user(db, "alice", "correct horse battery", "editor", "Alice 王")
    with pytest.raises(PermissionDenied, match="exists"):
        add_user(db, "alice", "another password", "editor")
    with pytest.raises(PermissionDenied, match="too short"):
        add_user(db, "bob", "short", "editor")
    with pytest.raises(PermissionDenied, match="role must be"):
        add_user(db, "bob", "long enough pw", "boss")
    throttle = LoginThrottle(attempts=3, window=60)
    assert authenticate(db, "alice", "correct horse battery", throttle, "1.2.3.4").role == "editor"
    for _ in range(3):
        with pytest.raises(AuthError, match="wrong username or password"):
            authenticate(db, "alice", "nope", throttle, "1.2.3.4")
    with pytest.raises(AuthError, match="too many failed logins"):
        authenticate(db, "alice", "correct horse battery", throttle, "1.2.3.4")
    assert (
        authenticate(db, "alice", "correct horse battery", throttle, "5.6.7.8").username == "alice"
    )
    token = issue_token(db, "alice")
    assert actor_for_token(db, token).username == "alice"
    set_password(db, "alice", "a new long password")
    set_active(db, "alice", False)
    with pytest.raises(AuthError):
        actor_for_token(db, token)
    with pytest.raises(AuthError):
        authenticate(db, "alice", "a new long password", LoginThrottle(3, 60), "9.9.9.9")
    with db.session() as session:
        assert session.scalars(select(AuditEntry)).all() == []


def _updated_model(node: ast.Call) -> str | None:
    """The model named in an ``update(Model)....values(...)`` chain (posts have a state of their own)."""
    inner: ast.AST | None = node.func.value if isinstance(node.func, ast.Attribute) else None
    while isinstance(inner, ast.Call | ast.Attribute):
        if isinstance(inner, ast.Call):
            if getattr(inner.func, "id", None) == "update" and inner.args:
                return getattr(inner.args[0], "id", None)
            inner = inner.func
        else:
            inner = inner.value
    return None


def test_the_state_writer_check_tells_drafts_from_posts() -> None:
    flagged = _assignments_to_state(
        ast.parse(
            "update(Draft).where(x).values(state='published')\n"
            "update(Post).where(x).values(state='sent')\n"
        )
    )
    assert flagged == [1]


def test_the_state_writer_check_sees_every_way_of_flagging() -> None:
    found = _assignments_to_state(
        ast.parse(
            "draft.flagged = True\n"
            "draft.flagged, draft.flag_reason = True, why\n"
            "setattr(draft, 'flag_reason', why)\n"
            "update(Draft).values(flagged=True)\n"
            "Draft(day=d, flagged=True)\n"
            "post.sent = True\n"
        )
    )
    assert sorted(found) == [1, 2, 2, 3, 4, 5]


# What review decides about a draft: written only by review/service.py.
_FLAG_FIELDS = frozenset({"flagged", "flag_reason"})
_REVIEW_FIELDS = _FLAG_FIELDS | {"state"}


def _assignments_to_state(tree: ast.AST) -> list[int]:
    """Lines that write a ``state`` or a draft's flag (attribute, setattr, Draft(state=),
    .values(state=)) or an audit row."""
    lines = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr in _REVIEW_FIELDS:
                lines.append(target.lineno)
            elif isinstance(target, ast.Tuple):
                # ``draft.flagged, draft.flag_reason = ...``; only drafts have a flag, while a
                # tuple's ``state`` is a post's (publishing moves its posts through states).
                lines += [
                    t.lineno
                    for t in target.elts
                    if isinstance(t, ast.Attribute) and t.attr in _FLAG_FIELDS
                ]
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if (
            name == "setattr"
            and len(node.args) > 1
            and getattr(node.args[1], "value", "") in _REVIEW_FIELDS
        ):
            lines.append(node.lineno)
        if (
            name in ("Draft", "values", "update")
            and any(k.arg in _REVIEW_FIELDS for k in node.keywords)
            and _updated_model(node) in (None, "Draft")
        ):
            lines.append(node.lineno)
        if name == "AuditEntry":
            lines.append(node.lineno)
    return lines


def test_only_the_review_service_writes_draft_state() -> None:
    """review/service.transition() (and add_version and fail, the same transition) is the only
    writer of a draft's state and flag."""
    allowed = ROOT / "newsdesk" / "review" / "service.py"
    writers = []
    for folder in ("newsdesk", "flows", "tasks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == allowed:
                continue
            text = path.read_text(encoding="utf-8")
            writers += [
                f"{path.relative_to(ROOT)}:{n}" for n in _assignments_to_state(ast.parse(text))
            ]
            if "update drafts" in text.lower():
                writers.append(f"{path.relative_to(ROOT)}: raw UPDATE drafts")
    assert writers == []
    assert _assignments_to_state(ast.parse(allowed.read_text(encoding="utf-8")))


def test_a_new_version_goes_through_the_table(db: Database) -> None:
    draft_id = plant(db, state="approved")
    outcome = redraft(db, SETTINGS, draft_id, OfflineComposer(SETTINGS), "换个角度")
    draft = get_draft(db, draft_id)
    assert outcome.versions_added >= 1 and draft.state == "pending_review"
    assert [(e.action, e.actor, e.from_state, e.to_state) for e in draft.audit][0] == (
        "review.redraft",
        "system",
        "approved",
        "pending_review",
    )
    assert len(draft.audit) == outcome.versions_added == draft.version - 1


@pytest.mark.parametrize("state", ["published", "expired"])
def test_published_and_expired_drafts_are_never_redrafted(db: Database, state: str) -> None:
    draft_id = plant(db, state=state)
    outcome = redraft(db, SETTINGS, draft_id, OfflineComposer(SETTINGS), None)
    draft = get_draft(db, draft_id)
    assert (draft.state, draft.version, draft.audit) == (state, 1, [])
    assert outcome.versions_added == 0 and "不再重写" in (outcome.reason or "")
    with pytest.raises(InvalidTransition, match="cannot redraft"):
        transition(
            db, SETTINGS, draft_id, "redraft", Actor("ed", "editor"), expected_version=1, text="新"
        )


def test_a_published_post_is_corrected_explicitly(db: Database) -> None:
    draft_id = plant(db, state="published")
    with pytest.raises(PermissionDenied, match="needs a note"):
        transition(
            db, SETTINGS, draft_id, "correct", Actor("ed", "editor"), expected_version=1, text="新"
        )
    body = "更正：降准0.25个百分点[1]。投资有风险，入市需谨慎。以上内容仅供参考，不构成投资建议。"
    result = transition(
        db,
        SETTINGS,
        draft_id,
        "correct",
        Actor("ed", "editor"),
        expected_version=1,
        text=body,
        note="降准幅度写错了",
    )
    draft = get_draft(db, draft_id)
    assert (result.to_state, draft.state, draft.version) == ("pending_review", "pending_review", 2)
    assert draft.versions[-1].origin == "correction" and draft.versions[-1].body == body
    (entry,) = draft.audit
    assert (entry.action, entry.from_state, entry.version, entry.note) == (
        "review.correct",
        "published",
        2,
        "降准幅度写错了",
    )


def test_working_day_is_on_the_desks_clock() -> None:
    late_evening_in_new_york = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    assert working_day(SETTINGS, late_evening_in_new_york) == date(2026, 11, 30)
    new_york = SETTINGS.model_copy(update={"timezone": "America/New_York"})
    assert working_day(new_york, late_evening_in_new_york) == date(2026, 11, 29)
    morning = new_york.slot("morning_report")
    assert slot_time(new_york, morning, date(2026, 11, 29)).utcoffset() == timedelta(hours=-5)


# The exchange's own clock (XSHG trading days and windows) is Shanghai's whatever the desk's
# zone; the feed parser's fallback for feeds without a zone is overridden by ingest.
ZONE_ALLOWED = {
    "newsdesk/config/settings.py",
    "newsdesk/timetable.py",
    "newsdesk/feeds/parse.py",
    "newsdesk/topics/service.py",
    "newsdesk/topics/detect.py",
}


def test_no_hard_coded_time_zone() -> None:
    found = []
    for folder in ("newsdesk", "flows", "tasks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            text = path.read_text(encoding="utf-8")
            if name not in ZONE_ALLOWED and ("Asia/Shanghai" in text or "SHANGHAI" in text):
                found.append(name)
    assert found == []


def test_the_working_day_lists_earlier_undecided_drafts(db: Database) -> None:
    today, earlier = date(2026, 11, 30), date(2026, 11, 23)
    now = plant(db, day=today)
    waiting = plant(db, day=earlier, slot="viewpoint", kind="viewpoint")
    sent_back = plant(db, day=earlier, slot="promo", kind="promo", state="needs_revision")
    for state, slot in (("approved", "interaction"), ("expired", "intraday_am")):
        plant(db, day=earlier, slot=slot, kind=slot, state=state)
    assert {r.id for r in queue(db, day=today, carry_open=True)} == {now, waiting, sent_back}
    assert {r.id for r in queue(db, day=today)} == {now}
    rows = queue(db, day=today, carry_open=True)
    groups = queue_groups(SETTINGS, rows, today)
    assert [r.id for r in groups[0].rows] == [waiting, sent_back] and "往日未决" in groups[0].title


def test_named_api_tokens(db: Database) -> None:
    add_user(db, "bot", "long enough pw", "editor")
    nightly, dashboard = issue_token(db, "bot", "nightly"), issue_token(db, "bot", "dashboard")
    assert actor_for_token(db, nightly).username == actor_for_token(db, dashboard).username == "bot"
    with pytest.raises(PermissionDenied, match="revoke-token bot nightly"):
        issue_token(db, "bot", "nightly")
    listed = list_tokens(db, "bot")
    assert [(t.name, t.revoked_at) for t in listed] == [("dashboard", None), ("nightly", None)]
    assert all(t.last_used_at is not None for t in listed)
    revoke_token(db, "bot", "nightly")
    with pytest.raises(AuthError, match="revoked"):
        actor_for_token(db, nightly)
    assert actor_for_token(db, dashboard).username == "bot"  # the other script keeps working
    with pytest.raises(NotFound):
        revoke_token(db, "bot", "nightly")
    again = issue_token(db, "bot", "nightly")  # a revoked name can be issued again
    assert actor_for_token(db, again).username == "bot"


def test_tokens_survive_the_named_token_migration(sqlite_db: Database) -> None:
    from sqlalchemy import text

    downgrade(sqlite_db, "0012")
    with sqlite_db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (username, display_name, role, password_hash, token_hash, active,"
                " created_at) VALUES ('old', 'Old', 'editor', 'x', :hash, 1, '2026-11-01 00:00:00')"
            ),
            {"hash": hashlib.sha256(b"nd_old-token").hexdigest()},
        )
    migrate(sqlite_db)
    assert actor_for_token(sqlite_db, "nd_old-token").username == "old"
    assert [t.name for t in list_tokens(sqlite_db, "old")] == ["default"]


def test_an_edit_that_repeats_another_draft_of_the_day_is_flagged(db: Database) -> None:
    morning = plant(db)
    noon = plant(db, slot="viewpoint", kind="viewpoint")
    repeated = (
        "降准之后，我们认为这是稳增长信号的又一次确认。" + BODY
    )  # BODY is the morning draft's text
    edit_as_editor(db, noon, repeated)
    latest = get_draft(db, noon).versions[-1]
    problems = latest.report["substance"]["problems"]
    # The fact sentence and the view (twice) repeat the morning draft; the disclaimer does not count.
    assert [p["kind"] for p in problems] == ["repeated"] * 3
    assert problems[0]["sentence"] == "降准之后，我们认为这是稳增长信号的又一次确认。"
    assert not latest.passed and get_draft(db, noon).flagged
    assert get_draft(db, morning).versions[-1].body == BODY


def test_cli_review_list_opens_on_the_working_day(sqlite_db: Database) -> None:
    import json

    from tests.cli_support import cli

    today = working_day(SETTINGS)
    current = plant(sqlite_db, day=today)
    waiting = plant(sqlite_db, slot="viewpoint", kind="viewpoint")  # the demo day, undecided
    plant(sqlite_db, slot="promo", kind="promo", state="rejected")  # decided: stays on its day
    env = {
        "NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"),
        "NEWSDESK_DATABASE_URL": sqlite_db.url,
    }
    out = cli("review", "list", "--json", env=env)
    assert out.returncode == 0, out.stderr
    assert {row["id"] for row in json.loads(out.stdout)} == {current, waiting}


def _correct(db: Database, draft_id: int, who: str) -> None:
    body = BODY + "特此更正。"
    transition(
        db,
        SETTINGS,
        draft_id,
        "correct",
        Actor(who, "editor"),
        expected_version=lock(db, draft_id),
        text=body,
        note="降准幅度写错了",
    )


def test_a_correction_needs_an_approver_other_than_its_author(db: Database) -> None:
    """Issue 26 item 10: an editor corrected a published post with a phishing link and approved it."""
    draft_id = plant(db, state="published")
    _correct(db, draft_id, "ed")
    assert "approve" not in allowed_actions(
        SETTINGS, get_draft(db, draft_id), Actor("ed", "editor")
    )
    with pytest.raises(PermissionDenied, match="other than"):
        transition(
            db,
            SETTINGS,
            draft_id,
            "approve",
            Actor("ed", "editor"),
            expected_version=lock(db, draft_id),
        )
    # A second editor's touch-up does not make the correction the first one's to approve.
    transition(
        db,
        SETTINGS,
        draft_id,
        "edit",
        Actor("ed2", "editor"),
        expected_version=lock(db, draft_id),
        text=BODY + "特此更正，请以本条为准。",
    )
    with pytest.raises(PermissionDenied, match="other than"):
        transition(
            db,
            SETTINGS,
            draft_id,
            "approve",
            Actor("ed", "editor"),
            expected_version=lock(db, draft_id),
        )
    assert "approve" in allowed_actions(SETTINGS, get_draft(db, draft_id), Actor("boss", "admin"))
    result = transition(
        db,
        SETTINGS,
        draft_id,
        "approve",
        Actor("boss", "admin"),
        expected_version=lock(db, draft_id),
    )
    assert result.to_state == "approved"
    # The rule can be switched off.
    relaxed = SETTINGS.model_copy(deep=True)
    relaxed.review.correction_second_approver = False
    relaxed.review.override_roles = ["editor", "admin"]  # it repeats the day's other draft
    again = plant(db, state="published", segment="进阶")
    _correct(db, again, "ed")
    result = transition(
        db,
        relaxed,
        again,
        "approve",
        Actor("ed", "editor"),
        expected_version=lock(db, again),
        note="同一作者放行",
    )
    assert result.to_state == "approved"


def test_the_queue_knows_the_offline_composer_by_its_name() -> None:
    from newsdesk.review.queue import MACHINE_PROVIDER

    assert OfflineComposer.name == MACHINE_PROVIDER
