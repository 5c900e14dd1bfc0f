"""Search benchmark: our Whoosh backend, a naive Whoosh+jieba baseline and the PostgreSQL backend on the same
generated Chinese documents, with 30 queries (1 and 2 terms, rare and frequent).

    .venv/bin/python -m bench.search_bench --docs 100000 --backend whoosh|naive|postgresql|all --seed 1

Only local resources: indexes under --workdir (kept between runs and reused when built from the same
documents; --rebuild forces a new build), PostgreSQL on 127.0.0.1 (database zhengshe_bench, created if missing;
the jieba-segmented rows are kept in --workdir too, so a PostgreSQL rebuild of the same documents skips jieba).
Timings are warm: the query set runs once unmeasured, then --rounds measured rounds. For our Whoosh backend,
"miss" rounds clear the per-generation result cache before the round (the headline: a real user's query is
usually new) and "hit" rounds repeat the round with the cache filled. Results are printed and written to
bench/README.md (one block per backend and size, replaced on re-run).
"""

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import vocabulary

README = Path(__file__).with_name("README.md")
BATCH = 5000  # documents per COPY into PostgreSQL
PER_PAGE = 20
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/zhengshe_bench"
ROUNDS_BUDGET = 5 * 60  # seconds for the rounds of one backend (after its build); later rounds are skipped, noted

# 1 and 2 terms, frequent and rare; the credit code and organization name come from the generated data.
QUERIES = [
    "养老服务", "社会工作", "社区治理", "志愿服务", "社会组织", "心理疏导",          # frequent, 1 term
    "长者食堂", "困境儿童", "社区矫正", "残疾人康复", "垃圾分类", "朝阳区",          # middle, 1 term
    "安宁疗护", "喘息服务", "非遗剪纸", "四点半课堂", "扶手加装",                    # rare, 1 term
    "社区矫正 心理", "朝阳区 养老", "垃圾分类 志愿", "困境儿童 关爱", "长者食堂 助餐",  # 2 terms
    "海淀区 社会工作者", "望京街道 居家养老", "安宁疗护 护理", "2025 养老服务",
    "{credit_code}", "{org_fragment}", "{org_name}",                                # by organization
    "养老服务物",                                                                   # near miss: did-you-mean
]



