from sqlalchemy import select

from marketplace.common import clock
from marketplace.extensions import db
from marketplace.needs.models import Need, NeedStatus
from marketplace.needs.queries import OPEN_STATES


def test_the_demo_has_needs_in_every_state_and_overdue_ones_escalated(app, client):
    from marketplace import demo

    demo.load(echo=lambda *_: None)
    needs = db.session.execute(select(Need)).scalars().all()
    # Planned comes from the demo tender, which links the two open A1001 needs when it is published.
    assert {n.status for n in needs} >= {NeedStatus.submitted, NeedStatus.replied, NeedStatus.resolved,
                                         NeedStatus.declined}
    today = clock.today()
    escalated = [n for n in needs if n.escalated_at]
    assert escalated and all(n.overdue(today) and n.escalated_to.name == "北京市东城区民政局" for n in escalated)
    assert any(n.support_count for n in needs)
    linkable = {n.title for n in needs if n.item_code == "A1001" and n.status in {*OPEN_STATES, NeedStatus.planned}}
    assert linkable == {"社区老年人助餐服务需求", "独居老人探访关爱"}
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = str(_user("buyer@demo.zhengshe.cn").id)
        session["_fresh"] = True
    html = client.get("/needs/office").get_data(as_text=True)
    assert "楼内老人助浴服务" in html and "超期" in html
    assert client.get("/needs/").status_code == 200


def _user(email):
    from marketplace.accounts.services import find_user

    return find_user(email)
