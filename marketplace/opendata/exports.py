"""Writers that stream a dataset: CSV and JSON Lines chunk by chunk; Excel through openpyxl's write-only mode into
a temporary file (a zip cannot be written to a socket as it goes), then read back in chunks."""

import csv
import io
import tempfile
from collections.abc import Iterator

from openpyxl import Workbook

from marketplace.api.jsonvalues import dumps

from .cells import spreadsheet_cell
from .datasets import DATASETS, Dataset

CHUNK = 64 * 1024


def csv_chunks(dataset: Dataset) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a byte-order mark
    writer.writerow([f.name for f in dataset.fields])
    for record in dataset.records():
        writer.writerow([spreadsheet_cell(v) for v in record.values()])
        if buffer.tell() > CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def dictionary_csv(dataset: Dataset) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["field", "type", "zh", "en"])
    buffer.write("\ufeff")
    writer.writeheader()
    writer.writerows(dataset.dictionary())
    return buffer.getvalue()


def jsonl_chunks(datasets: list[Dataset], tagged: bool) -> Iterator[str]:
    lines = []
    for dataset in datasets:
        for record in dataset.records():
            row = {"dataset": dataset.name, "record": record} if tagged else record
            lines.append(dumps(row) + "\n")
            if len(lines) >= 500:
                yield "".join(lines)
                lines = []
    yield "".join(lines)


def xlsx_chunks(dataset: Dataset) -> Iterator[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(dataset.zh)
    sheet.append([f.name for f in dataset.fields])
    for record in dataset.records():
        sheet.append([spreadsheet_cell(v) for v in record.values()])
    guide = workbook.create_sheet("数据字典 dictionary")
    guide.append(["field", "type", "zh", "en"])
    for row in dataset.dictionary():
        guide.append(list(row.values()))
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk


__all__ = ["DATASETS", "csv_chunks", "dictionary_csv", "jsonl_chunks", "xlsx_chunks"]
