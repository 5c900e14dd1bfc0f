"""Evaluation pages: who may open them, the evaluator's flow, the award and challenge forms, the bidder's result."""

import io
import re

from marketplace.evaluation import awards, policies
from marketplace.evaluation.models import AwardStatus, Challenge
from marketplace.extensions import db
from marketplace.regions.models import BodyKind
from marketplace.tenders.models import TenderStatus
from tests.conftest import sign_in
from tests.evaluation.conftest import declare_and_score, non_price, score
from tests.organizations.conftest import PDF, manager_of


def _csrf(client, path):
    return client.csrf_token(path)


def test_the_buyers_page_is_for_its_own_staff_only(client, evaluated_tender, market, make_user, make_body):
    tender, _bids, (member, _other) = evaluated_tender("250000", "260000")
    path = f"/evaluation/tenders/{tender.id}"
    sign_in(client, market["buyer"])
    html = client.get(path).get_data(as_text=True)
    assert member.user.name in html and "开标后的投标" in html
    sign_in(client, make_user("buyer", body_=make_body(BodyKind.street_office, "110101002")))
    assert client.get(path).status_code == 403
    sign_in(client, member.user)
    assert client.get(path).status_code == 403
    assert client.post(f"{path}/panel", data={"user_id": member.user_id}).status_code in (400, 403)


def test_the_buyer_reaches_the_panel_from_the_tender_page_before_the_deadline(client, open_tender, market,
                                                                               make_user):
    make_user("evaluator", name="周敏")
    page, panel = f"/tenders/{open_tender.id}", f"/evaluation/tenders/{open_tender.id}"
    sign_in(client, market["buyer"])
    assert f'href="{panel}#panel"' in client.get(page).get_data(as_text=True)
    assert "周敏" in client.get(panel).get_data(as_text=True)  # offered to assign
    sign_in(client, make_user("resident"))
    assert panel not in client.get(page).get_data(as_text=True)


def test_a_non_panel_evaluator_cannot_open_the_scoring_page(client, evaluated_tender, make_user):
    tender, (a, _b), _members = evaluated_tender("250000", "260000")
    sign_in(client, make_user("evaluator"))
    assert client.get(f"/evaluation/tenders/{tender.id}/scoring").status_code == 403
    assert client.post(f"/evaluation/tenders/{tender.id}/bids/{a.id}/scores").status_code in (400, 403)
    assert "暂无评审任务" in client.get("/evaluation/").get_data(as_text=True)


