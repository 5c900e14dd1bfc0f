"""Response schemas of the read API (JSON Schema 2020-12, as OpenAPI 3.1 uses). Objects are closed
(additionalProperties: false): the property test then notices any field the code adds without declaring it."""

from .registry import ref, schema

STR, INT, NUM, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
DATE, MOMENT, URL = {"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}, \
    {"type": "string", "format": "uri"}


def null(s: dict) -> dict:
    return {"anyOf": [s, {"type": "null"}]} if "$ref" in s or "anyOf" in s else {**s, "type": [s["type"], "null"]}


def obj(**properties) -> dict:
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def page_of(item: dict) -> dict:
    return obj(data=array(item), next_cursor=null(STR), next=null(URL))


ERROR = schema("Error", obj(error=obj(status=INT, message=STR)))
REGION = schema("RegionRef", obj(code=STR, name=STR))
BODY = schema("BodyRef", obj(id=INT, name=STR, region=REGION))
ORG_REF = schema("OrganizationRef", obj(id=INT, name=STR, uscc=STR))

CATALOG = schema("Catalog", obj(id=INT, issuer=BODY, year=INT, kind={"enum": ["function", "purchase",
                                                                             "qualification"]},
                                number=INT, title=STR, status={"enum": ["published", "superseded"]},
                                published_at=MOMENT, superseded_at=null(MOMENT), items_url=URL))
PURCHASE_ITEM = schema("PurchaseItem", obj(
    code=STR, parent_code=null(STR), level=INT, name=STR, description=null(STR), unit_standard=null(STR),
    price_min=null(NUM), price_max=null(NUM), negative=BOOL, negative_reason=null(STR),
    required_conditions=array(STR), preferred_conditions=array(STR), function_codes=array(STR)))
FUNCTION_ITEM = schema("FunctionItem", obj(
    code=STR, department=STR, function_name=STR, transfer_mode=STR, undertaker_type=STR,
    agreement_start=null(DATE), agreement_end=null(DATE), guidance_years=INT, status=STR,
    taken_back_reason=null(STR)))
CONDITION = schema("QualificationCondition", obj(code=STR, text=STR, requirement=STR, rule=STR, source=null(STR)))
CATALOG_ITEM = {"anyOf": [PURCHASE_ITEM, FUNCTION_ITEM, CONDITION]}

ORGANIZATION = schema("Organization", obj(
    id=INT, name=STR, uscc=STR, org_type=STR, region=REGION, registered_on=DATE, registering_authority=STR,
    status={"enum": ["verified", "suspended", "revoked"]}, verified_at=null(MOMENT), introduction=null(STR),
    service_fields=array(STR), grade=null(STR), url=URL))

TENDER = schema("Tender", obj(
    id=INT, reference=STR, ocid=STR, title=STR, status=STR, method=STR, item_code=STR, item_name=STR, year=INT,
    budget=NUM, currency={"const": "CNY"}, buyer=BODY, published_at=MOMENT, deadline_at=null(MOMENT),
    awarded_at=null(MOMENT), contracted_at=null(MOMENT), cancelled_at=null(MOMENT),
    unsuccessful_at=null(MOMENT), url=URL))
OPENING = schema("Opening", obj(opened_at=MOMENT, bid_count=INT, prices_published=BOOL, entries=array(obj(
    organization=STR, uscc=STR, sha256=STR, matches=BOOL, submitted_at=STR, price=null(NUM)))))
AWARD = schema("Award", obj(
    id=INT, tender_id=INT, ocid=STR, title=STR, organization=ORG_REF, amount=NUM, rank=INT, status=STR,
    noticed_at=MOMENT, challenge_until=DATE, final_at=null(MOMENT), cancelled_at=null(MOMENT),
    cancel_reason=null(STR), deviation_reason=null(STR)))
TENDER_DETAIL = schema("TenderDetail", obj(
    tender=TENDER, description=STR, deliverables=STR, term_months=INT, term_start=null(DATE),
    method_justification=null(STR), regions=array(REGION),
    indicators=array(obj(kind=STR, name=STR, comparison=STR, target=NUM, unit=STR)),
    criteria=array(obj(name=STR, weight=INT, description=STR, is_price=BOOL)),
    conditions=array(obj(code=STR, required=BOOL)),
    documents=array(obj(id=INT, title=STR, sha256=STR, content_type=STR, size=INT, amendment_number=null(INT),
                        url=URL)),
    questions=array(obj(id=INT, asker=STR, text=STR, asked_at=MOMENT, answer=null(STR), answered_at=null(MOMENT))),
    amendments=array(obj(number=INT, rationale=STR, created_at=MOMENT,
                         changes=array({"type": "object"}))),
    opening=null(OPENING),
    awards=array(AWARD),
    results=array(obj(rank=INT, organization=STR, price_score=NUM, technical_score=NUM, total=NUM)),
    challenges=array(obj(id=INT, filed_at=MOMENT, grounds=STR, answer=null(STR), answered_at=null(MOMENT),
                         upheld=null(BOOL)))))

CONTRACT = schema("Contract", obj(
    id=INT, reference=STR, tender_id=INT, ocid=STR, award_id=INT, title=STR, buyer=BODY, organization=ORG_REF,
    value=NUM, term_months=INT, starts_on=DATE, ends_on=DATE, status=STR, active_at=null(MOMENT),
    completed_at=null(MOMENT), terminated_at=null(MOMENT), termination_reason=null(STR), service_area=STR,
    deliverables=STR, url=URL))
MILESTONE = schema("Milestone", obj(
    id=INT, contract_id=INT, position=INT, kind=STR, label=STR, due_on=DATE, report_due_on=DATE,
    tranche_percent=INT, tranche_amount=NUM, evaluation_passed_at=null(MOMENT)))
SCORE = schema("OutcomeScore", obj(
    id=INT, contract_id=INT, milestone_id=INT, status={"enum": ["passed", "failed"]}, closed_at=MOMENT,
    final_score=NUM, pass_score=null(NUM), provisional=null(BOOL), resident_score=null(NUM),
    resident_weight=NUM, government_score=NUM, computed_g=NUM, reviewer_score=null(NUM), reviewer_weight=null(NUM),
    quorum=null(INT), rating_count=null(INT),
    ratings=array(obj(pseudonym=STR, stars=INT, score=INT, comment=null(STR), date=DATE)),
    marks=array(obj(reviewer=STR, kind=STR, score=NUM, comment=null(STR), date=DATE))))
CONTRACT_DETAIL = schema("ContractDetail", obj(
    contract=CONTRACT, milestones=array(MILESTONE),
    indicators=array(obj(kind=STR, name=STR, comparison=STR, target=NUM, unit=STR, weight=INT, rule=STR)),
    amendments=array(obj(number=INT, rationale=STR, created_at=MOMENT, changes=array({"type": "object"}))),
    scores=array(SCORE), paid=NUM))
PROJECT = schema("Project", obj(
    id=INT, contract=URL, title=STR, ocid=STR, item_code=STR, item_name=STR, year=INT, region=REGION, buyer=BODY,
    organization=ORG_REF, value=NUM, paid=NUM, status=STR, starts_on=DATE, ends_on=DATE,
    final_scores=array(obj(milestone_id=INT, final_score=NUM, provisional=null(BOOL)))))
NEED = schema("Need", obj(
    id=INT, title=STR, description=STR, item_code=STR, item_name=STR, community=REGION,
    office=obj(id=INT, name=STR), status=STR, submitted_at=MOMENT, reply_due_on=DATE, close_due_on=DATE,
    replied_at=null(MOMENT), reply_text=null(STR), closed_at=null(MOMENT), decline_reason=null(STR),
    tender_id=null(INT), support_count=INT))
AMOUNT_ROW = obj(key=STR, name=STR, contracts=INT, value=NUM)
STATISTICS = schema("Statistics", obj(
    tenders_by_status={"type": "object", "additionalProperties": INT},
    spend_by_category=array(AMOUNT_ROW), spend_by_year=array(AMOUNT_ROW), spend_by_region=array(AMOUNT_ROW),
    organizations_by_grade={"type": "object", "additionalProperties": INT},
    paid_total=NUM, as_of=MOMENT))
CHANGE = schema("Change", obj(seq=INT, at=MOMENT, type=STR, id=INT, action=STR, url=null(URL)))
CHANGES = schema("ChangePage", obj(data=array(CHANGE), next_cursor=STR, next=URL))
ROOT = schema("AuditRoot", obj(date=DATE, seq=INT, hash=STR))
ROOTS = schema("AuditRoots", obj(data=array(ROOT)))
OPENAPI = schema("OpenApiDocument", {"type": "object", "required": ["openapi", "paths"]})
INDEX = schema("ApiIndex", obj(name=STR, openapi=URL, documentation=URL, operations=array(obj(
    path=STR, summary=STR, example=null(STR)))))

__all__ = ["ref", "ERROR"]
