"""Public dicts of the platform's objects. Only what the public pages show: never a contact, an account, an
e-mail, a sealed bid, a winning proposal or a resident's identity."""

import json
from decimal import Decimal

from marketplace.catalog.services import split_codes

from .jsonvalues import day, moment, money, public_url
from .ocds.releases import ocid_of


def region(r) -> dict:
    return {"code": r.code, "name": r.name}


def body(b) -> dict:
    return {"id": b.id, "name": b.name, "region": region(b.region)}


def org_ref(o) -> dict:
    return {"id": o.id, "name": o.name, "uscc": o.uscc}


def catalog(v) -> dict:
    return {"id": v.id, "issuer": body(v.issuer), "year": v.year, "kind": v.kind.value, "number": v.number,
            "title": v.title, "status": v.status.value, "published_at": moment(v.published_at),
            "superseded_at": moment(v.superseded_at), "items_url": public_url("api.catalog_items", catalog_id=v.id)}


def purchase_item(i) -> dict:
    return {"code": i.code, "parent_code": i.parent_code, "level": i.level, "name": i.name,
            "description": i.description, "unit_standard": i.unit_standard, "price_min": money(i.price_min),
            "price_max": money(i.price_max), "negative": i.negative, "negative_reason": i.negative_reason,
            "required_conditions": split_codes(i.required_conditions),
            "preferred_conditions": split_codes(i.preferred_conditions),
            "function_codes": split_codes(i.function_codes)}


def function_item(i) -> dict:
    return {"code": i.code, "department": i.department, "function_name": i.function_name,
            "transfer_mode": i.transfer_mode, "undertaker_type": i.undertaker_type,
            "agreement_start": day(i.agreement_start), "agreement_end": day(i.agreement_end),
            "guidance_years": i.guidance_years, "status": i.status.value, "taken_back_reason": i.taken_back_reason}


def condition(c) -> dict:
    return {"code": c.code, "text": c.text, "requirement": c.requirement.value, "rule": c.rule, "source": c.source}


def organization(o, grade: str | None) -> dict:
    return {"id": o.id, "name": o.name, "uscc": o.uscc, "org_type": o.org_type.value, "region": region(o.region),
            "registered_on": day(o.registered_on), "registering_authority": o.registering_authority,
            "status": o.status.value, "verified_at": moment(o.verified_at), "introduction": o.introduction,
            "service_fields": o.field_codes, "grade": grade,
            "url": public_url("api.organization", organization_id=o.id)}


def tender(t) -> dict:
    return {"id": t.id, "reference": t.reference, "ocid": ocid_of(t), "title": t.title, "status": t.status.value,
            "method": t.method.value, "item_code": t.item_code, "item_name": t.item_name, "year": t.year,
            "budget": money(t.budget), "currency": "CNY", "buyer": body(t.buyer),
            "published_at": moment(t.published_at), "deadline_at": moment(t.deadline_at),
            "awarded_at": moment(t.awarded_at), "contracted_at": moment(t.contracted_at),
            "cancelled_at": moment(t.cancelled_at), "unsuccessful_at": moment(t.unsuccessful_at),
            "url": public_url("api.tender", tender_id=t.id)}


def award(a) -> dict:
    return {"id": a.id, "tender_id": a.tender_id, "ocid": ocid_of(a.tender), "title": a.tender.title,
            "organization": org_ref(a.bid.organization), "amount": money(a.amount), "rank": a.rank,
            "status": a.status.value, "noticed_at": moment(a.noticed_at), "challenge_until": day(a.challenge_until),
            "final_at": moment(a.final_at), "cancelled_at": moment(a.cancelled_at), "cancel_reason": a.cancel_reason,
            "deviation_reason": a.deviation_reason}


def opening(o, entries: list[dict]) -> dict:
    return {"opened_at": moment(o.opened_at), "bid_count": o.bid_count, "prices_published": o.prices_published,
            "entries": [{"organization": e["organization"], "uscc": e["uscc"], "sha256": e["sha256"],
                         "matches": e["matches"], "submitted_at": e["submitted_at"],
                         "price": money(Decimal(str(e["price"]))) if o.prices_published and e.get("price") else None}
                        for e in entries]}


