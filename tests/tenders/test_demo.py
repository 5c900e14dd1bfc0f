from sqlalchemy import select

from marketplace.extensions import db
from marketplace.needs.models import NeedStatus
from marketplace.tenders import services as tenders
from marketplace.tenders.models import Method, Tender, TenderStatus


def test_the_demo_has_tenders_in_each_state_modelled_on_real_examples(app, client):
    from marketplace import demo

    demo.load(echo=lambda *_: None)
    rows = {t.demo_source.split(":")[0].split()[-1]: t for t in db.session.execute(select(Tender)).scalars()}
    assert {t.status for t in rows.values()} == set(TenderStatus)  # every state, as the issue asks
    elderly = rows["T06"]
    assert elderly.status == TenderStatus.tendering and len(elderly.amendments) == 1
    assert len(elderly.questions) == 2 and len(tenders.unanswered(elderly)) == 1
    assert {n.status for n in tenders.linked_needs(elderly)} == {NeedStatus.planned}
    assert rows["T13"].method == Method.open and rows["T13"].budget >= 2_000_000
    assert rows["T19"].term_months == 24 and rows["T19"].term_justification
    assert rows["T17"].unsuccessful_reason and rows["T14"].cancel_reason
    assert rows["T18"].status == TenderStatus.draft and not tenders.readiness(rows["T18"])  # ready to publish
    db.session.commit()
    html = client.get(f"/tenders/{elderly.id}").get_data(as_text=True)
    assert "tender_examples.csv T06" in html and "提问方 1" in html
