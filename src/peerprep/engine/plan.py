"""A plan to the exam date: new and review items a day, today's progress, a streak,
leeches, and time per item against the exam's pace.

Pure: it takes the bank, the history, the moment (`now`, aware) and the saved settings,
and returns dataclasses. Dates are the candidate's local dates: `tz` is the local zone
(None: the system's, with its daylight-saving rules), so an answer at 23:30 counts on the
day the candidate lived it, not on the UTC one.

How the numbers are made (and why):
- New items a day: the items never answered, at the start of today, spread evenly over
  the days left (today up to the day before the exam). They are taken weakest domain
  first, weakness as `study` sees it (StudyPlanner's recency-weighted mastery), so the
  weak domains are covered first.
- Reviews a day: a day-by-day run of the real FSRS scheduler (engine/schedule.py) over
  the cards the candidate has and the new items the plan adds, assuming every review is
  answered right (at the candidate's usual speed, which FSRS reads as Good or Hard).
  Answering right is the optimistic case; a wrong answer brings the card back sooner.
- Minutes: the candidate's median seconds per answer, or the exam's pace (minutes x 60 /
  items) with no history yet.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from peerprep.bank import Bank
from peerprep.errors import InvalidInputError
from peerprep.progress.history import Answer, History, when

LEECH_MISSES = 4  # wrong answers that make an item a leech (Anki's idea, a lower bar)
MASTERED_RUN = 3  # right answers in a row, most recent last, that cure a leech
REVIEW_HOUR = 12  # a future day's reviews are simulated from noon (local)


# ---------------------------------------------------------------- local dates
def local_date(moment: dt.datetime, tz: dt.tzinfo | None = None) -> dt.date:
    return moment.astimezone(tz).date()


def day_start(day: dt.date, tz: dt.tzinfo | None = None) -> dt.datetime:
    """Local midnight that starts `day`, as an aware time."""
    naive = dt.datetime.combine(day, dt.time())
    return naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()


def parse_exam_date(value: str) -> dt.date:
    """YYYY-MM-DD only (what is saved, and what --exam-date takes); ValueError otherwise."""
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
            return dt.date.fromisoformat(value.strip())
    except ValueError:
        pass
    raise ValueError(f"{value!r} is not a date as YYYY-MM-DD (e.g. 2027-02-15)")


# ---------------------------------------------------------------- streak
def streak(days: set[dt.date], today: dt.date) -> int:
    """Consecutive days with an answer, ending today, or yesterday when today has none yet
    (the streak is not broken until the day is over)."""
    day = today if today in days else today - dt.timedelta(days=1)
    n = 0
    while day in days:
        n += 1
        day -= dt.timedelta(days=1)
    return n


# ---------------------------------------------------------------- leeches
@dataclass(frozen=True)
class Leech:
    item: str
    task: str
    stem: str
    missed: int

    def as_dict(self) -> dict[str, object]:
        return {"item": self.item, "task": self.task, "stem": self.stem, "missed": self.missed}


def leeches(bank: Bank, history: History, threshold: int = LEECH_MISSES) -> list[Leech]:
    """Items missed `threshold`+ times and not yet mastered (the last MASTERED_RUN answers
    right), most missed first. Items retired from the bank are left out."""
    by_item: dict[str, list[bool]] = {}
    for a in history.answers:
        by_item.setdefault(a["item"], []).append(a["correct"])
    out = []
    for item, results in by_item.items():
        missed = results.count(False)
        if missed < threshold or item not in bank:
            continue
        recent = results[-MASTERED_RUN:]
        if len(recent) == MASTERED_RUN and all(recent):
            continue
        q = bank.get(item)
        out.append(Leech(item, q.task, " ".join(q.stem.split()), missed))
    out.sort(key=lambda x: (-x.missed, x.item))
    return out


# ---------------------------------------------------------------- pace
def exam_pace(bank: Bank) -> float:
    """Seconds per item on the real exam: its minutes over its items."""
    exam = bank.blueprint.exam
    return exam.minutes * 60 / exam.items


def median_seconds(answers: Iterable[Answer]) -> float | None:
    # 0 s is "not measured" (schema-1 files without a time), not an instant answer.
    times = [a["seconds"] for a in answers if a["seconds"] > 0]
    return statistics.median(times) if times else None


@dataclass(frozen=True)
class DomainPace:
    code: str
    name: str
    answers: int
    median_seconds: float | None
    exam_pace: float

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "answers": self.answers,
            "median_seconds": self.median_seconds,
            "exam_pace_seconds": self.exam_pace,
        }


def pace_by_domain(bank: Bank, history: History) -> list[DomainPace]:
    """Median seconds per answer in each domain, beside the exam's seconds per item."""
    task_of = {str(r[0]): str(r[1]) for r in bank.records}
    domain_of_task = {t.code: d.code for d in bank.blueprint.domains for t in d.tasks}
    per: dict[str, list[Answer]] = {}
    for a in history.answers:
        task = task_of.get(a["item"])
        if task is not None:
            per.setdefault(domain_of_task[task], []).append(a)
    pace = exam_pace(bank)
    return [
        DomainPace(
            d.code, d.name, len(per.get(d.code, [])), median_seconds(per.get(d.code, [])), pace
        )
        for d in bank.blueprint.domains
    ]