def _profile(run, queries, lines: int) -> None:
    """Where one pass over the queries spends its time, the slowest `lines` functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for q in queries:
        run(q)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    log(out.getvalue())

def queries(seed: int) -> list[str]:
    name, code = vocabulary.sample_organization(seed)
    fragment = name.replace("北京市", "")[3:]  # "丰台区蒲公英社会组织发展中心" → "蒲公英社会组织发展中心"
    return [q.format(credit_code=code, org_fragment=fragment, org_name=name) for q in QUERIES]


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(p):
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    return {"n": len(ordered), "p50": statistics.median(ordered), "p95": at(95), "p99": at(99), "max": ordered[-1]}


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def log(message: str) -> None:
    print(message, flush=True)


def progress(label: str, done: int, total: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    log(f"  {label}: {done}/{total} documents, {elapsed:.0f} s")


class Timer:
    """Runs the query set: once unmeasured, then `rounds` measured rounds, within a time budget."""

    def __init__(self, budget: float):
        self.budget = budget
        self.deadline = None  # starts with the first round, after any build
        self.truncated = False
        self.errors: dict[str, str] = {}

    def rounds(self, run_one, qs, rounds, before_round=None):
        if self.deadline is None:
            self.deadline = time.perf_counter() + self.budget
        per_query = {q: [] for q in qs}
        for _round in range(rounds):
            if time.perf_counter() > self.deadline:
                self.truncated = True
                break
            if before_round:
                before_round()
            for q in qs:
                t = time.perf_counter()
                try:
                    run_one(q)
                except Exception as exc:  # noqa: BLE001 — e.g. PostgreSQL's statement timeout: timed, reported
                    self.errors[q] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
                per_query[q].append((time.perf_counter() - t) * 1000)
        return per_query


def flatten(per_query):
    return [t for times in per_query.values() for t in times]


# -- our Whoosh backend --------------------------------------------------------------------------------------

def build_ours(directory: Path, docs: int, seed: int, write_batch: int) -> dict:
    """Our WhooshBackend.write: by default one call for all documents (on an empty index every update_document
    is cheap); with --write-batch N, one call per N documents, as the writer and the rebuild do — each
    update_document then opens a reader over every committed segment, which gets slow (see README)."""
    from marketplace.search import tokens
    from marketplace.search.index import WhooshBackend

    tokens.tokenizer()  # the dictionary load is a per-process cost, not an index-build cost
    backend = WhooshBackend(str(directory))
    started = time.perf_counter()

    def counted(documents):
        for number, doc in enumerate(documents, start=1):
            yield doc
            if number % 20000 == 0:
                progress("ours", number, docs, started)

    if write_batch:
        batch = []
        for doc in counted(vocabulary.generate(docs, seed)):
            batch.append(doc)
            if len(batch) == write_batch:
                backend.write(batch, [])
                batch = []
        if batch:
            backend.write(batch, [])
    else:
        backend.write(counted(vocabulary.generate(docs, seed)), [])
    return {"build_s": time.perf_counter() - started, "write_batch": write_batch or docs}


def bench_ours(args, qs, timer) -> dict:
    from whoosh import index as whoosh_index

    from marketplace.search import tokens
    from marketplace.search.index import WhooshBackend

    directory = Path(args.workdir) / f"ours-{args.docs}-{args.seed}"
    info = prepare(directory, args, lambda: build_ours(directory, args.docs, args.seed, args.write_batch))
    ix = whoosh_index.open_dir(directory)
    with ix.searcher() as s:
        info.update(segments=len(ix._segments()), indexed=s.doc_count())
    info["size_mb"] = directory_size(directory) / 1e6
    tokens.tokenizer()
    backend = WhooshBackend(str(directory))
    results = {}

    def run(q):
        found = backend.search(tokens.query_words(q), {}, 1, PER_PAGE)
        results[q] = found

    def clear():
        backend._cache.clear()

    def clear_all():  # results and word bitsets; the per-segment facet and frequent-word bitsets stay
        backend.clear_caches()

    t = time.perf_counter()
    run(qs[0])
    info["first_query_ms"] = (time.perf_counter() - t) * 1000  # opens the searcher
    timer.rounds(run, qs, 1, before_round=clear)  # warm
    miss = timer.rounds(run, qs, args.rounds, before_round=clear)
    cold = timer.rounds(run, qs, args.rounds, before_round=clear_all)
    hit = timer.rounds(run, qs, args.rounds)
    if args.profile:
        clear()
        _profile(run, qs, 35)
    return {"info": info, "timings": {"ours (cache miss)": miss, "ours (cold: word bitsets cleared too)": cold,
                                 "ours (cache hit)": hit},
            "totals": {q: (r.total, r.exact, len(r.hits)) for q, r in results.items()},
            "suggestions": {q: r.suggestion for q, r in results.items() if r.suggestion}}


# -- the naive baseline -------------------------------------------------------------------------------------

def build_naive(directory: Path, docs: int, seed: int) -> dict:
    from jieba.analyse import ChineseAnalyzer
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, TEXT, Schema

    schema = Schema(key=ID(stored=True, unique=True), title=TEXT(stored=True),
                    content=TEXT(analyzer=ChineseAnalyzer(), stored=True))
    directory.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(directory, schema)
    started = time.perf_counter()
    writer = ix.writer(limitmb=256)
    for number, doc in enumerate(vocabulary.generate(docs, seed), start=1):
        writer.add_document(key=doc.key, title=doc.title, content=f"{doc.title}\n{doc.body}")
        if number % 20000 == 0:
            progress("naive", number, docs, started)
    writer.commit()
    return {"build_s": time.perf_counter() - started, "batch": docs}


def bench_naive(args, qs, timer) -> dict:
    import jieba
    from whoosh import index as whoosh_index
    from whoosh.qparser import QueryParser

    directory = Path(args.workdir) / f"naive-{args.docs}-{args.seed}"
    info = prepare(directory, args, lambda: build_naive(directory, args.docs, args.seed))
    ix = whoosh_index.open_dir(directory)
    info.update(segments=len(ix._segments()), size_mb=directory_size(directory) / 1e6)
    jieba.initialize()
    totals = {}

    def run(q):
        with ix.searcher() as searcher:  # a new searcher per query
            query = QueryParser("content", ix.schema).parse(q)
            found = searcher.search(query, limit=PER_PAGE)
            total = len(found)  # the exact count
            titles = [hit["title"] for hit in found]
            totals[q] = (total, True, len(titles))

    timer.rounds(run, qs, 1)  # warm
    measured = timer.rounds(run, qs, args.rounds)
    return {"info": info, "timings": {"naive Whoosh+jieba": measured}, "totals": totals}


# -- PostgreSQL ---------------------------------------------------------------------------------------------

def _terms_rows(chunk):
    """Rows for COPY, with the same `_terms` and `_title_terms` as pg.py (run in worker processes)."""
    from marketplace.search.pg import _terms, _title_terms

    rows = []
    for doc in chunk:
        dated = doc.dated.astimezone(UTC).replace(tzinfo=None) if doc.dated else None
        rows.append((doc.key, doc.kind, doc.title, doc.body, _terms(doc.title, doc.body), _title_terms(doc.title),
                     doc.status, doc.category, doc.year, f" {' '.join(doc.regions)} ", doc.url, dated))
    return rows


def _chunks(docs, seed):
    chunk = []
    for doc in vocabulary.generate(docs, seed):
        chunk.append(doc)
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def build_postgres(app, docs: int, seed: int, total_rows: int, processes: int, workdir: Path) -> dict:
    """The rows, computed with jieba by `processes` workers (or read back from the file an earlier build of the
    same documents with the same tokenizer left in `workdir`: the jieba pass is most of the build), COPY'd into a
    staging table, then one INSERT … SELECT into the schema the migrations made (with copies beyond `docs`), the
    indexes, VACUUM ANALYZE and the term statistics."""
    import gzip
    import hashlib
    import multiprocessing

    from sqlalchemy import text

    from marketplace.cli import reset_database
    from marketplace.extensions import db
    from marketplace.search import tokens
    from marketplace.search.pg import DENSE, META_LEXEMES_SQL, PostgresBackend

    tokenizer = hashlib.sha256(Path(tokens.__file__).read_bytes() + tokens.USER_DICTIONARY.read_bytes())
    cache = workdir / f"postgresql-rows-{docs}-{seed}-{tokenizer.hexdigest()[:12]}.tsv.gz"
    with app.app_context():
        reset_database()
        db.session.commit()
        indexes = db.session.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'search_document'"
            " AND indexname <> 'pk_search_document'")).all()
        db.session.commit()
        started = time.perf_counter()
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("SET maintenance_work_mem = '1GB'")  # GIN builds at 1M rows
            for name, _definition in indexes:  # built once after the load: far faster than row by row
                cursor.execute(f"DROP INDEX {name}")
            cursor.execute("CREATE UNLOGGED TABLE search_document_load (key text, kind text, title text, body text,"
                           " terms text, title_terms text, status text, category text, year text, regions text,"
                           " url text, dated timestamp)")
            done = 0
            if cache.exists():
                with gzip.open(cache, "rb") as handle, cursor.copy("COPY search_document_load FROM STDIN") as copy:
                    while block := handle.read(1 << 20):
                        copy.write(block)
            else:
                with multiprocessing.get_context("fork").Pool(processes) as pool:
                    for rows in pool.imap(_terms_rows, _chunks(docs, seed)):
                        with cursor.copy("COPY search_document_load FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row(row)
                        done += len(rows)
                        if done % 20000 == 0:
                            progress("postgresql", done, docs, started)
                workdir.mkdir(parents=True, exist_ok=True)
                partial = cache.with_suffix(".partial")
                with gzip.open(partial, "wb", compresslevel=1) as handle, \
                        cursor.copy("COPY search_document_load TO STDOUT") as copy:
                    for block in copy:
                        handle.write(block)
                partial.rename(cache)
            tokenized = time.perf_counter() - started
            # The words parsed once per generated document; then every row — the generated documents and, beyond
            # them, copies under new keys ("key~g": the same vocabulary and term distribution, ×copies rows) —
            # gets them with its own meta lexemes (facet values, and sample levels from its key), as `write`
            # would give it.
            cursor.execute("CREATE UNLOGGED TABLE search_document_parsed AS SELECT key, kind, title, body,"
                           " to_tsvector('simple', terms) AS terms, strip(to_tsvector('simple', title_terms))"
                           " AS title_terms, status, category, year, regions, url, dated FROM search_document_load")
            # The common words' bits (what `rebuilding` does from the old statistics), from these documents
            cursor.execute("INSERT INTO search_term_stats (word, documents, titles, bit)"
                           " SELECT word, 0, 0, row_number() OVER (ORDER BY ndoc DESC, word) - 1"
                           " FROM ts_stat('SELECT terms FROM search_document_parsed')"
                           " WHERE word NOT LIKE '%% %%' AND ndoc > %s * (SELECT count(*) FROM search_document_parsed)"
                           " ORDER BY ndoc DESC, word LIMIT 63", (DENSE,))
            cursor.execute("ALTER TABLE search_document_parsed ADD COLUMN common bigint")
            cursor.execute("UPDATE search_document_parsed p SET common = coalesce((SELECT bit_or(CAST(1 AS bigint)"
                           " << s.bit) FROM unnest(tsvector_to_array(p.terms)) AS t(word) JOIN search_term_stats s"
                           " ON s.word = t.word AND s.bit IS NOT NULL), 0)")
            copies = -(-total_rows // docs)
            cursor.execute(
                "INSERT INTO search_document (key, kind, title, body, terms, title_terms, title_length, body_length,"
                " common, status, category, year, regions, url, dated)"
                " SELECT key, kind, title, body, terms || array_to_tsvector(meta),"
                " title_terms || array_to_tsvector(meta), length(title), length(body), common, status, category,"
                " year, regions, url, dated"
                f" FROM (SELECT *, {META_LEXEMES_SQL.replace('%', '%%')} AS meta FROM ("
                "  SELECT CASE WHEN g = 0 THEN key ELSE key || '~' || g END AS key, kind, title, body, terms,"
                "  title_terms, common, status, category, year, regions, url, dated"
                "  FROM search_document_parsed CROSS JOIN generate_series(0, %s) AS g"
                "  ORDER BY g, key LIMIT %s) AS copied) AS rows", (copies - 1, total_rows))
            cursor.execute("DROP TABLE search_document_load")
            cursor.execute("DROP TABLE search_document_parsed")
            loaded = time.perf_counter() - started
            for _name, definition in indexes:
                cursor.execute(definition)
            raw.commit()
            indexed = time.perf_counter() - started
            raw.driver_connection.autocommit = True
            cursor.execute("VACUUM ANALYZE search_document")
            raw.driver_connection.autocommit = False  # the pool hands this connection to the searches next
        finally:
            raw.close()
        after_load = time.perf_counter()
        PostgresBackend().refresh_statistics()  # the writer keeps them exact; a bulk load recounts them
        db.session.commit()
        return {"build_s": time.perf_counter() - started, "tokenize_and_copy_s": tokenized,
                "jieba_rows_reused": done == 0, "insert_s": loaded - tokenized, "indexes_s": indexed - loaded,
                "term_stats_s": time.perf_counter() - after_load, "processes": processes,
                "rows": db.session.scalar(text("SELECT count(*) FROM search_document"))}


def bench_postgres(args, qs, timer) -> dict:
    from sqlalchemy import text

    import marketplace
    from marketplace.extensions import db
    from marketplace.search import tokens
    from marketplace.search.pg import PostgresBackend

    created = subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "zhengshe_bench"],
                             capture_output=True, text=True)
    if created.returncode and "already exists" not in created.stderr:
        raise SystemExit(created.stderr)
    app = marketplace.create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": PG_URL,
                                  "SEARCH_BACKEND": "postgresql"})
    rows = args.pg_rows or args.docs
    marker = Path(args.workdir) / f"postgresql-{args.docs}-{rows}-{args.seed}.json"
    with app.app_context():
        try:
            present = db.session.scalar(text("SELECT count(*) FROM search_document"))
        except Exception:  # noqa: BLE001 — no schema yet
            db.session.rollback()
            present = None
    if args.rebuild or not marker.exists() or present != rows:
        log(f"loading {rows} rows into PostgreSQL (zhengshe_bench)")
        info = build_postgres(app, args.docs, args.seed, rows, args.processes, Path(args.workdir))
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps(info))
    else:
        info = json.loads(marker.read_text()) | {"reused": True}
    tokens.tokenizer()
    results = {}
    with app.app_context():
        info["table_mb"] = db.session.scalar(text("SELECT pg_total_relation_size('search_document')")) / 1e6
        info["server"] = {k: db.session.scalar(text(f"SHOW {k}")) for k in
                          ("server_version", "shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit")}
        db.session.rollback()
        backend = PostgresBackend()

        def run(q):
            try:
                results[q] = backend.search(tokens.query_words(q), {}, 1, PER_PAGE)
            finally:
                db.session.rollback()  # each query its own transaction (SET LOCAL statement_timeout)

        timer.rounds(run, qs, 1)  # warm
        measured = timer.rounds(run, qs, args.rounds)
        if args.profile:
            _profile(run, qs, 25)
    return {"info": info, "timings": {f"PostgreSQL ({rows:,} rows)": measured},
            "totals": {q: (r.total, r.exact, len(r.hits)) for q, r in results.items()}}


# -- running and reporting ----------------------------------------------------------------------------------

def prepare(directory: Path, args, build) -> dict:
    """Build the index unless the same documents are already indexed there (the marker says so)."""
    marker = directory / "bench-build.json"
    if not args.rebuild and marker.exists():
        return json.loads(marker.read_text()) | {"reused": True}
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    log(f"building {directory.name}")
    info = build()
    marker.write_text(json.dumps(info))
    return info


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")
    return {"nproc": os.cpu_count(), "arch": platform.machine(), "cpu": cpu, "python": platform.python_version(),
            "date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %z"),
            "load": " ".join(f"{x:.1f}" for x in os.getloadavg())}


def table(rows: list[tuple]) -> str:
    header = ("backend", "queries", "p50 ms", "p95 ms", "p99 ms", "max ms")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, stats in rows:
        lines.append(f"| {name} | {stats['n']} | {stats['p50']:.1f} | {stats['p95']:.1f} | {stats['p99']:.1f} | "
                     f"{stats['max']:.1f} |")
    return "\n".join(lines)


def per_query_table(qs, outcome) -> str:
    names = list(outcome["timings"])
    lines = ["| query | " + " | ".join(f"{n} median ms" for n in names) + " | total (hits shown) |",
             "|---|" + "---|" * len(names) + "---|"]
    for q in qs:
        medians = [statistics.median(outcome["timings"][n][q]) if outcome["timings"][n][q] else float("nan")
                   for n in names]
        total, exact, shown = outcome["totals"].get(q, (0, True, 0))
        lines.append(f"| {q} | " + " | ".join(f"{m:.1f}" for m in medians)
                     + f" | {total}{'' if exact else ' (estimate)'} ({shown}) |")
    return "\n".join(lines)


def update_readme(key: str, block: str) -> None:
    begin, end = f"<!-- search-bench:{key}:begin -->", f"<!-- search-bench:{key}:end -->"
    section_end = "<!-- search-bench:results:end -->"
    text = README.read_text() if README.exists() else ""
    if section_end not in text:
        text += "\n## Search results (written by `bench/search_bench.py`)\n\n" + section_end + "\n"
    if begin in text:
        head, rest = text.split(begin, 1)
        text = head + begin + "\n" + block + "\n" + end + rest.split(end, 1)[1]
    else:
        text = text.replace(section_end, f"{begin}\n{block}\n{end}\n\n{section_end}")
    README.write_text(text)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--backend", choices=("whoosh", "naive", "postgresql", "all"), default="all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds of the 30 queries")
    parser.add_argument("--workdir", default=str(Path("/tmp") / "zhengshe-search-bench"),
                        help="where indexes are built and kept for the next run")
    parser.add_argument("--rebuild", action="store_true", help="build even when an index of these documents exists")
    parser.add_argument("--pg-rows", type=int, default=0,
                        help="rows in search_document (default --docs); more adds copies by INSERT … SELECT")
    parser.add_argument("--write-batch", type=int, default=0,
                        help="documents per WhooshBackend.write call (default: all in one call)")
    parser.add_argument("--processes", type=int, default=2, help="processes computing PostgreSQL terms")
    parser.add_argument("--profile", action="store_true", help="cProfile one cache-miss round and print it")
    parser.add_argument("--no-readme", action="store_true", help="print only; leave bench/README.md alone")
    args = parser.parse_args(argv)

    command = ".venv/bin/python -m bench.search_bench " + " ".join(sys.argv[1:] if argv is None else argv)
    qs = queries(args.seed)
    backends = ["whoosh", "naive", "postgresql"] if args.backend == "all" else [args.backend]
    runners = {"whoosh": bench_ours, "naive": bench_naive, "postgresql": bench_postgres}
    info = machine()
    log(f"{args.docs:,} documents, seed {args.seed}, {len(qs)} queries × {args.rounds} rounds; "
        f"{info['nproc']} CPU {info['arch']} ({info['cpu']}), Python {info['python']}, {info['date']}")
    for name in backends:
        timer = Timer(ROUNDS_BUDGET)
        started = time.perf_counter()
        outcome = runners[name](args, qs, timer)
        wall = time.perf_counter() - started
        rows = [(label, percentiles(flatten(per_query))) for label, per_query in outcome["timings"].items()]
        summary = table(rows)
        details = per_query_table(qs, outcome)
        build = outcome["info"]
        build_line = ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in build.items())
        log(f"\n== {name}: {args.docs:,} documents ==\n{summary}\n\nbuild: {build_line}\n\n{details}")
        if outcome.get("suggestions"):
            log(f"did you mean: {outcome['suggestions']}")
        if timer.errors:
            log(f"errors: {timer.errors}")
        if timer.truncated:
            log("note: the time budget ran out; fewer rounds than asked were measured")
        if not args.no_readme:
            key = f"{name}:{args.docs}" + (f":{args.pg_rows}" if name == "postgresql" and args.pg_rows else "")
            rows = f", {args.pg_rows:,} rows" if name == "postgresql" and args.pg_rows else ""
            block = (f"### {name} — {args.docs:,} documents{rows} (seed {args.seed})\n\n"
                     f"Machine: {info['nproc']} CPU {info['arch']} ({info['cpu']}), Python {info['python']}. "
                     f"Date: {info['date']}. Load average at start {info['load']}, at end "
                     f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} (the machine is shared). "
                     f"Wall time of this run: {wall:.0f} s.\n\n"
                     f"Command: `{command}`\n\n{summary}\n\nBuild: {build_line}\n"
                     + ("\n*The time budget ran out: fewer rounds than asked.*\n" if timer.truncated else "")
                     + "".join(f"\n*Error* for `{q}` (timed until it failed): {e}\n" for q, e in timer.errors.items())
                     + f"\n<details><summary>Per query</summary>\n\n{details}\n\n</details>")
            update_readme(key, block)


if __name__ == "__main__":
    main()
