"""A contract terminated while awaiting signatures was never signed: it funds nothing, counts in no total, enters
no feed, and its page shows the award amount only — like a contract still awaiting signatures."""

import re
from decimal import Decimal
from xml.etree import ElementTree as ET

from marketplace.common import clock
from marketplace.contracts.models import ContractStatus
from marketplace.extensions import db
from tests.projects.conftest import make_project


def terminated_unsigned(**kwargs):
    contract = make_project(status=ContractStatus.awaiting_signatures, **kwargs)
    contract.status, contract.terminated_at = ContractStatus.terminated, clock.now()
    contract.termination_reason = "成交机构放弃签约"
    db.session.flush()
    assert contract.active_at is None and contract.buyer_signed_at is None
    return contract


def test_a_contract_terminated_before_signing_counts_nowhere(client, project, app):
    signed = make_project(title="签了的", value="200000")
    unsigned = terminated_unsigned(title="没签就终止的", value="777000")
    db.session.commit()

    numbers = client.get("/").get_data(as_text=True).split('id="numbers-heading"')[1].split("</dl>")[0]
    assert "<dd>1</dd>" in numbers and "¥200,000.00" in numbers and "777,000" not in numbers

    stats = client.get("/stats/").get_data(as_text=True)
    assert "¥777,000.00" not in stats and "¥977,000.00" not in stats and "¥200,000.00" in stats
    year_csv = client.get("/stats/spend-year.csv").get_data(as_text=True)
    assert "200000.00" in year_csv and "977000.00" not in year_csv

    feed = ET.fromstring(client.get("/feeds/projects.atom").get_data())
    titles = {e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed.iter("{http://www.w3.org/2005/Atom}entry")}
    assert titles == {"签了的"}

    app.config["API_RATE_LIMIT"] = "100000 per minute"
    statistics = client.get("/api/v1/statistics").get_json()
    assert sum(Decimal(str(row["value"])) for row in statistics["spend_by_year"]) == Decimal("200000")
    assert [p["id"] for p in client.get("/api/v1/projects").get_json()["data"]] == [signed.id]
    projects_csv = client.get("/data/projects.csv", buffered=True).get_data(as_text=True)
    assert "没签就终止的" not in projects_csv and "签了的" in projects_csv
    # Still a public contract (it ended, with a reason), just not a funded one.
    assert client.get(f"/api/v1/contracts/{unsigned.id}").get_json()["contract"]["active_at"] is None


def test_an_unsigned_contract_shows_the_award_amount_but_no_terms(client, project):
    waiting = make_project(title="待签", value="123000", status=ContractStatus.awaiting_signatures)
    ended = terminated_unsigned(title="未签即止", value="456000")
    signed = make_project(title="已签", value="789000")
    db.session.commit()
    listing = client.get("/projects/").get_data(as_text=True)
    cards = dict(re.findall(r'<h3><a href="/projects/\d+">([^<]+)</a></h3>(.*?)</li>', listing, re.S))
    for title in ("待签", "未签即止"):
        assert "服务期" not in cards[title] and "成交金额" in cards[title], title
    assert "服务期" in cards["已签"] and "合同金额" in cards["已签"]
    for contract, notice in ((waiting, "合同尚待双方签署"), (ended, "合同未经双方签署即已终止")):
        page = client.get(f"/projects/{contract.tender_id}").get_data(as_text=True)
        assert "<dt>服务期</dt>" not in page and contract.starts_on.isoformat() not in page
        assert "<dt>成交金额</dt>" in page and notice in page
        assert 'id="money-heading"' not in page  # no budget table, no delivery
    page = client.get(f"/projects/{signed.tender_id}").get_data(as_text=True)
    assert "<dt>服务期</dt>" in page and "<dt>合同金额</dt>" in page
