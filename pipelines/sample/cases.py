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
