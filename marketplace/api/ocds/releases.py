"""OCDS 1.1 releases, one per public event of a contracting process, rebuilt from stored, timestamped facts.

Why rebuilt and not stored: the services that change state belong to their domains and do not call the open-data
layer, and a release written lazily (when first requested) would capture whatever the tender looks like by then.
Every event we publish already has its own stored time (published_at, Amendment.created_at, Opening.opened_at,
Award.noticed_at, Contract.active_at, Milestone.evaluation_passed_at, Payment.succeeded_at …) and its own
immutable row, and the amendments keep each field's value before the change. So a release is a pure function of
the facts dated at or before its own date: building it again — tomorrow, after more events — yields the same
bytes (tests/api/test_ocds.py rebuilds after later events and compares). Release ids name the event row
(`…-award-17`, `…-payment-4`), so an id can never be given to another release.
Names are taken from the opening record (as published at opening), not from today's organization row.

A known limit: the buyer's name and region (and the name of a supplier that has no opening entry) are read from
today's rows, because no history of them is stored. Were a street office renamed or a region redrawn, the
releases rebuilt afterwards would carry the new name: the one field that can change after publication. README
(开放数据) says so.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale

from marketplace.tenders.models import INDICATOR_KIND_LABELS, METHOD_LABELS, Method

from ..jsonvalues import day_start, moment, money, public_url
from .facts import Process, tender_snapshots

METRIC_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_metric_extension/master/extension.json"
CLASSIFICATION_SCHEME = "CN-ZS-PURCHASE"  # the purchase-service catalog (政府购买服务指导性目录) codes
BODY_SCHEME = "X-ZHENGSHE-BODY"  # government bodies carry no credit code in the platform yet: its own ids
METHODS = {Method.open: "open", Method.invited: "selective", Method.consultation: "limited",
           Method.negotiation: "limited", Method.inquiry: "limited", Method.single_source: "direct"}


def ocid_of(tender) -> str:
    return f"ocds-{current_app.config['OCDS_PREFIX']}-{tender.reference}"


@dataclass(order=True)
class Event:
    at: datetime
    order: int  # events of one instant in the order they happen
    suffix: str
    tag: str = field(compare=False)


def events_of(process: Process) -> list[Event]:
    t, events = process.tender, []
    events.append(Event(t.published_at, 0, "tender", "tender"))
    events += [Event(a.created_at, 1, f"amendment-{a.number}", "tenderAmendment") for a in t.amendments]
    if process.opening is not None:
        events.append(Event(process.opening.opened_at, 2, "opening", "tenderUpdate"))
    for award in process.awards:
        events.append(Event(award.noticed_at, 3, f"award-{award.id}", "award"))
        if award.final_at is not None:  # the standstill ended without an upheld challenge: pending → active
            events.append(Event(award.final_at, 4, f"award-{award.id}-final", "awardUpdate"))
        if award.cancelled_at is not None:
            events.append(Event(award.cancelled_at, 4, f"award-{award.id}-cancellation", "awardCancellation"))
    if t.cancelled_at is not None:
        events.append(Event(t.cancelled_at, 5, "cancellation", "tenderCancellation"))
    if t.unsuccessful_at is not None:
        events.append(Event(t.unsuccessful_at, 5, "unsuccessful", "tenderUpdate"))
    c = process.contract
    if c is not None:
        if c.active_at is not None:
            events.append(Event(c.active_at, 6, f"contract-{c.id}", "contract"))
        events += [Event(a.created_at, 7, f"contract-{c.id}-amendment-{a.number}", "contractAmendment")
                   for a in c.amendments]
        events += [Event(m.evaluation_passed_at, 8, f"milestone-{m.id}-met", "implementation")
                   for m in c.milestones if m.evaluation_passed_at is not None]
        for p in process.payments:
            events.append(Event(p.succeeded_at, 9, f"payment-{p.id}", "implementation"))
            if p.refunded_at is not None:
                events.append(Event(p.refunded_at, 9, f"payment-{p.id}-refund", "implementationUpdate"))
        ended = c.completed_at or c.terminated_at
        if ended is not None:
            events.append(Event(ended, 10, f"contract-{c.id}-termination", "contractTermination"))
    return sorted(events)


def build_releases(process: Process) -> list[dict]:
    """Every release of the process, oldest first."""
    with force_locale("zh_CN"):  # the data is Chinese whoever asks: the same bytes for every reader
        builder = _Builder(process)
        return [builder.release(event) for event in events_of(process)]


def _compact(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if v is not None and v != [] and v != {}}


def _value(amount: Decimal) -> dict:
    return {"amount": money(amount), "currency": "CNY"}


class _Builder:
    def __init__(self, process: Process):
        self.p, self.t = process, process.tender
        self.ocid = ocid_of(self.t)
        self.snapshots = tender_snapshots(self.t)
        self.names = {e["uscc"]: e["organization"] for e in process.opening_entries}
        self.scheme = current_app.config["OCDS_SCHEME"]

    # -- parties -----------------------------------------------------------------------------------------------

    def buyer_ref(self) -> dict:
        return {"id": f"{BODY_SCHEME}-{self.t.buyer.id}", "name": self.t.buyer.name}

    def org_ref(self, organization) -> dict:
        return {"id": f"{self.scheme}-{organization.uscc}",
                "name": self.names.get(organization.uscc, organization.name)}

    def parties(self, at: datetime) -> list[dict]:
        body = self.t.buyer
        paid = [p for p in self.p.payments if p.succeeded_at <= at]
        buyer = {**self.buyer_ref(), "identifier": {"scheme": BODY_SCHEME, "id": str(body.id),
                                                    "legalName": body.name},
                 "address": {"region": body.region.name, "countryName": "中国"},
                 "roles": ["buyer", "procuringEntity"] + (["payer"] if paid else [])}
        roles: dict[str, list[str]] = {}
        if self.p.opening is not None and self.p.opening.opened_at <= at:
            for entry in self.p.opening_entries:
                roles.setdefault(entry["uscc"], []).append("tenderer")
        for award in self._awards(at):
            roles.setdefault(award.bid.organization.uscc, []).append("supplier")
        if paid:
            roles.setdefault(self.p.contract.organization.uscc, []).append("payee")
        orgs = [{"id": f"{self.scheme}-{code}", "name": self._name(code),
                 "identifier": {"scheme": self.scheme, "id": code, "legalName": self._name(code)},
                 "roles": sorted(set(r), key=["tenderer", "supplier", "payee"].index)} for code, r in roles.items()]
        return [buyer, *orgs]

    def _name(self, code: str) -> str:
        if code in self.names:
            return self.names[code]
        return next(a.bid.organization.name for a in self.p.awards if a.bid.organization.uscc == code)

    # -- the release -------------------------------------------------------------------------------------------

    def release(self, event: Event) -> dict:
        at = event.at
        release = {"ocid": self.ocid, "id": f"{self.ocid}-{event.suffix}", "date": moment(at), "tag": [event.tag],
                   "initiationType": "tender", "language": "zh", "parties": self.parties(at),
                   "buyer": self.buyer_ref(), "tender": self.tender(at, event)}
        awards = [self.award(a, at) for a in self._awards(at)]
        if awards:
            release["awards"] = awards
        contract = self.contract(at)
        if contract:
            release["contracts"] = [contract]
        return release

    def _awards(self, at: datetime) -> list:
        return [a for a in self.p.awards if a.noticed_at <= at]

    def _amended(self, at: datetime) -> list:
        return [a for a in self.t.amendments if a.created_at <= at]

    def tender(self, at: datetime, event: Event) -> dict:
        t, amended = self.t, self._amended(at)
        s = self.snapshots[len(amended)]
        description = s["description"] or ""
        if s["deliverables"]:
            description += ("\n\n" if description else "") + "服务内容与交付成果：\n" + s["deliverables"]
        tender = {
            "id": t.reference, "title": s["title"], "description": description or None,
            "status": self._tender_status(at), "statusDetails": self._status_details(at),
            "procuringEntity": self.buyer_ref(),
            "items": [{"id": "1", "description": t.item_name,
                       "classification": {"scheme": CLASSIFICATION_SCHEME, "id": t.item_code,
                                          "description": t.item_name}}],
            "value": _value(s["budget"]),
            "procurementMethod": METHODS[t.method], "procurementMethodDetails": str(METHOD_LABELS[t.method]),
            "procurementMethodRationale": t.method_justification,
            "mainProcurementCategory": "services",
            "awardCriteria": "priceOnly" if t.method == Method.inquiry else "ratedCriteria",
            "awardCriteriaDetails": "；".join(f"{c.name} {c.weight}" for c in t.criteria) or None,
            "tenderPeriod": _compact({"startDate": moment(t.enquiry_until or t.published_at),
                                      "endDate": moment(s["deadline_at"])}),
            "enquiryPeriod": _compact({"startDate": moment(t.published_at),
                                       "endDate": moment(s["questions_close_at"])}),
            "contractPeriod": _compact({"startDate": day_start(s["term_start"])}),
            "documents": self.documents(len(amended)),
            "metrics": [_metric(i) for i in t.indicators],
            "amendments": [self.amendment(a) for a in amended],
        }
        opening = self.p.opening
        if opening is not None and opening.opened_at <= at:
            tender["numberOfTenderers"] = opening.bid_count
            tender["tenderers"] = [{"id": f"{self.scheme}-{e['uscc']}", "name": e["organization"]}
                                   for e in self.p.opening_entries]
        return _compact(tender)

    def _tender_status(self, at: datetime) -> str:
        t = self.t
        if t.cancelled_at is not None and t.cancelled_at <= at:
            return "cancelled"
        if t.unsuccessful_at is not None and t.unsuccessful_at <= at:
            return "unsuccessful"
        # Complete once an award stands; every award cancelled (challenges upheld) leaves the tender active.
        in_force = [a for a in self._awards(at) if a.cancelled_at is None or a.cancelled_at > at]
        return "complete" if in_force else "active"

    def _status_details(self, at: datetime) -> str | None:
        t = self.t
        if t.cancelled_at is not None and t.cancelled_at <= at:
            return t.cancel_reason
        if t.unsuccessful_at is not None and t.unsuccessful_at <= at:
            return t.unsuccessful_reason
        return None

    def documents(self, amendments: int) -> list[dict]:
        published = {a.number: a.created_at for a in self.t.amendments}
        rows = []
        for d in self.t.documents:
            if d.amendment_number is not None and d.amendment_number > amendments:
                continue
            date = published.get(d.amendment_number, self.t.published_at)
            rows.append({"id": str(d.id), "documentType": "biddingDocuments", "title": d.title,
                         "url": public_url("tenders.document", tender_id=self.t.id, document_id=d.id),
                         "datePublished": moment(max(date, self.t.published_at)), "format": d.content_type})
        return rows

    def amendment(self, a) -> dict:
        fields = [c["field"] for c in json.loads(a.changes)]
        previous = "tender" if a.number == 1 else f"amendment-{a.number - 1}"
        return {"id": str(a.number), "date": moment(a.created_at), "rationale": a.rationale,
                "description": "变更字段：" + "、".join(fields), "amendsReleaseID": f"{self.ocid}-{previous}",
                "releaseID": f"{self.ocid}-amendment-{a.number}"}

    def award(self, award, at: datetime) -> dict:
        cancelled = award.cancelled_at is not None and award.cancelled_at <= at
        final = award.final_at is not None and award.final_at <= at
        # In its 公示 standstill an award may still be challenged and cancelled: pending until it is final.
        status = "cancelled" if cancelled else "active" if final else "pending"
        return _compact({"id": str(award.id), "title": self.snapshots[-1]["title"],
                         "description": award.deviation_reason, "status": status,
                         "statusDetails": award.cancel_reason if cancelled else None,
                         "date": moment(award.noticed_at), "value": _value(award.amount),
                         "suppliers": [self.org_ref(award.bid.organization)]})

    def contract(self, at: datetime) -> dict | None:
        from .contracts import contract_as_of

        return contract_as_of(self, at)


def _metric(indicator, weight: int | None = None) -> dict:
    notes = f"目标 {indicator.comparison} {indicator.target.normalize():f} {indicator.unit}"
    if weight is not None:
        notes += f"；权重 {weight}"
    return {"id": str(indicator.position), "title": indicator.name,
            "description": str(INDICATOR_KIND_LABELS[indicator.kind]),
            "observations": [{"id": "target", "measure": money(indicator.target), "unit": {"name": indicator.unit},
                              "notes": notes}]}


def milestone_title(milestone) -> str:
    return str(milestone.label)
