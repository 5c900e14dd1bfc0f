"""A beneficiary as the service sees it once decrypted, and the PIPL rules a record must meet. No database.

PIPL art. 28 makes some information *sensitive*: disability, subsistence allowance (低保/特困), health, and any
information about a child under 14. Art. 29 asks for a separate consent for sensitive information; art. 31 asks
for the guardian's consent for a child under 14. A record that lacks the consent it needs is refused, naming it.
"""

import enum
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date

from flask_babel import lazy_gettext as _l

from marketplace.common.privacy import mask_id_number, mask_phone, normalize_phone
from marketplace.errors import DomainError

GUARDIAN_AGE = 14  # 不满十四周岁: the guardian consents (PIPL art. 31)


class Gender(enum.Enum):
    male = "male"
    female = "female"


GENDER_LABELS = {Gender.male: _l("男"), Gender.female: _l("女")}


class ServiceCategory(enum.Enum):
    """What the person receives; deliberately says nothing about why (that would be sensitive)."""

    casework = "casework"
    group = "group"
    community = "community"
    home_visit = "home_visit"
    other = "other"


SERVICE_CATEGORY_LABELS = {
    ServiceCategory.casework: _l("个案服务"),
    ServiceCategory.group: _l("小组服务"),
    ServiceCategory.community: _l("社区活动"),
    ServiceCategory.home_visit: _l("上门探访"),
    ServiceCategory.other: _l("其他服务"),
}


class SensitiveCategory(enum.Enum):
    disability = "disability"
    subsistence = "subsistence"
    health = "health"


SENSITIVE_LABELS = {
    SensitiveCategory.disability: _l("残疾"),
    SensitiveCategory.subsistence: _l("低保/特困"),
    SensitiveCategory.health: _l("健康状况"),
}


class ConsentMethod(enum.Enum):
    written = "written"
    electronic = "electronic"
    oral_recorded = "oral_recorded"


CONSENT_METHOD_LABELS = {
    ConsentMethod.written: _l("书面签字"),
    ConsentMethod.electronic: _l("电子确认"),
    ConsentMethod.oral_recorded: _l("口头同意并录音"),
}

AGE_BANDS = [(0, 13, _l("未满14岁")), (14, 17, _l("14–17岁")), (18, 59, _l("18–59岁")),
             (60, 79, _l("60–79岁")), (80, 200, _l("80岁及以上"))]


@dataclass
class Person:
    name: str
    gender: str
    birth_year: int
    community_code: str
    category: str
    consent_by: str
    consent_on: date | None
    consent_method: str
    birth_date: date | None = None
    id_number: str = ""
    phone: str = ""
    sensitive: list[str] = field(default_factory=list)
    notes: str = ""
    sensitive_consent: bool = False
    sensitive_consent_on: date | None = None
    guardian_name: str = ""
    guardian_relation: str = ""
    guardian_consent: bool = False

    def to_dict(self) -> dict:
        data = asdict(self)
        for name in ("birth_date", "consent_on", "sensitive_consent_on"):
            data[name] = data[name].isoformat() if data[name] else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Person":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in ("birth_date", "consent_on", "sensitive_consent_on"):
            values[name] = date.fromisoformat(values[name]) if values.get(name) else None
        return cls(**values)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def has_sensitive(self) -> bool:
        return bool(self.sensitive)


