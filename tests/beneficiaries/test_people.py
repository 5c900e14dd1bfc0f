"""The PIPL rules for a record, on their own: which consent is missing, and the ID number's own check."""

from datetime import date

import pytest

from marketplace.beneficiaries.people import Refused, age_band, id_birth_date, may_be_under_14, normalized
from tests.beneficiaries.conftest import CHILD_ID, make_person

TODAY = date(2026, 3, 2)


def test_a_complete_adult_record_passes_and_takes_the_birth_date_from_the_id():
    person = normalized(make_person(), TODAY)
    assert person.birth_date == date(1956, 3, 14)


def test_sensitive_information_without_separate_consent_is_refused_by_name():
    with pytest.raises(Refused, match="敏感个人信息（残疾、低保/特困）.*单独同意") as refused:
        normalized(make_person(sensitive=["disability", "subsistence"]), TODAY)
    assert [field for field, _ in refused.value.problems] == ["sensitive_consent"]


def test_sensitive_information_with_separate_consent_passes():
    normalized(make_person(sensitive=["health"], sensitive_consent=True, sensitive_consent_on=TODAY), TODAY)


def test_a_child_under_14_without_guardian_consent_is_refused():
    child = make_person(name="李小明", birth_year=2015, id_number=CHILD_ID, consent_by="李强")
    with pytest.raises(Refused, match="未满十四周岁.*监护人"):
        normalized(child, TODAY)
    child = make_person(name="李小明", birth_year=2015, id_number=CHILD_ID, consent_by="李强", guardian_name="李强",
                        guardian_relation="父亲", guardian_consent=True)
    normalized(child, TODAY)


def test_guardian_consent_needs_a_name_and_relation_not_only_the_tick():
    child = make_person(birth_year=2015, id_number="", guardian_consent=True, guardian_name="李强")
    with pytest.raises(Refused, match="监护人"):
        normalized(child, TODAY)


def test_a_birth_year_alone_that_may_be_under_14_asks_for_the_guardian():
    assert may_be_under_14(make_person(birth_year=2012, id_number=""), TODAY)       # 13 or 14
    assert not may_be_under_14(make_person(birth_year=2011, id_number=""), TODAY)   # 14 or 15
    assert not may_be_under_14(make_person(birth_year=2012, birth_date=date(2012, 3, 2), id_number=""), TODAY)


def test_without_any_consent_every_missing_one_is_named():
    child = make_person(birth_year=2015, id_number="", consent_by="", consent_on=None, sensitive=["health"])
    with pytest.raises(Refused) as refused:
        normalized(child, TODAY)
    assert [f for f, _ in refused.value.problems] == ["consent_by", "sensitive_consent", "guardian_consent"]


def test_an_id_number_with_a_wrong_check_digit_is_refused():
    assert id_birth_date("110105195603141239") == date(1956, 3, 14)
    assert id_birth_date("110105195603141238") is None
    with pytest.raises(Refused, match="身份证号码无效"):
        normalized(make_person(id_number="110105195603141238"), TODAY)


def test_a_bad_phone_is_refused_and_a_good_one_normalized():
    assert normalized(make_person(phone="138 1234 5678"), TODAY).phone == "13812345678"
    with pytest.raises(Refused, match="电话号码格式"):
        normalized(make_person(phone="12345"), TODAY)


def test_age_bands():
    assert str(age_band(make_person(), TODAY)) == "60–79岁"
    assert str(age_band(make_person(birth_year=2015, id_number=""), TODAY)) == "未满14岁"


def test_a_consent_cannot_be_dated_in_the_future():
    from datetime import timedelta

    with pytest.raises(Refused) as error:
        normalized(make_person(consent_on=TODAY + timedelta(days=1)), TODAY)
    assert "同意日期不能晚于今天" in str(error.value)