# ---------------------------------------------------------------- the plan
@dataclass(frozen=True)
class DomainPlan:
    code: str
    name: str
    mastery: float | None  # posterior mean; None with no answers in the domain
    items: int
    unseen: int
    covered_by: dt.date | None  # the day its last unseen item is due in the plan

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "mastery": self.mastery,
            "items": self.items,
            "unseen": self.unseen,
            "covered_by": self.covered_by.isoformat() if self.covered_by else None,
        }


@dataclass(frozen=True)
class Today:
    answered: int
    target: int
    new_done: int
    new_target: int
    reviews_done: int
    reviews_target: int

    def as_dict(self) -> dict[str, object]:
        return {
            "answered": self.answered,
            "target": self.target,
            "new_done": self.new_done,
            "new_target": self.new_target,
            "reviews_done": self.reviews_done,
            "reviews_target": self.reviews_target,
        }


@dataclass(frozen=True)
class Fit:
    """What fits in the candidate's minutes a day when the plan does not."""

    minutes_a_day: int
    new_per_day: int
    reviews_per_day: float
    covered_by: dt.date | None  # None: reviews alone fill the minutes

    def as_dict(self) -> dict[str, object]:
        return {
            "minutes_a_day": self.minutes_a_day,
            "new_per_day": self.new_per_day,
            "reviews_per_day": round(self.reviews_per_day, 1),
            "covered_by": self.covered_by.isoformat() if self.covered_by else None,
        }


@dataclass(frozen=True)
class Plan:
    today: dt.date
    exam_date: dt.date
    days_left: int
    bank_items: int
    unseen: int
    new_per_day: int
    reviews_per_day: float
    reviews_total: int
    seconds_per_answer: float
    pace_from: str  # "your answers" or "exam pace"
    exam_pace: float
    minutes_per_day: float
    minutes_a_day: int | None
    fit: Fit | None  # set when the plan needs more than minutes_a_day
    progress: Today
    streak: int
    answered_today: bool
    domains: list[DomainPlan]  # weakest first: the order new items come in
    leeches: list[Leech] = field(default_factory=list)

    @property
    def fits(self) -> bool | None:
        return None if self.minutes_a_day is None else self.fit is None

    def as_dict(self) -> dict[str, object]:
        return {
            "today": self.today.isoformat(),
            "exam_date": self.exam_date.isoformat(),
            "days_left": self.days_left,
            "bank_items": self.bank_items,
            "unseen": self.unseen,
            "new_per_day": self.new_per_day,
            "reviews_per_day": round(self.reviews_per_day, 1),
            "reviews_total": self.reviews_total,
            "seconds_per_answer": round(self.seconds_per_answer, 1),
            "seconds_from": self.pace_from,
            "exam_pace_seconds": self.exam_pace,
            "minutes_per_day": round(self.minutes_per_day, 1),
            "minutes_a_day": self.minutes_a_day,
            "fits": self.fits,
            "what_fits": self.fit.as_dict() if self.fit else None,
            "progress_today": self.progress.as_dict(),
            "streak_days": self.streak,
            "answered_today": self.answered_today,
            "domains": [d.as_dict() for d in self.domains],
            "leeches": [x.as_dict() for x in self.leeches],
        }


