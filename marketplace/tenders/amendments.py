"""Amendments (变更公告) to a public tender: validated as a whole, versioned, shown publicly as a diff.

Live bids are flagged for re-confirmation and a deadline that is too close is pushed out.
"""

import difflib
import json
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.audit import services as audit
from marketplace.bids import services as bids
from marketplace.common import clock
from marketplace.common.money import format_cny
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.settings.services import get_setting

from . import policies, rules
from .models import Amendment, Tender
from .services import (
    _check_purchasable,
    _raise_first,
    add_document,
    clean_text,
    limits_for,
    parse_budget,
    tell_followers,
)

# Labels are looked up when shown, so each reader sees them in their own language.
AMENDABLE = {
    "title": _l("项目名称"), "description": _l("项目概述"), "deliverables": _l("服务内容与交付成果"),
    "budget": _l("预算"), "term_months": _l("服务期限（月）"), "term_start": _l("服务开始日期"),
    "questions_close_at": _l("提问截止时间"), "deadline_at": _l("投标截止时间"), "documents": _l("招标文件"),
}


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return clock.to_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal):
        return format_cny(value)
    return str(value)


def amendment_min_days(tender: Tender) -> int:
    return get_setting("tender.amendment_min_days", region=tender.buyer.region)


def _candidate(tender: Tender, field: str, raw):
    """The new value of one field, checked on its own; None when the form only echoed the old value."""
    if field not in AMENDABLE or field == "documents":
        raise DomainError(f"field {field} cannot be amended", field=field)
    new = clean_text(raw) if isinstance(raw, str) else raw
    if new is None or new == "":
        return None
    if field == "budget":
        new = parse_budget(new)
        _check_purchasable(tender.buyer, tender.year, tender.item_code, new, tender=tender)
        _raise_first(rules.method_problems(tender.method, new, tender.method_justification, limits_for(tender.buyer)))
    if field == "term_months":
        _raise_first(rules.term_problems(new, tender.term_justification))
    # Compared as shown: a form echoes times to the minute and text with its own line endings.
    return None if _shown(new) == _shown(getattr(tender, field)) else new


def amend(tender: Tender, values: dict, rationale: str, *, by,
          document: tuple[str, str, bytes] | None = None) -> Amendment:
    """Change a public tender. Every value is checked before any is applied, so a refusal changes nothing."""
    now = clock.now()
    if not policies.can_amend(by, tender, now):
        raise NotPermitted(_("只有招标期内、截止时间之前可以发布变更"))
    rationale = (rationale or "").strip()
    if not rationale:
        raise DomainError(_("请写明变更理由（将公开）"), field="rationale")
    with db.session.no_autoflush:
        new = {field: value for field, raw in values.items()
               if (value := _candidate(tender, field, raw)) is not None}
    if not new and document is None:
        raise DomainError(_("没有任何改动"), field="rationale")
    min_days = amendment_min_days(tender)
    deadline = new.get("deadline_at", tender.deadline_at)
    if deadline <= now:
        raise DomainError(_("投标截止时间不能早于现在"), field="deadline_at")
    deadline = rules.extended_deadline(deadline, now, min_days)
    questions = min(new.get("questions_close_at", tender.questions_close_at) or deadline, deadline)
    # The whole timetable still holds, measured from when the tender went public.
    _raise_first(rules.timetable_problems(tender.method, tender.published_at, tender.enquiry_until, questions,
                                          deadline, limits_for(tender.buyer)))
    extended = deadline != new.get("deadline_at", tender.deadline_at)
    changes = [{"field": field, "before": _shown(getattr(tender, field)), "after": _shown(value)}
               for field, value in new.items() if field not in ("deadline_at", "questions_close_at")]
    for field, value in (("questions_close_at", questions), ("deadline_at", deadline)):
        if _shown(value) != _shown(getattr(tender, field)):
            change = {"field": field, "before": _shown(getattr(tender, field)), "after": _shown(value)}
            if field == "deadline_at" and extended:
                change["extended_days"] = min_days
            changes.append(change)
    deadline_before = tender.deadline_at
    for field, value in new.items():
        setattr(tender, field, value)
    tender.questions_close_at, tender.deadline_at = questions, deadline
    tender.version += 1
    number = len(tender.amendments) + 1
    if document is not None:
        title, filename, content = document
        add_document(tender, title, filename, content, by=by, amendment_number=number)
        changes.append({"field": "documents", "before": "", "after": title or filename})
    amendment = Amendment(tender=tender, number=number, rationale=rationale,
                          changes=json.dumps(changes, ensure_ascii=False), deadline_before=deadline_before,
                          deadline_after=tender.deadline_at, created_at=now, created_by_id=getattr(by, "id", None))
    db.session.add(amendment)
    db.session.flush()
    audit.record(by, "tender.amended", tender, data={"number": number, "version": tender.version,
                                                     "fields": [c["field"] for c in changes]})
    bids.flag_for_reconfirmation(tender, amendment)
    tell_followers(tender, _("“%(title)s”发布第 %(n)d 号变更公告：%(rationale)s", title=tender.title, n=number,
                             rationale=rationale))
    return amendment


def amendment_changes(amendment: Amendment) -> list[dict]:
    """Each change with its label and note in the reader's language, and its lines marked, so a long text
    shows what was removed and added rather than all of it."""
    changes = json.loads(amendment.changes)
    for change in changes:
        change["label"] = str(AMENDABLE.get(change["field"], change["field"]))
        if change.get("extended_days"):
            change["note"] = _("距截止不足 %(n)d 日，截止时间顺延", n=change["extended_days"])
        before, after = change["before"].splitlines(), change["after"].splitlines()
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        change["before_lines"], change["after_lines"] = [], []
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            change["before_lines"] += [(op != "equal", line) for line in before[a1:a2]]
            change["after_lines"] += [(op != "equal", line) for line in after[b1:b2]]
    return changes
