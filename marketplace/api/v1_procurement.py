"""/api/v1: tenders, awards, contracts, funded projects, milestones and outcome scores. Each list costs a fixed
number of queries whatever its page size (everything a row shows is loaded with the page)."""

import json

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.bids.models import Bid, Opening
from marketplace.contracts.models import Contract, ContractStatus, Milestone
from marketplace.evaluation import awards as award_rules
from marketplace.evaluation.models import Award
from marketplace.extensions import db
from marketplace.outcomes.models import Evaluation, EvaluationStatus, Rating
from marketplace.projects.queries import SIGNED, within
from marketplace.regions.models import GovernmentBody, Region
from marketplace.tenders.models import PUBLIC_STATES, Method, Tender, TenderStatus
from marketplace.tenders.queries import PAGE_LOAD as TENDER_PAGE_LOAD

from . import http
from . import schemas as s
from . import serialize as out
from .blueprint import bp
from .cursors import Sort, page
from .jsonvalues import day, moment, money, public_url
from .ocds.facts import PUBLIC_CONTRACT
from .ocds.releases import ocid_of
from .registry import Param, operation

REGION = Param("region", {"type": "string", "pattern": r"^\d{6}(\d{3}){0,2}$"},
               "区划代码：该地区及其下级（如 110101）；采购项目、合同按服务地区或采购单位所在地区")
CATEGORY = Param("item_code", {"type": "string", "pattern": r"^[A-Z][0-9A-Z]{0,15}$", "maxLength": 16},
                 "购买服务目录编码：该项及其下级（如 A10）")
YEAR = Param("year", {"type": "integer", "minimum": 2000, "maximum": 2100}, "年度")
BODY_LOAD = joinedload(Tender.buyer).joinedload(GovernmentBody.region)


def _region(code: str) -> Region | None:
    return db.session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()


def _in_region(query, column, code: str | None):
    """Rows whose region (through `column`, a region id) lies in the region with this code; none if unknown."""
    if not code:
        return query
    region = _region(code)
    if region is None:
        return query.where(False)
    return query.where(column.in_(select(Region.id).where(Region.code.startswith(region.code_prefix))))


def _tender_in_region(query, tender_id_column, code: str | None):
    """Rows of tenders inside the region by the rule of the web pages (/projects/, /stats/, the feeds): a place
    the tender serves lies there, or its buyer does. None if the code is unknown."""
    if not code:
        return query
    region = _region(code)
    if region is None:
        return query.where(False)
    return query.where(within(region, tender_id_column))


def _not_found(what: str):
    abort(http.error_response(404, f"no such {what}"))


# -- tenders ------------------------------------------------------------------------------------------------

TENDER_SORT = Sort("tenders", Tender.published_at, Tender.id)


@operation(bp, "/v1/tenders", summary="采购项目（已发布的招标）", tag="采购", response=s.page_of(s.TENDER),
           cursor=True, example="/api/v1/tenders?status=tendering&limit=5", params=[
               REGION, CATEGORY, YEAR,
               Param("status", {"type": "string", "enum": sorted(t.value for t in PUBLIC_STATES)}, "状态"),
               Param("method", {"type": "string", "enum": [m.value for m in Method]}, "采购方式")])
def tenders(args):
    query = select(Tender).where(Tender.published_at.is_not(None)).options(BODY_LOAD)
    query = _tender_in_region(query, Tender.id, args["region"])
    if args["item_code"]:
        query = query.where(Tender.item_code.startswith(args["item_code"]))
    if args["year"]:
        query = query.where(Tender.year == args["year"])
    if args["status"]:
        query = query.where(Tender.status == TenderStatus(args["status"]))
    if args["method"]:
        query = query.where(Tender.method == Method(args["method"]))
    return page(query, TENDER_SORT, args, "tenders", lambda rows: [out.tender(t) for t in rows],
                key_of=lambda t: t.published_at)


@operation(bp, "/v1/tenders/{tender_id}", summary="一个采购项目：公告、答疑、变更、开标记录、成交结果", tag="采购",
           response=s.TENDER_DETAIL, example="/api/v1/tenders/1",
           params=[Param("tender_id", {"type": "integer", "minimum": 1}, "项目 id", location="path", required=True)])
def tender(args, tender_id):
    t = db.session.execute(select(Tender).where(Tender.id == tender_id, Tender.published_at.is_not(None))
                           .options(*TENDER_PAGE_LOAD)).unique().scalar_one_or_none()
    if t is None:
        _not_found("tender")
    # Bids are sealed until opening: nothing of them is read before the opening record exists.
    opening = db.session.execute(select(Opening).where(Opening.tender_id == t.id)).scalar_one_or_none()
    notice = award_rules.public_award_context(t) if opening is not None else {}
    return out.tender_detail(t, opening, notice.get("award_history", []), notice.get("award_results", []),
                             notice.get("award_challenges", []))