def _weakest_first(
    bank: Bank, history: History, now: dt.datetime
) -> list[tuple[str, str, float | None]]:
    """(code, name, mastery) per domain in `study`'s order of weakness."""
    from peerprep.engine.study import StudyPlanner

    # The planner's rng only drives its draws; its mastery table is deterministic.
    planner = StudyPlanner(bank, history.item_stats, now=now, rng=random.Random(0))
    mastery = {m.code: m for m in planner.table.domains}
    ordered = sorted(bank.blueprint.domains, key=lambda d: (mastery[d.code].mean, -d.weight))
    return [
        (d.code, d.name, mastery[d.code].mean if mastery[d.code].attempts else None)
        for d in ordered
    ]


def _reviews(
    cards: dict[str, dict[str, Any]],
    new_items: list[int],
    *,
    now: dt.datetime,
    today: dt.date,
    tz: dt.tzinfo | None,
    seconds: float,
    pace: float,
) -> list[int]:
    """Reviews per day, from today, if every due card is reviewed (and answered right)
    on its day and new_items[k] new items are first answered on day k."""
    from peerprep.engine import schedule

    days = len(new_items)
    out = [0] * days
    queue: list[tuple[dt.datetime, str]] = []
    state = dict(cards)
    for item, c in cards.items():
        queue.append((dt.datetime.fromisoformat(c["due"]), item))
    heapq.heapify(queue)
    fresh = 0
    for k in range(days):
        day = today + dt.timedelta(days=k)
        start = now if k == 0 else day_start(day, tz) + dt.timedelta(hours=REVIEW_HOUR)
        end = day_start(day + dt.timedelta(days=1), tz)
        for _ in range(new_items[k]):
            fresh += 1
            item = f"\0new-{fresh}"  # a stand-in: which unseen item it is does not matter
            state[item] = schedule.review(
                None, item, correct=True, seconds=seconds, when=start, pace_seconds=pace
            )
            heapq.heappush(queue, (dt.datetime.fromisoformat(state[item]["due"]), item))
        while queue and queue[0][0] < end:
            due, item = heapq.heappop(queue)
            at = max(start, due)
            state[item] = schedule.review(
                state[item], item, correct=True, seconds=seconds, when=at, pace_seconds=pace
            )
            out[k] += 1
            heapq.heappush(queue, (dt.datetime.fromisoformat(state[item]["due"]), item))
    return out


def _spread(total: int, days: int, rate: int, first: int) -> list[int]:
    """New items per day: `first` today, then `rate` a day until `total` is used up."""
    out = []
    left = total
    for k in range(days):
        n = min(left, first if k == 0 else rate)
        out.append(n)
        left -= n
    return out


# A plan simulates the review schedule day by day: years ahead is no exam date, and a
# date near the calendar's end would overflow the scheduler's dates.
MAX_DAYS_AHEAD = 3 * 365


