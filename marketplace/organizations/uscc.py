"""The unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters: registration department (1), organization type (1), administrative division (6),
subject identifier (9) and a check character computed over the first 17 with weights 3^i mod 31.
Every message says exactly what is wrong, so nobody loses a registration to a typo they cannot find.
"""

from flask_babel import gettext as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
VALUES = {char: value for value, char in enumerate(CHARSET)}
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
LENGTH = 18


class CodeError(ValueError):
    """A code that fails GB 32100; `reason` names the failure class for tests and logs."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message, self.reason = message, reason


def check_character(first17: str) -> str:
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalize(raw: str) -> str:
    """What people paste: full-width characters, spaces and lower case are forgiven."""
    text = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in raw or "")
    return "".join(text.split()).upper()


def validate(raw: str) -> str:
    """The normalized code, or CodeError saying precisely what is wrong."""
    code = normalize(raw)
    if len(code) != LENGTH:
        raise CodeError(_("统一社会信用代码应为 18 位，您输入了 %(n)d 位", n=len(code)), "length")
    for position, char in enumerate(code, start=1):
        if char not in VALUES:
            hint = _("（代码中不使用字母 I、O、S、V、Z）") if char in "IOSVZ" else ""
            raise CodeError(_("第 %(position)d 位 “%(char)s” 不是统一社会信用代码允许的字符%(hint)s",
                              position=position, char=char, hint=hint), "charset")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CodeError(_("校验位不对：按前 17 位计算，第 18 位应为 “%(expected)s”，而不是 “%(actual)s”，"
                          "请核对证书上的代码", expected=expected, actual=code[17]), "check")
    return code


def with_check_character(first17: str) -> str:
    """A complete code from its first 17 characters (for generated demo organizations)."""
    return first17 + check_character(first17)