def test_an_evaluator_declares_scores_and_submits_through_the_pages(client, evaluated_tender):
    tender, (a, b), (member, other) = evaluated_tender("250000", "260000")
    declare_and_score(other, {a: [30, 20, 10], b: [31, 20, 10]})
    other_reason = other.scores[0].justification
    sign_in(client, member.user)
    assert tender.title in client.get("/evaluation/").get_data(as_text=True)
    page = f"/evaluation/tenders/{tender.id}/scoring"
    html = client.get(page).get_data(as_text=True)
    assert "利害关系声明" in html and a.organization.uscc in html
    token = _csrf(client, page)
    assert client.post(f"/evaluation/tenders/{tender.id}/declare",
                       data={"csrf_token": token, "conflicted": "no"}).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "服务方案：服务方案的具体安排" in html  # the bid's proposal next to the inputs
    assert other_reason not in html  # independence: nobody else's scores before submitting
    plan, team, mgmt = non_price(tender)
    # a missing reason is refused and what was typed stays on the page
    response = client.post(f"/evaluation/tenders/{tender.id}/bids/{a.id}/scores", data={
        "csrf_token": token, f"points-{plan.id}": "33.5", f"why-{plan.id}": ""})
    assert response.status_code == 400 and 'value="33.5"' in response.get_data(as_text=True)
    for bid in (a, b):
        data = {"csrf_token": token}
        for criterion, points in zip((plan, team, mgmt), (30, 20, 10), strict=True):
            data |= {f"points-{criterion.id}": str(points), f"why-{criterion.id}": f"理由{criterion.name}"}
        assert client.post(f"/evaluation/tenders/{tender.id}/bids/{bid.id}/scores", data=data).status_code == 302
    assert client.post(f"/evaluation/tenders/{tender.id}/submit", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert tender.status == TenderStatus.evaluation and member.submitted_at is not None
    html = client.get(page).get_data(as_text=True)
    assert other_reason in html  # after submitting, the others' scores


def test_the_buyer_confirms_the_award_on_its_confirm_page(client, evaluated_tender, market):
    tender, (a, b), members = evaluated_tender("250000", "260000")
    for member in members:
        declare_and_score(member, {a: [30, 20, 10], b: [25, 20, 10]})
    sign_in(client, market["buyer"])
    html = client.get(f"/evaluation/tenders/{tender.id}").get_data(as_text=True)
    assert "推荐成交" in html and "确认成交结果" in html
    path = f"/evaluation/tenders/{tender.id}/award"
    token = _csrf(client, path)
    response = client.post(path, data={"csrf_token": token, "bid_id": b.id, "deviation_reason": ""})
    assert response.status_code == 200 and "须写明理由" in response.get_data(as_text=True)
    assert client.post(path, data={"csrf_token": token, "bid_id": a.id}).status_code == 302
    db.session.expire_all()
    assert tender.status == TenderStatus.awarded and policies.award_in_force(tender).bid_id == a.id


def _awarded(evaluated_tender, market, prices=("250000", "260000", "270000")):
    tender, placed, members = evaluated_tender(*prices)
    for member in members:
        declare_and_score(member, {bid: [30 - i, 20, 10] for i, bid in enumerate(placed)})
    awards.confirm_award(tender, placed[0], by=market["buyer"])
    db.session.commit()
    return tender, placed


def test_a_losing_bidder_sees_its_own_scores_and_rank_but_not_the_others_breakdown(client, evaluated_tender,
                                                                                   market):
    tender, (winner, second, third) = _awarded(evaluated_tender, market)
    sign_in(client, manager_of(third.organization))
    html = client.get(f"/evaluation/tenders/{tender.id}/result").get_data(as_text=True)
    assert "排名第 3 名（共 3 家有效投标）" in html
    assert re.search(r"服务方案</th><td>40</td><td>28.00</td>", html)  # its own average per criterion
    assert "30.00" not in html and "29.00" not in html  # the others' per-criterion averages
    assert winner.organization.name not in html and second.organization.name not in html
    assert "提出质疑" in html


def test_a_bidder_files_a_challenge_with_a_document_and_the_buyer_answers(client, evaluated_tender, market):
    tender, (winner, second, _third) = _awarded(evaluated_tender, market)
    sign_in(client, manager_of(second.organization))
    path = f"/evaluation/tenders/{tender.id}/challenge"
    token = _csrf(client, path)
    response = client.post(path, data={"csrf_token": token, "grounds": "成交供应商的团队人员与投标文件不一致，请核查",
                                       "document": (io.BytesIO(PDF), "证明.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    challenge = db.session.query(Challenge).one()
    assert challenge.document_name == "证明.pdf"
    assert client.get(f"/evaluation/challenges/{challenge.id}/document").status_code == 200
    sign_in(client, manager_of(winner.organization))
    assert client.get(f"/evaluation/challenges/{challenge.id}/document").status_code == 403
    assert client.get(path).status_code == 403  # the winner cannot challenge its own award
    sign_in(client, market["buyer"])
    answer = f"/evaluation/challenges/{challenge.id}/answer"
    token = _csrf(client, answer)
    assert client.post(answer, data={"csrf_token": token, "decision": "yes",
                                     "answer": "经核实团队人员确有不符，质疑成立"}).status_code == 302
    db.session.expire_all()
    assert policies.award_in_force(tender).bid_id == second.id
    assert db.session.query(Challenge).one().award.status == AwardStatus.cancelled
    html = client.get(f"/evaluation/tenders/{tender.id}").get_data(as_text=True)
    assert "质疑成立" in html and award_labels_shown(html) == {"已撤销", "公示中"}


def award_labels_shown(html):
    return {label for label in ("已撤销", "公示中", "公示期满") if label in html}


def test_the_buyers_page_costs_the_same_queries_for_any_panel_and_bids(client, evaluated_tender, market, ready_tender,
                                                                      place_bid, count_queries, make_user):
    from marketplace.evaluation import services
    from marketplace.tenders import services as tenders

    bigger = ready_tender(budget="100000")  # same deadline as the fixture's tender
    tenders.publish(bigger, by=market["buyer"])
    bids = [place_bid(bigger, price)[0] for price in ("90000", "91000", "92000", "93000")]
    members = [services.assign(bigger, make_user("evaluator"), by=market["buyer"]) for _ in range(4)]
    small, _placed, _members = evaluated_tender("250000", "260000")
    tenders.catch_up(bigger)
    for member in members:
        services.declare(member, False, None, by=member.user)
        for bid in bids:
            score(member, bid, [30, 20, 10])
    sign_in(client, market["buyer"])
    client.get(f"/evaluation/tenders/{small.id}")
    with count_queries() as few:
        assert client.get(f"/evaluation/tenders/{small.id}").status_code == 200
    client.get(f"/evaluation/tenders/{bigger.id}")
    with count_queries() as many:
        html = client.get(f"/evaluation/tenders/{bigger.id}").get_data(as_text=True)
    assert html.count("已评 12 / 12") == 4
    assert many.count == few.count <= 25


def test_an_evaluator_reads_bids_only_after_declaring_no_conflict(client, market, open_tender, eligible_org,
                                                                  place_bid, make_user):
    from marketplace.bids import services as bids
    from marketplace.common import clock
    from marketplace.evaluation import services as evaluation
    from marketplace.tenders import services as tenders
    from tests.tenders.conftest import bid_values

    member = manager_of(eligible_org())
    draft = bids.draft_for(open_tender, by=member)
    bids.save_draft(draft, open_tender, bid_values(open_tender), by=member)
    document = bids.add_document(draft, open_tender, "方案.pdf", PDF, by=member)
    bid = bids.submit(draft, open_tender, by=member, idempotency_key="doc-bid")
    place_bid(open_tender, "240000")
    first = evaluation.assign(open_tender, make_user("evaluator"), by=market["buyer"])
    db.session.commit()
    clock.freeze(open_tender.deadline_at)
    tenders.catch_up(open_tender)
    sign_in(client, first.user)
    assert client.get(f"/bids/{bid.id}/documents/{document.id}").status_code == 403
    assert client.get(f"/evaluation/bids/{bid.id}/disqualify").status_code == 403
    evaluation.declare(first, False, None, by=first.user)
    sign_in(client, first.user)
    response = client.get(f"/bids/{bid.id}/documents/{document.id}")
    assert response.data == PDF and "%E6%96%B9%E6%A1%88.pdf" in response.headers["Content-Disposition"]


def test_an_evaluator_who_cannot_finish_is_replaced(client, market, evaluated_tender, make_user):
    from marketplace.evaluation import services as evaluation

    tender, (a, b), (first, absent) = evaluated_tender("250000", "260000")
    declare_and_score(first, {a: [30, 20, 10], b: [31, 20, 10]})
    declare_and_score(absent, {a: [10, 10, 5]}, submit=False)  # started, then fell ill
    assert evaluation.results_blockers(tender)  # waiting for the absent member
    sign_in(client, market["buyer"])
    response = client.post(f"/evaluation/tenders/{tender.id}/panel/{absent.id}/excuse", data={"reason": ""})
    assert absent.active and response.status_code == 302
    client.post(f"/evaluation/tenders/{tender.id}/panel/{absent.id}/excuse", data={"reason": "专家住院，无法评审"})
    db.session.expire_all()
    assert not db.session.get(type(absent), absent.id).active
    stand_in = evaluation.assign(tender, make_user("evaluator"), by=market["buyer"],
                                 replaces=db.session.get(type(absent), absent.id))
    declare_and_score(stand_in, {a: [28, 18, 9], b: [30, 19, 10]})
    from marketplace.evaluation import queries

    assert queries.has_results(tender)
    from marketplace.evaluation.models import Score

    assert db.session.query(Score).filter_by(member_id=absent.id).count() == 0  # his drafts were discarded