def make_plan(
    bank: Bank,
    history: History,
    *,
    now: dt.datetime,
    exam_date: dt.date,
    minutes_a_day: int | None = None,
    tz: dt.tzinfo | None = None,
) -> Plan:
    """The plan from today to the exam date. Raises InvalidInputError for a date that is
    today or past (there are no days left to plan)."""
    today = local_date(now, tz)
    days_left = (exam_date - today).days
    if days_left <= 0:
        raise InvalidInputError(
            f"the exam date {exam_date.isoformat()} is "
            f"{'today' if days_left == 0 else 'in the past'} (today is {today.isoformat()}); "
            "give a date after today, e.g. `peerprep plan --exam-date "
            f"{(today + dt.timedelta(days=60)).isoformat()}`"
        )
    if days_left > MAX_DAYS_AHEAD:
        raise InvalidInputError(
            f"the exam date {exam_date.isoformat()} is more than {MAX_DAYS_AHEAD // 365} years "
            "away; give the date of your exam (is the year right?)"
        )
    # Today's answers: an item's first answer ever is a new item; any other is a review.
    first_seen: dict[str, dt.date] = {}
    answered_today: set[str] = set()
    days: set[dt.date] = set()  # every local day with an answer, for the streak
    answered = reviews_done = 0
    for a in history.answers:
        day = local_date(when(a), tz)
        days.add(day)
        first = first_seen.setdefault(a["item"], day)
        if day == today:
            answered += 1
            if first != today or a["item"] in answered_today:
                reviews_done += 1
            answered_today.add(a["item"])
    new_today = {i for i, d in first_seen.items() if d == today and i in bank}
    seen = set(first_seen) & bank.ids
    unseen_now = bank.ids - seen
    unseen_start = len(unseen_now) + len(new_today)  # as the day began: a steady target
    new_per_day = math.ceil(unseen_start / days_left)

    # Weakest domain first; each domain's unseen items (as the day began) in turn.
    task_of = {str(r[0]): str(r[1]) for r in bank.records}
    domain_of_task = {t.code: d.code for d in bank.blueprint.domains for t in d.tasks}
    per_domain = Counter(domain_of_task[task_of[i]] for i in unseen_now)
    start_per_domain = per_domain + Counter(domain_of_task[task_of[i]] for i in new_today)
    items_per_domain = Counter(domain_of_task[str(r[1])] for r in bank.records)
    domains = []
    cumulative = 0
    for code, name, mastery in _weakest_first(bank, history, now):
        cumulative += start_per_domain[code]
        covered = (
            today + dt.timedelta(days=math.ceil(cumulative / new_per_day) - 1)
            if per_domain[code]
            else None
        )
        domains.append(
            DomainPlan(code, name, mastery, items_per_domain[code], per_domain[code], covered)
        )

    mine = median_seconds(history.answers)
    pace = exam_pace(bank)
    seconds = mine if mine is not None else pace

    def reviews_at(rate: int) -> list[int]:
        first = max(0, min(rate, new_per_day) - len(new_today))
        plan_new = _spread(len(unseen_now), days_left, rate, first)
        return _reviews(
            history.cards, plan_new, now=now, today=today, tz=tz, seconds=seconds, pace=pace
        )

    per_day = reviews_at(new_per_day)
    reviews_total = reviews_done + sum(per_day)
    reviews_per_day = reviews_total / days_left
    minutes = (new_per_day + reviews_per_day) * seconds / 60

    fit = None
    if minutes_a_day is not None and minutes > minutes_a_day:
        fit = _what_fits(
            minutes_a_day,
            new_per_day,
            seconds,
            reviews_done,
            days_left,
            unseen_start,
            today,
            reviews_at,
        )

    new_target = min(new_per_day, unseen_start)
    reviews_target = reviews_done + per_day[0]
    new_done = len(new_today)
    return Plan(
        today=today,
        exam_date=exam_date,
        days_left=days_left,
        bank_items=len(bank),
        unseen=len(unseen_now),
        new_per_day=new_per_day,
        reviews_per_day=reviews_per_day,
        reviews_total=reviews_total,
        seconds_per_answer=seconds,
        pace_from="your answers" if mine is not None else "exam pace",
        exam_pace=pace,
        minutes_per_day=minutes,
        minutes_a_day=minutes_a_day,
        fit=fit,
        progress=Today(
            answered=answered,
            target=new_target + reviews_target,
            new_done=new_done,
            new_target=new_target,
            reviews_done=reviews_done,
            reviews_target=reviews_target,
        ),
        streak=streak(days, today),
        answered_today=today in days,
        domains=domains,
        leeches=leeches(bank, history),
    )


def _what_fits(
    minutes_a_day: int,
    new_per_day: int,
    seconds: float,
    reviews_done: int,
    days_left: int,
    unseen_start: int,
    today: dt.date,
    reviews_at: Callable[[int], list[int]],
) -> Fit:
    """The most new items a day whose plan (new + the reviews they bring) fits the
    minutes: fewer new items mean fewer reviews too, so each rate is simulated."""

    def cost(rate: int) -> tuple[float, float]:
        reviews = (reviews_done + sum(reviews_at(rate))) / days_left
        return (rate + reviews) * seconds / 60, reviews

    lo, hi = 0, new_per_day - 1  # new_per_day itself does not fit
    best = 0
    best_reviews = cost(0)[1]
    while lo <= hi:
        mid = (lo + hi) // 2
        minutes, reviews = cost(mid)
        if minutes <= minutes_a_day:
            best, best_reviews = mid, reviews
            lo = mid + 1
        else:
            hi = mid - 1
    covered = today + dt.timedelta(days=math.ceil(unseen_start / best) - 1) if best else None
    return Fit(minutes_a_day, best, best_reviews, covered)
