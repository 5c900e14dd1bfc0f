"""The outcome pages: the organization's report form, the buyer's review, a resident's rating, the public page."""

import re
from datetime import timedelta

from marketplace.common import clock
from marketplace.extensions import db
from marketplace.outcomes import evaluations, services
from marketplace.outcomes.models import ReportStatus
from marketplace.settings.services import set_setting
from tests.conftest import sign_in
from tests.outcomes.conftest import accepted_evaluation, resident_of


def test_the_organization_saves_and_submits_a_report_and_the_buyer_returns_it(client, contract_parties):
    contract = contract_parties["contract"]
    milestone, indicator = contract.milestones[0], contract.indicators[0]
    sign_in(client, contract_parties["member"])
    assert contract.title in client.get("/outcomes/reports").get_data(as_text=True)
    url = f"/outcomes/milestones/{milestone.id}/report/edit"
    assert "助餐服务人次" in client.get(url).get_data(as_text=True)
    form = {"csrf_token": client.csrf_token(url), f"actual_{indicator.id}": "18000", "people_elderly": "80",
            "activities-0-held_on": "2026-03-10", "activities-0-title": "重阳敬老活动",
            "activities-0-participants": "120",
            "narrative": "长者食堂每日运营", "evidence_kind": "photo"}
    assert client.post(url, data=form | {"action": "save"}).status_code == 302
    assert client.post(url, data=form | {"action": "submit"}).status_code == 302
    report = services.report_of(milestone)
    assert report.status == ReportStatus.submitted and report.activities[0].title == "重阳敬老活动"

    sign_in(client, contract_parties["buyer"])
    assert contract.title in client.get("/outcomes/desk").get_data(as_text=True)
    page = f"/outcomes/milestones/{milestone.id}/report"
    response = client.post(page + "/review", data={"csrf_token": client.csrf_token(page), "decision": "return",
                                                   "comments": "请补充签到表"})
    assert response.status_code == 302
    db.session.refresh(report)
    assert report.status == ReportStatus.returned
    sign_in(client, contract_parties["member"])
    html = client.get(page).get_data(as_text=True)
    assert "请补充签到表" in html and "第 1 版" in html


def test_a_served_resident_rates_from_the_rating_list(client, contract_parties):
    evaluation = accepted_evaluation(contract_parties)
    resident = sign_in(client, resident_of())
    listing = client.get("/outcomes/rate").get_data(as_text=True)
    assert contract_parties["contract"].title in listing
    url = f"/outcomes/evaluations/{evaluation.id}/rate"
    response = client.post(url, data={"csrf_token": client.csrf_token(url), "stars": "4", "comment": "饭菜可口"})
    assert response.status_code == 302
    assert evaluations.rating_by(evaluation, resident).stars == 4
    assert "已评价" in client.get("/outcomes/rate").get_data(as_text=True)


def test_a_resident_elsewhere_gets_no_rating_page(client, evaluation):
    sign_in(client, resident_of("110101002001"))
    assert client.get(f"/outcomes/evaluations/{evaluation.id}/rate").status_code == 403


