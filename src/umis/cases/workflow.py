"""Case workflows as data (ADR 0011): the states of a case type, the actions that move a
case between them, who may fire each action and what each requires. Pure: no ORM, no
I/O. The case services (to come) call :meth:`Workflow.fire` inside the transaction that
locks the case, with the facts they read, and record the action it returns.

A workflow is checked when it is built: every state is reachable from the initial one,
every state that is not final has a way out and a way to a final state, nothing leaves a
final state, every action names the roles that may fire it. A refusal says why, with the
actions that are allowed instead, so that an API can answer 409 (wrong state) or 422/403
with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from umis.core.constants import Role

__all__ = [
    "APPLICANT",
    "ONE_STOP_SHOP",
    "REQUIREMENTS",
    "Facts",
    "Refusal",
    "Transition",
    "Workflow",
]

APPLICANT = "applicant"  # the person (or employer, host) who applied, through the portal
# What a transition may require, checked against the facts the service reads.
REQUIREMENTS = frozenset({"fee_paid", "documents", "checks", "grounds", "other_actor"})
CLOCK = frozenset({"", "stop", "resume"})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    requires: frozenset[str] = frozenset()
    clock: str = ""  # "stop": the statutory clock stops; "resume": it runs again

    def __post_init__(self) -> None:
        unknown = self.requires - REQUIREMENTS
        if unknown:
            raise ValueError(f"{self.action}: unknown requirement(s) {sorted(unknown)}")
        if self.clock not in CLOCK:
            raise ValueError(f"{self.action}: clock must be one of {sorted(CLOCK)}")
        if not self.roles:
            raise ValueError(f"{self.action}: no role may fire it")
        if not self.sources:
            raise ValueError(f"{self.action}: no state it can be fired from")


@dataclass(frozen=True)
class Facts:
    """What the service read before firing an action."""

    fee_paid: bool = False
    documents_complete: bool = False
    checks_passed: bool = False
    grounds: tuple[str, ...] = ()  # legal grounds given with the action
    allowed_grounds: frozenset[str] = frozenset()  # the pack's list for this case type
    proposed_by: object = None  # who made the proposal being confirmed
    actor: object = None  # who fires the action now


@dataclass
class Refusal(Exception):
    """Why an action cannot be fired: ``code`` is ``illegal_transition`` (the case is not
    in a state the action starts from), ``role`` (not this actor's), or a requirement
    (``fee_unpaid``, ``documents_missing``, ``checks_pending``, ``grounds_missing``,
    ``grounds_unknown``, ``same_actor``). ``allowed``: the actions this role may fire
    from the current state."""

    code: str
    action: str
    state: str
    allowed: tuple[str, ...] = ()
    detail: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.action} from {self.state}: {self.code}"


@dataclass(frozen=True)
class Workflow:
    name: str
    states: tuple[str, ...]
    initial: str
    final: frozenset[str]
    transitions: tuple[Transition, ...]
    _by_action: Mapping[str, Transition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        states = set(self.states)
        problems: list[str] = []
        if len(states) != len(self.states):
            problems.append("a state is listed twice")
        if self.initial not in states:
            problems.append(f"initial state {self.initial!r} is not a state")
        if not self.final <= states:
            problems.append(f"final states not listed: {sorted(self.final - states)}")
        by_action: dict[str, Transition] = {}
        for t in self.transitions:
            if t.action in by_action:
                problems.append(f"action {t.action!r} is declared twice")
            by_action[t.action] = t
            for state in (*t.sources, t.target):
                if state not in states:
                    problems.append(f"{t.action}: unknown state {state!r}")
            if t.sources & self.final:
                problems.append(
                    f"{t.action}: leaves a final state {sorted(t.sources & self.final)}"
                )
        if not problems:
            reachable = _closure({self.initial}, self._edges())
            for state in self.states:
                if state not in reachable:
                    problems.append(f"state {state!r} cannot be reached")
            reverse = _reverse(self._edges())
            ends = _closure(set(self.final), reverse)
            for state in self.states:
                if state not in self.final and state not in ends:
                    problems.append(f"state {state!r} never leads to a final state")
        if problems:
            raise ValueError(f"workflow {self.name}: " + "; ".join(problems))
        object.__setattr__(self, "_by_action", by_action)

    def _edges(self) -> dict[str, set[str]]:
        edges: dict[str, set[str]] = {s: set() for s in self.states}
        for t in self.transitions:
            for source in t.sources:
                edges[source].add(t.target)
        return edges

    def actions(self) -> tuple[str, ...]:
        return tuple(t.action for t in self.transitions)

    def transition(self, action: str) -> Transition:
        try:
            return self._by_action[action]
        except KeyError:
            raise ValueError(f"workflow {self.name}: no action {action!r}") from None

    def allowed(self, state: str, roles: Iterable[str]) -> tuple[str, ...]:
        """The actions these roles may fire from ``state`` (requirements not checked)."""
        held = set(roles)
        return tuple(t.action for t in self.transitions if state in t.sources and t.roles & held)

    def fire(self, state: str, action: str, *, roles: Iterable[str], facts: Facts) -> Transition:
        """The transition ``action`` makes from ``state``, or :class:`Refusal`. Checked in
        this order: the state, the role, then each requirement."""
        held = set(roles)
        t = self.transition(action)
        allowed = self.allowed(state, held)
        if state not in t.sources:
            raise Refusal("illegal_transition", action, state, allowed)
        if not t.roles & held:
            raise Refusal("role", action, state, allowed)
        if "fee_paid" in t.requires and not facts.fee_paid:
            raise Refusal("fee_unpaid", action, state, allowed)
        if "documents" in t.requires and not facts.documents_complete:
            raise Refusal("documents_missing", action, state, allowed)
        if "checks" in t.requires and not facts.checks_passed:
            raise Refusal("checks_pending", action, state, allowed)
        if "grounds" in t.requires:
            if not facts.grounds:
                raise Refusal("grounds_missing", action, state, allowed)
            unknown = tuple(g for g in facts.grounds if g not in facts.allowed_grounds)
            if unknown:
                raise Refusal("grounds_unknown", action, state, allowed, unknown)
        if "other_actor" in t.requires and (
            facts.actor is None or facts.actor == facts.proposed_by
        ):
            raise Refusal("same_actor", action, state, allowed)
        return t


def _closure(start: set[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen, todo = set(start), list(start)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _reverse(edges: Mapping[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for source, targets in edges.items():
        for target in targets:
            out.setdefault(target, set()).add(source)
    return out


_OFFICER = frozenset({Role.OFFICER.value})
_SUPERVISOR = frozenset({Role.SUPERVISOR.value})
_CASEWORK = _OFFICER | _SUPERVISOR

# The one-stop-shop procedure shared by stay extension, residence permits, work permits
# and card replacement (issue #4): submitted, reviewed (with a stop of the clock while
# documents are awaited), proposed by an officer, confirmed or returned by a supervisor
# (four eyes), then issued; the applicant may withdraw until a decision is proposed.
ONE_STOP_SHOP = Workflow(
    name="one_stop_shop",
    states=(
        "submitted",
        "in_review",
        "awaiting_documents",
        "proposed_approval",
        "proposed_refusal",
        "approved",
        "refused",
        "issued",
        "withdrawn",
    ),
    initial="submitted",
    final=frozenset({"refused", "issued", "withdrawn"}),
    transitions=(
        Transition("start_review", frozenset({"submitted"}), "in_review", _CASEWORK),
        Transition(
            "request_documents",
            frozenset({"in_review"}),
            "awaiting_documents",
            _CASEWORK,
            clock="stop",
        ),
        Transition(
            "documents_received",
            frozenset({"awaiting_documents"}),
            "in_review",
            _CASEWORK | {APPLICANT},
            clock="resume",
        ),
        Transition(
            "propose_approval",
            frozenset({"in_review"}),
            "proposed_approval",
            _CASEWORK,
            requires=frozenset({"fee_paid", "documents", "checks"}),
        ),
        Transition(
            "propose_refusal",
            frozenset({"in_review"}),
            "proposed_refusal",
            _CASEWORK,
            requires=frozenset({"grounds"}),
        ),
        Transition(
            "confirm_approval",
            frozenset({"proposed_approval"}),
            "approved",
            _SUPERVISOR,
            requires=frozenset({"other_actor"}),
        ),
        Transition(
            "confirm_refusal",
            frozenset({"proposed_refusal"}),
            "refused",
            _SUPERVISOR,
            requires=frozenset({"other_actor"}),
        ),
        Transition(
            "return",
            frozenset({"proposed_approval", "proposed_refusal"}),
            "in_review",
            _SUPERVISOR,
        ),
        Transition(
            "issue", frozenset({"approved"}), "issued", _CASEWORK, requires=frozenset({"fee_paid"})
        ),
        Transition(
            "withdraw",
            frozenset({"submitted", "in_review", "awaiting_documents"}),
            "withdrawn",
            frozenset({APPLICANT}),
        ),
    ),
)
