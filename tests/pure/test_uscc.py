"""GB 32100-2015 credit codes: the real sample passes, every failure class has its own message."""

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace import create_app
from marketplace.organizations import uscc

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "organizations" / "social_orgs_sample.csv"
REAL_CODES = [row["uscc"] for row in csv.DictReader(SAMPLE.open(encoding="utf-8"))]


@pytest.fixture(autouse=True)
def _request_context():
    # Messages are translated strings: they need an app (no database is touched).
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context():
        yield


@pytest.mark.parametrize("code", [*REAL_CODES, "53100000500019795A", "914403001922038216"])
def test_real_codes_pass(code):
    assert uscc.validate(code) == code


def test_pasted_codes_are_forgiven_spaces_case_and_full_width():
    assert uscc.validate(" 5310 0000 5000 1979 5a ") == "53100000500019795A"
    assert uscc.validate("５３１０００００５０００１９７９５Ａ") == "53100000500019795A"


@pytest.mark.parametrize(("code", "reason", "words"), [
    ("5310000050001979", "length", "18 位，您输入了 16 位"),
    ("53100000500019795AX", "length", "您输入了 19 位"),
    ("5310000050O019795A", "charset", "第 11 位 “O”"),
    ("53100000500019795I", "charset", "不使用字母 I、O、S、V、Z"),
    ("531000005000197Z5A", "charset", "第 16 位 “Z”"),
    ("53100000500019795B", "check", "第 18 位应为 “A”，而不是 “B”"),
])
def test_each_failure_class_says_what_is_wrong(code, reason, words):
    with pytest.raises(uscc.CodeError) as error:
        uscc.validate(code)
    assert error.value.reason == reason and words in error.value.message


first17 = st.text(alphabet=uscc.CHARSET, min_size=17, max_size=17)


@given(first17)
def test_every_generated_valid_code_passes(body):
    code = uscc.with_check_character(body)
    assert uscc.validate(code) == code


@given(first17, st.integers(0, 17), st.sampled_from(uscc.CHARSET))
def test_every_single_character_change_fails(body, position, replacement):
    code = uscc.with_check_character(body)
    if code[position] == replacement:
        replacement = uscc.CHARSET[(uscc.VALUES[replacement] + 1) % 31]
    changed = code[:position] + replacement + code[position + 1:]
    with pytest.raises(uscc.CodeError) as error:
        uscc.validate(changed)
    assert error.value.reason == "check"
