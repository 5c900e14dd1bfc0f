"""Release packages, record packages and the compiled release (OCDS merge rules)."""

from collections.abc import Iterator
from datetime import datetime

from flask import current_app

from marketplace.common import clock
from marketplace.extensions import db
from marketplace.tenders.models import Tender

from ..jsonvalues import dumps, moment, public_url
from .facts import TENDER_LOAD, load_processes, public_tenders_query
from .releases import METRIC_EXTENSION, build_releases, events_of, ocid_of

PUBLISHER = {"name": "政社通 ZhengShe"}


def tender_for_ocid(ocid: str) -> Tender | None:
    prefix = f"ocds-{current_app.config['OCDS_PREFIX']}-"
    if not ocid.startswith(prefix):
        return None
    return db.session.execute(public_tenders_query().where(Tender.reference == ocid[len(prefix):])
                              .options(*TENDER_LOAD)).scalar_one_or_none()


def releases_for(tender: Tender) -> list[dict]:
    (process,) = load_processes([tender])
    return build_releases(process)


def _envelope(uri: str, releases: list[dict]) -> dict:
    # The package's date is its newest release's: the same facts give the same package (and the same ETag).
    newest = max((r["date"] for r in releases), default=None)
    return {"uri": uri, "version": "1.1", "extensions": [METRIC_EXTENSION],
            "publishedDate": newest or moment(clock.now()),
            "publisher": {**PUBLISHER, "uri": current_app.config["PUBLIC_URL"]}}


def release_package(tender: Tender) -> dict:
    ocid = ocid_of(tender)
    releases = releases_for(tender)
    return {**_envelope(public_url("api.ocds_releases", ocid=ocid), releases), "releases": releases}


def record_package(tender: Tender) -> dict:
    ocid = ocid_of(tender)
    releases = releases_for(tender)
    package_url = public_url("api.ocds_releases", ocid=ocid)
    linked = [{"url": f"{package_url}#{r['id']}", "date": r["date"], "tag": r["tag"]} for r in releases]
    return {**_envelope(public_url("api.ocds_record", ocid=ocid), releases), "packages": [package_url],
            "records": [{"ocid": ocid, "releases": linked, "compiledRelease": compile_releases(releases)}]}


def releases_between(start: datetime, end: datetime, batch: int = 50) -> Iterator[dict]:
    """Releases dated in [start, end), one contracting process after another (by tender id), each process's
    oldest first. Not sorted by date across processes: that would hold the whole range in memory, and a package
    puts no order on its releases. Events never precede publication, so tenders published after `end` are
    skipped; the rest are read `batch` at a time and let go before the next batch."""
    last_id = 0
    while True:
        tenders = db.session.execute(public_tenders_query().where(Tender.published_at < end, Tender.id > last_id)
                                     .options(*TENDER_LOAD).order_by(Tender.id).limit(batch)).scalars().all()
        if not tenders:
            return
        last_id = tenders[-1].id
        for process in load_processes(tenders):
            events = events_of(process)
            if any(start <= e.at < end for e in events):
                yield from (r for r, e in zip(build_releases(process), events, strict=True) if start <= e.at < end)
        db.session.expire_all()


def bulk_chunks(start: datetime, end: datetime, uri: str) -> Iterator[str]:
    """The bulk release package as text, written as it is built: the envelope, then each release. The
    publishedDate (the newest release's date, so the same facts give the same bytes) comes last, once known;
    JSON puts no order on an object's members."""
    head = _envelope(uri, [])
    del head["publishedDate"]
    yield dumps(head)[:-1] + ',"releases":['
    newest = None
    for i, release in enumerate(releases_between(start, end)):
        yield ("," if i else "") + dumps(release)
        newest = max(newest or release["date"], release["date"])
    yield '],"publishedDate":' + dumps(newest or moment(clock.now())) + "}"


# -- merging --------------------------------------------------------------------------------------------------

OMIT_WHEN_MERGED = {"id", "tag"}


def compile_releases(releases: list[dict]) -> dict:
    """The compiled release: each field's latest value; arrays of objects with ids merged by id, other arrays
    replaced whole (OCDS 1.1 merge rules, without a versioned history)."""
    compiled: dict = {}
    for release in sorted(releases, key=lambda r: r["date"]):
        _merge(compiled, {k: v for k, v in release.items() if k not in OMIT_WHEN_MERGED})
    if releases:
        compiled["id"] = f"{releases[0]['ocid']}-compiled"
        compiled["tag"] = ["compiled"]
    return compiled


def _merge(target: dict, source: dict) -> None:
    for key, value in source.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict):
            existing = target.get(key)
            if not isinstance(existing, dict):
                existing = target[key] = {}
            _merge(existing, value)
        elif isinstance(value, list) and value and all(isinstance(v, dict) and "id" in v for v in value):
            existing = target.get(key) if isinstance(target.get(key), list) else []
            by_id = {str(item.get("id")): item for item in existing}
            for item in value:
                if str(item["id"]) in by_id:
                    _merge(by_id[str(item["id"])], item)
                else:
                    copy: dict = {}
                    _merge(copy, item)
                    existing.append(copy)
                    by_id[str(item["id"])] = copy
            target[key] = existing
        else:
            target[key] = value
