import pytest

from marketplace.catalog.rules import RuleError, normalize, parse


@pytest.mark.parametrize(("text", "canonical"), [
    ("grade >= 3a", "grade >= 3A"),
    ("registered_type in {社会团体,民办非企业单位}", "registered_type in {社会团体, 民办非企业单位}"),
    ("annual_report_filed and not on_abnormal_list", "annual_report_filed and not on_abnormal_list"),
    ("last_annual_inspection == 合格", "last_annual_inspection == 合格"),
    ("certified_social_workers >= 7 and fulltime_staff >= 9", "certified_social_workers >= 7 and fulltime_staff >= 9"),
    ("manual", "manual"),
])
def test_valid_rules_are_normalized(text, canonical):
    assert normalize(text) == canonical


@pytest.mark.parametrize(("text", "message"), [
    ("budget_yuan >= 100", "未知字段 “budget_yuan”"),
    ("grade ~= 3A", "无法识别的条件"),
    ("on_abnormal_list >= 1", "不支持运算符 “>=”"),
    ("last_annual_inspection >= 合格", "不支持运算符 “>=”"),
    ("fulltime_staff >= two", "应为非负整数"),
    ("grade >= 6A", "1A/2A/3A/4A/5A"),
    ("last_annual_inspection == 好", "合格/基本合格/不合格"),
    ("grade", "需要比较运算符"),
    ("__import__('os').system('x')", "无法识别的条件"),
    ("", "规则不能为空"),
])
def test_unknown_fields_operators_and_values_are_rejected(text, message):
    with pytest.raises(RuleError, match=message):
        parse(text)
