"""Building the clean county (households, members, schooling, payments, jobs, surveys); the
cases and day events are added by the mixins of `cases.py` and `events.py`."""

from __future__ import annotations

from datetime import date, timedelta

from pipelines.sample import people
from pipelines.sample.cases import CaseInjection
from pipelines.sample.events import DayEvents
from pipelines.sample.world import (
    EMPLOYERS,
    FOREVER,
    LEVEL_AGES,
    LEVEL_YEARS,
    MAJORS,
    SCHOOLS,
    Course,
    Enrollment,
    Household,
    Intent,
    Job,
    Payment,
    Person,
    World,
    term_of,
    terms_between,
)

TYPES = ("脱贫户", "一般农户")
RISKS = ("因病", "因残", "因学", "因灾", "因意外事故", "因务工就业不稳", "缺劳动力", "住房安全")
NATURAL_VILLAGES = ("东沟", "西坡", "上河", "下湾", "后岭")
LEVELS = ("secondary_vocational", "higher_vocational", "five_year", "technical")


class CountyBuilder(CaseInjection, DayEvents):
    """The clean county: households, members and their records, no rule broken by construction;
    then `CaseInjection` and `DayEvents` add what the answer key expects."""

    def __init__(self, rng, divisions, terms, lines, start: date, days: int, households: int):
        self.rng, self.divisions, self.terms = rng, divisions, terms
        self.start, self.days, self.size = start, days, households
        self.line = lines[start.year]
        self.term = term_of(terms, start)
        self.ids = people.IdMaker(rng)
        self.world = World(start, days)
        self.used: set[str] = set()  # persons and households already carrying a case
        self._index: dict | None = None  # person → records, rebuilt for each pick
        self._employed: set[int] = set()
        self._per_village: dict[str, int] = {}

    # --- the clean county -------------------------------------------------------------------

    def build(self) -> World:
        for _ in range(self.size):
            self._add_household()
        self._add_outside_students()
        self._inject()
        self._add_events()
        return self.world

    def _add_household(self) -> None:
        village = self.rng.choice(self.divisions)
        seq = self._per_village.get(village["village_code"], 0) + 1
        self._per_village[village["village_code"]] = seq
        self.world.households.append(self._household(village, seq))

    def _household(self, village: dict, seq: int) -> Household:
        rng = self.rng
        htype = "脱贫户" if rng.random() < 0.4 else "一般农户"
        roll = rng.random()
        if htype == "脱贫户":
            category = "脱贫不稳定户" if roll < 0.12 else "突发严重困难户" if roll < 0.16 else ""
        else:
            category = "边缘易致贫户" if roll < 0.06 else "突发严重困难户" if roll < 0.09 else ""
        identified = eliminated_on = None
        eliminated = False
        risks: list[str] = []
        if category:
            risks = rng.sample(RISKS, rng.choice((1, 1, 2)))
            identified = date(rng.randint(2022, 2025), rng.randint(1, 12), rng.randint(1, 28))
            if rng.random() < 0.4:
                eliminated_on = identified + timedelta(days=rng.randint(240, 600))
                eliminated = eliminated_on < self.start
                eliminated_on = eliminated_on if eliminated else None
        income = (
            round(rng.uniform(5000, 12000), 2)
            if category
            else round(rng.uniform(self.line * 1.15, 30000), 2)
        )
        hh = Household(
            f"{village['village_code']}{seq:04d}",
            village,
            rng.choice(NATURAL_VILLAGES),
            htype,
            category,
            risks,
            eliminated,
            identified,
            eliminated_on,
            income,
        )
        self._members(hh)
        return hh

    def _person(
        self,
        hh: Household,
        relation: str,
        age: tuple[int, int],
        male: bool | None = None,
        surname: str | None = None,
    ) -> Person:
        rng = self.rng
        male = rng.random() < 0.5 if male is None else male
        born = people.birth_date(rng, self.start, *age)
        p = Person(
            self.ids.make(born, male),
            people.name(rng, surname),
            male,
            born,
            relation,
            household_id=hh.household_id,
            person_no=f"{hh.household_id}{len(hh.members) + 1:02d}",
            phone="1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9)),
        )
        hh.members.append(p)
        return p

    def _members(self, hh: Household) -> None:
        rng = self.rng
        head = self._person(hh, "户主", (35, 62), male=rng.random() < 0.85)
        head.education_level = rng.choice(("小学", "初中", "初中", "高中"))
        surname = head.name[0]
        if rng.random() < 0.8:
            spouse = self._person(hh, "配偶", (33, 62), male=not head.male)
            spouse.education_level = rng.choice(("小学", "初中"))
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            male = rng.random() < 0.5
            child = self._person(hh, "之子" if male else "之女", (0, 24), male, surname)
            self._child_life(hh, child)
        if rng.random() < 0.25:
            elder = self._person(hh, rng.choice(("之父", "之母")), (62, 88))
            elder.education_level = "小学"
        for adult in hh.members:
            if (
                18 <= people.age_on(adult.born, self.start) <= 59
                and adult.school_status == "非在校生"
            ):
                self._adult_life(adult)

    def _child_life(self, hh: Household, child: Person) -> None:
        rng = self.rng
        age = people.age_on(child.born, self.start)
        if age < 7:
            child.education_level, child.school_status = "学龄前", "非在校生"
            return
        if age < 15:
            child.education_level = "小学" if age < 13 else "初中"
            child.school_status = child.education_level + "在读"
            return
        roll = rng.random()
        if roll < 0.45:
            level = next(
                (
                    lv
                    for lv in rng.sample(LEVELS, 4)
                    if LEVEL_AGES[lv][0] <= age <= LEVEL_AGES[lv][1]
                ),
                None,
            )
            if level:
                self._student(hh, child, level)
                return
        if roll < 0.65 and age >= 18:
            self._graduate(hh, child, rng.choice((2026, 2026, 2025, 2024)))
            return
        if roll < 0.85:
            child.education_level = rng.choice(("初中", "高中"))
            child.school_status = "非在校生"
            if hh.eligible:
                self._intent(child, "新成长劳动力", None)
            return
        child.education_level, child.school_status = "高中", rng.choice(("高中在读", "大学在读"))

    def _enrollment(self, child: Person, level: str, entered: date, **kw) -> Enrollment:
        rng = self.rng
        e = Enrollment(
            child,
            "hrss" if level == "technical" else "education",
            level,
            rng.choice(SCHOOLS[level]),
            rng.choice(MAJORS),
            entered,
            **kw,
        )
        self.world.enrollments.append(e)
        return e

    def _student(self, hh: Household, child: Person, level: str) -> Enrollment:
        years_in = self.rng.randrange(LEVEL_YEARS[level])
        entered = date(self.term["starts_on"].year - years_in, 9, 1)
        if self.term["term"].endswith("spring"):
            entered = date(entered.year - 1, 9, 1)
        child.education_level = "初中"
        child.school_status = {"higher_vocational": "高职在读"}.get(level, "中职在读")
        if self.rng.random() < 0.08:
            child.name = people.name(self.rng, child.name[0], rare=True)
        e = self._enrollment(child, level, entered)
        if hh.eligible:
            self._pay_terms(hh, child, level, entered, self.start, current=True)
        return e

    def _graduate(self, hh: Household, child: Person, year: int) -> Enrollment:
        level = self.rng.choice(("secondary_vocational", "higher_vocational", "technical"))
        graduated = date(year, 6, 1)
        entered = date(year - LEVEL_YEARS[level], 9, 1)
        child.education_level = "大专" if level == "higher_vocational" else "中专"
        child.school_status = "非在校生"
        e = self._enrollment(child, level, entered, status="毕业", graduated_on=graduated)
        if hh.eligible:
            self._pay_terms(hh, child, level, entered, graduated, current=False)
            category = "当年毕业生" if year == self.start.year else "往届毕业生"
            if category == "当年毕业生" or self.rng.random() < 0.8:
                self._intent(child, category, year)
        if self.rng.random() < 0.6:
            self._job(child)
        return e

    def _pay_terms(self, hh, child, level, first: date, last: date, current: bool) -> None:
        school = next(e.school[0] for e in reversed(self.world.enrollments) if e.person is child)
        for term in terms_between(self.terms, first, last):
            is_current = term == self.term["term"]
            if is_current and not current:
                continue
            t = next(t for t in self.terms if t["term"] == term)
            if not self._eligible_for(hh, t):
                continue  # monitored only after the term's census day (YL-02)
            paid_on = min(t["starts_on"] + timedelta(days=self.rng.randint(40, 80)), self.start)
            status = "待发放" if is_current and self.rng.random() < 0.25 else "已发放"
            if not is_current and self.rng.random() < 0.03:
                # a payment returned by the bank and paid again: one payment, not two
                self.world.payments.append(
                    Payment(
                        child, hh.household_id, term, level, school, status="退回", paid_on=paid_on
                    )
                )
            self.world.payments.append(
                Payment(child, hh.household_id, term, level, school, status, paid_on)
            )

    def _eligible_for(self, hh: Household, term: dict) -> bool:
        """Eligible for a term on its census day (or today, before that day comes)."""
        census = min(term["census_on"], self.start)
        return hh.household_type == "脱贫户" or (
            bool(hh.category) and hh.identified_on is not None and hh.identified_on <= census
        )

    def _intent(
        self,
        p: Person,
        category: str,
        year: int | None,
        household: str | None = None,
        days=(0, FOREVER),
    ) -> Intent:
        rng = self.rng
        wish = (
            rng.choice(("就读职业院校", "就业", "升学", "参军", "暂无意愿"))
            if category == "新成长劳动力"
            else rng.choice(("就业", "创业", "升学", "暂无意愿"))
        )
        i = Intent(
            p,
            household or p.household_id,
            category,
            year,
            wish,
            rng.choice(("卢氏县职业中等专业学校", "郑州市", "省外", "")),
            self.start - timedelta(days=rng.randint(5, 200)),
            days=days,
        )
        self.world.intents.append(i)
        return i

    def _job(self, p: Person, days=(0, FOREVER), status: str | None = None) -> Job:
        rng = self.rng
        status = status or rng.choice(("已就业",) * 6 + ("未就业", "失业登记"))
        employed = status == "已就业"
        job = Job(
            p,
            status,
            rng.choice(("单位就业", "灵活就业", "自主创业", "公益性岗位")) if employed else "",
            rng.choice(EMPLOYERS) if employed else "",
            people.credit_code(rng) if employed else "",
            rng.choice(("县内", "省内县外", "省外")) if employed else "",
            self.start - timedelta(days=rng.randint(30, 900)) if employed else None,
            round(rng.uniform(1800, 7000), 0) if employed else 0.0,
            self.start - timedelta(days=rng.randint(1, 1000)),
            days=days,
        )
        self.world.jobs.append(job)
        self._employed.add(id(p))
        # the register's 务工时间 agrees with HR (EMP-03): months this year for a job, else 0
        p.months_worked = rng.randint(1, 12) if employed else 0
        return job

    def _adult_life(self, p: Person) -> None:
        if id(p) in self._employed:
            return  # graduates were given their jobs already
        if self.rng.random() < 0.45:
            self._job(p)
        if self.rng.random() < 0.1:
            started = self.start - timedelta(days=self.rng.randint(30, 700))
            self.world.courses.append(
                Course(
                    p,
                    self.rng.choice(("电工", "家政服务", "中式烹调", "电子商务")),
                    self.rng.choice(("就业技能培训", "岗位技能提升培训", "创业培训")),
                    started,
                    started + timedelta(days=self.rng.randint(7, 30)),
                    self.rng.random() < 0.7,
                )
            )

    def _add_outside_students(self) -> None:
        """Students from other counties: in the school's records, in no household here."""
        for _ in range(max(3, self.size // 100)):
            level = self.rng.choice(("secondary_vocational", "higher_vocational"))
            male = self.rng.random() < 0.5
            born = people.birth_date(self.rng, self.start, *LEVEL_AGES[level])
            p = Person(
                self.ids.make(born, male, self.rng.choice(people.OTHER_CODES)),
                people.name(self.rng),
                male,
                born,
                "",
            )
            self._enrollment(p, level, date(self.term["starts_on"].year, 9, 1))
