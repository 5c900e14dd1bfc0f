"""What the deadline-spike benchmark reads from pages (bench/spike_bench.py) and when it sends each bid."""

import random

from bench import spike_bench

PAGE = """<html><head><title>投标：某项目 · 政社通</title></head><body>
<form method="post" action="/search"><input name="q" value=""></form>
<form method="post" novalidate>
  <input id="csrf_token" name="csrf_token" type="hidden" value="IjFk.token">
  <input id="idempotency_key" name="idempotency_key" type="hidden" value="9f2c">
  <div class="form-errors" role="alert"><p>投标截止时间 2026-11-28 14:00:00 已过（服务器收到时间 2026-11-28 14:00:01），
  不能再提交或修改投标</p></div>
  <input id="price" name="price" type="text" value="">
  <select id="team-0-fact_id" name="team-0-fact_id"><option selected value="">（非持证人员）</option></select>
  <textarea id="proposal-7" name="proposal-7" rows="5">已有的&lt;方案&gt;</textarea>
  <input type="checkbox" name="remember">
  <input type="file" name="document">
  <button type="submit" name="action" value="submit">提交投标</button>
</form></body></html>"""


def test_the_fields_of_the_form_holding_the_marker_with_their_values():
    fields = spike_bench.FormFields("price").fields(PAGE)
    assert fields == {"csrf_token": "IjFk.token", "idempotency_key": "9f2c", "price": "", "team-0-fact_id": "",
                      "proposal-7": "已有的<方案>"}


def test_a_marker_no_form_has_gives_no_fields():
    assert spike_bench.FormFields("email").fields(PAGE) == {}


def test_the_refusal_is_read_from_the_form_errors_then_the_notice_then_the_title():
    assert spike_bench.form_error(PAGE) == (
        "投标截止时间 2026-11-28 14:00:00 已过（服务器收到时间 2026-11-28 14:00:01）， 不能再提交或修改投标")
    closed = '<title>x</title><p class="notice" role="status">项目当前不接受投标。</p>'
    assert spike_bench.form_error(closed) == "项目当前不接受投标。"
    assert spike_bench.form_error("<title>500 · 服务器出错了</title>") == "500 · 服务器出错了"


def test_a_filled_form_asks_for_submission_with_a_price_its_breakdown_adds_up_to():
    form = spike_bench.filled({"csrf_token": "t", "idempotency_key": "k", "price": "", "proposal-7": ""}, 12)
    assert form["action"] == "submit" and form["csrf_token"] == "t" and form["idempotency_key"] == "k"
    assert int(form["breakdown-0-amount"]) + int(form["breakdown-1-amount"]) == int(form["price"])
    assert form["proposal-7"] and form["team-0-name"]


def test_on_time_bids_fall_in_the_window_and_late_ones_just_after_the_deadline():
    bidders = [spike_bench.Bidder(n, f"{n}@x", spike_bench.Browser(0), late=n >= 100) for n in range(110)]
    spike_bench.schedule(bidders, deadline=1000.0, start=940.0, margin=2.0, late_span=5.0, rng=random.Random(1))
    on_time = [b.at for b in bidders if not b.late]
    late = [b.at for b in bidders if b.late]
    assert min(on_time) >= 940.0 and max(on_time) <= 998.0
    assert all(1000.0 < t <= 1005.0 for t in late)
    # Bursts: many bids sent within the same fifth of a second.
    assert max(sum(1 for t in on_time if slot <= t < slot + 0.2) for slot in on_time) >= 5
