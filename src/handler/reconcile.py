"""Pure decisions: what is known of a solution's settings, is an update needed, is the update we
started settled, what do we report.

The docs leave open what DescribeSolution shows after an update: whether the solution's own fields
follow updates or keep their creation values, whether an update's summary shows only what its
request sent or fills the rest in with service defaults, and whether performIncrementalUpdate is
shown at all. So a setting counts as known only when every one of those readings agrees on it, and
an unknown setting that is asked for means an update, never a no-op: a needless update costs a
training run, a false no-op leaves the solution other than the template says.

No I/O here, so every rule that costs users money or misleads CloudFormation is unit-tested
directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from port import ACTIVE, CREATE_FAILED, SolutionState, UpdateRecord
from solution_rules.properties import SETTING_NAMES, EventParameter, Settings, schedule_expression
from solution_rules.records import NamedTuple

SOLUTION_UNUSABLE = (CREATE_FAILED, "DELETE PENDING", "DELETE IN_PROGRESS")
UNKNOWN = "unknown"  # an attribute whose value nothing proves
# Documented in DescribeSolution: "The default is True", "The default is every 7 days".
DEFAULTS = Settings(perform_auto_training=True, schedule_days=7)
# What an update's summary may show for a field its request left out, if it fills in service
# defaults: the documented ones, and for performIncrementalUpdate both values. SolutionUpdateSummary
# says of it "This parameter is supported only for solutions that use the semantic-similarity
# recipe. The default is true." (botocore's model omits that sentence), while the solution's own
# field reads false on other recipes, so a summary may fill in either. Such a value does not
# prove that the update set the field; any other value does.
FILLABLE: dict[str, frozenset[object]] = {
    "perform_auto_training": frozenset({True}),
    "perform_incremental_update": frozenset({True, False}),
    "schedule_days": frozenset({7}),
}
# The fields a summary may leave out although its request sent them: one reading shows
# performIncrementalUpdate nowhere. A summary without any other field its request sent is not
# that request's.
UNSHOWABLE = frozenset({"perform_incremental_update"})


class Phase(Enum):
    """Where the update we wait for stands."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REPLACED = "replaced"  # a later update hid ours, and the settings asked are not proven


class Sighting(NamedTuple):
    """The first update created after the baseline that a check saw: its creation time, and
    whether its summary fits our request (then it is ours)."""

    created: datetime
    ours: bool


class Progress(NamedTuple):
    """The phase plus the status string seen, for the timeline and for timeout reasons, and
    what the next check needs to know: the first update seen after the baseline."""

    phase: Phase
    status: str
    failure_reason: str | None = None
    seen: Sighting | None = None


def _fields(settings: Settings) -> Iterable[tuple[str, Any]]:
    """The (field, value) pairs of the settings that are set."""
    return ((name, value) for name, value in settings._asdict().items() if value is not None)


def _parameters_sent(sent: Sequence[EventParameter], shown: Sequence[EventParameter]) -> bool:
    """Whether `shown` is the event parameter list `sent`, up to order and up to the sub-fields
    the request left out (a summary may fill those in)."""
    if sorted(p.event_type or "" for p in sent) != sorted(p.event_type or "" for p in shown):
        return False
    remaining = list(shown)
    for item in sent:
        match = next(
            (
                candidate
                for candidate in remaining
                if candidate.event_type == item.event_type
                and item.event_value_threshold in (None, candidate.event_value_threshold)
                and item.weight in (None, candidate.weight)
            ),
            None,
        )
        if match is None:
            return False
        remaining.remove(match)
    return True


def _consistent(sent: Settings, shown: Settings, *, unshown_ok: frozenset[str]) -> bool:
    """Whether a summary that shows `shown` can be that of a request that sent `sent`. A sent
    field the summary does not show counts only if it is in `unshown_ok` (it cannot be
    checked)."""
    for name, value in _fields(sent):
        seen = getattr(shown, name)
        if seen is None:
            if name not in unshown_ok:
                return False
        elif name == "event_parameters":
            if not _parameters_sent(value, seen):
                return False
        elif seen != value:
            return False
    return True


def _proven(shown: Settings) -> Settings:
    """The fields a summary shows with a value that no reading fills in, so its request set them:
    any value but a fillable default, and an event parameter list (never filled in whole)."""
    return Settings(
        **{
            name: value
            for name, value in _fields(shown)
            if name == "event_parameters" or value not in FILLABLE[name]
        }
    )


