"""Time-driven work. Domains register tasks; `flask jobs tick` runs each once, `jobs run` loops.

Every task runs in its own transaction, so one failing task never blocks or rolls back another.
Tasks must be idempotent: the same tick may run twice (two schedulers, a retry), and pages also
catch up lazily on load.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from marketplace.extensions import db


@dataclass
class Task:
    name: str
    fn: Callable[[], int | None]


_TASKS: dict[str, Task] = {}


def periodic(name: str):
    def decorator(fn):
        _TASKS[name] = Task(name, fn)
        return fn

    return decorator


def registered() -> list[str]:
    return sorted(_TASKS)


def tick(only: str | None = None) -> dict[str, object]:
    """Run every task once; returns what each did (a count) or the error it raised."""
    results: dict[str, object] = {}
    for name in sorted(_TASKS):
        if only and name != only:
            continue
        try:
            results[name] = _TASKS[name].fn()
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 — one broken task must not stop the others
            db.session.rollback()
            current_app.logger.exception("job %s failed", name)
            results[name] = exc
    return results


def run_forever(interval: float, *, max_ticks: int | None = None, echo=print) -> None:
    ticks = 0
    while max_ticks is None or ticks < max_ticks:
        for name, outcome in tick().items():
            if outcome:
                echo(f"{name}: {outcome}")
        db.session.remove()
        ticks += 1
        if max_ticks is None or ticks < max_ticks:
            time.sleep(interval)
