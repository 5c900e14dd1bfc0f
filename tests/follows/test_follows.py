"""Following a tender, project, organization or need: in-app news, mail at once or in a daily digest."""

from datetime import timedelta

from marketplace.common import clock
from marketplace.extensions import db
from marketplace.follows import services
from marketplace.follows.models import DigestItem, MailChoice, Subject
from marketplace.notifications.models import Notification, OutboxMessage
from tests import factories
from tests.conftest import sign_in


def _notes(user) -> list[str]:
    return [n.message for n in db.session.query(Notification).filter_by(user_id=user.id)]


def _mail_to(user) -> list[OutboxMessage]:
    return db.session.query(OutboxMessage).filter_by(to_address=user.email).all()


def test_the_follow_button_toggles_and_lists_what_i_follow(client, contract_parties):
    contract = contract_parties["contract"]
    resident = factories.user("resident")
    sign_in(client, resident)
    page = f"/projects/{contract.tender_id}"
    assert client.post(f"/follow/project/{contract.id}", data={"next": page}).headers["Location"].endswith(page)
    assert services.is_following(resident, Subject.project, contract.id)
    mine = client.get("/follows").get_data(as_text=True)
    assert contract.title in mine and page in mine
    client.post(f"/follow/project/{contract.id}", data={"next": page})
    assert not services.is_following(resident, Subject.project, contract.id)
    assert client.post("/follow/project/999999", data={}).status_code == 404
    assert client.post("/follow/payments/1", data={}).status_code == 404


def test_project_news_reaches_followers_of_the_project_and_of_its_tender(contract_parties):
    from marketplace.contracts import services as contracts

    contract = contract_parties["contract"]
    on_project, on_tender, bystander = (factories.user("resident") for _ in range(3))
    services.follow(on_project, Subject.project, contract.id)
    services.follow(on_tender, Subject.tender, contract.tender_id)
    contracts.end(contract, False, "服务机构主动退出", by=contract_parties["buyer"])
    for person in (on_project, on_tender):
        assert any("已结束" in m for m in _notes(person))
    assert _notes(bystander) == []


def test_mail_at_once_or_in_one_daily_digest(contract_parties):
    from marketplace.organizations import services as organizations
    from marketplace.organizations.models import OrgAction

    org = contract_parties["contract"].organization
    at_once, digest, app_only = (factories.user("resident") for _ in range(3))
    services.set_preference(at_once, MailChoice.immediate)
    services.set_preference(app_only, MailChoice.none)
    for person in (at_once, digest, app_only):
        services.follow(person, Subject.organization, org.id)
    registrar = factories.user("registrar")
    organizations.decide(org, OrgAction.suspend, by=registrar, reason="年检未通过")
    organizations.decide(org, OrgAction.reinstate, by=registrar, reason="整改完成")
    assert len(_mail_to(at_once)) == 2 and _mail_to(digest) == [] and _mail_to(app_only) == []
    assert all(len(_notes(p)) == 2 for p in (at_once, digest, app_only))

    assert services.send_digests() >= 1  # (the bidders, who follow the tender they asked about, get theirs too)
    (mail,) = _mail_to(digest)
    assert "2 条新进展" in mail.subject and mail.body_text.count(org.name) == 2
    assert services.send_digests(clock.now() + timedelta(hours=1)) == 0  # nothing new, and not twice a day
    assert db.session.query(DigestItem).filter(DigestItem.sent_at.is_(None)).count() == 0


def test_what_is_not_public_cannot_be_followed_nor_shows_on_my_list(client, contract_parties):
    from marketplace.organizations.models import OrgStatus
    from marketplace.tenders import services as tenders

    draft = tenders.create_tender(contract_parties["tender"].buyer, "A1001", "社区议事厅运营（草稿）", "100000",
                                  by=contract_parties["buyer"])
    resident = factories.user("resident")
    sign_in(client, resident)
    assert client.post(f"/follow/tender/{draft.id}", data={}).status_code == 404  # a draft's existence stays hidden
    org = contract_parties["contract"].organization
    client.post(f"/follow/organization/{org.id}", data={})
    assert org.name in client.get("/follows").get_data(as_text=True)
    org.status = OrgStatus.pending  # back in review
    db.session.commit()
    assert org.name not in client.get("/follows").get_data(as_text=True)
    assert client.post(f"/follow/organization/{org.id}", data={}).status_code == 404


def test_a_rejected_applicant_is_not_announced_to_followers(contract_parties, make_org):
    from marketplace.organizations import services as organizations
    from marketplace.organizations.models import OrgAction

    applicant = make_org(status="pending")
    follower = factories.user("resident")
    services.follow(follower, Subject.organization, applicant.id)  # e.g. followed earlier, by id
    organizations.decide(applicant, OrgAction.reject, by=factories.user("platform_admin"), reason="材料不全")
    assert _notes(follower) == []


def test_following_sends_back_only_to_this_site(client, contract_parties):
    contract = contract_parties["contract"]
    sign_in(client, factories.user("resident"))
    for target in ["//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example"]:
        response = client.post(f"/follow/project/{contract.id}", data={"next": target})
        assert response.headers["Location"] in ("/", "http://localhost/"), target
