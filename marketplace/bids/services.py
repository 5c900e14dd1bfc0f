"""Bids: drafts, sealed submission with a receipt, withdrawal and replacement, re-confirmation, opening.

Services flush, never commit: a submission is one transaction in the route, so a failure leaves either the
whole bid or nothing. Nothing here writes a price or proposal text anywhere but into sealed ciphertext until
`open_bids` runs at the deadline.
"""

import hashlib
import json
import secrets
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.audit import services as audit
from marketplace.common import clock, files
from marketplace.common.locks import lock
from marketplace.common.money import MoneyError, format_cny, yuan
from marketplace.common.states import transition
from marketplace.common.wording import join_clauses
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.notifications import services as notifications
from marketplace.organizations import eligibility as engine
from marketplace.organizations.models import Fact, FactKind, Membership, Organization
from marketplace.web import external_url

from . import sealing
from .models import BID_TRANSITIONS, LIVE_BID_STATES, Bid, BidAction, BidDocument, BidStatus, Opening

MAX_DOCUMENTS = 10
OPEN_PRICES = {"open", "invited"}  # methods whose prices are read out at opening (唱标)


def _move(bid: Bid, action: BidAction, *, by, at: datetime | None = None, data: dict | None = None) -> None:
    before = bid.status
    transition(bid, action, BID_TRANSITIONS, label=_("投标"))
    audit.record(by, f"bid.{action.value}", bid, data={"tender": bid.tender_id, "from": before.value,
                                                        "to": bid.status.value, **(data or {})}, at=at)


def _membership(user) -> Membership | None:
    from marketplace.organizations.services import membership_of

    return membership_of(user)


def is_bidder(user, bid: Bid) -> bool:
    membership = _membership(user)
    return membership is not None and membership.organization_id == bid.organization_id


# -- reading ----------------------------------------------------------------------------------------------

def live_bids(tender) -> list[Bid]:
    return db.session.execute(select(Bid).where(Bid.tender_id == tender.id, Bid.status.in_(LIVE_BID_STATES))
                              .order_by(Bid.id)).scalars().all()


def count_received(tender) -> int:
    """What anyone may know before opening: how many live bids there are."""
    return db.session.scalar(select(func.count(Bid.id)).where(Bid.tender_id == tender.id,
                                                              Bid.status.in_(LIVE_BID_STATES)))


def bids_of(tender, organization: Organization) -> list[Bid]:
    return db.session.execute(select(Bid).where(Bid.tender_id == tender.id, Bid.organization_id == organization.id)
                              .order_by(Bid.id.desc())).scalars().all()


def own_content(bid: Bid, user) -> dict:
    """The bid as its own organization sees it, before or after opening."""
    if not is_bidder(user, bid):
        raise NotPermitted(_("只有投标机构本身可以在开标前查看投标内容"))
    if bid.sealed_content is None:
        return empty_content()
    return json.loads(sealing.unseal(bid.tender_id, bid.sealed_content, purpose=sealing.OWN_BID))


def opened_content(bid: Bid) -> dict:
    """After opening: the decrypted canonical content (for the panel, the buyer and the bidder)."""
    if bid.opened_content is None:
        raise NotPermitted(_("投标尚未开标"))
    return json.loads(bid.opened_content)


def empty_content() -> dict:
    return {"price": "", "breakdown": [], "proposals": [], "team": []}


# -- drafts -----------------------------------------------------------------------------------------------

def draft_for(tender, *, by) -> Bid:
    """The organization's draft for a tender, created on first use. After a submission, the new draft starts
    as a copy of the live bid (its content and files), so a replacement changes only what needs changing."""
    membership = _membership(by)
    if membership is None:
        raise NotPermitted(_("只有社会组织的工作人员可以投标"))
    _ensure_open(tender, _lock(tender))
    org_id = membership.organization_id
    draft = _draft_of(tender, org_id)
    if draft is not None:
        return draft
    draft = Bid(tender_id=tender.id, organization_id=org_id, status=BidStatus.draft, created_at=clock.now(),
                created_by_id=by.id, tender_version=tender.version)
    try:
        with db.session.begin_nested():  # two first clicks at once: the second finds the first one's draft
            db.session.add(draft)
    except IntegrityError:
        return _draft_of(tender, org_id)
    live = next((b for b in live_bids(tender) if b.organization_id == org_id), None)
    if live is not None:
        content = json.loads(sealing.unseal(tender.id, live.sealed_content, purpose=sealing.OWN_BID))
        draft.sealed_content = _seal_json(tender.id, {key: content[key] for key in empty_content()})
        for document in live.documents:
            meta = document_meta(live, document)
            _attach(draft, tender, meta["name"], sealing.read_file(tender.id, document.blob,
                                                                   purpose=sealing.OWN_BID))
    db.session.flush()
    return draft


