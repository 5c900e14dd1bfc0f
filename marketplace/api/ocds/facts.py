"""The stored, timestamped facts an OCDS contracting process is built from, loaded for many tenders at once
(a fixed number of queries however many tenders), and the tender's values as they stood before each amendment."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.bids.models import Bid, Opening
from marketplace.common import clock
from marketplace.contracts.models import Contract, ContractStatus
from marketplace.evaluation.models import Award
from marketplace.extensions import db
from marketplace.regions.models import GovernmentBody
from marketplace.tenders.models import Tender, TenderRegion

# Contracts awaiting signatures are seen by their two parties only; the public learns of a contract once signed.
PUBLIC_CONTRACT = Contract.status != ContractStatus.awaiting_signatures
TENDER_LOAD = [selectinload(Tender.amendments), selectinload(Tender.documents), selectinload(Tender.indicators),
               selectinload(Tender.criteria), selectinload(Tender.regions).joinedload(TenderRegion.region),
               joinedload(Tender.buyer).joinedload(GovernmentBody.region)]


@dataclass
class Process:
    tender: Tender
    opening: Opening | None = None
    opening_entries: list[dict] = field(default_factory=list)
    awards: list[Award] = field(default_factory=list)
    contract: Contract | None = None
    payments: list = field(default_factory=list)


def public_tenders_query():
    return select(Tender).where(Tender.published_at.is_not(None))


def load_processes(tenders: list[Tender]) -> list[Process]:
    """Everything the releases of these tenders need: openings, awards, signed contracts and their payments."""
    processes = {t.id: Process(t) for t in tenders}
    if not processes:
        return []
    ids = list(processes)
    for opening in db.session.execute(select(Opening).where(Opening.tender_id.in_(ids))).scalars():
        processes[opening.tender_id].opening = opening
        processes[opening.tender_id].opening_entries = json.loads(opening.entries)
    awards = db.session.execute(select(Award).where(Award.tender_id.in_(ids)).order_by(Award.id)
                                .options(joinedload(Award.bid).joinedload(Bid.organization))).scalars().all()
    for award in awards:
        processes[award.tender_id].awards.append(award)
    contracts = db.session.execute(
        select(Contract).where(Contract.tender_id.in_(ids), PUBLIC_CONTRACT)
        .options(selectinload(Contract.milestones), selectinload(Contract.indicators),
                 selectinload(Contract.amendments), joinedload(Contract.organization))).scalars().all()
    for contract in contracts:
        processes[contract.tender_id].contract = contract
    by_contract = {c.id: processes[c.tender_id] for c in contracts}
    for payment in _tranche_payments(list(by_contract)):
        by_contract[payment.contract_id].payments.append(payment)
    return [processes[t.id] for t in tenders]


def _tranche_payments(contract_ids: list[int]) -> list:
    """Tranches the buyer paid (Stripe confirmed them), oldest first. Donations are not OCDS transactions: they
    do not flow from the buyer, and a donor's name is theirs to publish or not."""
    from marketplace.payments.models import Payment, PaymentKind

    if not contract_ids:
        return []
    return db.session.execute(select(Payment).where(
        Payment.contract_id.in_(contract_ids), Payment.kind == PaymentKind.tranche,
        Payment.succeeded_at.is_not(None)).order_by(Payment.succeeded_at, Payment.id)).scalars().all()


# -- the tender before each amendment -------------------------------------------------------------------------

SNAPSHOT_FIELDS = ("title", "description", "deliverables", "budget", "term_months", "term_start",
                   "questions_close_at", "deadline_at")


def _parse_before(name: str, text: str):
    """An amendment keeps each field's old value as it was shown (tenders.amendments._shown); read it back."""
    if text == "":
        return None
    if name == "budget":
        return Decimal(text.lstrip("¥").replace(",", ""))
    if name == "term_months":
        return int(text)
    if name == "term_start":
        return datetime.strptime(text, "%Y-%m-%d").date()
    if name == "questions_close_at":  # shown to the minute in Beijing time
        return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=clock.LOCAL_TZ).astimezone(UTC)
    return text


def tender_snapshots(tender: Tender) -> list[dict]:
    """The tender's amendable values as published (index 0) and after each amendment (index k), rebuilt by
    undoing the amendments from the newest: each stored its rationale and every field's before and after."""
    current = {name: getattr(tender, name) for name in SNAPSHOT_FIELDS}
    snapshots = [dict(current)]
    for amendment in sorted(tender.amendments, key=lambda a: a.number, reverse=True):
        for change in json.loads(amendment.changes):
            if change["field"] in SNAPSHOT_FIELDS and change["field"] != "deadline_at":
                current[change["field"]] = _parse_before(change["field"], change["before"])
        current["deadline_at"] = amendment.deadline_before  # kept exactly, not as shown
        snapshots.append(dict(current))
    return list(reversed(snapshots))
