"""Building the clean county, then injecting one case per rule breach (see `world`)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from pipelines.sample import people
from pipelines.sample.world import (
    EMPLOYERS,
    LEVEL_AGES,
    LEVEL_YEARS,
    MAJORS,
    SCHOOLS,
    Case,
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
FOREVER = 10**6


def _credit_code(rng: random.Random) -> str:
    from stdnum.cn import uscc

    body = "91411224" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc.calc_check_digit(body)


class CountyBuilder:
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
        if 18 <= people.age_on(born, self.start) <= 60:
            p.months_worked = rng.randint(0, 12)
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
            _credit_code(rng) if employed else "",
            rng.choice(("县内", "省内县外", "省外")) if employed else "",
            self.start - timedelta(days=rng.randint(30, 900)) if employed else None,
            round(rng.uniform(1800, 7000), 0) if employed else 0.0,
            self.start - timedelta(days=rng.randint(1, 1000)),
            days=days,
        )
        self.world.jobs.append(job)
        self._employed.add(id(p))
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

    # --- injected cases ---------------------------------------------------------------------

    def _pick(self, want) -> tuple[Household, Person]:
        """A person no case has touched yet, satisfying `want(household, person)`.

        A small county may have no one left who fits: it then grows by clean households, drawn
        as in `build`, until someone does, so every rule gets its cases at any size.
        """
        households = self.world.households
        self._reindex()
        candidates = self._candidates(households, want)
        while not candidates:
            if len(households) > 20 * self.size + 1000:
                raise RuntimeError("the sample county cannot hold a case of every rule")
            self._add_household()
            self._reindex()
            candidates = self._candidates(households[-1:], want)
        hh, p = self.rng.choice(candidates)
        self.used.update((p.id_number, hh.household_id))
        return hh, p

    def _reindex(self) -> None:
        self._index = {}
        w = self.world
        for records in (w.enrollments, w.payments, w.jobs, w.courses, w.intents):
            for r in records:
                self._index.setdefault(id(r.person), []).append(r)

    def _candidates(self, households: list[Household], want) -> list[tuple[Household, Person]]:
        return [
            (hh, p)
            for hh in households
            for p in hh.members
            if p.id_number not in self.used and hh.household_id not in self.used and want(hh, p)
        ]

    def _records_of(self, p: Person) -> int:
        if self._index is None:
            w = self.world
            return sum(
                r.person is p
                for rs in (w.enrollments, w.payments, w.jobs, w.courses, w.intents)
                for r in rs
            )
        return len(self._index.get(id(p), ()))

    def _of(self, p: Person, cls) -> list:
        return [r for r in self._index.get(id(p), ()) if isinstance(r, cls)]

    def _loner(self, hh: Household, p: Person) -> bool:
        """An adult other than the head whom no other department knows."""
        return (
            p.relation not in ("户主",)
            and 25 <= people.age_on(p.born, self.start) <= 60
            and self._records_of(p) == 0
        )

    def _case(self, rule: str, hh: str, id_number: str, visible=None) -> None:
        self.world.cases.append(Case(rule, hh, id_number, visible))

    def _enrolled(self, hh: Household, p: Person, department: str = "education") -> bool:
        return any(
            e.status == "在籍" and e.department == department for e in self._of(p, Enrollment)
        )

    def _current_payments(self, p: Person) -> list[Payment]:
        return [x for x in self._of(p, Payment) if x.term == self.term["term"]]

    def _inject(self) -> None:
        n = max(2, self.size // 500)
        rng, w = self.rng, self.world
        for i in range(n):  # ID-01: a clerk mistyped the ID in the register
            hh, p = self._pick(self._loner)
            p.printed_id = people.corrupt_id(rng, p.id_number, ("check", "birth", "short")[i % 3])
            self._case("ID-01", hh.household_id, p.printed_id)
        for _ in range(max(1, n // 2)):  # ID-01 in the employment register: no household known
            hh, p = self._pick(self._loner)
            job = self._job(p, status="已就业")
            job.printed_name = None
            bad = people.corrupt_id(rng, p.id_number, "check")
            w.extra_job_rows.append((job, {"id_number": bad}))
            w.jobs.remove(job)
            self._case("ID-01", "", bad)
        for _ in range(n):  # ID-05: HR spells the name differently
            hh, p = self._pick(self._loner)
            job = self._job(p, status="已就业")
            job.printed_name = p.name[0] + "".join(
                rng.choice([c for c in people.GIVEN if c != ch]) for ch in p.name[1:]
            )
            self._case("ID-05", hh.household_id, p.id_number)
        for _ in range(n):  # ID-07: the same person registered in a second household
            hh, p = self._pick(self._loner)
            other = rng.choice(
                [h for h in w.households if h is not hh and h.household_id not in self.used]
            )
            self.used.add(other.household_id)
            w.extra_member_rows.append((other, p, {"relation": "其他"}))
            self._case("ID-07", hh.household_id, p.id_number)
            self._case("ID-07", other.household_id, p.id_number)
        for i in range(n):  # DUP-01: a member printed twice with differing content
            hh, p = self._pick(self._loner)
            change = (
                {"phone": "139" + f"{rng.randrange(10**8):08d}"}
                if i % 2
                else {"education_level": "高中" if p.education_level != "高中" else "初中"}
            )
            w.extra_member_rows.append((hh, p, change))
            self._case("DUP-01", hh.household_id, p.id_number)
        for _ in range(max(1, n // 2)):  # DUP-01 in HR: two rows for one person, two incomes
            hh, p = self._pick(self._loner)
            job = self._job(p, status="已就业")
            w.extra_job_rows.append((job, {"income": job.income + 500}))
            self._case("DUP-01", hh.household_id, p.id_number)
        for _ in range(2):  # exact duplicate rows: merged silently, no case
            hh, p = self._pick(self._loner)
            w.extra_member_rows.append((hh, p, {}))
        for _ in range(n):  # HH-04: income below the line, household not monitored
            hh, _ = self._pick(
                lambda h, p: (
                    not h.category
                    and p.relation == "户主"
                    and not any(self._records_of(m) for m in h.members)
                )
            )
            hh.income = round(rng.uniform(self.line * 0.5, self.line * 0.95), 2)
            self._case("HH-04", hh.household_id, "")
        self._inject_subsidy_cases(n)
        self._inject_link_cases(n)

    def _inject_subsidy_cases(self, n: int) -> None:
        w = self.world
        current = self.term["term"]
        for i in range(n):  # YL-01: eligible, enrolled this term, not paid
            dept = "hrss" if i == 0 else "education"
            hh, p = self._pick(lambda h, p, d=dept: h.eligible and self._enrolled(h, p, d))
            for x in self._current_payments(p):
                w.payments.remove(x)
            if i == 1:  # returned by the bank is not paid either
                e = next(e for e in w.enrollments if e.person is p)
                w.payments.append(
                    Payment(p, hh.household_id, current, e.level, e.school[0], status="退回")
                )
            self._case("YL-01", hh.household_id, p.id_number)
        for _ in range(n):  # YL-02: paid to a household that is neither poor nor monitored
            hh, p = self._pick(lambda h, p: not h.eligible and self._enrolled(h, p))
            e = next(e for e in w.enrollments if e.person is p)
            w.payments.append(Payment(p, hh.household_id, current, e.level, e.school[0]))
            self._case("YL-02", hh.household_id, p.id_number)
        for _ in range(n):  # YL-03: paid twice for one term
            hh, p = self._pick(
                lambda h, p: (
                    h.eligible
                    and self._enrolled(h, p)
                    and any(x.status == "已发放" for x in self._of(p, Payment))
                )
            )
            x = next(x for x in w.payments if x.person is p and x.status == "已发放")
            w.payments.append(replace(x, paid_on=(x.paid_on or self.start) + timedelta(days=20)))
            self._case("YL-03", hh.household_id, p.id_number)
        for i in range(n):  # YL-04: paid this term, the school says not enrolled
            hh, p = self._pick(
                lambda h, p: (
                    h.eligible
                    and self._enrolled(h, p)
                    and any(x.status == "已发放" for x in self._current_payments(p))
                )
            )
            e = next(e for e in w.enrollments if e.person is p)
            if i % 4 == 3:
                w.enrollments.remove(e)  # no record at all
            else:
                e.status = ("休学", "退学", "转出")[i % 4]
            self._case("YL-04", hh.household_id, p.id_number)
        for _ in range(n):  # YL-05: paid for a term that began after graduation
            hh, p = self._pick(
                lambda h, p: (
                    h.eligible
                    and any(
                        e.status == "毕业" and e.department == "education"
                        for e in self._of(p, Enrollment)
                    )
                )
            )
            e = next(e for e in w.enrollments if e.person is p)
            w.payments.append(Payment(p, hh.household_id, current, e.level, e.school[0]))
            self._case("YL-05", hh.household_id, p.id_number)
        for _ in range(n):  # EMP-01: this year's graduate, never surveyed
            hh, p = self._pick(
                lambda h, p: (
                    h.eligible
                    and any(
                        e.status == "毕业" and e.graduated_on.year == self.start.year
                        for e in self._of(p, Enrollment)
                    )
                )
            )
            w.intents = [i for i in w.intents if i.person is not p]
            self._case("EMP-01", hh.household_id, p.id_number)

    def _inject_link_cases(self, n: int) -> None:
        w = self.world
        for i in range(n):  # LINK-02: another department files the person under another household
            if i % 2:
                hh, p = self._pick(lambda h, p: self._enrolled(h, p))
                record = next(e for e in w.enrollments if e.person is p)
            else:
                hh, p = self._pick(lambda h, p: bool(self._of(p, Intent)))
                record = next(x for x in w.intents if x.person is p)
            other = self.rng.choice([h for h in w.households if h is not hh])
            if isinstance(record, Enrollment):
                record.printed_household = other.household_id
            else:
                record.household_id = other.household_id
            self._case("LINK-02", hh.household_id, p.id_number)

    # --- days that differ -------------------------------------------------------------------

    def _add_events(self) -> None:
        """A new student, a withdrawal, a graduation, a payment, a job found and a newborn."""
        if self.days < 2:
            return
        rng, w = self.rng, self.world
        current = self.term["term"]
        # day 1, education: a new-growth labourer enrols; rural pays on day 2
        hh, p = self._pick(
            lambda h, p: (
                h.eligible
                and any(i.category == "新成长劳动力" for i in self._of(p, Intent))
                and 15 <= people.age_on(p.born, self.start) <= 17
                and self._records_of(p) == 1
            )
        )
        self._enrollment(p, "secondary_vocational", date(self.start.year, 9, 1), days=(1, FOREVER))
        w.payments.append(
            Payment(
                p,
                hh.household_id,
                current,
                "secondary_vocational",
                SCHOOLS["secondary_vocational"][0][0],
                days=(2, FOREVER),
            )
        )
        self._case(
            "YL-01",
            hh.household_id,
            p.id_number,
            lambda eff: eff["education"] >= 1 and eff["rural"] < 2,
        )
        # day 1, education: a paid student withdraws
        hh, p = self._pick(
            lambda h, p: (
                h.eligible
                and self._enrolled(h, p)
                and any(x.status == "已发放" for x in self._current_payments(p))
            )
        )
        e = next(e for e in w.enrollments if e.person is p)
        e.days = (0, 0)
        w.enrollments.append(replace(e, status="退学", days=(1, FOREVER)))
        self._case("YL-04", hh.household_id, p.id_number, lambda eff: eff["education"] >= 1)
        # day 1, education: a record corrected to graduated in June; rural surveys on day 2
        hh, p = self._pick(
            lambda h, p: (
                h.eligible
                and any(
                    e.department == "education"
                    and e.level == "higher_vocational"
                    and e.status == "在籍"
                    for e in self._of(p, Enrollment)
                )
                and any(x.status == "已发放" for x in self._current_payments(p))
            )
        )
        e = next(e for e in w.enrollments if e.person is p)
        e.days = (0, 0)
        w.enrollments.append(
            replace(e, status="毕业", graduated_on=date(self.start.year, 6, 1), days=(1, FOREVER))
        )
        self._intent(p, "当年毕业生", self.start.year, days=(2, FOREVER))
        self._case("YL-05", hh.household_id, p.id_number, lambda eff: eff["education"] >= 1)
        self._case(
            "EMP-01",
            hh.household_id,
            p.id_number,
            lambda eff: eff["education"] >= 1 and eff["rural"] < 2,
        )
        # day 2, hrss: an earlier graduate finds a job
        jobless = [
            j for j in w.jobs if j.status != "已就业" and j.person.id_number not in self.used
        ]
        if jobless:
            j = rng.choice(jobless)
            self.used.add(j.person.id_number)
            j.days = (0, 1)
            found = replace(
                j,
                status="已就业",
                form="单位就业",
                employer=EMPLOYERS[0],
                credit_code=_credit_code(rng),
                region="县内",
                employed_on=self.start + timedelta(days=1),
                income=3200.0,
                days=(2, FOREVER),
            )
            w.jobs.append(found)
        # day 2, rural: a newborn is registered before the ID is issued
        hh = rng.choice([h for h in w.households if h.household_id not in self.used])
        baby = self._person(hh, "之孙子", (0, 0), male=True)
        baby.education_level, baby.school_status, baby.printed_id = "学龄前", "非在校生", "无"
        baby.days = (2, FOREVER)