def _agreeing(known: Settings, top: Settings) -> Settings:
    """`known` less the fields the solution's own fields show otherwise: where they and the
    summary disagree, nothing is known of that field."""

    def agrees(name: str, value: Any) -> bool:
        """Whether the solution's own field shows no other value than `value`."""
        own = getattr(top, name)
        if own is None:
            return True
        if name == "event_parameters":
            return _parameters_sent(own, value) or _parameters_sent(value, own)
        return bool(own == value)

    return Settings(**{name: value for name, value in _fields(known) if agrees(name, value)})


def _overlay(base: Settings, top: Settings) -> Settings:
    """`base` with every field `top` sets taken from `top`."""
    return base._replace(**dict(_fields(top)))


def known_settings(state: SolutionState) -> Settings:
    """What can be proven of the settings in force (None: unknown).

    - Never updated: the solution's own fields are its creation settings under every reading,
      with the documented defaults for what they leave out (none for incremental updates).
    - Latest update ACTIVE: the fields its summary proves it set (see `_proven`); and, once the
      solution's own fields visibly moved with that update (its lastUpdatedDateTime is the
      update's or later), every field they show (with the documented defaults for what they
      leave out), whoever's update set it. The summary alone cannot tell a value the request set
      from one it left out and a reading filled in; the solution's own fields, if they follow
      updates, can. Where they visibly moved and show another value than the summary proves,
      that field is unknown (one of the two is not what is in force); where they did not move,
      they may be the creation settings and say nothing.
    - Latest update failed or unfinished: nothing (the solution's own fields may be its creation
      settings, not what the last good update set).
    """
    update = state.latest_update
    if update is None:
        return _defaulted(state.top_level)
    if update.status != ACTIVE:
        return Settings()
    known = _proven(update.shown)
    if state.last_updated < update.last_updated:  # its own fields may be the creation settings
        return known
    # Its own fields moved with that update (or later): they show what is in force, with the
    # documented defaults for what they leave out, unless the summary proves another value.
    own = _defaulted(state.top_level)
    agreed = _agreeing(known, own)
    conflicts = [name for name, _ in _fields(known) if getattr(agreed, name) is None]
    return _overlay(agreed, own)._replace(**dict.fromkeys(conflicts))


def _defaulted(top: Settings) -> Settings:
    """A solution's own fields as settings in force: the documented defaults where they show
    nothing (none for incremental updates), no event parameters where they show none."""
    return Settings(
        perform_auto_training=_first(top.perform_auto_training, DEFAULTS.perform_auto_training),
        perform_incremental_update=top.perform_incremental_update,
        schedule_days=_first(top.schedule_days, DEFAULTS.schedule_days),
        event_parameters=_first(top.event_parameters, ()),
    )


def settled_settings(state: SolutionState, asked: Settings) -> Settings:
    """What is known once our update settled: all that was asked (what we sent is in force, the
    rest was already), and what the read proves of the other fields."""
    return _overlay(known_settings(state), asked)


def _first[T](value: T | None, default: T) -> T:
    """`value`, or `default` when it is None."""
    return default if value is None else value


def _same_parameters(asked: Sequence[EventParameter], known: Sequence[EventParameter]) -> bool:
    """Order-insensitive equality of two event parameter lists, omitted sub-fields included: an
    omitted threshold or weight means the service default, whose value is not documented."""

    def number(value: float | None) -> tuple[bool, float]:
        """A sortable form of a sub-field compared as a number (JSON's 1 is the request's
        "1"), None kept apart from every number."""
        return (value is None, 0.0 if value is None else float(value))

    def key(item: EventParameter) -> tuple[str, tuple[bool, float], tuple[bool, float]]:
        """A sortable form of one parameter."""
        return (item.event_type or "", number(item.event_value_threshold), number(item.weight))

    return sorted(map(key, asked)) == sorted(map(key, known))


def differences(asked: Settings, known: Settings) -> list[str]:
    """The fields asked for whose value is not known to be the asked one (different, or
    unknown): each of them needs an UpdateSolution call."""
    changed = []
    for name, value in _fields(asked):
        current = getattr(known, name)
        if current is None:
            changed.append(name)
        elif name == "event_parameters":
            if not _same_parameters(value, current):
                changed.append(name)
        elif current != value:
            changed.append(name)
    return changed