def _draft_of(tender, organization_id: int) -> Bid | None:
    return db.session.execute(select(Bid).where(Bid.tender_id == tender.id, Bid.organization_id == organization_id,
                                                Bid.status == BidStatus.draft)).scalar_one_or_none()


def _seal_json(tender_id: int, value) -> bytes:
    return sealing.seal(tender_id, json.dumps(value, ensure_ascii=False, sort_keys=True).encode())


def _lock(tender, bid: Bid | None = None) -> datetime:
    """Queue behind the opening on the tender row (shared lock: bidders don't wait for each other), lock the
    bid being changed, and read the clock only then: a change either lands before the opening reads the
    bids or sees that bidding has closed. Returns the time the server takes for the change."""
    lock(tender, shared=True)
    if bid is not None and bid.id is not None:
        lock(bid)
    return clock.now()


def _ensure_open(tender, now: datetime) -> None:
    from marketplace.tenders.models import TenderStatus

    if tender.status != TenderStatus.tendering:
        raise DomainError(_("项目当前不接受投标"))
    if tender.deadline_at is None or now >= tender.deadline_at:
        raise DomainError(_("投标截止时间 %(deadline)s 已过（服务器收到时间 %(now)s），不能再提交或修改投标",
                            deadline=_local(tender.deadline_at), now=_local(now)))


