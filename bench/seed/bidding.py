"""Bids on a tender: drafts and submissions sealed under the tender's key (Fernet, as `bids.sealing` seals them),
the canonical text whose hash is the receipt, replacements, withdrawals and the re-confirmation an amendment asks
for. Nothing but ciphertext until the opening (`awarding.py`) copies the canonical text into `opened_content`."""

import hashlib
import json
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from marketplace.common.money import CENT

from . import words
from .people import Org
from .writer import fernet_token, later, new_key

if TYPE_CHECKING:  # the story a tender is told with
    from .procurement import Context


def round2(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class Bidding:
    """Part of `procurement.Procurement`."""

    # -- bids ----------------------------------------------------------------------------------------------

    def _bids(self, c: "Context", opens: datetime, deadline: datetime, amendment: datetime | None) -> list[dict]:
        rng, now, t = self.rng, c.limit, c.t
        wanted = c.bid_count
        if wanted is None:
            wanted = 1 if t["method"] == "single_source" else rng.choices(
                (0, 1, 2, 3, 4, 5, 6), (2, 4, 38, 32, 15, 7, 2) if t["method"] == "consultation"
                else (1, 3, 8, 46, 26, 11, 5))[0]
        extras = [kind for kind, p in (("withdrawn", 0.06), ("draft", 0.12)) if rng.random() < p]
        orgs = self.people.bidders(c.district, opens, wanted + len(extras))
        if not orgs:
            return []
        c.orgs.update((org.id, org) for org in orgs)
        span = max((deadline - opens).total_seconds() - 7200, 3600)
        c.key = new_key(rng)
        first = min(opens + timedelta(seconds=rng.randrange(int(span) // 2)), now)
        c.story.add("tender_seal_key", {
            "id": self.w.id("tender_seal_key"), "tender_id": t["id"],
            "wrapped_key": fernet_token(self.master, c.key, first, rng.randbytes(16)),
            "created_at": first, "released_at": None})
        c.seal_key = c.story.rows[-1][1]
        bids = []
        for n, org in enumerate(orgs):
            kind = extras[n - wanted] if n >= wanted else "live"
            drafted = first + timedelta(seconds=rng.randrange(int(span) // 2))
            sent = drafted + timedelta(seconds=rng.randrange(3600, max(3601, int((deadline - drafted).total_seconds())
                                                                       - 3600)))
            if drafted > now:
                continue
            price = self._price(t["budget"])
            content = self._content(c, org, price)
            if kind == "draft" or sent > now:
                bids.append(self._draft(c, org, content, drafted))
                continue
            if kind == "live" and rng.random() < 0.08 and sent - drafted > timedelta(days=2):
                earlier = drafted + (sent - drafted) / 2
                bids.extend(self._submit_replaced(c, org, content, drafted, earlier.replace(microsecond=0), sent))
                continue
            bid = self._submit(c, org, content, drafted, sent)
            if amendment is not None and sent < amendment:
                self._flag(c, bid, amendment, deadline)
            if kind == "withdrawn":
                gone = later(sent, rng, 0.1, max(0.2, (deadline - sent).days - 0.2))
                if gone <= now and gone < deadline:
                    bid.update(status="withdrawn", withdrawn_at=gone)
            bids.append(bid)
        return bids

    def _price(self, budget: Decimal) -> Decimal:
        return (budget * Decimal(self.rng.randint(820, 999)) / 1000).quantize(Decimal("100"))

    def _content(self, c: "Context", org: Org, price: Decimal) -> dict:
        rng = self.rng
        staff = round2(price * Decimal("0.7"))
        team = [{"name": m["name"], "role": role, "certificate_no": m["certificate_no"], "level": m["level"]}
                for m, role in zip(org.team, words.TEAM_ROLES, strict=False)] or \
               [{"name": words.person(rng), "role": "项目主管", "certificate_no": None, "level": None}]
        proposals = [{"criterion_id": cr["id"], "criterion": cr["name"],
                      "text": words.paragraph(rng, c.service, c.buyer.region.name, 40, 120)}
                     for cr in c.criteria if not cr["is_price"]]
        return {"price": str(price), "breakdown": [{"item": "人员经费", "amount": str(staff)},
                                                  {"item": "活动经费", "amount": str(price - staff)}],
                "proposals": proposals, "team": team}

    def _row(self, c, org: Org, drafted: datetime, **values) -> dict:
        row = {"id": self.w.id("bid"), "tender_id": c.t["id"], "organization_id": org.id, "status": "draft",
               "sealed_content": None, "content_sha256": None, "idempotency_key": None,
               "tender_version": c.t["version"], "created_at": drafted, "created_by_id": org.manager[0],
               "submitted_at": None, "submitted_by_id": None, "flagged_at": None, "reconfirmed_at": None,
               "withdrawn_at": None, "replaced_at": None, "replaced_by_id": None, "lapsed_at": None,
               "opened_at": None, "disqualified_at": None, "disqualify_reason": None, "opened_content": None,
               "opened_sha256": None, "price": None}
        row.update(values)
        return row

    def _draft(self, c, org: Org, content: dict, drafted: datetime) -> dict:
        draft = {key: content[key] for key in ("price", "breakdown", "proposals", "team")}
        sealed = fernet_token(c.key, json.dumps(draft, ensure_ascii=False, sort_keys=True).encode(), drafted,
                              self.rng.randbytes(16))
        version = 1 if c.amended_at is not None and drafted < c.amended_at else c.t["version"]
        return c.story.add("bid", self._row(c, org, drafted, sealed_content=sealed, tender_version=version))

    def _canonical(self, c, org: Org, content: dict, version: int) -> str:
        document = {"tender": c.t["reference"], "tender_version": version, "organization": org.uscc,
                    "price": content["price"], "breakdown": content["breakdown"], "proposals": content["proposals"],
                    "team": content["team"], "documents": [], "salt": self.rng.randbytes(16).hex()}
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def _submit(self, c, org: Org, content: dict, drafted: datetime, sent: datetime, *, bid=None) -> dict:
        version = c.t["version"] if c.amended_at is None or sent >= c.amended_at else 1
        text = self._canonical(c, org, content, version)
        values = {"status": "submitted", "sealed_content": fernet_token(c.key, text.encode(), sent,
                                                                        self.rng.randbytes(16)),
                  "content_sha256": hashlib.sha256(text.encode()).hexdigest(),
                  "idempotency_key": self.rng.randbytes(16).hex(), "tender_version": version, "submitted_at": sent,
                  "submitted_by_id": org.manager[0]}
        if bid is None:
            bid = c.story.add("bid", self._row(c, org, drafted, **values))
        else:
            bid.update(values)
        c.plain[bid["id"]] = text
        return bid

    def _submit_replaced(self, c, org: Org, content, drafted, first_sent, sent) -> list[dict]:
        """A second submission replaces the first in the same transaction; the replacing row is written first,
        since the replaced one points at it."""
        newer = c.story.add("bid", self._row(c, org, first_sent + timedelta(hours=1)))
        self._submit(c, org, content, first_sent + timedelta(hours=1), sent, bid=newer)
        older = self._submit(c, org, content, drafted, first_sent)
        older.update(status="replaced", replaced_at=sent, replaced_by_id=newer["id"])
        return [newer, older]

    def _flag(self, c, bid: dict, amendment: datetime, deadline: datetime) -> None:
        rng, now = self.rng, c.limit
        bid.update(status="needs_reconfirmation", flagged_at=amendment)
        confirmed = later(amendment, rng, 0.3, max(0.4, (deadline - amendment).days - 0.3))
        if rng.random() < 0.8 and confirmed <= now and confirmed < deadline:
            bid.update(status="submitted", reconfirmed_at=confirmed, tender_version=c.t["version"])
        elif deadline <= now:
            bid.update(status="lapsed", lapsed_at=deadline)
