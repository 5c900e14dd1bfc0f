"""What no catalog can ever allow (财政部令第102号 第十条): these sit on every effective negative list."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class MandatoryNegative:
    code: str
    name: object
    reason: object


MANDATORY_NEGATIVE = [
    MandatoryNegative("X01", _l("不属于政府职责范围的服务事项"), _l("政府购买服务的内容应当属于政府职责范围")),
    MandatoryNegative("X02", _l("应当由政府直接履职的事项"), _l("行政决策、行政执法等须由政府直接履行")),
    MandatoryNegative("X03", _l("货物和工程"), _l("政府购买服务只买服务，货物和工程适用政府采购的其他方式")),
    MandatoryNegative("X04", _l("融资行为"), _l("不得以政府购买服务名义实施融资")),
    MandatoryNegative("X05", _l("购买主体的人员招、聘用，以劳务派遣方式用工，以及设置公益性岗位等事项"),
                      _l("政府只买服务不养人")),
]
MANDATORY_CODES = {entry.code for entry in MANDATORY_NEGATIVE}
