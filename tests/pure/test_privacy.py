import pytest

from marketplace.common.privacy import mask_id_number, mask_phone, normalize_phone


@pytest.mark.parametrize("phone, masked", [
    ("13812341234", "138****1234"),
    ("+86 138 1234 1234", "138****1234"),
    ("010-65001234", "010-****1234"),
    ("(010)65001234", "010-****1234"),
    ("0755-12345678", "0755-****5678"),
    ("0755-12345678-123", "0755-****5678-123"),
    ("", ""),
    (None, ""),
])
def test_a_masked_phone_keeps_only_the_last_four_digits_of_the_number(phone, masked):
    assert mask_phone(phone) == masked


def test_mask_id_number_keeps_the_region_code_and_last_four():
    assert mask_id_number("110105199001011234") == "110105********1234"
    assert mask_id_number("11010519900101123x") == "110105********123X"


@pytest.mark.parametrize("raw, normal", [
    ("138 1234 1234", "13812341234"), ("+8613812341234", "13812341234"), ("01065001234", "010-65001234"),
    ("(0755)12345678", "0755-12345678"),
])
def test_phones_are_stored_in_one_spelling(raw, normal):
    assert normalize_phone(raw) == normal


@pytest.mark.parametrize("raw", ["12812341234", "1381234123", "65001234", "010-0500123", "call me"])
def test_anything_else_is_not_a_phone(raw):
    with pytest.raises(ValueError):
        normalize_phone(raw)


def test_the_filter_is_registered(tmp_path):
    from marketplace import create_app

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.jinja_env.filters["mask_phone"] is mask_phone