# -- awards -------------------------------------------------------------------------------------------------

AWARD_SORT = Sort("awards", Award.noticed_at, Award.id)


@operation(bp, "/v1/awards", summary="成交结果（公示中、公示期满、已撤销）", tag="采购", response=s.page_of(s.AWARD),
           cursor=True, example="/api/v1/awards?status=final", params=[
               REGION, YEAR, Param("status", {"type": "string", "enum": ["noticed", "final", "cancelled"]}, "状态")])
def awards(args):
    query = (select(Award).join(Tender, Tender.id == Award.tender_id)
             .where(Tender.status.in_(award_rules.NOTICE_STATES))
             .options(joinedload(Award.tender), joinedload(Award.bid).joinedload(Bid.organization)))
    query = _tender_in_region(query, Award.tender_id, args["region"])
    if args["year"]:
        query = query.where(Tender.year == args["year"])
    if args["status"]:
        query = query.where(Award.status == args["status"])
    return page(query, AWARD_SORT, args, "awards", lambda rows: [out.award(a) for a in rows],
                key_of=lambda a: a.noticed_at)


# -- contracts and projects ---------------------------------------------------------------------------------

CONTRACT_SORT = Sort("contracts", Contract.id, Contract.id, kind="int")
CONTRACT_LOAD = [joinedload(Contract.buyer).joinedload(GovernmentBody.region), joinedload(Contract.organization),
                 joinedload(Contract.tender)]
CONTRACT_STATUS = Param("status", {"type": "string", "enum": [c.value for c in ContractStatus
                                                               if c != ContractStatus.awaiting_signatures]}, "状态")
ORGANIZATION = Param("organization", {"type": "integer", "minimum": 1}, "承接机构 id")


def _contracts_query(args, *, funded: bool = False):
    """Public contracts; `funded`: only those both sides signed (one terminated before signing funded nothing)."""
    query = select(Contract).join(Tender, Tender.id == Contract.tender_id).where(PUBLIC_CONTRACT) \
        .options(*CONTRACT_LOAD)
    if funded:
        query = query.where(SIGNED)
    query = _tender_in_region(query, Contract.tender_id, args.get("region"))
    if args.get("item_code"):
        query = query.where(Tender.item_code.startswith(args["item_code"]))
    if args.get("year"):
        query = query.where(Tender.year == args["year"])
    if args.get("status"):
        query = query.where(Contract.status == ContractStatus(args["status"]))
    if args.get("organization"):
        query = query.where(Contract.organization_id == args["organization"])
    return query


@operation(bp, "/v1/contracts", summary="公开的合同（已签署的，及未经签署即终止的）", tag="合同与项目",
           response=s.page_of(s.CONTRACT), cursor=True,
           example="/api/v1/contracts?status=active", params=[REGION, CATEGORY, YEAR, CONTRACT_STATUS, ORGANIZATION])
def contracts(args):
    return page(_contracts_query(args), CONTRACT_SORT, args, "contracts", lambda rows: [out.contract(c) for c in rows],
                key_of=lambda c: c.id)


def _paid(contract_ids: list[int]) -> dict:
    from marketplace.payments.models import Payment, PaymentKind, PaymentStatus

    if not contract_ids:
        return {}
    return dict(db.session.execute(select(Payment.contract_id, func.sum(Payment.amount)).where(
        Payment.contract_id.in_(contract_ids), Payment.kind == PaymentKind.tranche,
        Payment.status == PaymentStatus.succeeded).group_by(Payment.contract_id)).all())


def _scores(contract_ids: list[int]) -> dict[int, list[Evaluation]]:
    if not contract_ids:
        return {}
    rows = db.session.execute(select(Evaluation).where(Evaluation.contract_id.in_(contract_ids),
                                                       Evaluation.status != EvaluationStatus.rating)
                              # One statement whether or not the page's contracts have been scored yet.
                              .options(joinedload(Evaluation.ratings).joinedload(Rating.pseudonym),
                                       joinedload(Evaluation.marks))
                              .order_by(Evaluation.milestone_id)).unique().scalars().all()
    result: dict[int, list[Evaluation]] = {}
    for e in rows:
        result.setdefault(e.contract_id, []).append(e)
    return result


