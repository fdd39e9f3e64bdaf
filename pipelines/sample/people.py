"""Synthetic names and resident ID numbers. Every person here is made up."""

from __future__ import annotations

import random
from datetime import date, timedelta

from stdnum.cn import ric, uscc

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾"
    "丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文俊鹏宇浩然欣怡梓涵子轩雨"
    "晨阳佳琪思远博文嘉豪梦瑶诗雨一鸣天佑春梅秋菊冬生夏荷振华卫东海燕金凤银花德胜"
)
# Characters that GBK cannot encode but GB18030 can (CJK Extension A and B): only students,
# whose names travel in the GB18030 and UTF-8 extracts, are given them.
RARE = ("䶮", "𠮷", "㛃", "䲜")
# Address codes: the county itself, and a few neighbours people move in from.
HOME_CODE = "411224"
OTHER_CODES = ("411202", "411221", "410323", "411282")


def name(rng: random.Random, surname: str | None = None, rare: bool = False) -> str:
    first = surname or rng.choice(SURNAMES)
    chars = [rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))]
    if rare:
        chars[-1] = rng.choice(RARE)
    return first + "".join(chars)


class IdMaker:
    """Unique, valid 18-character IDs: address, birth date, sequence (odd = male), check."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def make(self, born: date, male: bool, address: str = HOME_CODE) -> str:
        while True:
            seq = self.rng.randrange(1, 999)
            if seq % 2 != int(male):
                seq = seq + 1 if seq < 998 else seq - 1
            body = f"{address}{born:%Y%m%d}{seq:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.used:
                self.used.add(number)
                return number


def credit_code(rng: random.Random) -> str:
    """A made-up unified social credit code of an employer in 卢氏县, with a valid check."""
    body = "91411224" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc.calc_check_digit(body)


def birth_date(rng: random.Random, today: date, age_from: int, age_to: int) -> date:
    """A birth date giving an age in [age_from, age_to] on `today`."""
    latest = date(today.year - age_from, today.month, min(today.day, 28))
    earliest = date(today.year - age_to - 1, today.month, min(today.day, 28)) + timedelta(days=1)
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def corrupt_id(rng: random.Random, number: str, how: str) -> str:
    """A malformed copy of a valid ID, the way clerks mistype them (ID-01)."""
    if how == "check":
        wrong = [c for c in "0123456789X" if c != number[-1]]
        return number[:-1] + rng.choice(wrong)
    if how == "birth":
        body = number[:10] + "13" + number[12:17]  # month 13
        return body + ric.calc_check_digit(body + "0")
    return number[:8] + number[9:]  # a digit dropped: 17 characters


def legacy_15(number: str) -> str:
    """The 15-digit form of the 1980s (no century, no check character) of a valid ID of
    someone born in the 1900s; the reader upgrades it back to the very same 18 (ID-02)."""
    return number[:6] + number[8:17]


def excel_scientific(number: str) -> str:
    """What Excel shows of an 18-digit ID it took for a number: 4.11202E+17 (ID-03)."""
    return f"{int(number[:6]) / 100_000:.5f}E+17"


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