def _local(moment: datetime | None) -> str:
    return clock.to_local(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def parse_content(tender, values: dict, organization: Organization) -> dict:
    """Shape the form's values into the bid content; amounts as two-place strings, criteria by id and name."""
    criteria = {c.id: c for c in tender.criteria if not c.is_price}
    try:
        price = yuan(values.get("price")) if str(values.get("price") or "").strip() else None
        breakdown = [{"item": row["item"].strip(), "amount": str(yuan(row["amount"]))}
                     for row in values.get("breakdown", []) if row.get("item", "").strip()]
    except MoneyError as exc:
        raise DomainError(_("金额格式不正确：%(error)s", error=str(exc)), field="price") from exc
    proposals = []
    for criterion_id, text in (values.get("proposals") or {}).items():
        criterion = criteria.get(int(criterion_id))
        if criterion is not None and (text or "").strip():
            proposals.append({"criterion_id": criterion.id, "criterion": criterion.name,
                              "text": text.replace("\r\n", "\n").strip()})
    workers = {f.id: f for f in organization.facts if f.kind == FactKind.social_worker}
    team = []
    for row in values.get("team", []):
        name = (row.get("name") or "").strip()
        fact = workers.get(row.get("fact_id")) if row.get("fact_id") else None
        if fact is not None:
            team.append({"name": fact.person_name, "role": (row.get("role") or "").strip(),
                         "certificate_no": fact.certificate_no, "level": fact.worker_level.value})
        elif name:
            team.append({"name": name, "role": (row.get("role") or "").strip(), "certificate_no": None,
                         "level": None})
    return {"price": str(price) if price is not None else "", "breakdown": breakdown,
            "proposals": sorted(proposals, key=lambda p: p["criterion_id"]), "team": team}


def save_draft(bid: Bid, tender, values: dict, *, by) -> Bid:
    now = _lock(tender, bid)
    if bid.status != BidStatus.draft or not is_bidder(by, bid):
        raise NotPermitted(_("只能修改本机构的投标草稿"))
    _ensure_open(tender, now)
    bid.sealed_content = _seal_json(tender.id, parse_content(tender, values, bid.organization))
    db.session.flush()
    return bid


def add_document(bid: Bid, tender, filename: str, content: bytes, *, by) -> BidDocument:
    now = _lock(tender, bid)
    if bid.status != BidStatus.draft or not is_bidder(by, bid):
        raise NotPermitted(_("只能向本机构的投标草稿添加文件"))
    _ensure_open(tender, now)
    if len(bid.documents) >= MAX_DOCUMENTS:
        raise DomainError(_("每份投标最多 %(n)d 个文件", n=MAX_DOCUMENTS), field="document")
    return _attach(bid, tender, filename, content)


def _attach(bid: Bid, tender, filename: str, content: bytes) -> BidDocument:
    meta = {"name": Path(filename).name[:255] or "document", "content_type": files.check(filename, content),
            "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    document = BidDocument(bid=bid, sealed_meta=_seal_json(tender.id, meta),
                           blob=sealing.store_file(tender.id, content), uploaded_at=clock.now())
    db.session.add(document)
    db.session.flush()
    return document


def document_meta(bid: Bid, document: BidDocument) -> dict:
    """Name, type, size and hash of a bid's file: from the sealed record before opening (callers check that
    the user is the bidder), from the plain columns after."""
    if document.opened_at is not None:
        return {"name": document.original_name, "content_type": document.content_type, "size": document.size,
                "sha256": document.sha256}
    return json.loads(sealing.unseal(bid.tender_id, document.sealed_meta, purpose=sealing.OWN_BID))


def own_documents(bid: Bid | None, user) -> list[tuple[BidDocument, dict]]:
    if bid is None:
        return []
    if not is_bidder(user, bid):
        raise NotPermitted(_("只有投标机构本身可以在开标前查看投标文件"))
    return [(d, document_meta(bid, d)) for d in bid.documents]


def remove_document(bid: Bid, document: BidDocument, *, by) -> None:
    if bid.status != BidStatus.draft or not is_bidder(by, bid) or document.bid_id != bid.id:
        raise NotPermitted(_("只能删除本机构投标草稿中的文件"))
    db.session.delete(document)
    db.session.flush()


def read_document(bid: Bid, document: BidDocument, user) -> tuple[dict, bytes]:
    """(meta, content) for the bidder at any time, and for those the opening made entitled after it."""
    opened = bid.opened_content is not None
    if not opened and not is_bidder(user, bid):
        raise NotPermitted(_("开标前只有投标机构本身可以查看投标文件"))
    purpose = sealing.OPENED if opened else sealing.OWN_BID
    return document_meta(bid, document), sealing.read_file(bid.tender_id, document.blob, purpose=purpose)


# -- submission -------------------------------------------------------------------------------------------

def canonical(tender, bid: Bid, content: dict, salt: str) -> str:
    """The exact text that is hashed for the receipt: sorted keys, no whitespace, UTF-8.

    The salt keeps the published hash from being used to guess a price by trying amounts.
    """
    document = {
        "tender": tender.reference, "tender_version": tender.version,
        "organization": bid.organization.uscc, "price": content["price"], "breakdown": content["breakdown"],
        "proposals": content["proposals"], "team": content["team"],
        "documents": [{key: meta[key] for key in ("name", "sha256", "size")}
                      for meta in (document_meta(bid, d) for d in bid.documents)],
        "salt": salt,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def check_complete(tender, content: dict) -> list[str]:
    """What a bid still lacks before it can be submitted, in words."""
    problems = []
    if not content["price"]:
        problems.append(_("请填写投标报价"))
    elif Decimal(content["price"]) <= 0:
        problems.append(_("投标报价必须大于零"))
    elif Decimal(content["price"]) > tender.budget:
        problems.append(_("投标报价 %(price)s 超过项目预算 %(budget)s，将被视为无效投标",
                          price=format_cny(Decimal(content["price"])), budget=format_cny(tender.budget)))
    if content["breakdown"]:
        total = sum(Decimal(row["amount"]) for row in content["breakdown"])
        if content["price"] and total != Decimal(content["price"]):
            problems.append(_("报价明细合计 %(total)s 与投标报价 %(price)s 不一致", total=format_cny(total),
                              price=format_cny(Decimal(content["price"]))))
    answered = {p["criterion_id"] for p in content["proposals"]}
    for criterion in tender.criteria:
        if not criterion.is_price and criterion.id not in answered:
            problems.append(_("请填写“%(name)s”的技术方案", name=criterion.name))
    if not content["team"]:
        problems.append(_("请至少填写一名项目团队成员"))
    return problems


def submit(bid: Bid, tender, *, by, idempotency_key: str) -> Bid:
    """Seal and submit the draft; the organization's earlier live bid (if any) is replaced in the same transaction.

    A retry with the same idempotency key returns the bid it already created.
    """
    key = (idempotency_key or "").strip()[:64]
    if not key:
        raise DomainError(_("表单已过期，请刷新页面后重新提交"))
    now = _lock(tender, bid)
    done = find_by_key(bid.organization_id, tender, key)
    if done is not None:
        return done
    if bid.status != BidStatus.draft or not is_bidder(by, bid):
        raise NotPermitted(_("只能提交本机构的投标草稿"))
    _ensure_open(tender, now)
    result = engine.eligibility(bid.organization, tender, clock.today())
    if not result.eligible:
        raise NotPermitted(_("贵机构目前不符合本项目的必备条件，不能投标：%(why)s",
                             why=join_clauses(result.checklist) or _("有尚无法确定的必备条件")))
    content = own_content(bid, by)
    problems = check_complete(tender, content)
    if problems:
        raise DomainError(_("还不能提交：%(problems)s", problems=join_clauses(problems)))
    for earlier in live_bids(tender):
        if earlier.organization_id == bid.organization_id:
            earlier.replaced_at, earlier.replaced_by_id = now, bid.id
            _move(earlier, BidAction.replace, by=by, data={"by_bid": bid.id})
    db.session.flush()  # the old bid leaves the live set before the new one enters it
    text = canonical(tender, bid, content, secrets.token_hex(16))
    bid.sealed_content = sealing.seal(tender.id, text.encode())
    bid.content_sha256 = hashlib.sha256(text.encode()).hexdigest()
    bid.idempotency_key, bid.submitted_at, bid.submitted_by_id = key, now, by.id
    bid.tender_version = tender.version
    _move(bid, BidAction.submit, by=by, data={"sha256": bid.content_sha256})  # the hash, never the price
    notifications.queue_mail(by.email, "bid_receipt", receipt=receipt(bid, tender),
                             link=external_url("bids.receipt", bid_id=bid.id))
    return bid


def find_by_key(organization_id: int, tender, key: str) -> Bid | None:
    """The bid a form with this idempotency key already created, if any (a retry, a double click)."""
    return db.session.execute(select(Bid).where(Bid.organization_id == organization_id, Bid.tender_id == tender.id,
                                                Bid.idempotency_key == key)).scalar_one_or_none()


def receipt(bid: Bid, tender) -> dict:
    return {"bid": bid.id, "tender": tender.reference, "tender_title": tender.title,
            "organization": bid.organization.name, "uscc": bid.organization.uscc, "sha256": bid.content_sha256,
            "received_at": clock.to_local(bid.submitted_at).isoformat(timespec="seconds"),
            "received_at_utc": bid.submitted_at.isoformat(timespec="seconds")}


def withdraw(bid: Bid, tender, *, by) -> Bid:
    if not is_bidder(by, bid):
        raise NotPermitted(_("只能撤回本机构的投标"))
    now = _lock(tender, bid)
    _ensure_open(tender, now)
    bid.withdrawn_at = now
    _move(bid, BidAction.withdraw, by=by)
    return bid


def flag_for_reconfirmation(tender, amendment) -> int:
    """An amendment changes what was bid on: every live bid must be re-confirmed before the deadline."""
    now, bids = clock.now(), live_bids(tender)
    for bid in bids:
        bid.flagged_at = now
        _move(bid, BidAction.flag, by=None, data={"amendment": amendment.number})
        message = _("“%(title)s”发布了第 %(n)d 号变更，贵机构的投标须在 %(deadline)s 前重新确认，否则失效",
                    title=tender.title, n=amendment.number, deadline=_local(tender.deadline_at))
        _tell_organization(bid.organization_id, message, tender)
    db.session.flush()
    return len(bids)


def reconfirm(bid: Bid, tender, *, by) -> Bid:
    if not is_bidder(by, bid):
        raise NotPermitted(_("只能确认本机构的投标"))
    now = _lock(tender, bid)
    _ensure_open(tender, now)
    # The amended tender may ask for something the bid no longer meets (a lower budget, new conditions).
    result = engine.eligibility(bid.organization, tender, clock.today())
    problems = ([] if result.eligible else [_("贵机构不再符合变更后的必备条件")]) + check_complete(
        tender, own_content(bid, by))
    if problems:
        raise DomainError(_("不能按变更后的文件确认：%(problems)s。请修改后重新提交投标",
                            problems=join_clauses(problems)))
    bid.reconfirmed_at, bid.tender_version = now, tender.version
    _move(bid, BidAction.reconfirm, by=by, data={"version": tender.version})
    return bid


def lapse_unconfirmed(tender, *, at: datetime) -> int:
    bids = [bid for bid in live_bids(tender) if bid.status == BidStatus.needs_reconfirmation]
    for bid in bids:
        bid.lapsed_at = at
        _move(bid, BidAction.lapse, by=None, at=at)
    return len(bids)


def _tell_organization(organization_id: int, message: str, tender) -> None:
    link = external_url("tenders.show", tender_id=tender.id)
    for membership in db.session.execute(select(Membership).where(
            Membership.organization_id == organization_id)).scalars():
        notifications.notify(membership.user, message, link)


# -- opening ----------------------------------------------------------------------------------------------

def open_bids(tender, *, at: datetime) -> int:
    """At the deadline: release the key, decrypt every live bid, check its hash, publish the opening record.

    Returns how many bids were opened (the valid bids the method's minimum counts).
    """
    existing = db.session.execute(select(Opening).where(Opening.tender_id == tender.id)).scalar_one_or_none()
    if existing is not None:
        return existing.bid_count
    lapse_unconfirmed(tender, at=at)
    sealing.release(tender.id)
    entries, opened = [], 0
    prices = tender.method.value in OPEN_PRICES
    for bid in live_bids(tender):
        text = sealing.unseal(tender.id, bid.sealed_content, purpose=sealing.OPENED).decode()
        content = json.loads(text)
        bid.opened_content = text
        bid.opened_sha256 = hashlib.sha256(text.encode()).hexdigest()
        for document in bid.documents:
            meta = json.loads(sealing.unseal(tender.id, document.sealed_meta, purpose=sealing.OPENED))
            document.original_name, document.content_type = meta["name"], meta["content_type"]
            document.size, document.sha256, document.opened_at = meta["size"], meta["sha256"], at
        bid.price = Decimal(content["price"])
        bid.opened_at = at
        _move(bid, BidAction.open, by=None, at=at, data={"sha256": bid.opened_sha256,
                                                          "matches": bid.opened_sha256 == bid.content_sha256})
        entry = {"bid": bid.id, "organization": bid.organization.name, "uscc": bid.organization.uscc,
                 "sha256": bid.opened_sha256, "matches": bid.opened_sha256 == bid.content_sha256,
                 "submitted_at": bid.submitted_at.isoformat(timespec="seconds")}
        if prices:
            entry["price"] = content["price"]
        entries.append(entry)
        opened += 1
        _tell_organization(bid.organization_id, _("“%(title)s”已开标，贵机构投标的哈希值已公布，请核对回执",
                                                  title=tender.title), tender)
    db.session.add(Opening(tender_id=tender.id, opened_at=at, bid_count=opened, prices_published=prices,
                           entries=json.dumps(entries, ensure_ascii=False)))
    db.session.flush()
    audit.record(None, "tender.opened", tender, data={"bids": opened, "hashes": [e["sha256"] for e in entries]},
                 at=at)
    return opened


def opening_of(tender) -> Opening | None:
    return db.session.execute(select(Opening).where(Opening.tender_id == tender.id)).scalar_one_or_none()


def opening_entries(opening: Opening) -> list[dict]:
    """The published record, with times as datetimes again (stored as ISO UTC text) for local display."""
    entries = json.loads(opening.entries)
    for entry in entries:
        entry["submitted_at"] = datetime.fromisoformat(entry["submitted_at"])
    return entries


def opened_bids(tender) -> list[Bid]:
    """Bids that were opened, valid or disqualified, for the panel and the buyer."""
    return db.session.execute(select(Bid).where(Bid.tender_id == tender.id,
                                                Bid.status.in_((BidStatus.opened, BidStatus.disqualified)))
                              .order_by(Bid.id)).scalars().all()


def disqualify(bid: Bid, reason: str, *, by) -> Bid:
    """Qualification review (资格审查): an opened bid fails with a reason the bidder can read."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请写明资格审查不通过的理由"), field="reason")
    bid.disqualify_reason, bid.disqualified_at = reason, clock.now()
    _move(bid, BidAction.disqualify, by=by, data={"reason": reason})
    _tell_organization(bid.organization_id, _("贵机构的投标未通过资格审查：%(reason)s", reason=reason),
                       _tender(bid))
    return bid


def _tender(bid: Bid):
    from marketplace.tenders.models import Tender

    return db.session.get(Tender, bid.tender_id)


def social_workers(organization: Organization, day) -> list[Fact]:
    """Certified social workers that count today, for the team picker."""
    return [f for f in organization.facts if f.kind == FactKind.social_worker and f.counts_on(day)]
