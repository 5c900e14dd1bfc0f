"""Several request threads of one worker searching one index at once, as gthread workers do."""

import random
import threading

from marketplace.search import documents
from marketplace.search.index import WhooshBackend

WORDS = [f"word{n}" for n in range(120)]  # each in about 15 % of the documents: read from postings, not kept bitsets


def _doc(n, rng):
    title = " ".join(rng.sample(WORDS, 3))
    body = " ".join(rng.sample(WORDS, 15))
    return documents.Document(key=f"need:{n}", kind="need", title=title, body=body, status="open", year="2025",
                              regions=("110101",), url=f"/{n}")


def test_threads_reading_postings_at_once_never_break_a_search(tmp_path, monkeypatch):
    import sys

    rng = random.Random(1)
    backend = WhooshBackend(str(tmp_path / "index"))
    backend.write([_doc(n, rng) for n in range(3000)], [])
    backend.search(["word1"], {}, 1, 20)
    errors = []

    def hammer(seed):
        r = random.Random(seed)
        try:
            for _ in range(60):
                backend.clear_caches()
                backend.search(r.sample(WORDS, 2), {}, r.randint(1, 5), 20)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    monkeypatch.setattr(sys, "getswitchinterval", sys.getswitchinterval)
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns every few bytecodes: reads interleave as under load
    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(before)
    assert errors == []
