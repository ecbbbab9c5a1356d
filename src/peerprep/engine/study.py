"""Study aimed at weakness: recency-weighted mastery, the weakest domain, and a draw
that favours weak *or* little-seen tasks while keeping stronger domains warm.

- Mastery: a Beta(1, 1) prior updated with answers weighted by recency (half-life 30
  days, see recency.py), so old mistakes fade and little evidence means a wide interval.
- Target domain: the lowest posterior mean (ties: the larger blueprint weight).
- Within it, each pick samples every task's Beta posterior and takes the lowest sample
  (Thompson sampling): weak tasks win often, uncertain (little-seen) tasks win sometimes.
- A share of each session (MIX, 30 %) comes from the other domains, by blueprint
  weight, so they do not decay.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from peerprep import recency
from peerprep.bank import Bank
from peerprep.constants import HALF_LIFE_DAYS, SECONDS_PER_DAY
from peerprep.engine.mastery import Mastery, MasteryTable, table_from_counts
from peerprep.models import Domain
from peerprep.wording import estimate

MIX = 0.3


def recency_weights(
    times: Sequence[dt.datetime], now: dt.datetime, half_life_days: float = HALF_LIFE_DAYS
) -> list[float]:
    scale = SECONDS_PER_DAY * half_life_days
    return [0.5 ** (max(0.0, (now - t).total_seconds()) / scale) for t in times]


@dataclass(frozen=True)
class Target:
    domain: Domain
    mastery: Mastery
    weakest_tasks: list[Mastery]
    chosen_by: str  # "weakest" or "--domain"

    def reason(self) -> str:
        m = self.mastery
        if not m.attempts:
            return f"{m.name}: no answers yet, so it is where the least is known"
        tasks = ", ".join(t.code for t in self.weakest_tasks) or "none answered yet"
        n = "1 answer" if m.answers == 1 else f"{m.answers} answers"
        return (
            f"{m.name}: {estimate(m.mean, m.low, m.high)} from {n} "
            f"(recent answers count more); weakest tasks: {tasks}"
        )


class StudyPlanner:
    def __init__(
        self,
        bank: Bank,
        item_stats: dict[str, list[float]],
        *,
        now: dt.datetime,
        rng: random.Random,
        domain: str | None = None,
        mix: float = MIX,
        whole: dict[str, list[int]] | None = None,
    ) -> None:
        """`item_stats`: per-item recency stats as the progress store keeps them
        (recency.py), so planning costs O(items in the bank), not O(answers).
        `whole`: [answers, right] per task (mastery.whole_counts), so what is shown
        counts answers as given; without it the weighted counts are rounded."""
        self.bank = bank
        self.rng = rng
        self.mix = mix
        task_of = {str(r[0]): str(r[1]) for r in bank.records}
        per_task: dict[str, list[float]] = {}
        self._last_seen: dict[str, float] = {}
        for item, st in item_stats.items():
            task = task_of.get(item)
            if task is None:  # retired since it was answered
                continue
            n, c = recency.at(st, now)
            tally = per_task.setdefault(task, [0.0, 0.0])
            tally[0] += n
            tally[1] += c
            self._last_seen[item] = st[2]
        self.table: MasteryTable = table_from_counts(bank, per_task, whole)
        self._task_post = {
            m.code: (1 + m.correct, 1 + m.attempts - m.correct) for m in self.table.tasks
        }
        self.by_task = bank.ids_by_task()
        self.target = self._choose_target(domain)

    def _choose_target(self, query: str | None) -> Target:
        bp = self.bank.blueprint
        by_code = {m.code: m for m in self.table.domains}
        if query is not None:
            d = bp.require_domain(query)
            how = "--domain"
        else:
            d = min(bp.domains, key=lambda x: (by_code[x.code].mean, -x.weight))
            how = "weakest"
        tasks = [m for m in self.table.tasks if m.attempts and m.code in {t.code for t in d.tasks}]
        weakest = sorted(tasks, key=lambda m: (m.mean, m.attempts))[:2]
        return Target(d, by_code[d.code], weakest, how)

    def _pick_task(self, domain: Domain, used: set[str]) -> str | None:
        best, best_draw = None, 2.0
        for t in domain.tasks:
            if not any(i not in used for i in self.by_task[t.code]):
                continue
            a, b = self._task_post[t.code]
            draw = self.rng.betavariate(a, b)
            if draw < best_draw:
                best, best_draw = t.code, draw
        return best

    def _pick_item(self, task: str, used: set[str]) -> str:
        free = [i for i in self.by_task[task] if i not in used]
        never = [i for i in free if i not in self._last_seen]
        if never:
            return self.rng.choice(never)
        return min(free, key=lambda i: self._last_seen[i])  # the longest ago

    def next_item(self, used: set[str]) -> str | None:
        bp = self.bank.blueprint
        others = [d for d in bp.domains if d.code != self.target.domain.code]
        domain = self.target.domain
        if others and self.rng.random() < self.mix:
            domain = self.rng.choices(others, weights=[d.weight for d in others])[0]
        for d in [domain, self.target.domain, *others]:  # fall back if a pool runs dry
            task = self._pick_task(d, used)
            if task is not None:
                return self._pick_item(task, used)
        return None

    def draw(self, count: int) -> list[str]:
        used: set[str] = set()
        out: list[str] = []
        while len(out) < count:
            item = self.next_item(used)
            if item is None:
                break
            used.add(item)
            out.append(item)
        return out
