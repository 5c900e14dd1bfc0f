"""From the deadline to the award: the opening record, 废标 when too few valid bids, the panel (with the odd
conflicted member replaced), scores and frozen results ranked by `evaluation.scoring`, the award notice, challenges
and the end of the standstill; a final award goes on to the contract (`delivery.py`)."""

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from marketplace.evaluation import scoring
from marketplace.tenders.models import METHOD_LABELS, Method

from . import words
from .writer import later

VERDICTS = ("方案完整", "针对性强", "基本满足要求", "略显笼统")

if TYPE_CHECKING:  # the story a tender is told with
    from .procurement import Context


def min_bids(method: str) -> int:
    return 1 if method == "single_source" else 2 if method == "consultation" else 3


class Awarding:
    """Part of `procurement.Procurement`."""

    # -- opening, evaluation, award ---------------------------------------------------------------------------

    def _open(self, c: "Context", bids: list[dict], at: datetime) -> str:
        t = c.t
        t.update(status="evaluation", evaluation_at=at)
        live = sorted((b for b in bids if b["status"] == "submitted"), key=lambda b: b["id"])
        prices = t["method"] in ("open", "invited")
        entries = []
        for bid in live:
            text = c.plain[bid["id"]]
            bid.update(status="opened", opened_at=at, opened_content=text, opened_sha256=bid["content_sha256"],
                       price=Decimal(json.loads(text)["price"]))
            org = c.orgs[bid["organization_id"]]
            entry = {"bid": bid["id"], "organization": org.name, "uscc": org.uscc, "sha256": bid["content_sha256"],
                     "matches": True, "submitted_at": bid["submitted_at"].isoformat(timespec="seconds")}
            if prices:
                entry["price"] = str(bid["price"])
            entries.append(entry)
        if c.seal_key is not None:
            c.seal_key["released_at"] = at
        c.story.add("bid_opening", {"id": self.w.id("bid_opening"), "tender_id": t["id"], "opened_at": at,
                                    "bid_count": len(live), "prices_published": prices,
                                    "entries": json.dumps(entries, ensure_ascii=False)})
        self.audit.record(at, "tender.opened", "tender", t["id"], None,
                          {"bids": len(live), "hashes": [e["sha256"] for e in entries]})
        minimum = min_bids(t["method"])
        if len(live) < minimum:
            reason = f"有效投标 {len(live)} 家，少于{METHOD_LABELS[Method(t['method'])]}要求的 {minimum} 家"
            return self._fail(c, at, reason, {"from": "evaluation", "valid_bids": len(live), "minimum": minimum})
        return self._evaluate(c, live, at)

    def _fail(self, c, at: datetime, reason: str, data: dict) -> str:
        """`data` as tenders.services writes it: the state it left and either the bid counts or the reason."""
        c.t.update(status="unsuccessful", unsuccessful_at=at, unsuccessful_reason=reason)
        self.audit.record(at, "tender.fail", "tender", c.t["id"], None, {**data, "to": "unsuccessful"})
        self.needs.reopen_for_tender(c, at, f"废标（{reason}）")
        return "unsuccessful"

    def _evaluate(self, c: "Context", opened: list[dict], at: datetime) -> str:
        rng, now, t = self.rng, self.dates.now, c.t
        cancel_at = later(at, rng, 0.5, 3) if c.cancel_stage == "evaluation" else None
        if cancel_at is not None and cancel_at <= now:
            now = cancel_at
        panel = rng.sample(self.people.evaluators, min(4, len(self.people.evaluators)))
        members, done = [], []
        for evaluator in panel[:3]:
            assigned = later(t["published_at"], rng, 0.5, max(1, (at - t["published_at"]).days - 1))
            members.append(c.story.add("panel_member", {
                "id": self.w.id("panel_member"), "tender_id": t["id"], "user_id": evaluator[0],
                "assigned_at": assigned, "assigned_by_id": c.officer[0], "replaces_id": None, "declared_at": None,
                "conflicted": False, "conflict_note": None, "excluded_at": None, "submitted_at": None}))
        declared = later(at, rng, 0.05, 1)
        if len(panel) > 3 and rng.random() < 0.04 and declared + timedelta(days=1) <= now:
            first = members[0]  # declares a conflict, steps down and is replaced
            first.update(declared_at=declared, conflicted=True, excluded_at=declared,
                         conflict_note="与投标机构负责人系近亲属关系")
            members.append(c.story.add("panel_member", {
                "id": self.w.id("panel_member"), "tender_id": t["id"], "user_id": panel[3][0],
                "assigned_at": later(declared, rng, 0.1, 0.9), "assigned_by_id": c.officer[0],
                "replaces_id": first["id"], "declared_at": None, "conflicted": False, "conflict_note": None,
                "excluded_at": None, "submitted_at": None}))
        valid = list(opened)
        if len(valid) >= 2:
            for bid in list(valid):
                if rng.random() < 0.05 and len(valid) > 1 and at + timedelta(days=1) <= now:
                    bid.update(status="disqualified", disqualified_at=later(at, rng, 0.1, 0.9),
                               disqualify_reason=rng.choice(words.DISQUALIFY_REASONS))
                    valid.remove(bid)
        technical = [cr for cr in c.criteria if not cr["is_price"]]
        quality = {b["id"]: rng.uniform(0.62, 0.97) for b in valid}
        results_at = at
        for member in members:
            if member["conflicted"]:
                continue
            start = max(at, member["assigned_at"])
            member["declared_at"] = later(start, rng, 0.05, 1.2)
            submitted = later(member["declared_at"], rng, 0.3, 6)
            results_at = max(results_at, submitted)
            if member["declared_at"] > now:
                member["declared_at"] = None
                continue
            if submitted > now:
                continue
            member["submitted_at"] = submitted
            sums = {}
            for bid in valid:
                for criterion in technical:
                    weight = criterion["weight"]
                    points = min(Decimal(weight), (Decimal(weight) * Decimal(str(quality[bid["id"]]
                                                                                  + rng.uniform(-0.06, 0.06)))
                                                   * 2).quantize(Decimal("1")) / 2)
                    sums[bid["id"]] = sums.get(bid["id"], Decimal(0)) + points
                    c.story.add("evaluation_score", {
                        "id": self.w.id("evaluation_score"), "member_id": member["id"], "bid_id": bid["id"],
                        "criterion_id": criterion["id"], "points": max(points, Decimal(0)),
                        "justification": f"{criterion['name']}：{rng.choice(VERDICTS)}",
                        "updated_at": submitted - timedelta(minutes=rng.randint(5, 600))})
            done.append(sums)
        if cancel_at is not None and cancel_at <= self.dates.now:
            return self._cancel(c, cancel_at, "evaluation")
        if results_at > now or not valid:
            return "evaluation"
        price_weight = next(cr["weight"] for cr in c.criteria if cr["is_price"])
        lowest = min(b["price"] for b in valid)
        standings = [scoring.Standing(b["id"], b["price"], b["submitted_at"],
                                      scoring.price_score(lowest, b["price"], price_weight),
                                      scoring.technical_score([s[b["id"]] for s in done]))
                     for b in valid]
        ranking = scoring.ranking(standings)
        for rank, s in ranking:
            c.story.add("bid_result", {"id": self.w.id("bid_result"), "tender_id": t["id"], "bid_id": s.bid_id,
                                       "price_score": s.price_score, "technical_score": s.technical_score,
                                       "total": s.total, "rank": rank, "computed_at": results_at})
        awarded = later(results_at, rng, 0.3, 5)
        if awarded > now:
            return "evaluation"
        by_id = {b["id"]: b for b in valid}
        c.ranked = [(rank, by_id[s.bid_id]) for rank, s in ranking]
        return self._award(c, awarded)

    def _award(self, c: "Context", at: datetime) -> str:
        rng, now, t = self.rng, self.dates.now, c.t
        rank, bid = c.ranked[0]
        deviation = None
        if len(c.ranked) > 1 and rng.random() < 0.03:
            rank, bid = c.ranked[1]
            deviation = "排名第一的供应商承诺的项目负责人已调离，经采购人确认由排名第二的供应商成交"
        t.update(status="awarded", awarded_at=at)
        award = self._notice(c, bid, rank, deviation, at)
        self.audit.record(at, "tender.award", "tender", t["id"], c.officer, {"award": award["id"], "bid": bid["id"],
                                                                              "rank": rank})
        while True:
            final = self._standstill(c, award, bid, rank)
            if final == "cancelled":
                return "cancelled"
            if isinstance(final, tuple):  # an upheld challenge: the next valid bid ranked below it, or 废标
                upheld_at = final[1]
                below = [(r, b) for r, b in c.ranked if r > rank]
                if not below:
                    reason = "质疑成立，成交结果撤销，且无其他有效投标可依次递补"
                    return self._fail(c, upheld_at, reason, {"from": "awarded", "reason": reason})
                rank, bid = below[0]
                noticed = later(upheld_at, rng, 0.3, 3)
                if noticed > now:
                    return "awarded"
                award = self._notice(c, bid, rank, "原成交结果因质疑成立被撤销，依次递补排名在后的有效投标", noticed)
                continue
            if final is None:
                return "awarded"
            break
        return self.delivery.contract(c, award, bid, final, self)

    def _notice(self, c, bid: dict, rank: int, deviation: str | None, at: datetime) -> dict:
        dates, today = self.dates, self.dates.local_date(at)
        award = c.story.add("award", {
            "id": self.w.id("award"), "tender_id": c.t["id"], "bid_id": bid["id"], "rank": rank,
            "amount": bid["price"], "status": "noticed", "deviation_reason": deviation, "confirmed_at": at,
            "confirmed_by_id": c.officer[0], "noticed_at": at, "notice_due_on": dates.add_working_days(today, 2),
            "challenge_until": dates.add_working_days(today, 7), "cancelled_at": None, "cancel_reason": None,
            "final_at": None})
        self.audit.record(at, "award.noticed", "award", award["id"], c.officer,
                          {"tender": c.t["id"], "bid": bid["id"], "rank": rank, "amount": str(bid["price"])})
        return award

    def _standstill(self, c, award: dict, bid: dict, rank: int):
        """None while the standstill runs at NOW; the moment it became final; ("upheld", when) after an upheld
        challenge; "cancelled" when the buyer withdrew the tender during it."""
        rng, dates, now = self.rng, self.dates, self.dates.now
        # The finalize job's first tick after midnight of the day after the last day to challenge.
        end = dates.at(award["challenge_until"] + timedelta(days=1), rng.uniform(0.02, 0.5))
        last_answer = None
        losers = [b for r, b in c.ranked if b is not bid]
        if losers and rng.random() < 0.06:
            challenger = rng.choice(losers)
            filed = later(award["noticed_at"], rng, 0.2, max(0.3, (dates.at(award["challenge_until"], 17)
                                                                   - award["noticed_at"]).days))
            if filed <= now:
                org = c.orgs[challenger["organization_id"]]
                answered = later(filed, rng, 1, 6)
                upheld = rng.random() < 0.2
                done = answered <= now
                c.story.add("challenge", {
                    "id": self.w.id("challenge"), "award_id": award["id"], "bid_id": challenger["id"],
                    "filed_by_id": org.manager[0], "grounds": rng.choice(words.CHALLENGE_GROUNDS), "filed_at": filed,
                    "answer_due_on": dates.add_working_days(dates.local_date(filed), 7),
                    "answer": words.CHALLENGE_ANSWERS[upheld] if done else None, "upheld": upheld if done else None,
                    "answered_at": answered if done else None, "answered_by_id": c.officer[0] if done else None,
                    "document_name": None, "document_sha256": None, "document_type": None})
                self.audit.record(filed, "award.challenged", "award", award["id"], org.manager,
                                  {"tender": c.t["id"], "bid": challenger["id"]})
                if not done:
                    return None
                self.audit.record(answered, "award.challenge_answered", "award", award["id"], c.officer,
                                  {"upheld": upheld})
                if upheld:
                    award.update(status="cancelled", cancelled_at=answered, cancel_reason="质疑成立，成交结果撤销")
                    self.audit.record(answered, "award.cancel", "award", award["id"], c.officer, {})
                    return ("upheld", answered)
                last_answer = answered
        if c.cancel_stage == "awarded":
            at = later(award["noticed_at"], rng, 0.5, 5)
            if at <= now and at < end:
                award.update(status="cancelled", cancelled_at=at, cancel_reason="项目已终止")
                self._cancel(c, at, "awarded")
                award["cancel_reason"] = f"项目已终止：{c.t['cancel_reason']}"
                return "cancelled"
        final = max(end, last_answer or end)
        if final > now:
            return None
        award.update(status="final", final_at=final)
        self.audit.record(final, "award.finalize", "award", award["id"], None, {"tender": c.t["id"]})
        return final
