"""Residents' needs: raised by residents or grid workers, answered by the street office in working days (3 to
reply, 7 to close — the settings' defaults), some planned into a tender when it is published and given back
when that tender fails, overdue ones escalated to the district as the job does it."""

from datetime import datetime, timedelta

from . import words
from .writer import later

REPLY_DAYS, CLOSE_DAYS = 3, 7


class Needs:
    def __init__(self, writer, dates, places, people, audit, rng):
        self.w, self.dates, self.places, self.people, self.audit, self.rng = writer, dates, places, people, audit, rng
        self.made = 0
        self.updates: dict[int, list] = {}  # need id → its public history, written in time order once complete

    def _need(self, story, community, office, submitted: datetime, submitter: tuple, item: tuple) -> dict:
        rng, dates = self.rng, self.dates
        day = dates.local_date(submitted)
        service = rng.choice(item[7])
        place = community.name.removesuffix("居委会")
        need = story.add("need", {
            "id": self.w.id("need"), "community_id": community.id, "office_id": office.id, "item_code": item[0],
            "item_name": item[1], "title": f"{place}{rng.choice(words.NEED_OPENINGS)}{rng.choice(service[1].split())}",
            "description": words.paragraph(rng, service, place, 40, 140),
            "contact_phone": words.phone(rng) if rng.random() < 0.4 else None, "submitted_by_id": submitter[0],
            "status": "submitted", "submitted_at": submitted, "replied_at": None, "planned_at": None,
            "resolved_at": None, "declined_at": None, "closed_at": None,
            "reply_due_on": dates.add_working_days(day, REPLY_DAYS),
            "close_due_on": dates.add_working_days(day, CLOSE_DAYS), "reply_text": None, "decline_reason": None,
            "tender_id": None, "escalated_at": None, "escalated_to_id": None,
            "support_count": 0})
        self._update(story, need, "submitted", f"需求已提交，等待{office.name}答复", submitted, None)
        self.audit.record(submitted, "need.submitted", "need", need["id"], submitter,
                          {"community": community.code, "office": office.id, "item": item[0]})
        self.made += 1
        return need

    def _update(self, story, need, status, message, at, by, escalation=False) -> None:
        history = self.updates.setdefault(need["id"], [])
        history.append((at, len(history), status, message, by, escalation))

    def finish(self, story, needs) -> None:
        """Each need's updates, oldest first (the page lists them by id)."""
        for need in needs:
            for at, _n, status, message, by, escalation in sorted(self.updates.pop(need["id"], [])):
                story.add("need_update", {"id": self.w.id("need_update"), "need_id": need["id"], "status": status,
                                          "message": message, "created_at": at,
                                          "created_by_id": by[0] if by else None, "escalation": escalation})

    def _answer(self, story, need, status, message, at, by) -> None:
        need["status"] = status
        need[f"{status}_at"] = at
        if need["replied_at"] is None:
            need["replied_at"], need["reply_text"] = at, message
        if status in ("planned", "resolved", "declined"):
            need["closed_at"] = at
        if status == "declined":
            need["decline_reason"] = message
        self._update(story, need, status, message, at, by)
        self.audit.record(at, f"need.{status}", "need", need["id"], by, {"message": message,
                                                                         "tender": need["tender_id"]})

    def _submitter(self, community, before: datetime) -> tuple | None:
        living = [r for r in self.people.residents.get(community.code, []) if r[2] is not None and r[2] < before]
        if living and self.rng.random() < 0.75:
            return self.rng.choice(living)[:2]
        return self.people.grid_workers.get(community.parent.code)

    def _supports(self, story, need, community, until: datetime) -> None:
        rng = self.rng
        living = [r for r in self.people.residents.get(community.code, [])
                  if r[0] != need["submitted_by_id"] and r[2] is not None and r[2] < until]
        for user_id, _email, _verified in rng.sample(living, min(len(living), rng.choice((0, 0, 1, 2, 3, 5, 8)))):
            at = need["submitted_at"] + (until - need["submitted_at"]) * rng.random()
            story.add("need_support", {"id": self.w.id("need_support"), "need_id": need["id"], "user_id": user_id,
                                       "created_at": at.replace(microsecond=0)})
            need["support_count"] += 1

    def _escalate(self, story, need, office, reopened: datetime | None = None) -> None:
        """The job's rule: open and past the reply deadline unanswered, or past the close deadline — once (the
        first tick after it became overdue, or after it was given back overdue)."""
        dates, now = self.dates, self.dates.now
        if need["escalated_at"] is not None:
            return
        moments = []
        reply_late = dates.at(need["reply_due_on"] + timedelta(days=1), 0.05)
        if need["replied_at"] is None or need["replied_at"] > reply_late:
            moments.append((reply_late, "答复", need["reply_due_on"]))
        close_late = dates.at(need["close_due_on"] + timedelta(days=1), 0.05)
        if need["closed_at"] is None or need["closed_at"] > close_late:
            moments.append((close_late, "办结", need["close_due_on"]))
        if reopened is not None:
            moments = [(max(m[0], reopened + timedelta(minutes=5)), *m[1:]) for m in moments]
        moments = [m for m in moments if m[0] <= now and m[0] > need["submitted_at"]]
        if not moments:
            return
        at, kind, due = min(moments)
        district = self.places.body_of(office.region.parent, "civil_affairs")
        need["escalated_at"], need["escalated_to_id"] = at, district.id
        status = "replied" if need["replied_at"] is not None and need["replied_at"] <= at else "submitted"
        message = f"已超期（{kind}期限 {due.isoformat()}），已提请{district.name}督办"
        self._update(story, need, status, message, at, None, escalation=True)
        self.audit.record(at, "need.escalated", "need", need["id"], "system", {"to": district.id, "overdue": kind})

    # -- needs a tender answers ------------------------------------------------------------------------------

    def plan_for_tender(self, c, published: datetime) -> None:
        rng = self.rng
        if c.buyer.kind not in ("street_office", "township") or rng.random() >= 0.12:
            return
        communities = [r for r in c.regions if r.level == "community"]
        for community in communities[:rng.randint(1, 2)]:
            submitted = later(published, rng, -60, -10)
            if submitted < self.dates.start:
                continue
            submitter = self._submitter(community, submitted)
            if submitter is None:
                continue
            need = self._need(c.story, community, c.buyer, submitted, submitter, c.item)
            if rng.random() < 0.6:
                self._answer(c.story, need, "replied", rng.choice(words.NEED_REPLIES), later(submitted, rng, 0.2, 3),
                             c.officer)
            need["tender_id"] = c.t["id"]
            self._answer(c.story, need, "planned",
                         f"已纳入政府购买服务项目 {c.t['reference']} “{c.t['title']}”", published, c.officer)
            self._supports(c.story, need, community, published)
            self._escalate(c.story, need, c.buyer)
            c.needs.append(need)

    def reopen_for_tender(self, c, at: datetime, outcome: str) -> None:
        for need in c.needs:
            if need["status"] != "planned":
                continue
            need.update(status="replied", tender_id=None, closed_at=None)
            message = f"关联项目 {c.t['reference']} “{c.t['title']}”{outcome}，需求退回街道重新处理"
            self._update(c.story, need, "replied", message, at, None)
            self.audit.record(at, "need.replied", "need", need["id"], None, {"message": message, "tender": None})
            self._escalate(c.story, need, c.buyer, reopened=at)

    # -- needs on their own ----------------------------------------------------------------------------------

    def standalone(self, count: int, progress, story_factory) -> None:
        rng, dates, now = self.rng, self.dates, self.dates.now
        streets = self.places.streets
        span = (now - dates.start).total_seconds()
        for _ in range(count):
            story = story_factory()
            street = rng.choice(streets)
            community = rng.choice(street.children)
            office = street.bodies[0]
            officer = office.staff["buyer"][0]
            submitted = dates.start + timedelta(seconds=int(span * rng.random() ** 0.7))
            submitter = self._submitter(community, submitted)
            if submitter is None:
                progress(1)
                continue
            item = rng.choice(words.ITEMS)
            need = self._need(story, community, office, submitted, submitter, item)
            fate = rng.random()
            if fate < 0.5:
                replied = later(submitted, rng, 0.2, 5)
                if replied <= now:
                    self._answer(story, need, "replied", rng.choice(words.NEED_REPLIES), replied, officer)
                    closing = later(replied, rng, 1, 12)
                    outcome = rng.choices(("resolved", "declined", None), (55, 20, 25))[0]
                    if outcome and closing <= now:
                        text = rng.choice(words.RESOLVED if outcome == "resolved" else words.DECLINED)
                        self._answer(story, need, outcome, text, closing, officer)
            elif fate < 0.95:
                answered = later(submitted, rng, 0.5, 9)
                outcome = "resolved" if fate < 0.8 else "declined"
                if answered <= now:
                    text = rng.choice(words.RESOLVED if outcome == "resolved" else words.DECLINED)
                    self._answer(story, need, outcome, text, answered, officer)
            self._supports(story, need, community, need["closed_at"] or now)
            self._escalate(story, need, office)
            self.finish(story, [need])
            for table, row in story.rows:
                self.w.add(table, row)
            progress(1)
