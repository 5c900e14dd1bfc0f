"""Bulk downloads: /data/ lists the datasets and their dictionaries; each streams as CSV, Excel or JSON Lines.

Not cached, on purpose: CSV and JSON Lines go to the socket as the rows are read (one batch of 500 in memory),
Excel is written in openpyxl's write-only mode to a temporary file; and every download draws on the caller's one
open-data rate limit. A cache keyed by a data version would need every change to every exported table to bump
that version, which rows written outside the services (imports, the demo) do not."""

from flask import Blueprint, Response, abort, render_template, stream_with_context

from marketplace.api import http
from marketplace.extensions import limiter, on_replica

from .exports import DATASETS, csv_chunks, dictionary_csv, jsonl_chunks, xlsx_chunks

bp = Blueprint("opendata", __name__, url_prefix="/data")
http.share_rate_limit(limiter, bp)
bp.after_request(http.add_cors)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _dataset(name: str):
    return DATASETS.get(name) or abort(404)


def _download(chunks, mimetype: str, filename: str) -> Response:
    response = Response(stream_with_context(on_replica(chunks)), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/")
def index():
    return render_template("opendata/index.html", datasets=DATASETS.values())


@bp.get("/<name>.csv")
def csv_file(name):
    return _download(csv_chunks(_dataset(name)), "text/csv; charset=utf-8", f"{name}.csv")


@bp.get("/<name>.xlsx")
def xlsx_file(name):
    return _download(xlsx_chunks(_dataset(name)), XLSX, f"{name}.xlsx")


@bp.get("/<name>.jsonl")
def jsonl_file(name):
    if name == "all":
        return _download(jsonl_chunks(list(DATASETS.values()), tagged=True), "application/x-ndjson", "all.jsonl")
    return _download(jsonl_chunks([_dataset(name)], tagged=False), "application/x-ndjson", f"{name}.jsonl")


@bp.get("/<name>.dictionary.csv")
def dictionary(name):
    return Response(dictionary_csv(_dataset(name)), mimetype="text/csv; charset=utf-8")


@bp.get("/<name>.dictionary.json")
def dictionary_json(name):
    return http.json_response({"dataset": name, "fields": _dataset(name).dictionary()})
