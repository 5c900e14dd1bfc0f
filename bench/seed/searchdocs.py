"""The search index of the seeded database, written the way `flask --app app search rebuild` writes it: the same
loaders (`search.documents.KINDS`), the configured backend, one rebuild that replaces the whole index, under the
writer lock.

A province holds several hundred thousand public objects; `docs` caps the index at a sample of that many
documents, drawn in a fixed order from all five kinds in proportion (a deterministic shuffle), so a search
benchmark works on a realistic mix. Everything else is left out: `search check` lists it as missing, and
`search rebuild` indexes all of it.
"""

from marketplace.search import documents, services

BATCH = services.BATCH


def index_sample(docs: int, rng, progress) -> int:
    """Write up to `docs` public documents (none: an empty index, so an older one never outlives its data)."""
    candidates = [(kind, object_id) for kind in documents.KINDS for object_id in documents.all_ids(kind)]
    rng.shuffle(candidates)
    written = 0
    with services.writer_lock(), services.backend().rebuilding() as backend:
        for start in range(0, len(candidates), BATCH):
            if written >= docs:
                break
            by_kind: dict[str, list[int]] = {}
            for kind, object_id in candidates[start:start + BATCH]:
                by_kind.setdefault(kind, []).append(object_id)
            batch = []
            for kind, ids in by_kind.items():
                loaded = documents.KINDS[kind].load(sorted(ids))
                batch += [loaded[i] for i in sorted(ids) if loaded.get(i) is not None]
            batch = batch[:docs - written]
            backend.write(batch, [])
            written += len(batch)
            if progress is not None:
                progress(len(batch))
    from marketplace.extensions import db

    db.session.commit()
    return written
