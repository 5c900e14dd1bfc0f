"""Atom feeds: /feeds/tenders.atom, /feeds/awards.atom, /feeds/projects.atom, each with ?region=&category=."""

from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import gettext as _

from marketplace.common import clock
from marketplace.common.money import format_cny
from marketplace.regions.services import region_by_code
from marketplace.tenders.models import TENDER_STATUS_LABELS

from . import atom, queries

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
SINCE = "2026"  # the year the platform first issued ids; part of every tag: URI, never to change


def _filters() -> dict:
    """Unknown regions and odd category codes narrow nothing rather than fail: a reader cannot fix a feed URL."""
    code = request.args.get("region", "").strip()
    category = request.args.get("category", "").strip().upper()
    return {"region": region_by_code(code) if code.isdigit() else None,
            "category": category if category.isalnum() and len(category) <= 16 else ""}


def _title(base: str, filters: dict) -> str:
    parts = [p for p in (filters["region"].name if filters["region"] else "", filters["category"]) if p]
    return _("%(feed)s（%(scope)s）", feed=base, scope=" · ".join(parts)) if parts else base


def _respond(name: str, title: str, alternate: str, entries: list[atom.Entry], filters: dict) -> Response:
    public_url = current_app.config["PUBLIC_URL"]
    scope = ",".join(f"{k}={v}" for k, v in sorted(request.args.items()) if k in ("region", "category") and v)
    body = atom.render(feed_id=atom.tag_uri(public_url, SINCE, f"feed/{name}" + (f"?{scope}" if scope else "")),
                       title=_title(title, filters), self_url=request.url, alternate_url=alternate,
                       updated=max((e.updated for e in entries), default=clock.now()), entries=entries)
    return Response(body, mimetype="application/atom+xml")


@bp.get("/tenders.atom")
def tenders():
    filters, public_url = _filters(), current_app.config["PUBLIC_URL"]
    entries = [atom.Entry(
        id=atom.tag_uri(public_url, SINCE, f"tender/{t.id}"), title=t.title, updated=queries.last_tender_change(t),
        published=t.published_at, link=url_for("tenders.show", tender_id=t.id, _external=True),
        summary=_("%(buyer)s · %(item)s · 预算 %(budget)s · %(status)s", buyer=t.buyer.name, item=t.item_name,
                  budget=format_cny(t.budget), status=TENDER_STATUS_LABELS[t.status]))
        for t in queries.tenders(filters)]
    return _respond("tenders", _("政社通 · 新发布的采购项目"), url_for("tenders.index", _external=True), entries,
                    filters)


@bp.get("/awards.atom")
def awards():
    filters, public_url = _filters(), current_app.config["PUBLIC_URL"]
    entries = [atom.Entry(
        id=atom.tag_uri(public_url, SINCE, f"award/{a.id}"),
        title=_("成交结果：%(title)s", title=a.tender.title), updated=queries.last_award_change(a),
        published=a.noticed_at, link=url_for("tenders.show", tender_id=a.tender_id, _anchor="award", _external=True),
        summary=_("成交供应商 %(org)s，成交金额 %(amount)s，质疑截止 %(day)s", org=a.bid.organization.name,
                  amount=format_cny(a.amount), day=a.challenge_until.isoformat()))
        for a in queries.awards(filters)]
    return _respond("awards", _("政社通 · 成交结果公示"), url_for("tenders.index", _external=True), entries, filters)


@bp.get("/projects.atom")
def projects():
    filters, public_url = _filters(), current_app.config["PUBLIC_URL"]
    entries = [atom.Entry(
        id=atom.tag_uri(public_url, SINCE, f"project/{c.tender_id}"), title=c.tender.title,
        updated=queries.last_change(c), published=c.active_at,
        link=url_for("projects.show", tender_id=c.tender_id, _external=True),
        summary=_("承接机构 %(org)s，合同金额 %(amount)s，服务期 %(start)s 至 %(end)s", org=c.organization.name,
                  amount=format_cny(c.value), start=c.starts_on.isoformat(), end=c.ends_on.isoformat()))
        for c in queries.projects(filters)]
    return _respond("projects", _("政社通 · 已立项项目"), url_for("projects.index", _external=True), entries,
                    filters)
