"""Bidding: the organization's bid workspace (checklist first), documents, submission, receipt, withdrawal."""

import io
import json
import uuid

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.common import clock
from marketplace.drafts import keeping
from marketplace.drafts.keeping import keeps_input
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import run_form, show_domain_error
from marketplace.organizations import eligibility as engine
from marketplace.organizations.services import membership_of
from marketplace.security import require
from marketplace.tenders import services as tenders
from marketplace.tenders.models import Tender

from . import policies, services
from .forms import BidForm, ConfirmForm, DocumentForm, proposal_field
from .models import BID_STATUS_LABELS, Bid, BidDocument, BidStatus

bp = Blueprint("bids", __name__, url_prefix="/bids")


@bp.app_context_processor
def _labels() -> dict:
    return {"bid_status_labels": BID_STATUS_LABELS}


def _tender(tender_id: int) -> Tender:
    tender = db.session.get(Tender, tender_id)
    if tender is None or tender.status.value == "draft":
        abort(404)
    if tenders.catch_up(tender):
        db.session.commit()
    return tender


def _own_bid(bid_id: int) -> tuple[Bid, Tender]:
    bid = db.session.get(Bid, bid_id) or abort(404)
    require(services.is_bidder(current_user, bid))
    return bid, _tender(bid.tender_id)


def _submitted_bid(bid_id: int) -> tuple[Bid, Tender]:
    """The organization's own bid that has a receipt (drafts have none)."""
    bid, tender = _own_bid(bid_id)
    if bid.content_sha256 is None:
        abort(404)
    return bid, tender


def _save_kept(kept, tender_id):
    """A bid form posted after the session ran out, saved as the organization's draft once its author is back."""
    tender = _tender(tender_id)
    membership = membership_of(current_user)
    require(policies.can_prepare_bid(current_user, membership))
    form = BidForm(formdata=kept.form, meta={"csrf": False})  # checked when it was kept: see drafts.keeping
    _team_choices(form, membership.organization)
    if not form.validate():
        raise keeping.invalid(form)
    draft = services.draft_for(tender, by=current_user)
    services.save_draft(draft, tender, _values(form, tender, kept.form), by=current_user)


@bp.route("/tender/<int:tender_id>", methods=["GET", "POST"])
@keeps_input(_save_kept)
@login_required
def workspace(tender_id):
    """The eligibility checklist first; the bid form only for an eligible organization while bidding is open."""
    tender = _tender(tender_id)
    membership = membership_of(current_user)
    require(policies.can_prepare_bid(current_user, membership))
    org = membership.organization
    history = services.bids_of(tender, org)
    draft = next((b for b in history if b.status == BidStatus.draft), None)
    form = BidForm()
    _team_choices(form, org)
    if request.method == "POST":
        values = _values(form, tender)
        done = services.find_by_key(org.id, tender, form.idempotency_key.data or "")
        if done is not None:  # a double click or a retry of a submission that already went through
            return redirect(url_for(".receipt", bid_id=done.id))
        if form.validate_on_submit():
            try:
                draft = draft or services.draft_for(tender, by=current_user)
                services.save_draft(draft, tender, values, by=current_user)
                if request.form.get("action") == "submit":
                    bid = services.submit(draft, tender, by=current_user, idempotency_key=form.idempotency_key.data)
                    db.session.commit()
                    flash(_("投标已提交并加密封存。请保存回执：哈希值 %(hash)s", hash=bid.content_sha256), "success")
                    return redirect(url_for(".receipt", bid_id=bid.id))
            except DomainError as exc:
                db.session.rollback()
                done = services.find_by_key(org.id, tender, form.idempotency_key.data or "")
                if done is not None:  # the same submission won a race with this one
                    return redirect(url_for(".receipt", bid_id=done.id))
                show_domain_error(form, exc)
                return _workspace_page(tender, org, form, values), 400
            db.session.commit()
            flash(_("草稿已保存（已加密，仅贵机构可见）"), "success")
            return redirect(url_for(".workspace", tender_id=tender.id))
        return _workspace_page(tender, org, form, values), 400
    if (kept := keeping.unsaved_input()) is not None:  # kept over a sign-in, refused as the draft: shown as typed
        form = BidForm(formdata=kept.form)
        _team_choices(form, org)
        show_domain_error(form, kept.error)
        return _workspace_page(tender, org, form, _values(form, tender, kept.form)), 400
    content = services.own_content(draft, current_user) if draft else services.empty_content()
    _fill(form, content)
    return _workspace_page(tender, org, form, content)


def _workspace_page(tender, org, form, content):
    if not form.idempotency_key.data:
        form.idempotency_key.data = uuid.uuid4().hex
    history = services.bids_of(tender, org)
    now = clock.now()
    return render_template(
        "bids/workspace.html", tender=tender, org=org, form=form, content=content,
        eligibility=engine.eligibility(org, tender, clock.today()), history=history,
        draft=(draft := next((b for b in history if b.status == BidStatus.draft), None)),
        documents=services.own_documents(draft, current_user),
        live=next((b for b in history if b.status.value in ("submitted", "needs_reconfirmation")), None),
        open_for_bids=tender.status.value == "tendering" and tender.deadline_at and now < tender.deadline_at,
        proposals=_proposals(content),
        proposal_field=proposal_field, document_form=DocumentForm(), confirm_form=ConfirmForm(), now=now)


