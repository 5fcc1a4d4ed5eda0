"""Life events in education: undergraduate study, applying for a graduate place, holding it
until graduation or dropout (a mixin of :class:`~.world.World`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..scenario.schema import QUALIFICATIONS
from .people import (
    ABROAD,
    ADMIT,
    BACHELOR,
    ELSEWHERE,
    FOREIGN_GRADUATE,
    GRADUATE,
    MARKET,
    MASTER,
    STUDY,
    STUDYING,
    TICKS,
    GraduateProgramme,
)
from .state import WorldState

if TYPE_CHECKING:  # pragma: no cover
    from .people import GraduateProgramme


class EducationProcesses(WorldState):
    """Processes of students and applicants; methods of :class:`~.world.World`."""

    # -------------------------------------------------------------- people
    def undergraduate(self, group: int, entry: int):
        """An AI-track entrant: study years (service = extra years) until graduation or dropout.

        The per-year dropout and finishing probabilities are inputs that do not depend on the
        state of the system, so the entrant draws its study years now, year by year with the
        probabilities of each calendar year, and sleeps until the end of its last one: one
        timeout instead of one per year, the same distribution."""
        env, u, x = self.env, self.u, self.x
        i = first = env.now // TICKS
        s = 0  # study years completed before year i
        while True:
            h = x.ug_hazard[i][group]
            draw = u()
            if draw < h:
                graduates = False
                break
            if draw - h < x.ug_finish[i][group][s] * (1.0 - h):
                graduates = True
                break
            s += 1
            i += 1
            if i == self.n_years:
                return  # still studying when the simulation ends
        yield env.timeout((i - first) * TICKS + STUDY - MARKET)
        if not graduates:
            self.n_ug -= 1
            self.f["dropouts_bachelor"][i] += 1
            self.move(entry, STUDYING, ELSEWHERE)
            return
        self.n_ug -= 1
        self.f["grads_bachelor"][i] += 1
        live = i >= self.first_live
        if live:
            self.ttd["bachelor"][s + 1] += 1
        # destination (shares of year i; the AI-job share scaled by the take-up multiplier)
        draw = u()
        dm, dp = x.dest["master"][i], x.dest["phd"][i]
        if draw < dm + dp:
            yield from self.applicant(self.master if draw < dm else self.phd, entry, BACHELOR)
            return
        draw -= dm + dp
        p_ai = self.p_ai_b[i]
        if self.switches(i, not p_ai <= draw < p_ai + x.dest["abroad"][i]):
            yield from self.applicant(self.phd, entry, BACHELOR)
            return
        if draw < p_ai and live:
            yield from self.seek(GRADUATE, BACHELOR, self.entry_band["bachelor"], entry)
            return
        if p_ai <= draw < p_ai + x.dest["abroad"][i] and live:
            self.f["study_abroad"][i] += 1
            self.move(entry, STUDYING, ABROAD)
            return
        self.move(entry, STUDYING, ELSEWHERE)

    def switches(self, i: int, market_bound: bool) -> bool:
        """A bachelor's or master's graduate of year ``i``: counted in the fellowship pool when
        bound for the Korean labour market (AI or other work); True if fellowships draw them into
        a PhD application instead (probability ``p_switch[i]``, set by the market step)."""
        if not market_bound:
            return False
        self.f["fellowship_pool"][i] += 1
        if self.p_switch[i] > 0 and self.u() < self.p_switch[i]:
            self.f["fellowship_switchers"][i] += 1
            return True
        return False

    def applicant(self, prog: GraduateProgramme, entry: int, held: int):
        """A domestic applicant holding degree ``held`` (BACHELOR or MASTER): admission rounds
        until a place, or giving up."""
        env, u = self.env, self.u
        first = None
        while True:
            request = yield prog.apply(self, first)
            i = env.now // TICKS
            if first is None:
                first = i
            if request is not None:
                break
            if u() < prog.data.reapply[i]:
                prog.c["waitlist"][i] += 1
                continue
            prog.c["unplaced_leavers"][i] += 1
            # gives up: joins the market like graduates of the degree they hold who do not study
            # further
            if i >= self.first_live and u() < self.p_leaver_ai[held][i]:
                yield from self.seek(GRADUATE, held, self.entry_band[QUALIFICATIONS[held]], entry)
            else:
                self.move(entry, STUDYING, ELSEWHERE)
            return
        wait = i - first
        prog.wait_sum[i] += wait
        if i >= self.first_live:
            self.wait[QUALIFICATIONS[prog.qual]][wait] += 1
        yield from self.graduate_student(prog, request, entry)

    def graduate_student(self, prog: GraduateProgramme, request, entry: int):
        """A domestic student holding a place (in the AI graduate schools or the other
        programmes): study, then a PhD application, an AI job, abroad or elsewhere."""
        u = self.u
        at_ai_school = request.resource is prog.ai_seats
        graduated, i = yield from self.study(prog, request, "grads_domestic")
        if not graduated:
            self.move(entry, STUDYING, ELSEWHERE)
            return
        live = i >= self.first_live
        draw = u()
        d = prog.data
        to_phd = d.to_phd[i] if prog.qual == MASTER else 0.0
        if draw < to_phd:
            yield from self.applicant(self.phd, entry, MASTER)
            return
        draw -= to_phd
        p_ai = prog.p_ai_school[i] if at_ai_school else prog.p_ai[i]
        if prog.qual == MASTER and self.switches(i, not p_ai <= draw < p_ai + d.abroad[i]):
            yield from self.applicant(self.phd, entry, MASTER)
            return
        if draw < p_ai and live:
            yield from self.seek(GRADUATE, prog.qual, self.entry_band[QUALIFICATIONS[prog.qual]], entry)
            return
        if p_ai <= draw < p_ai + d.abroad[i] and live:
            self.f["study_abroad"][i] += 1
            self.move(entry, STUDYING, ABROAD)
            return
        self.move(entry, STUDYING, ELSEWHERE)

    def outside_student(self, prog: GraduateProgramme, request):
        """An AI graduate-school student from outside the AI-track pipeline (other fields,
        workers): untracked entry, otherwise a domestic graduate student."""
        yield from self.graduate_student(prog, request, -1)

    def international(self, prog: GraduateProgramme, request):
        """An international student, admitted before domestic applicants."""
        prog.intl_holding += 1
        graduated, i = yield from self.study(prog, request, "grads_international")
        prog.intl_holding -= 1
        if graduated and i >= self.first_live and self.u() < self.x.stay[i]:
            yield from self.seek(FOREIGN_GRADUATE, prog.qual, self.entry_band[QUALIFICATIONS[prog.qual]], -1,
                                 origin=1)

    def study(self, prog: GraduateProgramme, request, grads_key: str):
        """Hold a place until graduation or dropout; returns (graduated, year index)."""
        env, u, d = self.env, self.u, prog.data
        ai = request.resource is prog.ai_seats
        yield env.timeout(STUDY - ADMIT)
        s = 0
        while True:
            i = env.now // TICKS
            h = prog.hazard[i]
            draw = u()
            if draw < h:
                request.resource.release(request)
                prog.c["dropouts"][i] += 1
                if ai:
                    prog.c["dropouts_ai"][i] += 1
                return False, i
            if draw - h < d.finish[i][s] * (1.0 - h):
                break
            s += 1
            yield env.timeout(TICKS)
        request.resource.release(request)
        prog.c[grads_key][i] += 1
        if ai:
            prog.c["grads_ai"][i] += 1
        if i >= self.first_live:
            self.ttd[QUALIFICATIONS[prog.qual]][s + 1] += 1
        return True, i
