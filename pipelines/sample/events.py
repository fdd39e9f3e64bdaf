"""The days that differ: a new student, a withdrawal, a graduation, a payment, a job found and a
newborn, each on the day it happens. A mixin of `CountyBuilder`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from pipelines.sample import people
from pipelines.sample.world import (
    EMPLOYERS,
    FOREVER,
    SCHOOLS,
    Enrollment,
    Intent,
    Payment,
)


class DayEvents:
    """Records that begin or end after the first delivery day, and the cases they make."""

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
        hh, p = self._pick(self._paid_student)
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
                and self._paid_this_term(p)
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
                credit_code=people.credit_code(rng),
                region="县内",
                employed_on=self.start + timedelta(days=1),
                income=3200.0,
                days=(2, FOREVER),
            )
            w.jobs.append(found)
            # the register's 务工时间 still says no work: HR and the village now disagree
            self._case(
                "EMP-03",
                j.person.household_id,
                j.person.id_number,
                lambda eff: eff["hrss"] >= 2,
            )
        # day 2, rural: a newborn is registered before the ID is issued
        hh = rng.choice([h for h in w.households if h.household_id not in self.used])
        baby = self._person(hh, "之孙子", (0, 0), male=True)
        baby.education_level, baby.school_status, baby.printed_id = "学龄前", "非在校生", "无"
        baby.days = (2, FOREVER)
