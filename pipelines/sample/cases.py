"""The injected cases: each breaks one rule for one person or household of the clean county
and records the case the answer key expects (see `world`). A mixin of `CountyBuilder`."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from pipelines.sample import people
from pipelines.sample.world import (
    Case,
    Enrollment,
    Household,
    Intent,
    Job,
    Payment,
    Person,
)


class CaseInjection:
    """Picks people no case has touched yet and breaks one rule for each."""

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

    def _paid_this_term(self, p: Person) -> bool:
        return any(x.status == "已发放" for x in self._current_payments(p))

    def _paid_student(self, hh: Household, p: Person) -> bool:
        """An enrolled student of an eligible household, paid this term."""
        return hh.eligible and self._enrolled(hh, p) and self._paid_this_term(p)

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
            p.months_worked = 0  # the village does not know of the job: no EMP-03 here
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
        self._inject_id_cases(n)
        self._inject_household_cases(n)
        self._inject_subsidy_cases(n)
        self._inject_payment_cases(n)
        self._inject_employment_cases(n)
        self._inject_link_cases(n)

    def _inject_id_cases(self, n: int) -> None:
        for _ in range(n):  # ID-02: the register still prints the 15-digit form of the 1980s
            hh, p = self._pick(lambda h, p: self._loner(h, p) and p.born.year < 2000)
            p.printed_id = people.legacy_15(p.id_number)
            self._case("ID-02", hh.household_id, p.id_number)
        for _ in range(max(1, n // 2)):  # ID-02 in HR's register of a worker born in the 1900s
            hh, p = self._pick(lambda h, p: self._loner(h, p) and p.born.year < 2000)
            job = self._job(p, status="已就业")
            self.world.jobs.remove(job)
            self.world.extra_job_rows.append((job, {"id_number": people.legacy_15(p.id_number)}))
            self._case("ID-02", hh.household_id, p.id_number)
        for _ in range(max(1, n // 2)):  # ID-03: the register row went through Excel as a number
            hh, p = self._pick(self._loner)
            p.printed_id = people.excel_scientific(p.id_number)
            self._case("ID-03", hh.household_id, p.printed_id)
        # ID-03 on HR's stranger rows (extracts._strangers): one case, the same digits lost
        self._case("ID-03", "", people.excel_scientific(people.OTHER_CODES[0]))
        for _ in range(n):  # ID-04: the register's 性别 contradicts the ID
            hh, p = self._pick(self._loner)
            p.printed_male = not p.male
            self._case("ID-04", hh.household_id, p.id_number)

    def _untouched(self, h: Household) -> bool:
        """A household none of whose members another department knows."""
        return not any(self._records_of(m) for m in h.members)

    def _inject_household_cases(self, n: int) -> None:
        for i in range(n):  # HH-01: no head, or two heads
            hh, head = self._pick(lambda h, p: p.relation == "户主" and self._untouched(h))
            if i % 2 == 0 or len(hh.members) < 2:
                head.relation = "其他"
            else:
                second = next(m for m in hh.members if m is not head)
                self.used.add(second.id_number)
                second.relation = "户主"
            self._case("HH-01", hh.household_id, "")
        for i in range(n):  # HH-03: a monitoring category the household's type cannot have
            wanted = ("脱贫不稳定户", "边缘易致贫户")[i % 2]
            hh, _ = self._pick(
                lambda h, p, c=wanted: (
                    h.category == c and p.relation == "户主" and self._untouched(h)
                )
            )
            hh.household_type = "一般农户" if wanted == "脱贫不稳定户" else "脱贫户"
            self._case("HH-03", hh.household_id, "")
        for _ in range(n):  # HH-05: risk eliminated three months after it was identified
            hh, _ = self._pick(
                lambda h, p: h.eliminated and p.relation == "户主" and self._untouched(h)
            )
            hh.eliminated_on = hh.identified_on + timedelta(days=self.rng.randint(30, 150))
            self._case("HH-05", hh.household_id, "")

    def _inject_payment_cases(self, n: int) -> None:
        w = self.world
        census = min(self.term["census_on"], self.start)
        for _ in range(n):  # YL-02: monitored only after this term's census day, paid anyway
            hh, p = self._pick(
                lambda h, p: (
                    h.household_type == "一般农户"
                    and h.category
                    and not h.eliminated
                    and self._paid_student(h, p)
                    # no brother or sister at school: their payments would turn into cases too
                    and not any(
                        self._of(m, Payment) or self._of(m, Enrollment)
                        for m in h.members
                        if m is not p
                    )
                )
            )
            hh.identified_on = census + timedelta(days=1)
            for x in [x for x in w.payments if x.person is p and x.term != self.term["term"]]:
                w.payments.remove(x)  # earlier terms were never paid: not eligible then
            self._case("YL-02", hh.household_id, p.id_number)
        for i in range(n):  # YL-07: paid another amount than the rule's
            hh, p = self._pick(self._paid_student)
            x = next(x for x in self._current_payments(p) if x.status == "已发放")
            x.amount = (1000.0, 3000.0, 1450.5)[i % 3]
            self._case("YL-07", hh.household_id, p.id_number)
        for _ in range(n):  # YL-08: died, still paid this term
            hh, p = self._pick(self._paid_student)
            p.status = "死亡"
            self._case("YL-08", hh.household_id, p.id_number)

    def _inject_employment_cases(self, n: int) -> None:
        for i in range(n):  # EMP-03: the village says one thing of work, HR another
            if i % 2 == 0:  # worked eight months by the register, unknown to HR
                hh, p = self._pick(self._loner)
                p.months_worked = 8
            else:  # employed by HR, no month of work in the register
                hh, p = self._pick(
                    lambda h, p: (
                        self._records_of(p) == 1
                        and any(j.status == "已就业" for j in self._of(p, Job))
                    )
                )
                p.months_worked = 0
            self._case("EMP-03", hh.household_id, p.id_number)
        for _ in range(n):  # EMP-05: a new-growth labourer the village never surveyed
            hh, p = self._pick(
                lambda h, p: (
                    h.eligible
                    and 15 <= people.age_on(p.born, self.start) <= 21
                    and self._records_of(p) == 1
                    and any(i.category == "新成长劳动力" for i in self._of(p, Intent))
                )
            )
            self.world.intents = [i for i in self.world.intents if i.person is not p]
            self._case("EMP-05", hh.household_id, p.id_number)

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
            hh, p = self._pick(self._paid_student)
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
