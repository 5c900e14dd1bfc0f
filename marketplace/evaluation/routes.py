"""Evaluation pages: the buyer's page per tender, the evaluator's desk and scoring page, the award confirmation,
challenges, and each bidder's own result."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import Role, User
from marketplace.bids import services as bids
from marketplace.bids.models import Bid, BidStatus
from marketplace.common import clock, files
from marketplace.common.wording import join_clauses
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import run_form, show_domain_error
from marketplace.regions.models import GovernmentBody
from marketplace.security import require
from marketplace.settings.services import get_setting
from marketplace.tenders import services as tenders
from marketplace.tenders.models import Tender

from . import awards, policies, queries, services
from .forms import (
    AnswerForm,
    AssignForm,
    AwardForm,
    ChallengeForm,
    DeclareForm,
    DisqualifyForm,
    ExcuseForm,
    ScoreForm,
    points_field,
    reason_field,
)
from .models import AWARD_STATUS_LABELS, Challenge

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")


@bp.app_context_processor
def _labels() -> dict:
    return {"award_status_labels": AWARD_STATUS_LABELS}


def _load(tender_id: int) -> Tender:
    """The tender with its time-driven moves applied (opening, the end of the standstill)."""
    tender = db.session.get(Tender, tender_id, options=[joinedload(Tender.buyer).joinedload(GovernmentBody.region)])
    if tender is None or tender.status.value == "draft":
        abort(404)
    if tenders.catch_up(tender) | awards.catch_up(tender):
        db.session.commit()
    return tender


# -- the buyer ---------------------------------------------------------------------------------------------

@bp.get("/tenders/<int:tender_id>")
@login_required
def tender(tender_id):
    tender = _load(tender_id)
    require(policies.can_view_evaluation(current_user, tender))
    return _tender_page(tender)


def _tender_page(tender, assign_form=None):
    panel = queries.panel_of(tender)
    form = assign_form or AssignForm(formdata=None)
    _assign_choices(form, panel)
    results = queries.results_of(tender)
    return render_template("evaluation/tender.html", tender=tender, panel=panel, form=form,
                           bids=queries.opened_for_page(tender), results=results,
                           awards=awards.awards_of(tender), blockers=services.results_blockers(tender),
                           needed=queries.scores_needed(tender), excuse_form=ExcuseForm(formdata=None),
                           can_assign=policies.can_assign(current_user, tender, clock.now()),
                           before_opening=policies.before_opening(tender, clock.now()),
                           can_review=policies.can_review_qualification(current_user, tender, None, bool(results)),
                           can_confirm=policies.can_confirm_award(current_user, tender, bool(results)))


def _assign_choices(form: AssignForm, panel) -> None:
    taken = {m.user_id for m in panel}
    form.user_id.choices = [(u.id, u.name) for u in queries.evaluators() if u.id not in taken]
    replaced = {m.replaces_id for m in panel}
    form.replaces_id.choices = [(0, "—")] + [(m.id, m.user.name) for m in panel
                                             if not m.active and m.id not in replaced]


@bp.post("/tenders/<int:tender_id>/panel")
@login_required
def assign(tender_id):
    tender = _load(tender_id)
    require(policies.can_assign(current_user, tender, clock.now()))
    form = AssignForm()
    _assign_choices(form, queries.panel_of(tender))

    def act():
        replaces = next((m for m in queries.panel_of(tender) if m.id == form.replaces_id.data), None)
        services.assign(tender, db.session.get(User, form.user_id.data), by=current_user, replaces=replaces)

    if run_form(form, act, _("已指派评审专家")):
        return redirect(url_for(".tender", tender_id=tender.id, _anchor="panel"))
    return _tender_page(tender, assign_form=form), 400


@bp.post("/tenders/<int:tender_id>/panel/<int:member_id>/excuse")
@login_required
def excuse(tender_id, member_id):
    """Take an evaluator who cannot finish off the panel, so that a replacement can be assigned."""
    tender = _load(tender_id)
    member = next((m for m in queries.panel_of(tender) if m.id == member_id), None) or abort(404)
    require(policies.can_excuse(current_user, member, tender, queries.has_results(tender)))
    form = ExcuseForm()
    if run_form(form, lambda: services.excuse(member, form.reason.data, by=current_user),
                _("该专家已不再参与评审，请指派替换专家")):
        return redirect(url_for(".tender", tender_id=tender.id, _anchor="panel"))
    for message in [*form.form_errors, *form.reason.errors]:
        flash(message, "error")
    return redirect(url_for(".tender", tender_id=tender.id, _anchor="panel"))


@bp.route("/bids/<int:bid_id>/disqualify", methods=["GET", "POST"])
@login_required
def disqualify(bid_id):
    bid = db.session.get(Bid, bid_id) or abort(404)
    if bid.status != BidStatus.opened:  # drafts, withdrawn and lapsed bids are nobody's business
        abort(404)
    tender = _load(bid.tender_id)
    member = queries.member_for(tender, current_user)
    require(policies.can_review_qualification(current_user, tender, member, queries.has_results(tender)))
    form = DisqualifyForm()
    if run_form(form, lambda: services.disqualify(tender, bid, form.reason.data, by=current_user),
                _("已记录资格审查结论")):
        target = ".scoring" if member is not None else ".tender"
        return redirect(url_for(target, tender_id=tender.id))
    return render_template("evaluation/disqualify.html", tender=tender, bid=bid, form=form, member=member)


@bp.route("/tenders/<int:tender_id>/award", methods=["GET", "POST"])
@login_required
def award(tender_id):
    """The confirm page of the award: the ranking, the choice (the recommended bid preselected), the reason."""
    tender = _load(tender_id)
    results = queries.results_of(tender)
    require(policies.can_confirm_award(current_user, tender, bool(results)))
    form = AwardForm()
    form.bid_id.choices = [(r.bid_id, r.bid.organization.name) for r in results if r.bid.status.value == "opened"]
    if request.method == "GET":
        form.bid_id.data = form.bid_id.choices[0][0] if form.bid_id.choices else None
    if run_form(form, lambda: awards.confirm_award(tender, db.session.get(Bid, form.bid_id.data),
                                                   form.deviation_reason.data, by=current_user),
                _("成交结果已确认并公示")):
        return redirect(url_for("tenders.show", tender_id=tender.id, _anchor="award"))
    return render_template("evaluation/award.html", tender=tender, results=results, form=form)


@bp.route("/challenges/<int:challenge_id>/answer", methods=["GET", "POST"])
@login_required
def answer(challenge_id):
    challenge = db.session.get(Challenge, challenge_id) or abort(404)
    tender = _load(challenge.award.tender_id)
    require(policies.can_answer_challenge(current_user, tender, challenge))
    form = AnswerForm()
    if run_form(form, lambda: awards.answer_challenge(challenge, form.answer.data, form.decision.data == "yes",
                                                      by=current_user), _("质疑答复已发布")):
        return redirect(url_for(".tender", tender_id=tender.id, _anchor="challenges"))
    return render_template("evaluation/answer.html", tender=tender, challenge=challenge, form=form)


@bp.get("/challenges/<int:challenge_id>/document")
@login_required
def challenge_document(challenge_id):
    challenge = db.session.get(Challenge, challenge_id) or abort(404)
    tender = _load(challenge.award.tender_id)
    own = awards.own_bid(tender, current_user)
    require(policies.can_view_evaluation(current_user, tender) or (own is not None and own.id == challenge.bid_id))
    if challenge.document_sha256 is None:
        abort(404)
    return send_file(files.path_of(challenge.document_sha256), mimetype=challenge.document_type,
                     as_attachment=True, download_name=challenge.document_name)


# -- the evaluator -----------------------------------------------------------------------------------------

@bp.get("/")
@login_required
def desk():
    require(current_user.role == Role.evaluator)
    return render_template("evaluation/desk.html", assignments=queries.assignments_of(current_user))


def _member(tender):
    member = queries.member_for(tender, current_user)
    require(policies.is_panel_member(current_user, member))
    return member


@bp.get("/tenders/<int:tender_id>/scoring")
@login_required
def scoring(tender_id):
    tender = _load(tender_id)
    return _scoring_page(tender, _member(tender))


def _scoring_page(tender, member, *, posted_bid=None, values=None, error=None, declare_form=None):
    has_results = queries.has_results(tender)
    own = {(s.bid_id, s.criterion_id): (str(s.points), s.justification) for s in member.scores}
    opened = queries.opened_for_page(tender)
    return render_template(
        "evaluation/scoring.html", tender=tender, member=member, bids=opened,
        contents={bid.id: bids.opened_content(bid) for bid in opened},
        criteria=[c for c in tender.criteria if not c.is_price], own=own, posted_bid=posted_bid,
        values=values or {}, error=error, declare_form=declare_form or DeclareForm(formdata=None),
        score_form=ScoreForm(), points_field=points_field, reason_field=reason_field,
        can_declare=policies.can_declare(current_user, member, tender),
        can_score=policies.can_score(current_user, member, tender, has_results),
        can_review=policies.can_review_qualification(current_user, tender, member, has_results),
        others=services.visible_scores(member) if policies.can_see_all_scores(member) else [],
        missing=services.missing_scores(member) if member.declared_at and member.active else [])


@bp.post("/tenders/<int:tender_id>/declare")
@login_required
def declare(tender_id):
    tender = _load(tender_id)
    member = _member(tender)
    form = DeclareForm()
    if run_form(form, lambda: services.declare(member, form.conflicted.data == "yes", form.note.data,
                                               by=current_user), _("声明已记录")):
        return redirect(url_for(".scoring", tender_id=tender.id))
    return _scoring_page(tender, member, declare_form=form), 400


@bp.post("/tenders/<int:tender_id>/bids/<int:bid_id>/scores")
@login_required
def save_scores(tender_id, bid_id):
    tender = _load(tender_id)
    member = _member(tender)
    bid = db.session.get(Bid, bid_id) or abort(404)
    form = ScoreForm()
    rows = {c.id: (request.form.get(points_field(c.id), ""), request.form.get(reason_field(c.id), ""))
            for c in tender.criteria if not c.is_price}
    if run_form(form, lambda: services.save_scores(member, bid, rows, by=current_user), _("评分已保存（草稿）")):
        return redirect(url_for(".scoring", tender_id=tender.id, _anchor=f"bid-{bid.id}"))
    message = join_clauses(form.form_errors) or _("表单已过期，请刷新页面后重新提交")
    return _scoring_page(tender, member, posted_bid=bid.id, values=rows, error=message), 400


@bp.route("/tenders/<int:tender_id>/submit", methods=["GET", "POST"])
@login_required
def submit(tender_id):
    """The confirm page: once submitted, scores cannot be changed."""
    tender = _load(tender_id)
    member = _member(tender)
    require(policies.can_score(current_user, member, tender, queries.has_results(tender)))
    form = ScoreForm()
    if run_form(form, lambda: services.submit_scores(member, by=current_user), _("评分已提交")):
        return redirect(url_for(".scoring", tender_id=tender.id))
    return render_template("evaluation/submit.html", tender=tender, member=member, form=form,
                           missing=services.missing_scores(member))


# -- bidders -----------------------------------------------------------------------------------------------

@bp.get("/tenders/<int:tender_id>/result")
@login_required
def result(tender_id):
    """A bidder's own scores and rank, after the award notice; never another bidder's breakdown."""
    tender = _load(tender_id)
    bid = awards.own_bid(tender, current_user)
    require(bid is not None)
    notice = awards.public_award_context(tender)
    if notice["award"] is None:
        flash(_("成交结果公示后可以查看本机构的得分和排名"), "info")
        return redirect(url_for("tenders.show", tender_id=tender.id))
    return render_template("evaluation/result.html", tender=tender, bid=bid, award=notice["award"],
                           result=next((r for r in notice["award_results"] if r.bid_id == bid.id), None),
                           ranked=len(notice["award_results"]),
                           averages=queries.criterion_averages(tender, bid),
                           criteria=[c for c in tender.criteria if not c.is_price],
                           refusal=policies.why_cannot_challenge(current_user, bid, notice["award"], clock.now()))


@bp.route("/tenders/<int:tender_id>/challenge", methods=["GET", "POST"])
@login_required
def challenge(tender_id):
    tender = _load(tender_id)
    bid = awards.own_bid(tender, current_user)
    require(policies.can_challenge(current_user, bid, policies.award_in_force(tender), clock.now()))
    form = ChallengeForm()
    if form.validate_on_submit():
        upload = request.files.get(form.document.name)
        document = (upload.filename, upload.read()) if upload and upload.filename else None
        try:
            awards.file_challenge(tender, form.grounds.data, document, by=current_user)
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("质疑已提交，采购人须在答复期限内书面答复"), "success")
            return redirect(url_for(".result", tender_id=tender.id))
    return render_template("evaluation/challenge.html", tender=tender, bid=bid, form=form,
                           award=policies.award_in_force(tender),
                           answer_days=get_setting("award.challenge_answer_working_days", region=tender.buyer.region))

