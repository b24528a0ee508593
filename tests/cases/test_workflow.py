"""Case workflows as data: built checked, fired checked, and no sequence of actions
reaches a state the procedure does not allow (ADR 0011)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from umis.cases.workflow import (
    APPLICANT,
    ONE_STOP_SHOP,
    Facts,
    Refusal,
    Transition,
    Workflow,
)

ROLES = ("officer", "supervisor", "border_officer", "analyst", "administrator", APPLICANT)
READY = Facts(
    fee_paid=True,
    documents_complete=True,
    checks_passed=True,
    grounds=("art_47_1_1",),
    allowed_grounds=frozenset({"art_47_1_1", "art_47_1_2"}),
    proposed_by="officer-1",
    actor="supervisor-1",
)

# Who may fire what from where: the procedure as the issue states it, written out.
EXPECTED = {
    ("submitted", "start_review"): ("in_review", {"officer", "supervisor"}),
    ("in_review", "request_documents"): ("awaiting_documents", {"officer", "supervisor"}),
    ("awaiting_documents", "documents_received"): (
        "in_review",
        {"officer", "supervisor", APPLICANT},
    ),
    ("in_review", "propose_approval"): ("proposed_approval", {"officer", "supervisor"}),
    ("in_review", "propose_refusal"): ("proposed_refusal", {"officer", "supervisor"}),
    ("proposed_approval", "confirm_approval"): ("approved", {"supervisor"}),
    ("proposed_refusal", "confirm_refusal"): ("refused", {"supervisor"}),
    ("proposed_approval", "return"): ("in_review", {"supervisor"}),
    ("proposed_refusal", "return"): ("in_review", {"supervisor"}),
    ("approved", "issue"): ("issued", {"officer", "supervisor"}),
    ("submitted", "withdraw"): ("withdrawn", {APPLICANT}),
    ("in_review", "withdraw"): ("withdrawn", {APPLICANT}),
    ("awaiting_documents", "withdraw"): ("withdrawn", {APPLICANT}),
}


@pytest.mark.parametrize("state", ONE_STOP_SHOP.states)
@pytest.mark.parametrize("action", ONE_STOP_SHOP.actions())
@pytest.mark.parametrize("role", ROLES)
def test_every_action_from_every_state_by_every_role(state: str, action: str, role: str) -> None:
    expected = EXPECTED.get((state, action))
    if expected is None:
        with pytest.raises(Refusal) as refused:
            ONE_STOP_SHOP.fire(state, action, roles=[role], facts=READY)
        assert refused.value.code == "illegal_transition"
        assert refused.value.allowed == ONE_STOP_SHOP.allowed(state, [role])
        return
    target, roles = expected
    if role in roles:
        assert ONE_STOP_SHOP.fire(state, action, roles=[role], facts=READY).target == target
    else:
        with pytest.raises(Refusal) as refused:
            ONE_STOP_SHOP.fire(state, action, roles=[role], facts=READY)
        assert refused.value.code == "role"


@pytest.mark.parametrize(
    ("action", "state", "facts", "code"),
    [
        ("propose_approval", "in_review", Facts(documents_complete=True), "fee_unpaid"),
        ("propose_approval", "in_review", Facts(fee_paid=True), "documents_missing"),
        (
            "propose_approval",
            "in_review",
            Facts(fee_paid=True, documents_complete=True),
            "checks_pending",
        ),
        ("propose_refusal", "in_review", Facts(), "grounds_missing"),
        (
            "propose_refusal",
            "in_review",
            Facts(grounds=("made_up",), allowed_grounds=frozenset({"art_47_1_1"})),
            "grounds_unknown",
        ),
        (
            "confirm_approval",
            "proposed_approval",
            Facts(proposed_by="u1", actor="u1"),
            "same_actor",
        ),
        ("confirm_refusal", "proposed_refusal", Facts(proposed_by="u1"), "same_actor"),
        ("issue", "approved", Facts(), "fee_unpaid"),
    ],
)
def test_requirements_refuse_with_their_reason(
    action: str, state: str, facts: Facts, code: str
) -> None:
    with pytest.raises(Refusal) as refused:
        ONE_STOP_SHOP.fire(state, action, roles=["supervisor"], facts=facts)
    assert refused.value.code == code
    assert action in refused.value.allowed  # the state and role are right; the facts are not
    if code == "grounds_unknown":
        assert refused.value.detail == ("made_up",)


def test_the_clock_stops_while_documents_are_awaited() -> None:
    assert ONE_STOP_SHOP.transition("request_documents").clock == "stop"
    assert ONE_STOP_SHOP.transition("documents_received").clock == "resume"
    assert {t.clock for t in ONE_STOP_SHOP.transitions} == {"", "stop", "resume"}


@pytest.mark.parametrize(
    ("workflow", "problem"),
    [
        (
            dict(states=("a", "b"), initial="a", final={"b"}, transitions=[("go", {"a"}, "c")]),
            "unknown state 'c'",
        ),
        (
            dict(
                states=("a", "b", "c"), initial="a", final={"b"}, transitions=[("go", {"a"}, "b")]
            ),
            "state 'c' cannot be reached",
        ),
        (
            dict(
                states=("a", "b", "c"),
                initial="a",
                final={"c"},
                transitions=[("go", {"a"}, "b"), ("end", {"a"}, "c")],
            ),
            "state 'b' never leads to a final state",
        ),
        (
            dict(
                states=("a", "b"),
                initial="a",
                final={"b"},
                transitions=[("go", {"a"}, "b"), ("back", {"b"}, "a")],
            ),
            "leaves a final state",
        ),
        (
            dict(
                states=("a", "b"),
                initial="a",
                final={"b"},
                transitions=[("go", {"a"}, "b"), ("go", {"a"}, "b")],
            ),
            "declared twice",
        ),
        (
            dict(states=("a", "b"), initial="z", final={"b"}, transitions=[("go", {"a"}, "b")]),
            "initial state 'z'",
        ),
    ],
)
def test_a_broken_workflow_is_refused_when_built(workflow: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Workflow(
            name="broken",
            states=workflow["states"],
            initial=workflow["initial"],
            final=frozenset(workflow["final"]),
            transitions=tuple(
                Transition(name, frozenset(sources), target, frozenset({"officer"}))
                for name, sources, target in workflow["transitions"]
            ),
        )


def test_a_transition_must_name_roles_sources_and_known_requirements() -> None:
    with pytest.raises(ValueError, match="no role"):
        Transition("x", frozenset({"a"}), "b", frozenset())
    with pytest.raises(ValueError, match="unknown requirement"):
        Transition("x", frozenset({"a"}), "b", frozenset({"officer"}), frozenset({"bribe"}))
    with pytest.raises(ValueError, match="clock"):
        Transition("x", frozenset({"a"}), "b", frozenset({"officer"}), clock="pause")


STEP = st.tuples(
    st.sampled_from(ONE_STOP_SHOP.actions()),
    st.sampled_from(ROLES),
    st.builds(
        Facts,
        fee_paid=st.booleans(),
        documents_complete=st.booleans(),
        checks_passed=st.booleans(),
        grounds=st.sampled_from([(), ("art_47_1_1",), ("made_up",)]),
        allowed_grounds=st.just(frozenset({"art_47_1_1"})),
        proposed_by=st.sampled_from(["u1", "u2"]),
        actor=st.sampled_from(["u1", "u2"]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(STEP, max_size=25))
def test_no_sequence_of_actions_reaches_an_inconsistent_state(steps: list) -> None:
    """Whatever is tried in whatever order: a card is issued only after a supervisor
    other than the proposer confirmed an approval with the fee paid, documents complete
    and checks passed; a refusal only after grounds from the list were given and another
    supervisor confirmed; nothing moves once the case is final."""
    state = ONE_STOP_SHOP.initial
    history: list[tuple[str, Facts]] = []
    for action, role, facts in steps:
        try:
            t = ONE_STOP_SHOP.fire(state, action, roles=[role], facts=facts)
        except Refusal as refused:
            assert refused.state == state
            continue
        assert state not in ONE_STOP_SHOP.final
        history.append((action, facts))
        state = t.target
        if state == "issued":
            actions = [a for a, _f in history]
            assert "confirm_approval" in actions and actions.index(
                "confirm_approval"
            ) > actions.index("propose_approval")
            proposal = history[
                max(i for i, (a, _f) in enumerate(history) if a == "propose_approval")
            ][1]
            assert proposal.fee_paid and proposal.documents_complete and proposal.checks_passed
        if state == "refused":
            last = max(i for i, (a, _f) in enumerate(history) if a == "propose_refusal")
            assert history[last][1].grounds == ("art_47_1_1",)
            confirm = history[-1][1]
            assert confirm.actor != confirm.proposed_by
    assert state in ONE_STOP_SHOP.states


def test_the_whole_procedure_end_to_end() -> None:
    officer, supervisor = ["officer"], ["supervisor"]
    path = [
        ("start_review", officer, "in_review"),
        ("request_documents", officer, "awaiting_documents"),
        ("documents_received", [APPLICANT], "in_review"),
        ("propose_refusal", officer, "proposed_refusal"),
        ("return", supervisor, "in_review"),
        ("propose_approval", officer, "proposed_approval"),
        ("confirm_approval", supervisor, "approved"),
        ("issue", officer, "issued"),
    ]
    state = ONE_STOP_SHOP.initial
    for action, roles, target in path:
        state = ONE_STOP_SHOP.fire(state, action, roles=roles, facts=READY).target
        assert state == target
    assert state in ONE_STOP_SHOP.final
    assert ONE_STOP_SHOP.allowed(state, ROLES) == ()
