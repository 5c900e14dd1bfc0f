from sqlalchemy import select

from marketplace.common import clock
from marketplace.evaluation import policies, queries
from marketplace.evaluation.models import AwardStatus
from marketplace.extensions import db
from marketplace.tenders.models import Tender, TenderStatus


def test_the_demo_t16_tender_has_a_panel_results_and_an_award_in_its_standstill(app, client):
    from marketplace import demo

    demo.load(echo=lambda *_: None)
    tender = db.session.execute(select(Tender).where(Tender.demo_source.like("%T16%"))).scalar_one()
    assert tender.status == TenderStatus.awarded
    panel = queries.panel_of(tender)
    assert len(panel) == 3 and all(m.submitted_at and m.declared_at < m.submitted_at for m in panel)
    assert all(m.assigned_at < tender.deadline_at for m in panel)
    results = queries.results_of(tender)
    assert [r.rank for r in results] == [1, 2]
    award = policies.award_in_force(tender)
    assert award.status == AwardStatus.noticed and award.bid_id == results[0].bid_id
    assert award.challenge_until >= clock.today()
    assert "公示期至" in policies.why_not_sign(tender, clock.now())