def _proposals(content: dict) -> dict[int, str]:
    """Proposal texts by criterion id, from saved content (a list) or a posted form's values (a dict)."""
    proposals = content.get("proposals") or []
    if isinstance(proposals, dict):
        return {int(k): v for k, v in proposals.items()}
    return {p["criterion_id"]: p["text"] for p in proposals}


def _team_choices(form, org) -> None:
    workers = services.social_workers(org, clock.today())
    choices = [("", _("（非持证人员，填写姓名）"))] + [
        (str(f.id), f"{f.person_name or ''} {f.certificate_no}".strip()) for f in workers]
    for entry in form.team.entries:
        entry.form.fact_id.choices = choices


def _values(form, tender, posted=None) -> dict:
    posted = request.form if posted is None else posted
    return {
        "price": form.price.data,
        "breakdown": [{"item": e.form.item.data or "", "amount": e.form.amount.data or "0"}
                      for e in form.breakdown.entries if (e.form.item.data or "").strip()],
        "proposals": {str(c.id): posted.get(proposal_field(c.id), "") for c in tender.criteria
                      if not c.is_price},
        "team": [{"fact_id": int(e.form.fact_id.data) if (e.form.fact_id.data or "").isdigit() else None,
                  "name": e.form.name.data, "role": e.form.role.data} for e in form.team.entries],
    }


def _fill(form, content: dict) -> None:
    form.price.data = content.get("price", "")
    for entry, row in zip(form.breakdown.entries, content.get("breakdown", []), strict=False):
        entry.form.item.data, entry.form.amount.data = row["item"], row["amount"]
    for entry, row in zip(form.team.entries, content.get("team", []), strict=False):
        entry.form.name.data, entry.form.role.data = row["name"], row["role"]
        if row.get("certificate_no"):
            match = [value for value, label in entry.form.fact_id.choices if row["certificate_no"] in label]
            entry.form.fact_id.data = match[0] if match else ""


@bp.post("/tender/<int:tender_id>/documents")
@login_required
def upload(tender_id):
    tender = _tender(tender_id)
    require(policies.can_prepare_bid(current_user, membership_of(current_user)))
    form = DocumentForm()
    upload = form.document.data
    if form.validate_on_submit() and upload and upload.filename:
        try:
            draft = services.draft_for(tender, by=current_user)
            services.add_document(draft, tender, upload.filename, upload.read(), by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("文件已加密保存到草稿"), "success")
    return redirect(url_for(".workspace", tender_id=tender.id, _anchor="documents"))


@bp.post("/<int:bid_id>/documents/<int:document_id>/remove")
@login_required
def remove_document(bid_id, document_id):
    bid, tender = _own_bid(bid_id)
    document = db.session.get(BidDocument, document_id) or abort(404)
    _act(lambda: services.remove_document(bid, document, by=current_user), _("文件已删除"))
    return redirect(url_for(".workspace", tender_id=tender.id, _anchor="documents"))


@bp.get("/<int:bid_id>/documents/<int:document_id>")
@login_required
def document(bid_id, document_id):
    bid = db.session.get(Bid, bid_id) or abort(404)
    tender = _tender(bid.tender_id)
    document = db.session.get(BidDocument, document_id)
    if document is None or document.bid_id != bid.id:
        abort(404)
    opened = bid.opened_content is not None
    require(services.is_bidder(current_user, bid) or policies.can_read_opened(current_user, tender, opened))
    meta, content = services.read_document(bid, document, current_user)
    return send_file(io.BytesIO(content), mimetype=meta["content_type"], as_attachment=True,
                     download_name=meta["name"])


@bp.get("/<int:bid_id>/receipt")
@login_required
def receipt(bid_id):
    bid, tender = _submitted_bid(bid_id)
    return render_template("bids/receipt.html", bid=bid, tender=tender, receipt=services.receipt(bid, tender))


@bp.get("/<int:bid_id>/receipt.json")
@login_required
def receipt_file(bid_id):
    bid, tender = _submitted_bid(bid_id)
    body = json.dumps(services.receipt(bid, tender), ensure_ascii=False, indent=2) + "\n"
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="bid-{bid.id}-receipt.json"'})


@bp.post("/<int:bid_id>/withdraw")
@login_required
def withdraw(bid_id):
    bid, tender = _own_bid(bid_id)
    _act(lambda: services.withdraw(bid, tender, by=current_user), _("投标已撤回"))
    return redirect(url_for(".workspace", tender_id=tender.id))


@bp.post("/<int:bid_id>/reconfirm")
@login_required
def reconfirm(bid_id):
    bid, tender = _own_bid(bid_id)
    _act(lambda: services.reconfirm(bid, tender, by=current_user), _("已确认：投标按变更后的招标文件有效"))
    return redirect(url_for(".workspace", tender_id=tender.id))


def _act(action, done: str) -> None:
    """A one-button action: on refusal the reason is flashed, since the page it returns to has no form for it."""
    form = ConfirmForm()
    if not run_form(form, action, done):
        for message in form.form_errors:
            flash(message, "error")