def test_the_public_page_shows_the_formula_and_no_names(client, contract_parties):
    set_setting("evaluation.rating_extensions", "0", by=None, valid_from=clock.today())  # close below quorum
    evaluation = accepted_evaluation(contract_parties)
    raters = [resident_of() for _ in range(3)]
    for n, resident in enumerate(raters):
        resident.name = f"张{n}宝"
        evaluations.rate(evaluation, 5 - n, None, by=resident)
    before = client.get(f"/outcomes/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "已有 3 位居民评价" in before and "居民 1" not in before   # ratings stay unpublished while open
    clock.freeze(evaluation.rating_ends_at + timedelta(minutes=1))
    evaluations.close_due()
    db.session.commit()
    html = client.get(f"/outcomes/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "0.70 × 75.00 + 0.30 × 100.00 = 82.50" in html and "暂定" in html
    assert "居民 1" in html and "居民 3" in html
    assert not any(r.name in html or r.email in html for r in raters)


def test_the_buyer_invites_an_expert_who_reads_the_report_and_marks(client, contract_parties):
    from tests import factories

    evaluation = accepted_evaluation(contract_parties)
    expert = factories.user("evaluator", name="评审专家 测试")
    sign_in(client, contract_parties["buyer"])
    assert expert.name in client.get("/outcomes/desk").get_data(as_text=True)
    response = client.post(f"/outcomes/evaluations/{evaluation.id}/reviewers",
                           data={f"ev{evaluation.id}-csrf_token": client.csrf_token("/outcomes/desk"),
                                 f"ev{evaluation.id}-reviewer": str(expert.id),
                                 f"ev{evaluation.id}-kind": "expert"})
    assert response.status_code == 302
    sign_in(client, expert)
    assert contract_parties["contract"].title in client.get("/outcomes/reviews").get_data(as_text=True)
    assert client.get(f"/outcomes/milestones/{evaluation.milestone_id}/report").status_code == 200
    url = f"/outcomes/evaluations/{evaluation.id}/mark"
    token = client.csrf_token(url)
    response = client.post(url, data={"csrf_token": token, "score": "88.5", "comment": "台账齐全"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "回避" in html and "88.5" in html and "台账齐全" in html  # input kept
    response = client.post(url, data={"csrf_token": token, "score": "88.5", "comment": "台账齐全", "no_conflict": "y"})
    assert response.status_code == 302
    db.session.refresh(evaluation)
    assert [(m.kind.value, str(m.score)) for m in evaluation.marks] == [("expert", "88.50")]
    other = factories.user("evaluator")
    sign_in(client, other)
    assert client.get(f"/outcomes/milestones/{evaluation.milestone_id}/report").status_code == 403
    assert client.get(url).status_code == 403


def test_the_buyer_closing_below_the_quorum_lengthens_the_window(client, contract_parties):
    evaluation = accepted_evaluation(contract_parties)
    clock.freeze(evaluation.rating_ends_at + timedelta(minutes=1))
    sign_in(client, contract_parties["buyer"])
    response = client.post(f"/outcomes/evaluations/{evaluation.id}/close",
                           data={"csrf_token": client.csrf_token("/outcomes/desk")}, follow_redirects=True)
    assert "评价期已延长" in response.get_data(as_text=True)
    db.session.refresh(evaluation)
    assert evaluation.status.value == "rating" and evaluation.extensions == 1


def test_the_scores_macro_for_the_contract_page(contract_parties):
    from flask import render_template_string

    set_setting("evaluation.rating_extensions", "0", by=None, valid_from=clock.today())  # close below quorum
    evaluation = accepted_evaluation(contract_parties)
    evaluations.rate(evaluation, 5, None, by=resident_of())
    clock.freeze(evaluation.rating_ends_at)
    evaluations.close_due()
    html = render_template_string('{% from "outcomes/_scores.html" import scores %}{{ scores(outcome_rows) }}',
                                  **services.public_context(contract_parties["contract"]))
    assert "0.70 × 100.00 + 0.30 × 100.00 = 100.00" in html and "可支付" in html and "暂定" in html


def test_evidence_chosen_before_a_mistake_is_kept_for_the_correction(client, contract_parties):
    """A wrong figure must not cost the organization its photos: the re-shown form says which files it already
    has, and the corrected post stores them without choosing them again."""
    import io

    from tests.outcomes.test_reports import PNG

    contract = contract_parties["contract"]
    milestone, indicator = contract.milestones[0], contract.indicators[0]
    sign_in(client, contract_parties["member"])
    url = f"/outcomes/milestones/{milestone.id}/report/edit"
    form = {"csrf_token": client.csrf_token(url), f"actual_{indicator.id}": "-5", "narrative": "长者食堂每日运营",
            "evidence_kind": "sign_in_sheet", "action": "save"}
    response = client.post(url, data=form | {"evidence": (io.BytesIO(PNG), "签到表.png")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "签到表.png" in html and "长者食堂每日运营" in html
    assert services.report_of(milestone) is None  # nothing saved half-way
    token = re.search(r'name="evidence_tokens" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(url, data=form | {f"actual_{indicator.id}": "18000", "evidence_tokens": token},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    evidence = services.report_of(milestone).evidence
    assert [(e.original_name, e.kind.value) for e in evidence] == [("签到表.png", "sign_in_sheet")]