def property_names(fields: Iterable[str]) -> list[str]:
    """The properties that set these Settings fields, for logs and reasons."""
    return [SETTING_NAMES[name] for name in fields]


def unusable_reason(state: SolutionState) -> str | None:
    """Why this solution can never be updated (failed or being deleted), or None."""
    if state.status in SOLUTION_UNUSABLE:
        return f"Solution {state.arn} is in status {state.status} and cannot be updated"
    return None


def busy_reason(state: SolutionState) -> str | None:
    """What the solution is busy with (still being created, an update in progress), or None."""
    if state.status != ACTIVE:
        return f"the solution is in status {state.status}"
    update = state.latest_update
    if update is not None and update.status not in (ACTIVE, CREATE_FAILED):
        return f"another solution update is in status {update.status}"
    return None


def progress_of(
    state: SolutionState, sent: Settings, baseline: datetime | None, seen: Sighting | None = None
) -> Progress:
    """Judge the update we started (sending `sent`), given the creation time of the update seen
    before ours (`baseline`) and what an earlier check saw (`seen`, passed on in the result).

    DescribeSolution shows only the latest update, and no operation lists them, so identity
    rests on creation times. An update created at or before the baseline is not yet ours, and
    counts as pending (a read may lag behind UpdateSolution). Ours is the first update created
    after the baseline, recognised by a summary that can be that of our request (a field no
    reading hides must be shown; a field it fills in is not compared). A later update as the
    latest (ours skipped over: its summary is not ours on two checks in a row, since one read
    may lag, or it came after the one we saw) means ours settled unseen, and that update
    decides: SUCCEEDED if it leaves the settings asked proven in force, PENDING while it is in
    progress, else REPLACED.
    """
    update = state.latest_update
    if (
        update is None
        or (baseline is not None and update.created <= baseline)
        or (seen is not None and update.created < seen.created)  # lagging behind a check
    ):
        return Progress(Phase.PENDING, "not yet visible", seen=seen)
    fits = _consistent(sent, update.shown, unshown_ok=UNSHOWABLE)
    if seen is None or (not seen.ours and fits and update.created > seen.created):
        seen = Sighting(update.created, fits)
        if not fits:  # a later update, or an earlier one in a lagging read: check again
            return Progress(Phase.PENDING, "not yet visible", seen=seen)
    if seen.ours and update.created == seen.created:
        if update.status == ACTIVE:
            return Progress(Phase.SUCCEEDED, update.status, seen=seen)
        if update.status == CREATE_FAILED:
            reason = update.failure_reason or "no reason given"
            return Progress(Phase.FAILED, update.status, reason, seen=seen)
        return Progress(Phase.PENDING, update.status, seen=seen)
    status = f"{update.status} of another update, created {update.created.isoformat()}"
    if update.status not in (ACTIVE, CREATE_FAILED):
        return Progress(Phase.PENDING, status, seen=seen)
    if update.status == ACTIVE and not differences(sent, known_settings(state)):
        return Progress(Phase.SUCCEEDED, update.status, seen=seen)
    return Progress(Phase.REPLACED, status, seen=seen)


def twin_update(state: SolutionState, sent: Settings, since: datetime) -> UpdateRecord | None:
    """The latest update, if it was created after `since` and its summary can be that of a
    request sending `sent` (see `progress_of`): a twin of a request sent at `since`."""
    update = state.latest_update
    if update is None or update.created <= since:
        return None
    return update if _consistent(sent, update.shown, unshown_ok=UNSHOWABLE) else None


def attributes(state: SolutionState, settings: Settings) -> dict[str, str]:
    """The Fn::GetAtt attributes, all strings: `settings` as known once the request settled
    (`unknown` where nothing proves a value), and the latest update's status and time."""
    update = state.latest_update

    def text(value: bool | None) -> str:
        """A boolean as CloudFormation shows it, or `unknown`."""
        return UNKNOWN if value is None else str(value).lower()

    days = settings.schedule_days
    return {
        "SolutionArn": state.arn,
        "PerformAutoTraining": text(settings.perform_auto_training),
        "SchedulingExpression": UNKNOWN if days is None else schedule_expression(days),
        "PerformIncrementalUpdate": text(settings.perform_incremental_update),
        "Status": update.status if update else state.status,
        "LastUpdatedDateTime": (update.last_updated if update else state.last_updated).isoformat(),
    }
