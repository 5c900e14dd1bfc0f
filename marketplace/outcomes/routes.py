"""Outcome pages: the organization's reports, the buyer's review desk, residents' rating, the public evaluation."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.common import clock, files
from marketplace.contracts.models import MILESTONE_KIND_LABELS
from marketplace.drafts import keeping
from marketplace.drafts.keeping import keeps_input
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import kept_uploads, run_form, show_domain_error
from marketplace.organizations.services import membership_of
from marketplace.security import require

from . import evaluations, policies, queries, services
from .forms import CloseForm, InviteReviewerForm, MarkForm, RatingForm, ReviewForm, report_form
from .models import (
    BENEFICIARY_GROUP_LABELS,
    EVALUATION_STATUS_LABELS,
    EVIDENCE_KIND_LABELS,
    REPORT_STATUS_LABELS,
    REVIEWER_KIND_LABELS,
    EvidenceKind,
    ReportEvidence,
    ReviewerKind,
)

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")


@bp.record_once
def _labels(state) -> None:
    # Jinja globals rather than a context processor: macros imported by other domains' pages see them too.
    state.app.jinja_env.globals.update(
        report_status_labels=REPORT_STATUS_LABELS, evaluation_status_labels=EVALUATION_STATUS_LABELS,
        milestone_kind_labels=MILESTONE_KIND_LABELS, beneficiary_group_labels=BENEFICIARY_GROUP_LABELS,
        evidence_kind_labels=EVIDENCE_KIND_LABELS, reviewer_kind_labels=REVIEWER_KIND_LABELS,
        reviewer_kind_buyer=ReviewerKind.buyer,
        beneficiary_group_names={g.value: label for g, label in BENEFICIARY_GROUP_LABELS.items()})


def _milestone(milestone_id: int):
    return services.get_milestone(milestone_id) or abort(404)


def _evaluation(evaluation_id: int):
    return evaluations.get_evaluation(evaluation_id) or abort(404)


# -- the organization --------------------------------------------------------------------------------------

@bp.get("/reports")
@login_required
def mine():
    membership = membership_of(current_user)
    require(membership is not None)
    return render_template("outcomes/mine.html", rows=queries.reports_due(membership.organization_id),
                           today=clock.today())


def _save_kept(kept, milestone_id):
    """A report form posted after the session ran out, saved as the draft once its author is back."""
    milestone = _milestone(milestone_id)
    require(policies.can_write_report(current_user, milestone.contract, membership_of(current_user),
                                      services.report_of(milestone)))
    indicators = milestone.contract.indicators
    form = report_form(indicators, formdata=_with_kept_files(kept), meta={"csrf": False})  # see drafts.keeping
    files_kept, _errors = kept_uploads(form.evidence, form.evidence_tokens, form.clear_evidence,
                                       tag=form.evidence_kind.data)  # no new files on a GET: no new errors
    if not form.validate():
        raise keeping.invalid(form)
    services.save_draft(milestone, _values(form, indicators), _evidence(files_kept), by=current_user)


def _with_kept_files(kept):
    """The kept form, its files joining those an earlier attempt had kept (the hidden evidence_tokens field)."""
    formdata = kept.form.copy()
    kind = formdata.get("evidence_kind", "")
    tokens = [t for t in (formdata.get("evidence_tokens") or "").split(",") if t]
    tokens += [f"{kind}:{token}" for name, token, _name in kept.uploads if name == "evidence"]
    formdata.setlist("evidence_tokens", [",".join(tokens)])
    return formdata


@bp.route("/milestones/<int:milestone_id>/report/edit", methods=["GET", "POST"])
@keeps_input(_save_kept, uploads=("evidence",))
@login_required
def edit_report(milestone_id):
    milestone = _milestone(milestone_id)
    report = services.report_of(milestone)
    require(policies.can_write_report(current_user, milestone.contract, membership_of(current_user), report))
    indicators = milestone.contract.indicators
    kept, upload_errors = [], []
    if request.method == "GET" and (unsaved := keeping.unsaved_input()) is not None:
        # Kept over a sign-in, refused as the draft: shown as typed, with the reason.
        form = report_form(indicators, formdata=_with_kept_files(unsaved))
        kept, upload_errors = kept_uploads(form.evidence, form.evidence_tokens, form.clear_evidence,
                                           tag=form.evidence_kind.data)
        show_domain_error(form, unsaved.error)
    elif request.method == "GET":
        form = report_form(indicators, data=_report_data(report))
    else:
        form = report_form(indicators)  # Flask-WTF reads the posted fields and files
        kept, upload_errors = kept_uploads(form.evidence, form.evidence_tokens, form.clear_evidence,
                                           tag=form.evidence_kind.data)
        if form.validate() and not upload_errors:
            try:
                report = services.save_draft(milestone, _values(form, indicators), _evidence(kept), by=current_user)
                if request.form.get("action") == "submit":
                    services.submit_report(report, by=current_user)
            except DomainError as exc:
                db.session.rollback()
                show_domain_error(form, exc)
            else:
                db.session.commit()
                flash(_("报告已提交，等待采购人审核") if request.form.get("action") == "submit" else _("草稿已保存"),
                      "success")
                return redirect(url_for("outcomes.report", milestone_id=milestone.id))
        for exc in upload_errors:
            show_domain_error(form, exc)
    return render_template("outcomes/edit.html", form=form, milestone=milestone, report=report,
                           indicators=indicators, today=clock.today(), kept=[k.name for k in kept]), \
        400 if form.errors or form.form_errors else 200


def _report_data(report) -> dict:
    if report is None:
        return {}
    data = {f"actual_{a.indicator_id}": a.actual for a in report.actuals}
    data |= {f"people_{b.group.value}": b.people for b in report.beneficiaries}
    data["activities"] = [{"held_on": a.held_on, "title": a.title, "participants": a.participants}
                          for a in report.activities] + [{}] * 3
    data["narrative"] = report.narrative
    return data


def _values(form, indicators) -> dict:
    return {
        "actuals": {i.id: getattr(form, f"actual_{i.id}").data for i in indicators},
        "beneficiaries": {g: getattr(form, f"people_{g.value}").data for g in BENEFICIARY_GROUP_LABELS},
        "activities": [{"held_on": row.held_on.data, "title": row.title.data, "participants": row.participants.data}
                       for row in form.activities if row.held_on.data and (row.title.data or "").strip()],
        "narrative": form.narrative.data,
    }


def _evidence(kept) -> list:
    """Each kept file with the kind chosen for it; a kind that is not ours (a tampered form) is refused."""
    kinds = {k.value: k for k in EvidenceKind}
    if any(k.tag not in kinds for k in kept):
        raise DomainError(_("请为佐证材料选择材料类型"), field="evidence_kind")
    return [(kinds[k.tag], k.name, k.content) for k in kept]


@bp.get("/milestones/<int:milestone_id>/report")
@login_required
def report(milestone_id):
    milestone = _milestone(milestone_id)
    evaluation = evaluations.evaluation_of(milestone)
    require(policies.can_see_reports(current_user, milestone.contract, membership_of(current_user))
            or _reviews(evaluation))
    report = services.report_of(milestone)
    return render_template(
        "outcomes/report.html", milestone=milestone, report=report, today=clock.today(),
        versions=[(v, services.version_content(v)) for v in reversed(report.versions)] if report else [],
        evaluation=evaluation, review_form=ReviewForm(),
        can_write=policies.can_write_report(current_user, milestone.contract, membership_of(current_user), report),
        can_review=report is not None and policies.can_review_report(current_user, report))


@bp.get("/evidence/<int:evidence_id>")
@login_required
def evidence(evidence_id):
    row = db.session.get(ReportEvidence, evidence_id) or abort(404)
    # Photos may show residents' faces: only the two parties and the stage's reviewers download them; the public
    # sees the hash.
    require(policies.can_see_reports(current_user, row.report.contract, membership_of(current_user))
            or _reviews(evaluations.evaluation_of(row.report.milestone)))
    return send_file(files.path_of(row.sha256), mimetype=row.content_type, download_name=row.original_name)


def _reviews(evaluation) -> bool:
    return evaluation is not None and policies.is_reviewer(current_user, evaluations.reviewer_mark(evaluation,
                                                                                                 current_user))


# -- the buyer ---------------------------------------------------------------------------------------------

@bp.get("/desk")
@login_required
def desk():
    require(current_user.role == Role.buyer and current_user.body_id is not None)
    items = queries.evaluations_to_finish(current_user.body_id)
    pool = _pool_choices()
    return render_template("outcomes/desk.html", reports=queries.reports_to_review(current_user.body_id),
                           evaluations=[(e, evaluations.outcome(e), _invite_form(e.id, pool)) for e in items],
                           now=clock.now(), close_form=CloseForm())


def _pool_choices() -> list:
    return [("", _("请选择")), *((str(u.id), u.name) for u in queries.reviewer_pool())]


def _invite_form(evaluation_id: int, pool: list) -> InviteReviewerForm:
    form = InviteReviewerForm(prefix=f"ev{evaluation_id}")  # one per card on the desk: field ids stay unique
    form.reviewer.choices = pool
    return form


@bp.post("/milestones/<int:milestone_id>/report/review")
@login_required
def review(milestone_id):
    report = services.report_of(_milestone(milestone_id)) or abort(404)
    require(policies.can_review_report(current_user, report))
    form = ReviewForm()
    accept = request.form.get("decision") == "accept"
    if accept:
        action, done = (lambda: services.accept_report(report, form.comments.data, by=current_user)), \
            _("报告已通过，居民评价已开放")
    else:
        action, done = (lambda: services.return_report(report, form.comments.data, by=current_user)), \
            _("报告已退回")
    if not run_form(form, action, done):
        flash(" ".join([*form.form_errors, *form.comments.errors]) or _("请检查填写内容"), "error")
    return redirect(url_for("outcomes.report", milestone_id=milestone_id))


@bp.post("/evaluations/<int:evaluation_id>/reviewers")
@login_required
def invite(evaluation_id):
    evaluation = _evaluation(evaluation_id)
    require(policies.can_invite_reviewers(current_user, evaluation))
    form = _invite_form(evaluation.id, _pool_choices())
    reviewer = queries.pool_member(form.reviewer.data)
    if not run_form(form, lambda: evaluations.invite_reviewer(evaluation, reviewer, ReviewerKind(form.kind.data),
                                                              by=current_user), _("已邀请评审打分")):
        flash(" ".join(e for f in (form.reviewer, form.kind) for e in f.errors) or " ".join(form.form_errors),
              "error")
    return redirect(url_for("outcomes.desk"))


@bp.route("/evaluations/<int:evaluation_id>/mark", methods=["GET", "POST"])
@login_required
def mark(evaluation_id):
    """A reviewer's (or the buyer's) mark for the stage, with the reasoning that is published beside it."""
    evaluation = _evaluation(evaluation_id)
    mine = evaluations.reviewer_mark(evaluation, current_user)
    require(policies.can_mark(current_user, evaluation, mine))
    form = MarkForm(data=None if mine is None or mine.score is None
                    else {"score": mine.score, "comment": mine.comment, "no_conflict": True})
    if run_form(form, lambda: evaluations.mark(evaluation, form.score.data, form.comment.data, form.no_conflict.data,
                                               by=current_user), _("评分已保存，评价结束前可以修改")):
        return redirect(url_for("outcomes.reviews") if current_user.role == Role.evaluator
                        else url_for("outcomes.desk"))
    return render_template("outcomes/mark.html", form=form, evaluation=evaluation, mine=mine,
                           report=services.report_of(evaluation.milestone)), 400 if form.errors else 200


@bp.get("/reviews")
@login_required
def reviews():
    """An expert's or third-party evaluator's list: the stages they were asked to mark."""
    require(current_user.role == Role.evaluator)
    return render_template("outcomes/reviews.html", rows=queries.reviews_of(current_user))


@bp.post("/evaluations/<int:evaluation_id>/close")
@login_required
def close(evaluation_id):
    evaluation = _evaluation(evaluation_id)
    require(policies.can_close_evaluation(current_user, evaluation, clock.now()))
    form = CloseForm()
    if run_form(form, lambda: evaluations.close_evaluation(evaluation, by=current_user)):
        if evaluation.closed:
            flash(_("评价已结束并计分"), "success")
            return redirect(url_for("outcomes.evaluation", evaluation_id=evaluation.id))
        flash(_("参与评价的居民少于最低人数，评价期已延长至 %(end)s", end=clock.to_local(evaluation.rating_ends_at)
                .strftime("%Y-%m-%d %H:%M")), "info")
        return redirect(url_for("outcomes.desk"))
    flash(" ".join(form.form_errors) or _("请重试"), "error")
    return redirect(url_for("outcomes.desk"))


# -- residents and the public ------------------------------------------------------------------------------

@bp.get("/rate")
@login_required
def rate_list():
    require(current_user.role == Role.resident)
    items = evaluations.open_for(current_user)
    return render_template("outcomes/rate_list.html", items=items,
                           rated={e.id for e in items if evaluations.rating_by(e, current_user)})


@bp.route("/evaluations/<int:evaluation_id>/rate", methods=["GET", "POST"])
@login_required
def rate(evaluation_id):
    evaluation = _evaluation(evaluation_id)
    require(policies.can_rate(current_user, evaluation, clock.now()))
    form = RatingForm()
    if run_form(form, lambda: evaluations.rate(evaluation, form.stars.data, form.comment.data, by=current_user),
                _("感谢您的评价！评价期结束后将与其他居民的评价一起公开")):
        return redirect(url_for("outcomes.rate_list"))
    return render_template("outcomes/rate.html", form=form, evaluation=evaluation,
                           mine=evaluations.rating_by(evaluation, current_user)), 400 if form.errors else 200


@bp.get("/evaluations/<int:evaluation_id>")
def evaluation(evaluation_id):
    item = _evaluation(evaluation_id)
    closed = item.closed
    return render_template("outcomes/evaluation.html", evaluation=item, now=clock.now(),
                           outcome=evaluations.outcome(item) if closed else None,
                           ratings=evaluations.public_ratings(item) if closed else [],
                           marks=evaluations.public_marks(item) if closed else [])
