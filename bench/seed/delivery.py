"""From the final award to the money: the contract and its signatures, milestones, outcome reports with their
versions, the residents' ratings and reviewers' marks, the evaluation (G, R, w and the final score computed by
`outcomes.scoring`, exactly as the close does), tranche payments with their double-entry postings, donations.

Like the tenders, each contract's delivery runs forward and stops at NOW: a contract signed last month has its
start report in draft, one from three years ago is completed, paid and rated.
"""

import json
from datetime import datetime, timedelta
from decimal import Decimal

from marketplace.contracts.services import add_months, milestone_plan, split_value
from marketplace.outcomes import scoring

from . import words
from .writer import later

TRANCHES = [40, 40, 20]  # contract.tranches default "40/40/20": start, mid-term, final
RESIDENT_WEIGHT, REVIEWER_WEIGHT, QUORUM, PASS = Decimal("0.70"), Decimal("0.50"), 10, Decimal("60")
WINDOW = timedelta(days=30)
PROGRESS = {"start": (0.25, 0.45), "midterm": (0.55, 0.8), "final": (0.85, 1.15)}


def _weights(count: int) -> list[int]:
    base, extra = divmod(100, count)
    return [base + (1 if n < extra else 0) for n in range(count)]


class Delivery:
    def __init__(self, writer, dates, places, people, audit, rng):
        self.w, self.dates, self.places, self.people, self.audit, self.rng = writer, dates, places, people, audit, rng
        self.payer_methods: set[int] = set()
        self.closed: set[int] = set()  # milestones whose evaluation closed (passed or failed)

    def _hex(self, n: int = 12) -> str:
        return self.rng.randbytes(n).hex()

    # -- the contract ------------------------------------------------------------------------------------------

    def contract(self, c, award: dict, bid: dict, final: datetime, proc) -> str:
        rng, dates, now, t, w = self.rng, self.dates, self.dates.now, c.t, self.w
        generated = later(final, rng, 0.2, 6)
        if generated > now:
            return "awarded"
        org = c.orgs[bid["organization_id"]]
        starts = dates.local_date(generated)
        ends = add_months(starts, t["term_months"]) - timedelta(days=1)
        content = json.loads(bid["opened_content"])
        cid = w.id("contract")
        signer = org.manager
        k = c.story.add("contract", {
            "id": cid, "reference": f"HT-{t['reference']}", "tender_id": t["id"], "award_id": award["id"],
            "buyer_id": c.buyer.id, "organization_id": org.id, "title": t["title"], "value": award["amount"],
            "term_months": t["term_months"], "term_justification": t["term_justification"], "starts_on": starts,
            "ends_on": ends, "service_area": "、".join(r.full_name for r in c.regions),
            "deliverables": t["deliverables"],
            "proposal_summary": "\n\n".join(f"【{p['criterion']}】{p['text']}" for p in content["proposals"]),
            "status": "awaiting_signatures", "version": 1, "created_at": generated,
            "sign_by": dates.local_date(award["confirmed_at"]) + timedelta(days=30), "sign_warning_at": None,
            "buyer_signed_at": None, "buyer_signed_by_id": None, "organization_signed_at": None,
            "organization_signed_by_id": None, "active_at": None, "completed_at": None, "terminated_at": None,
            "termination_reason": None})
        indicators = [c.story.add("contract_indicator", {
            "id": w.id("contract_indicator"), "contract_id": cid, "position": i["position"], "kind": i["kind"],
            "name": i["name"], "comparison": i["comparison"], "target": i["target"], "unit": i["unit"],
            "weight": weight, "rule": "linear"}) for i, weight in zip(c.indicators, _weights(len(c.indicators)),
                                                                       strict=True)]
        amounts = split_value(award["amount"], TRANCHES)
        milestones = [c.story.add("contract_milestone", {
            "id": w.id("contract_milestone"), "contract_id": cid, "position": n, "kind": kind.value, "due_on": due,
            "report_due_on": due + timedelta(days=15), "tranche_percent": percent, "tranche_amount": amount,
            "reminded_at": None, "evaluation_passed_at": None})
            for n, ((kind, due), percent, amount) in enumerate(zip(milestone_plan(starts, ends, 3), TRANCHES, amounts,
                                                                   strict=True))]
        org_signed, buyer_signed = later(generated, rng, 0.1, 4), later(generated, rng, 0.5, 7)
        if rng.random() < 0.01:  # the organization never signs; the buyer ends it after the sign-by day
            org_signed = now + timedelta(days=365)
        if org_signed <= now:
            k.update(organization_signed_at=org_signed, organization_signed_by_id=signer[0])
        if buyer_signed <= now:
            k.update(buyer_signed_at=buyer_signed, buyer_signed_by_id=c.officer[0])
        active = max(org_signed, buyer_signed)
        if active > now:
            warn = dates.at(k["sign_by"] + timedelta(days=1), 0.2)
            if warn <= now:
                k["sign_warning_at"] = warn
                self.audit.record(warn, "contract.sign_overdue", "contract", cid, None,
                                  {"sign_by": k["sign_by"].isoformat()})
                ended = later(warn, rng, 3, 15)
                if org_signed > now and ended <= now:
                    reason = "服务机构未在规定期限内签署合同，采购人终止合同"
                    k.update(status="terminated", terminated_at=ended, termination_reason=reason)
                    self.audit.record(ended, "contract.terminate", "contract", cid, c.officer,
                                      {"from": "awaiting_signatures", "to": "terminated", "reason": reason})
                    proc.contract_states["terminated"] += 1
                    return "awarded"
            proc.contract_states["awaiting_signatures"] += 1
            return "awarded"
        k.update(status="active", active_at=active)
        t.update(status="contracted", contracted_at=active)
        self.audit.record(active, "contract.sign", "contract", cid, c.officer, {"from": "awaiting_signatures",
                                                                                 "to": "active"})
        self.audit.record(active, "tender.contract", "tender", t["id"], c.officer, {"from": "awarded",
                                                                                     "to": "contracted"})
        state = self._deliver(c, k, org, indicators, milestones)
        proc.contract_states[state] += 1
        self._donations(c, k)
        return "contracted"

    # -- delivery ----------------------------------------------------------------------------------------------

    def _deliver(self, c, k: dict, org, indicators: list[dict], milestones: list[dict]) -> str:
        """Milestone by milestone until NOW; the contract ends completed (every stage passed), terminated (a
        failed stage, or something unforeseen), or is still active. Returns its state."""
        rng, dates, now = self.rng, self.dates, self.dates.now
        quality = rng.uniform(0.75, 1.08)
        ended = None
        if rng.random() < 0.012:
            ended = (later(k["active_at"], rng, 30, max(31, (k["ends_on"] - k["starts_on"]).days)), "unforeseen")
        served = [p for region in c.regions for p in ([region] if region.level == "community" else region.children)]
        pool = [r for p in served for r in self.people.residents.get(p.code, [])]
        # The residents who follow this project: most rate each stage, a few only some.
        pool = rng.sample(pool, min(len(pool), max(0, round(rng.gauss(10, 3)))))
        pseudonyms: dict[int, int] = {}
        passed, last_close = 0, None
        reached = 0
        for m in milestones:
            if ended is not None and m["due_on"] > dates.local_date(ended[0]):
                break
            reached += 1
            outcome = self._milestone(c, k, org, m, indicators, quality, pool, pseudonyms)
            if outcome is None:
                break
            result, closed = outcome
            if result is None:
                continue
            last_close = closed
            if result:
                passed += 1
            elif ended is None and rng.random() < 0.5:
                ended = (later(closed, rng, 5, 30), "failed")
        if ended is None and last_close is not None and milestones[-1]["evaluation_passed_at"] is not None \
                and passed == len(milestones):
            done = later(last_close, rng, 1, 20)
            if done <= now:
                k.update(status="completed", completed_at=done,
                         termination_reason="服务期满，各节点绩效评价合格，按期完成")
                self.audit.record(done, "contract.complete", "contract", k["id"], c.officer, {})
                return "completed"
        elif ended is None and milestones[-1]["id"] in self.closed:
            ended = (later(last_close, rng, 1, 20), "incomplete")
        if ended is not None and ended[0] <= now:
            for m in milestones:  # the reminder job skips contracts that are no longer running
                if m["reminded_at"] is not None and m["reminded_at"] > ended[0]:
                    m["reminded_at"] = None
            reason = {"unforeseen": words.TERMINATION_REASONS[2], "failed": words.TERMINATION_REASONS[1],
                      "incomplete": "服务期满，部分节点绩效评价不合格，按未完成终止"}[ended[1]]
            k.update(status="terminated", terminated_at=ended[0], termination_reason=reason)
            self.audit.record(ended[0], "contract.terminate", "contract", k["id"], c.officer, {"reason": reason})
            return "terminated"
        for m in milestones[reached:]:  # stages not reported yet still get the job's reminder
            self._remind(k, m, now + timedelta(days=1))
        if rng.random() < 0.04:
            self._amend(c, k)
        return "active"

    def _amend(self, c, k: dict) -> None:
        """A running contract's deliverables amended once, with its public rationale."""
        at = later(k["active_at"], self.rng, 10, 120)
        if at > self.dates.now:
            return
        before = k["deliverables"]
        k.update(deliverables=before + "\n增加节假日上门探访", version=2)
        c.story.add("contract_amendment", {
            "id": self.w.id("contract_amendment"), "contract_id": k["id"], "number": 1,
            "rationale": "根据服务对象需求变化，经双方协商补充服务内容",
            "changes": json.dumps([{"field": "deliverables", "before": before, "after": k["deliverables"]}],
                                  ensure_ascii=False), "created_at": at, "created_by_id": c.officer[0]})
        self.audit.record(at, "contract.amended", "contract", k["id"], c.officer,
                          {"number": 1, "version": 2, "fields": ["deliverables"]})

    def _milestone(self, c, k, org, m, indicators, quality, pool, pseudonyms):
        """The report, its review and evaluation, and the tranche of one milestone. None when the story stops
        here at NOW; else (passed?, closed at) — (None, None) while the evaluation is still open."""
        rng, dates, now, w, story = self.rng, self.dates, self.dates.now, self.w, c.story
        drafted = max(later(dates.at(m["due_on"]), rng, -10, -1), k["active_at"] + timedelta(hours=2))
        sent = max(dates.office_hours(rng, m["due_on"] + timedelta(days=rng.randint(-3, 22))),
                   drafted + timedelta(hours=1))
        self._remind(k, m, sent)
        if drafted > now:
            return None
        low, high = PROGRESS[m["kind"]]
        factor = rng.uniform(low, high) * (quality if m["kind"] == "final" else 1)
        rid = w.id("outcome_report")
        report = story.add("outcome_report", {
            "id": rid, "milestone_id": m["id"], "contract_id": k["id"], "status": "draft",
            "narrative": words.paragraph(rng, c.service, c.buyer.region.name, 60, 160), "late": None,
            "created_at": drafted, "updated_at": drafted, "submitted_at": None, "returned_at": None,
            "resubmitted_at": None, "accepted_at": None})
        actuals = {}
        for i in indicators:
            value = (i["target"] * Decimal(str(round(factor * rng.uniform(0.95, 1.05), 3)))).quantize(Decimal("0.01"))
            actuals[i["id"]] = value
            story.add("outcome_report_actual", {"id": w.id("outcome_report_actual"), "report_id": rid,
                                                "indicator_id": i["id"], "actual": value})
        groups = {g: int(rng.randint(20, 400) * factor) for g in rng.sample(c.item[9], len(c.item[9]))}
        for group, people in sorted(groups.items()):
            story.add("outcome_beneficiary_count", {"id": w.id("outcome_beneficiary_count"), "report_id": rid,
                                                    "group": group, "people": people})
        activities = []
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            held = m["due_on"] - timedelta(days=rng.randint(5, 60))
            activities.append(story.add("outcome_report_activity", {
                "id": w.id("outcome_report_activity"), "report_id": rid, "held_on": held,
                "title": f"{rng.choice(c.service[1].split())}活动", "participants": rng.randint(8, 120)}))
        content = json.dumps({
            "actuals": [{"indicator_id": i["id"], "name": i["name"], "actual": str(actuals[i["id"]]),
                         "target": str(i["target"]), "comparison": i["comparison"], "unit": i["unit"]}
                        for i in indicators],
            "beneficiaries": dict(sorted(groups.items())),
            "activities": [{"held_on": a["held_on"].isoformat(), "title": a["title"],
                            "participants": a["participants"]} for a in sorted(activities, key=lambda a: a["held_on"])],
            "narrative": report["narrative"], "evidence": []}, ensure_ascii=False, sort_keys=True)
        if sent > now:
            return None
        late = dates.local_date(sent) > m["report_due_on"]
        report.update(status="submitted", submitted_at=sent, late=late, updated_at=sent)
        version = self._version(c, rid, 1, content, sent, org, late)
        if rng.random() < 0.15:
            returned = later(sent, rng, 1, 7)
            if returned > now:
                return None
            comment = rng.choice(words.RETURN_COMMENTS)
            version.update(decision="returned", review_comments=comment, reviewed_at=returned,
                           reviewed_by_id=c.officer[0])
            report.update(status="returned", returned_at=returned)
            self.audit.record(returned, "outcome_report.returned", "outcome_report", rid, c.officer,
                              {"version": 1, "comments": comment})
            sent = later(returned, rng, 2, 10)
            if sent > now:
                return None
            version = self._version(c, rid, 2, content, sent, org, dates.local_date(sent) > m["report_due_on"])
            report.update(status="resubmitted", resubmitted_at=sent, updated_at=sent)
        accepted = later(sent, rng, 1, 7)
        if accepted > now:
            return None
        version.update(decision="accepted", reviewed_at=accepted, reviewed_by_id=c.officer[0])
        report.update(status="accepted", accepted_at=accepted)
        self.audit.record(accepted, "outcome_report.accepted", "outcome_report", rid, c.officer,
                          {"version": version["number"], "comments": None})
        return self._evaluation(c, k, m, indicators, actuals, accepted, pool, pseudonyms)

    def _remind(self, k: dict, m: dict, sent: datetime) -> None:
        """The reminder job's first tick once the report is due within 7 days, if it was not sent by then and the
        contract was still running."""
        at = self.dates.at(m["report_due_on"] - timedelta(days=7), 0.01)
        if at <= self.dates.now and sent > at and at >= k["active_at"]:
            m["reminded_at"] = at

    def _version(self, c, rid, number, content, sent, org, late) -> dict:
        return c.story.add("outcome_report_version", {
            "id": self.w.id("outcome_report_version"), "report_id": rid, "number": number, "content": content,
            "submitted_at": sent, "submitted_by_id": org.manager[0], "late": late, "decision": None,
            "review_comments": None, "reviewed_at": None, "reviewed_by_id": None})

    # -- evaluation and payment ----------------------------------------------------------------------------------

    def _evaluation(self, c, k, m, indicators, actuals, opened, pool, pseudonyms):
        rng, now, w, story = self.rng, self.dates.now, self.w, c.story
        points = [scoring.indicator_points(rule="linear", comparison=i["comparison"], target=i["target"],
                                           weight=i["weight"], actual=actuals[i["id"]]) for i in indicators]
        computed = scoring.government_score(points)
        ends = opened + WINDOW
        raters = [r for r in pool if rng.random() < 0.75 and r[2] is not None and r[2] < opened]
        extensions = 0
        if len(raters) < QUORUM:
            extensions, ends = 1, ends + timedelta(minutes=5) + WINDOW
        eid = w.id("outcome_evaluation")
        e = story.add("outcome_evaluation", {
            "id": eid, "milestone_id": m["id"], "contract_id": k["id"], "status": "rating", "rating_opened_at": opened,
            "rating_ends_at": ends, "extensions": 0, "computed_g": computed, "reviewer_weight": None,
            "reviewer_score": None, "reviewer_count": None, "government_score": None, "resident_weight": None,
            "quorum": None, "pass_score": None, "rating_count": None, "resident_score": None, "final_score": None,
            "provisional": None, "closed_at": None, "closed_by_id": None, "passed_at": None, "failed_at": None})
        if extensions and opened + WINDOW + timedelta(minutes=5) <= now:
            e["extensions"] = 1
        elif extensions:
            e["rating_ends_at"] = opened + WINDOW
        marks = []
        if rng.random() < 0.7:
            marked = later(opened, rng, 1, 25)
            if marked <= now:
                marks.append(self._mark(story, eid, c.officer, "buyer", c.officer, marked, marked))
        for expert in rng.sample(self.people.evaluators, rng.choice((0, 0, 1, 1, 2))):
            invited = later(opened, rng, 0.5, 3)
            if invited > now:
                continue
            marked = later(invited, rng, 1, 20)
            marks.append(self._mark(story, eid, expert, "expert", c.officer, invited, marked if marked <= now
                                    and rng.random() < 0.85 else None))
        scores = []
        for user_id, _email, _verified in raters:
            at = later(opened, rng, 0.1, (ends - opened).days - 0.1)
            if at > now:
                continue
            if user_id not in pseudonyms:
                pseudonyms[user_id] = story.add("outcome_pseudonym", {
                    "id": w.id("outcome_pseudonym"), "contract_id": k["id"], "user_id": user_id,
                    "number": len(pseudonyms) + 1})["id"]
            stars = rng.choices((1, 2, 3, 4, 5), (1, 2, 7, 36, 54))[0]
            scores.append(scoring.stars_to_score(stars))
            story.add("outcome_rating", {"id": w.id("outcome_rating"), "evaluation_id": eid, "milestone_id": m["id"],
                                         "user_id": user_id, "pseudonym_id": pseudonyms[user_id], "stars": stars,
                                         "comment": rng.choice(words.RATING_COMMENTS), "created_at": at})
        if e["rating_ends_at"] > now:
            return None, None
        # The close job's next tick (NOW at the latest: nothing is left for the job to do).
        closed = min(e["rating_ends_at"] + timedelta(minutes=rng.randint(1, 30)), now)
        government = scoring.GovernmentScore(indicators=computed, m=REVIEWER_WEIGHT,
                                             marks=tuple(x["score"] for x in marks if x["score"] is not None))
        result = scoring.Outcome(w=RESIDENT_WEIGHT, r=scoring.resident_score(scores), g=government.g,
                                 count=len(scores), quorum=QUORUM, pass_score=PASS, government=government)
        status = "passed" if result.passed else "failed"
        e.update(status=status, reviewer_weight=government.m, reviewer_score=government.mean,
                 reviewer_count=len(government.marks), government_score=government.g, resident_weight=result.w,
                 quorum=QUORUM, pass_score=PASS, rating_count=result.count, resident_score=result.r,
                 final_score=result.final, provisional=result.provisional, closed_at=closed,
                 **{f"{status}_at": closed})
        self.closed.add(m["id"])
        self.audit.record(closed, f"evaluation.{status}", "outcome_evaluation", eid, None,
                          {"final": str(result.final), "provisional": result.provisional,
                           "formula": result.formula()})
        if result.passed:
            m["evaluation_passed_at"] = closed
            self._tranche(c, k, m, closed)
        return result.passed, closed

    def _mark(self, story, eid, reviewer, kind, inviter, invited, marked) -> dict:
        rng = self.rng
        score = Decimal(rng.randint(55, 96)) if marked else None
        return story.add("outcome_reviewer_mark", {
            "id": self.w.id("outcome_reviewer_mark"), "evaluation_id": eid, "reviewer_id": reviewer[0], "kind": kind,
            "invited_by_id": inviter[0], "invited_at": invited, "score": score,
            "comment": rng.choice(words.MARK_COMMENTS) if marked else None, "no_conflict_at": marked,
            "marked_at": marked})

    def _tranche(self, c, k, m, passed: datetime) -> None:
        rng, now = self.rng, self.dates.now
        release = later(passed, rng, 1, 10)
        if release > now:
            return
        self._payer(c)
        attempt = 1
        if rng.random() < 0.04:
            self._payment(c, k, "tranche", m["tranche_amount"], release, milestone=m, attempt=1, fail=True)
            release, attempt = later(release, rng, 1, 5), 2
            if release > now:
                return
        self._payment(c, k, "tranche", m["tranche_amount"], release, milestone=m, attempt=attempt)

    def _payer(self, c) -> None:
        if c.buyer.id in self.payer_methods:
            return
        self.payer_methods.add(c.buyer.id)
        self.w.add("payment_payer_method", {
            "id": self.w.id("payment_payer_method"), "body_id": c.buyer.id, "stripe_customer_id": f"cus_{self._hex(7)}",
            "stripe_payment_method_id": f"pm_{self._hex(12)}", "updated_at": self.dates.reference,
            "updated_by_id": c.officer[0]})

    def _payment(self, c, k, kind, amount, at, *, milestone=None, attempt=1, fail=False, donor=None) -> None:
        rng, now, story = self.rng, self.dates.now, c.story
        pid = self.w.id("payment")
        token = self._hex(16) if kind == "donation" else None
        done = at + timedelta(seconds=rng.randint(60, 1800))
        row = story.add("payment", {
            "id": pid, "kind": kind, "status": "processing", "amount": amount, "currency": "cny",
            "contract_id": k["id"], "milestone_id": milestone["id"] if milestone else None, "attempt": attempt,
            "idempotency_key": f"tranche-{milestone['id']}-attempt-{attempt}" if milestone else f"donation-{token}",
            "stripe_payment_intent_id": f"pi_{self._hex()}", "checkout_session_id":
                f"cs_{self._hex()}" if kind == "donation" else None, "stripe_refund_id": None, "public_token": token,
            "failure_message": None, "donor_name": None, "anonymous": False, "donor_message": None,
            "donor_email": None, "released_by_id": c.officer[0] if milestone else None, "created_at": at,
            "updated_at": at, "processing_at": at, "succeeded_at": None, "failed_at": None, "refund_reason": None,
            "refund_requested_at": None, "refunded_by_id": None, "refunded_at": None, **(donor or {})})
        actor = c.officer if milestone else None
        if fail:
            row.update(status="failed", failed_at=at, processing_at=None, failure_message="Your card was declined.")
            self.audit.record(at, "payment.fail", "payment", pid, actor, {"kind": kind})
            return
        if done > now:
            return
        event = f"evt_{self._hex()}"
        row.update(status="succeeded", succeeded_at=done, updated_at=done)
        self.audit.record(done, "payment.succeed", "payment", pid, "stripe", {"kind": kind, "event": event})
        if milestone:
            debited, credited = f"organization:{k['organization_id']}", f"buyer:{k['buyer_id']}"
        else:
            debited, credited = "stripe:clearing", f"project:{k['id']}:donations"
        self._posting(story, pid, "received", debited, credited, amount, event, done)
        self._event(story, event, "payment_intent.succeeded" if milestone else "checkout.session.completed",
                    row, done)
        if not milestone and rng.random() < 0.1:
            asked = later(done, rng, 1, 20)
            refunded = asked + timedelta(minutes=rng.randint(2, 60))
            if refunded <= now:
                event = f"evt_{self._hex()}"
                row.update(status="refunded", refund_reason="捐赠人申请退款", refund_requested_at=asked,
                           refunded_by_id=self.people.admin[0], refunded_at=refunded, updated_at=refunded,
                           stripe_refund_id=f"re_{self._hex()}")
                self.audit.record(refunded, "payment.refund", "payment", pid, "stripe", {"event": event})
                self._posting(story, pid, "refunded", credited, debited, amount, event, refunded)
                self._event(story, event, "charge.refunded", row, refunded)

    def _posting(self, story, pid, posting, debited, credited, amount, event, at) -> None:
        for account, debit, credit in ((debited, amount, Decimal("0.00")), (credited, Decimal("0.00"), amount)):
            story.add("ledger_entry", {"id": self.w.id("ledger_entry"), "payment_id": pid, "posting": posting,
                                       "account": account, "debit": debit, "credit": credit,
                                       "stripe_event_id": event, "created_at": at})

    def _event(self, story, event_id: str, kind: str, payment: dict, at: datetime) -> None:
        fen = int(payment["amount"] * 100)
        obj = ({"id": payment["stripe_payment_intent_id"], "object": "payment_intent", "amount": fen,
                "currency": "cny", "metadata": {"payment_key": payment["idempotency_key"]}}
               if kind == "payment_intent.succeeded" else
               {"id": payment["checkout_session_id"], "object": "checkout.session", "payment_status": "paid",
                "amount_total": fen, "payment_intent": payment["stripe_payment_intent_id"]}
               if kind == "checkout.session.completed" else
               {"id": f"ch_{event_id[4:]}", "object": "charge", "refunded": True, "amount_refunded": fen,
                "payment_intent": payment["stripe_payment_intent_id"]})
        payload = json.dumps({"id": event_id, "type": kind, "data": {"object": obj}}, ensure_ascii=False)
        story.add("stripe_event", {"id": self.w.id("stripe_event"), "event_id": event_id, "type": kind,
                                   "payload": payload, "received_at": at, "processed_at": at,
                                   "result": "succeeded" if kind != "charge.refunded" else "refunded"})

    def _donations(self, c, k: dict) -> None:
        rng, now = self.rng, self.dates.now
        if rng.random() >= 0.03:
            return
        for _ in range(rng.randint(1, 4)):
            at = later(k["active_at"], rng, 1, 300)
            if at > now:
                continue
            anonymous = rng.random() < 0.3
            donor = {"donor_name": None if anonymous else rng.choice(words.DONORS), "anonymous": anonymous,
                     "donor_message": rng.choice(("加油！", "感谢社工们的付出", None)),
                     "donor_email": f"donor{self._hex(4)}@example.org"}
            self._payment(c, k, "donation", Decimal(rng.choice((50, 100, 200, 500, 1000, 2000, 5000))), at,
                          donor=donor)
