"""No update may be lost: four processes edit the same documents while the writer process drains the queue;
afterwards the index says exactly what the database says. A second writer is refused while one runs."""

import multiprocessing

import pytest

from marketplace.search import services
from tests.search import concurrency

EDITORS, ROUNDS = 4, 15


def test_concurrent_edits_from_several_processes_lose_no_update(tmp_path):
    url, index_dir = f"sqlite:///{tmp_path / 'shared.db'}", str(tmp_path / "index")
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(1) as pool:
        org_ids = pool.apply(concurrency.seed, (url, index_dir))
    assert len(org_ids) >= 2
    writer = spawn.Process(target=concurrency.write, args=(url, index_dir, 300))
    editors = [spawn.Process(target=concurrency.edit, args=(url, index_dir, n, ROUNDS, org_ids))
               for n in range(EDITORS)]
    for process in [writer, *editors]:
        process.start()
    for process in [*editors, writer]:
        process.join(timeout=300)
        assert process.exitcode == 0
    with spawn.Pool(1) as pool:
        report = pool.apply(concurrency.verify, (url, index_dir))
    assert report["drift"] == {"missing": [], "extra": [], "stale": []}
    assert report["current"] and all(report["current"].values()), report


def test_a_second_writer_is_refused(app, tmp_path):
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    with services.writer_lock(), pytest.raises(services.WriterBusy), services.writer_lock():
        pass