def tender_detail(t, opening_row, awards: list, results: list, challenges: list) -> dict:
    return {
        "tender": tender(t), "description": t.description, "deliverables": t.deliverables,
        "term_months": t.term_months, "term_start": day(t.term_start), "method_justification": t.method_justification,
        "regions": [region(r.region) for r in t.regions],
        "indicators": [{"kind": i.kind.value, "name": i.name, "comparison": i.comparison, "target": money(i.target),
                        "unit": i.unit} for i in t.indicators],
        "criteria": [{"name": c.name, "weight": c.weight, "description": c.description, "is_price": c.is_price}
                     for c in t.criteria],
        "conditions": [{"code": c.code, "required": c.required} for c in t.conditions],
        "documents": [{"id": d.id, "title": d.title, "sha256": d.sha256, "content_type": d.content_type,
                       "size": d.size, "amendment_number": d.amendment_number,
                       "url": public_url("tenders.document", tender_id=t.id, document_id=d.id)} for d in t.documents],
        "questions": [{"id": q.id, "asker": f"提问方 {q.pseudonym.number}", "text": q.text,
                       "asked_at": moment(q.asked_at), "answer": q.answer, "answered_at": moment(q.answered_at)}
                      for q in t.questions],
        "amendments": [{"number": a.number, "rationale": a.rationale, "created_at": moment(a.created_at),
                        "changes": json.loads(a.changes)} for a in t.amendments],
        "opening": opening(opening_row, json.loads(opening_row.entries)) if opening_row else None,
        "awards": [award(a) for a in awards],
        "results": [{"rank": r.rank, "organization": r.bid.organization.name, "price_score": money(r.price_score),
                     "technical_score": money(r.technical_score), "total": money(r.total)} for r in results],
        "challenges": [{"id": c.id, "filed_at": moment(c.filed_at), "grounds": c.grounds, "answer": c.answer,
                        "answered_at": moment(c.answered_at), "upheld": c.upheld} for c in challenges],
    }


def contract(c) -> dict:
    return {"id": c.id, "reference": c.reference, "tender_id": c.tender_id, "ocid": ocid_of(c.tender),
            "award_id": c.award_id, "title": c.title, "buyer": body(c.buyer), "organization": org_ref(c.organization),
            "value": money(c.value), "term_months": c.term_months, "starts_on": day(c.starts_on),
            "ends_on": day(c.ends_on), "status": c.status.value, "active_at": moment(c.active_at),
            "completed_at": moment(c.completed_at), "terminated_at": moment(c.terminated_at),
            "termination_reason": c.termination_reason, "service_area": c.service_area,
            "deliverables": c.deliverables, "url": public_url("api.contract", contract_id=c.id)}


def milestone(m) -> dict:
    return {"id": m.id, "contract_id": m.contract_id, "position": m.position, "kind": m.kind.value,
            "label": str(m.label), "due_on": day(m.due_on), "report_due_on": day(m.report_due_on),
            "tranche_percent": m.tranche_percent, "tranche_amount": money(m.tranche_amount),
            "evaluation_passed_at": moment(m.evaluation_passed_at)}


def score(e) -> dict:
    """A closed evaluation with everything needed to recompute it: anonymized ratings and reviewers' marks."""
    from marketplace.outcomes.models import REVIEWER_KIND_LABELS, ReviewerKind

    counters: dict = {}
    marks = []
    for m in e.marks:
        if m.score is None:
            continue
        counters[m.kind] = counters.get(m.kind, 0) + 1
        label = str(REVIEWER_KIND_LABELS[m.kind])
        marks.append({"reviewer": label if m.kind == ReviewerKind.buyer else f"{label} {counters[m.kind]}",
                      "kind": m.kind.value, "score": money(m.score), "comment": m.comment,
                      "date": day(m.marked_at and _local_date(m.marked_at))})
    return {"id": e.id, "contract_id": e.contract_id, "milestone_id": e.milestone_id, "status": e.status.value,
            "closed_at": moment(e.closed_at), "final_score": money(e.final_score), "pass_score": money(e.pass_score),
            "provisional": e.provisional, "resident_score": money(e.resident_score),
            "resident_weight": money(e.resident_weight), "government_score": money(e.government_score),
            "computed_g": money(e.computed_g), "reviewer_score": money(e.reviewer_score),
            "reviewer_weight": money(e.reviewer_weight), "quorum": e.quorum, "rating_count": e.rating_count,
            "ratings": [{"pseudonym": f"居民 {r.pseudonym.number}", "stars": r.stars, "score": r.score,
                         "comment": r.comment, "date": day(_local_date(r.created_at))} for r in e.ratings],
            "marks": marks}


def published_tenders(tender_ids) -> set[int]:
    from sqlalchemy import select

    from marketplace.extensions import db
    from marketplace.tenders.models import Tender

    ids = {i for i in tender_ids if i is not None}
    # Queried even when no need is linked, so a page costs the same statements whatever its rows.
    return set(db.session.execute(select(Tender.id).where(Tender.id.in_(ids), Tender.published_at.is_not(None)))
               .scalars())


def _local_date(moment_value):
    from marketplace.common import clock

    return clock.to_local(moment_value).date()


def need(n, published_tenders: set[int]) -> dict:
    """`published_tenders`: ids of published tenders among the needs' links. A need planned into a draft tender
    does not name it: the draft is not public (the need's page hides it too)."""
    return {"id": n.id, "title": n.title, "description": n.description, "item_code": n.item_code,
            "item_name": n.item_name, "community": region(n.community),
            "office": {"id": n.office.id, "name": n.office.name}, "status": n.status.value,
            "submitted_at": moment(n.submitted_at), "reply_due_on": day(n.reply_due_on),
            "close_due_on": day(n.close_due_on), "replied_at": moment(n.replied_at), "reply_text": n.reply_text,
            "closed_at": moment(n.closed_at), "decline_reason": n.decline_reason,
            "tender_id": n.tender_id if n.tender_id in published_tenders else None,
            "support_count": n.support_count}