class Refused(DomainError):
    """Every problem with a record at once, each for its field, so the form shows them all."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("；".join(str(message) for _field, message in problems), field=problems[0][0])
        self.problems = problems


# ---- ID numbers (GB 11643-1999) -------------------------------------------------------------------------

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def id_birth_date(number: str) -> date | None:
    """The birth date a valid resident ID number carries; None when the number is not a valid one."""
    number = (number or "").strip().upper()
    if re.fullmatch(r"\d{17}[\dX]", number):
        total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
        if _ID_CHECK[total % 11] != number[17]:
            return None
        digits = number[6:14]
    elif re.fullmatch(r"\d{15}", number):  # first-generation cards: two-digit year, all 19xx
        digits = "19" + number[6:12]
    else:
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


# ---- Age ------------------------------------------------------------------------------------------------

def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def may_be_under_14(person: Person, today: date) -> bool:
    """With only a birth year we cannot tell a 13-year-old from a 14-year-old: guardian consent is asked for."""
    if person.birth_date is not None:
        return age_on(person.birth_date, today) < GUARDIAN_AGE
    return today.year - person.birth_year <= GUARDIAN_AGE


def approximate_age(person: Person, today: date) -> int:
    if person.birth_date is not None:
        return age_on(person.birth_date, today)
    return today.year - person.birth_year


def age_band(person: Person, today: date):
    age = approximate_age(person, today)
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


# ---- The rules ------------------------------------------------------------------------------------------

def normalized(person: Person, today: date) -> Person:
    """The record as it is stored: one spelling of ID number and phone, the birth date taken from the ID.

    Raises Refused listing every problem: shape first, then each missing consent by name.
    """
    problems = _shape_problems(person, today)
    if not problems:
        problems = consent_problems(person, today)
    if problems:
        raise Refused(problems)
    return person


def _shape_problems(person: Person, today: date) -> list[tuple[str, str]]:
    problems = []
    person.name = person.name.strip()
    person.id_number = person.id_number.strip().upper()
    if person.id_number:
        from_id = id_birth_date(person.id_number)
        if from_id is None:
            problems.append(("id_number", _l("身份证号码无效（请核对位数和最后一位校验码）")))
        elif person.birth_date and person.birth_date != from_id:
            problems.append(("birth_date", _l("出生日期与身份证号码不一致")))
        else:
            person.birth_date = from_id
    if person.birth_date is not None:
        if person.birth_year and person.birth_year != person.birth_date.year:
            problems.append(("birth_year", _l("出生年份与出生日期不一致")))
        person.birth_year = person.birth_date.year
    if not (1900 <= person.birth_year <= today.year) or (person.birth_date and person.birth_date > today):
        problems.append(("birth_year", _l("出生年份不在合理范围内")))
    if person.phone:
        try:
            person.phone = normalize_phone(person.phone)
        except ValueError:
            problems.append(("phone", _l("电话号码格式不正确：手机 11 位，座机如 010-65001234")))
    if person.consent_on and person.consent_on > today:
        problems.append(("consent_on", _l("同意日期不能晚于今天")))
    return problems


def consent_problems(person: Person, today: date) -> list[tuple[str, str]]:
    """Each consent the record needs and lacks, by name (PIPL arts. 14, 29, 31)."""
    problems = []
    if not (person.consent_by.strip() and person.consent_on and person.consent_method):
        problems.append(("consent_by", _l("缺少个人信息处理同意：请填写同意人、同意日期和同意方式")))
    if person.sensitive and not (person.sensitive_consent and person.sensitive_consent_on):
        names = str(_l("、")).join(str(SENSITIVE_LABELS[SensitiveCategory(s)]) for s in person.sensitive)
        problems.append(("sensitive_consent",
                         _l("记录了敏感个人信息（%(names)s），缺少对敏感个人信息的单独同意及其日期", names=names)))
    if may_be_under_14(person, today) and not (person.guardian_consent and person.guardian_name.strip()
                                               and person.guardian_relation.strip()):
        problems.append(("guardian_consent", _l("服务对象未满十四周岁（或按出生年份可能未满），缺少监护人同意："
                                                "请填写监护人姓名、与本人关系并确认监护人同意")))
    # A consent is a fact that happened: it cannot be dated after today.
    for name, day in (("consent_on", person.consent_on), ("sensitive_consent_on", person.sensitive_consent_on)):
        if day is not None and day > today:
            problems.append((name, _l("同意日期不能晚于今天")))
    return problems
