"""The change feed: the audit chain read as "which public object changed, and how", for mirrors to follow.

Each audit event is mapped to the public object it changed (a tender, contract, organization, need or catalog) or
dropped. Dropped: bids (sealed), accounts, beneficiaries, settings, drafts (events before the object went public),
and actions that would tell what the pages do not (a reviewer's mark before closing, a report draft). Only the
object, the action and the time leave the server — never the actor or the event's data.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.catalog.models import CatalogVersion
from marketplace.contracts.models import Contract
from marketplace.evaluation.models import Award
from marketplace.extensions import db
from marketplace.organizations.models import Organization, OrgStatus
from marketplace.outcomes.models import Evaluation, OutcomeReport
from marketplace.tenders.models import Tender

from .jsonvalues import moment, public_url

# subject table → the actions that are public (None: every action of the subject, once it is public).
# Tenders and awards are listed one by one: the evaluation panel records its work with the tender as subject
# (members assigned, conflicts declared, scores saved …), and none of it may tell a bidder who evaluates when.
PUBLIC_TENDER_ACTIONS = {
    "tender.publish", "tender.publish_for_bids", "tender.open_bidding", "tender.close_bidding", "tender.amended",
    "tender.document_added", "tender.question_asked", "tender.question_answered", "tender.opened", "tender.award",
    "tender.fail", "tender.contract", "tender.cancel",
}
PUBLIC_AWARD_ACTIONS = {"award.noticed", "award.finalize", "award.cancel", "award.challenged",
                        "award.challenge_answered"}
PUBLIC_ACTIONS = {
    "tender": PUBLIC_TENDER_ACTIONS,
    "award": PUBLIC_AWARD_ACTIONS,
    "contract": {"contract.signed", "contract.sign", "contract.amended", "contract.complete", "contract.terminate",
                 "contract.indicators_set"},
    "outcome_evaluation": {"evaluation.opened", "evaluation.extended", "evaluation.passed", "evaluation.failed"},
    "outcome_report": {"outcome_report.accepted", "outcome_report.returned", "outcome_report.submitted"},
    "payment": {"payment.succeed", "payment.refund"},
    "organization": {"organization.verify", "organization.suspend", "organization.reinstate", "organization.revoke",
                     "organization.fact_confirmed"},
    "catalog_version": {"catalog.published", "catalog.superseded"},
    "need": None,
}
MAX_SEQ = 2**31 - 1
PUBLIC_OBJECTS = {"tender": "api.tender", "contract": "api.contract", "organization": "api.organization",
                  "need": "api.need", "catalog": "api.catalog"}
PATH_ARG = {"tender": "tender_id", "contract": "contract_id", "organization": "organization_id", "need": "need_id",
            "catalog": "catalog_id"}


@dataclass
class Change:
    seq: int
    at: datetime
    type: str
    id: int
    action: str

    def as_dict(self) -> dict:
        return {"seq": self.seq, "at": moment(self.at), "type": self.type, "id": self.id, "action": self.action,
                "url": public_url(PUBLIC_OBJECTS[self.type], **{PATH_ARG[self.type]: self.id})}


def _ids(events, subject: str) -> list[int]:
    return list({int(e.subject_id) for e in events if e.subject_type == subject and e.subject_id.isdigit()})


def _rows(columns, key, ids):
    return {row[0]: row[1:] for row in db.session.execute(select(key, *columns).where(key.in_(ids)))} if ids else {}


def changes_after(since: int, batch: int) -> tuple[list[Change], int]:
    """Public changes among the `batch` audit events after seq `since`, and the last seq looked at (the next
    cursor, which moves on even when every event of the batch was private)."""
    if since >= MAX_SEQ:  # no event has such a seq (an INTEGER column): PostgreSQL would refuse the comparison
        return [], since
    scanned = db.session.execute(select(AuditEvent.seq, AuditEvent.at, AuditEvent.action, AuditEvent.subject_type,
                                       AuditEvent.subject_id).where(AuditEvent.seq > since)
                                .order_by(AuditEvent.seq).limit(batch)).all()
    events = [e for e in scanned if e.subject_type in PUBLIC_ACTIONS and e.subject_id
              and (PUBLIC_ACTIONS[e.subject_type] is None or e.action in PUBLIC_ACTIONS[e.subject_type])]
    tenders = _rows([Tender.published_at], Tender.id, _ids(events, "tender"))
    awards = _rows([Award.tender_id], Award.id, _ids(events, "award"))
    tenders |= _rows([Tender.published_at], Tender.id, [t for (t,) in awards.values()])
    evaluations = _rows([Evaluation.contract_id], Evaluation.id, _ids(events, "outcome_evaluation"))
    reports = _rows([OutcomeReport.contract_id], OutcomeReport.id, _ids(events, "outcome_report"))
    payments = _payments(_ids(events, "payment"))
    contract_ids = _ids(events, "contract") + [c for (c,) in [*evaluations.values(), *reports.values()]] + \
        [c for c, _kind in payments.values()]
    contracts = _rows([Contract.active_at, Contract.terminated_at], Contract.id, contract_ids)
    orgs = _rows([Organization.verified_at, Organization.status], Organization.id, _ids(events, "organization"))
    catalogs = _rows([CatalogVersion.published_at], CatalogVersion.id, _ids(events, "catalog_version"))
    needs = set(_ids(events, "need"))

    def contract_public(contract_id, at) -> bool:
        row = contracts.get(contract_id)
        since_when = row and (row[0] or row[1])
        return bool(since_when and at >= since_when)

    result = []
    for e in events:
        sid = int(e.subject_id)
        target = None
        if e.subject_type == "tender" and tenders.get(sid, (None,))[0] and e.at >= tenders[sid][0]:
            target = ("tender", sid)
        elif e.subject_type == "award" and sid in awards:
            target = ("tender", awards[sid][0])
        elif e.subject_type == "contract" and contract_public(sid, e.at):
            target = ("contract", sid)
        elif e.subject_type in ("outcome_evaluation", "outcome_report"):
            (contract_id,) = (evaluations if e.subject_type == "outcome_evaluation" else reports).get(sid, (None,))
            if contract_id and contract_public(contract_id, e.at):
                target = ("contract", contract_id)
        elif e.subject_type == "payment" and sid in payments:
            contract_id, kind = payments[sid]
            if kind == "tranche" and contract_public(contract_id, e.at):
                target = ("contract", contract_id)
        elif e.subject_type == "organization" and sid in orgs:
            verified_at, status = orgs[sid]
            if verified_at and e.at >= verified_at and status in (OrgStatus.verified, OrgStatus.suspended,
                                                                  OrgStatus.revoked):
                target = ("organization", sid)
        elif e.subject_type == "catalog_version" and catalogs.get(sid, (None,))[0]:
            target = ("catalog", sid)
        elif e.subject_type == "need" and sid in needs:
            target = ("need", sid)
        if target:
            result.append(Change(e.seq, e.at, target[0], target[1], e.action))
    return result, scanned[-1].seq if scanned else since


def _payments(ids: list[int]) -> dict:
    from marketplace.payments.models import Payment

    if not ids:
        return {}
    return {pid: (cid, kind.value) for pid, cid, kind in db.session.execute(
        select(Payment.id, Payment.contract_id, Payment.kind).where(Payment.id.in_(ids)))}

