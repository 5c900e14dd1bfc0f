"""Fetch every open-data response the platform can give: each list (every page), each detail found in them, every
OCDS package, the bulk package month by month, the change feed, every download (CSV, JSON Lines and Excel, the
cells read back), the Atom feeds, the project pages and the statistics with their CSVs. Tests scan the text for
what must not leak, and the change feed's action names."""

import io
import re
from datetime import timedelta

from openpyxl import load_workbook

from marketplace.common import clock

LISTS = ["/api/v1/tenders", "/api/v1/awards", "/api/v1/contracts", "/api/v1/projects", "/api/v1/milestones",
         "/api/v1/scores", "/api/v1/catalogs", "/api/v1/organizations", "/api/v1/needs"]
SINGLES = ["/api/v1", "/api/v1/statistics", "/api/v1/audit/roots", "/api/v1/openapi.json", "/api/", "/data/",
           "/feeds/tenders.atom", "/feeds/awards.atom", "/feeds/projects.atom", "/stats/"]
DOWNLOADS = ["tenders", "awards", "contracts", "projects", "organizations", "catalogs"]
CHANGE_ACTIONS = "change-feed actions"  # the key under which crawl() puts the feed's (type, action) pairs


def _pages(client, url):
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        body = response.get_json()
        yield url, response.get_data(as_text=True), body
        url = body["next"] and body["next"].replace("http://127.0.0.1:5000", "").replace("http://localhost", "")


def _xlsx_text(data: bytes) -> str:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join("\t".join("" if c.value is None else str(c.value) for c in row)
                     for sheet in workbook.worksheets for row in sheet.iter_rows())


def _months():
    today = clock.today()
    first = today.replace(year=today.year - 1, day=1)
    while first <= today + timedelta(days=31):
        following = (first + timedelta(days=32)).replace(day=1)
        yield first, following - timedelta(days=1)
        first = following


def _get(client, url) -> str:
    response = client.get(url, buffered=True)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def crawl(client) -> dict[str, str]:
    """{url: response text} for every open-data response, and under CHANGE_ACTIONS the feed's actions."""
    seen: dict[str, str] = {}
    for url in SINGLES:
        seen[url] = _get(client, url)
    for key in re.findall(r'href="/stats/([\w-]+)\.csv', seen["/stats/"]):
        seen[f"/stats/{key}.csv"] = _get(client, f"/stats/{key}.csv")
    details = []
    for start in LISTS:
        for url, text, body in _pages(client, start + "?limit=50"):
            seen[url] = text
            for row in body["data"]:
                if row.get("url", "").startswith("http"):
                    details.append(row["url"].split("5000", 1)[-1])
                if "ocid" in row:
                    details += [f"/api/ocds/releases/{row['ocid']}.json", f"/api/ocds/records/{row['ocid']}.json"]
                if "items_url" in row:
                    details.append(row["items_url"].split("5000", 1)[-1] + "?limit=100")
    projects = _get(client, "/projects/")
    seen["/projects/"] = projects
    details += sorted(set(re.findall(r'href="(/projects/\d+)"', projects)))
    for url in dict.fromkeys(details):
        seen[url] = _get(client, url)
    since, actions = "0", set()
    while True:
        body = client.get(f"/api/v1/changes?since={since}").get_json()
        seen[f"/api/v1/changes?since={since}"] = str(body)
        actions |= {(c["type"], c["action"]) for c in body["data"]}
        if body["next_cursor"] == since:
            break
        since = body["next_cursor"]
    seen[CHANGE_ACTIONS] = "\n".join(f"{t} {a}" for t, a in sorted(actions))
    for first, last in _months():
        seen[f"bulk {first}"] = _get(client, f"/api/ocds/releases.json?from={first}&to={last}")
    for name in DOWNLOADS:
        for kind in ("csv", "jsonl", "dictionary.json"):
            seen[f"/data/{name}.{kind}"] = _get(client, f"/data/{name}.{kind}")
        response = client.get(f"/data/{name}.xlsx", buffered=True)
        assert response.status_code == 200, name
        seen[f"/data/{name}.xlsx"] = _xlsx_text(response.get_data())
    seen["/data/all.jsonl"] = _get(client, "/data/all.jsonl")
    return seen