@operation(bp, "/v1/contracts/{contract_id}", summary="一份合同：里程碑、绩效指标、变更、评估得分与付款",
           tag="合同与项目", response=s.CONTRACT_DETAIL, example="/api/v1/contracts/1",
           params=[Param("contract_id", {"type": "integer", "minimum": 1}, "合同 id", location="path", required=True)])
def contract(args, contract_id):
    c = db.session.execute(select(Contract).where(Contract.id == contract_id, PUBLIC_CONTRACT)
                           .options(*CONTRACT_LOAD)).unique().scalar_one_or_none()
    if c is None:
        _not_found("contract")
    return {"contract": out.contract(c), "milestones": [out.milestone(m) for m in c.milestones],
            "indicators": [{"kind": i.kind.value, "name": i.name, "comparison": i.comparison,
                            "target": money(i.target), "unit": i.unit, "weight": i.weight, "rule": i.rule.value}
                           for i in c.indicators],
            "amendments": [{"number": a.number, "rationale": a.rationale, "created_at": moment(a.created_at),
                            "changes": json.loads(a.changes)} for a in c.amendments],
            "scores": [out.score(e) for e in _scores([c.id]).get(c.id, [])],
            "paid": money(_paid([c.id]).get(c.id, 0))}


@operation(bp, "/v1/projects", summary="获得资助的项目（已签约的采购项目）及其得分和已付金额", tag="合同与项目",
           response=s.page_of(s.PROJECT), cursor=True, example="/api/v1/projects?region=110101&year=2026",
           params=[REGION, CATEGORY, YEAR, CONTRACT_STATUS, ORGANIZATION])
def projects(args):
    def serialize(rows):
        ids = [c.id for c in rows]
        paid, scores = _paid(ids), _scores(ids)
        return [{"id": c.id, "contract": public_url("api.contract", contract_id=c.id), "title": c.title,
                 "ocid": ocid_of(c.tender),
                 "item_code": c.tender.item_code, "item_name": c.tender.item_name, "year": c.tender.year,
                 "region": out.region(c.buyer.region), "buyer": out.body(c.buyer),
                 "organization": out.org_ref(c.organization), "value": money(c.value),
                 "paid": money(paid.get(c.id, 0)), "status": c.status.value, "starts_on": day(c.starts_on),
                 "ends_on": day(c.ends_on),
                 "final_scores": [{"milestone_id": e.milestone_id, "final_score": money(e.final_score),
                                   "provisional": e.provisional} for e in scores.get(c.id, [])]} for c in rows]

    return page(_contracts_query(args, funded=True), Sort("projects", Contract.id, Contract.id, kind="int"), args,
                "projects", serialize, key_of=lambda c: c.id)


# -- milestones and scores ----------------------------------------------------------------------------------

@operation(bp, "/v1/milestones", summary="合同里程碑与付款节点", tag="合同与项目", response=s.page_of(s.MILESTONE),
           cursor=True, example="/api/v1/milestones?contract=1", params=[
               Param("contract", {"type": "integer", "minimum": 1}, "合同 id"),
               Param("met", {"type": "string", "enum": ["true", "false"]}, "是否已通过评估")])
def milestones(args):
    query = select(Milestone).join(Contract, Contract.id == Milestone.contract_id).where(PUBLIC_CONTRACT) \
        .options(joinedload(Milestone.contract).selectinload(Contract.milestones))
    if args["contract"]:
        query = query.where(Milestone.contract_id == args["contract"])
    if args["met"]:
        passed = Milestone.evaluation_passed_at.is_not(None)
        query = query.where(passed if args["met"] == "true" else ~passed)
    return page(query, Sort("milestones", Milestone.id, Milestone.id, descending=False, kind="int"), args,
                "milestones", lambda rows: [out.milestone(m) for m in rows], key_of=lambda m: m.id)


@operation(bp, "/v1/scores", summary="绩效评估得分：居民匿名评分、评审意见与计算参数（可复算）", tag="合同与项目",
           response=s.page_of(s.SCORE), cursor=True, example="/api/v1/scores?contract=1",
           params=[Param("contract", {"type": "integer", "minimum": 1}, "合同 id")])
def scores(args):
    query = (select(Evaluation).join(Contract, Contract.id == Evaluation.contract_id)
             .where(PUBLIC_CONTRACT, Evaluation.status != EvaluationStatus.rating)
             .options(selectinload(Evaluation.ratings).joinedload(Rating.pseudonym), selectinload(Evaluation.marks)))
    if args["contract"]:
        query = query.where(Evaluation.contract_id == args["contract"])
    return page(query, Sort("scores", Evaluation.closed_at, Evaluation.id), args, "scores",
                lambda rows: [out.score(e) for e in rows], key_of=lambda e: e.closed_at)

