"""State machines: an Enum of states, an Enum of actions and one transition table per machine."""

from enum import Enum

from marketplace.errors import InvalidTransition

TransitionTable = dict[tuple[Enum, Enum], Enum]


def allowed_actions(state: Enum, table: TransitionTable) -> list[Enum]:
    return [action for (source, action) in table if source == state]


def transition(obj, action: Enum, table: TransitionTable, *, at=None, label: str | None = None) -> Enum:
    """Move obj.status along table, stamping `<new state>_at` when the model has that column."""
    current = obj.status
    target = table.get((current, action))
    if target is None:
        name = label or type(obj).__name__
        raise InvalidTransition(f"{name}: {current.value} → {action.value}")
    obj.status = target
    stamp = f"{target.value}_at"
    if at is not None and hasattr(obj, stamp):
        setattr(obj, stamp, at)
    return target
