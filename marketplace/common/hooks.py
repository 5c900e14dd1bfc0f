"""Side effects (mail, reindexing) that must run only once the transaction has committed."""

from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "after_commit_callbacks"


def after_commit(fn, *args, **kwargs) -> None:
    """Queue fn to run after the current db.session transaction commits; dropped on rollback."""
    from marketplace.extensions import db

    session = db.session()
    session.info.setdefault(_KEY, []).append((fn, args, kwargs))


def after_commit_collect(fn, item) -> None:
    """Queue fn(items) once per transaction, however many items the transaction adds (one job, not one each)."""
    from marketplace.extensions import db

    callbacks = db.session().info.setdefault(_KEY, [])
    for queued, args, _kwargs in callbacks:
        if queued is fn:
            args[0].append(item)
            return
    callbacks.append((fn, ([item],), {}))


@event.listens_for(Session, "after_commit")
def _run_callbacks(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    for fn, args, kwargs in callbacks:
        fn(*args, **kwargs)


@event.listens_for(Session, "after_soft_rollback")
def _drop_callbacks(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # only an outermost rollback discards the work
        session.info.pop(_KEY, None)


def fresh_session():
    """A session for work done inside an after-commit callback, on the same database binding.

    The committed session cannot emit SQL from its after_commit event; this one can. In tests the
    bind is the test's connection (joined as a savepoint), in production the engine.
    """
    from marketplace.extensions import db

    return Session(bind=db.session.get_bind(), join_transaction_mode="create_savepoint",
                   expire_on_commit=False)
