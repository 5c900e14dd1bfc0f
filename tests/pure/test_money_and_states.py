import enum
from decimal import Decimal
from types import SimpleNamespace

import pytest

from marketplace.common.money import MoneyError, format_cny, from_fen, to_fen, yuan
from marketplace.common.states import allowed_actions, transition
from marketplace.errors import InvalidTransition


def test_yuan_parses_common_inputs_to_two_places():
    assert yuan("1,200.5") == Decimal("1200.50")
    assert yuan("¥98000") == Decimal("98000.00")
    assert yuan(Decimal("0.005")) == Decimal("0.01")   # half up, as finance rounds


def test_floats_and_garbage_are_refused():
    with pytest.raises(MoneyError):
        yuan(0.1)
    with pytest.raises(MoneyError):
        yuan("十万")
    with pytest.raises(MoneyError):
        yuan("NaN")


def test_fen_only_at_the_edge_round_trips():
    assert to_fen(Decimal("4000.01")) == 400001
    assert from_fen(400001) == Decimal("4000.01")
    assert format_cny(Decimal("2000000")) == "¥2,000,000.00"


class S(enum.Enum):
    draft = "draft"
    published = "published"


class A(enum.Enum):
    publish = "publish"
    award = "award"


TABLE = {(S.draft, A.publish): S.published}


def test_transition_moves_and_stamps():
    obj = SimpleNamespace(status=S.draft, published_at=None)
    transition(obj, A.publish, TABLE, at="now")
    assert obj.status == S.published and obj.published_at == "now"
    assert allowed_actions(S.draft, TABLE) == [A.publish]


def test_illegal_transition_raises_from_one_place():
    obj = SimpleNamespace(status=S.draft)
    with pytest.raises(InvalidTransition, match="draft → award"):
        transition(obj, A.award, TABLE)
