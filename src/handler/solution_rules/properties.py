"""Turn CloudFormation's ResourceProperties into a validated, typed description of what is asked.

CloudFormation delivers every scalar as a string, so parsing is strict and every rejection names
the property, what is wrong with the value, and the form that would be accepted. Nothing here
talks to AWS: a request that fails here never reaches Personalize. Python 3.9+ (the rule set's
floor, cfn-lint's), hence `str, Enum` and TypeVar rather than their newer spellings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from enum import Enum
from typing import TypeVar

from .limits import DEFAULT_SERVICE_TIMEOUT, MIN_SERVICE_TIMEOUT, start_floor
from .partitions import PARTITIONS, is_region_of
from .records import NamedTuple

T = TypeVar("T")

# ASCII only, here and below: \d and \w would also match other scripts' digits and letters.
ACCOUNT_PATTERN = re.compile(r"[0-9]{12}")
SOLUTION_NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9\-_]*")  # CreateSolution's name
MAX_SOLUTION_NAME_LENGTH = 63
SCHEDULE_PATTERN = re.compile(r"rate\((0|[1-9][0-9]*) (day|days)\)")
# What a person might write for a rate of days: another case or spacing, no rate(...), leading
# zeros, weeks or whole days of hours. Only these get a suggestion. Compiled (and kept in re's
# cache) when a schedule is first refused, not at import: a valid one never needs it.
NEAR_SCHEDULE = r"(?:rate *\( *)?([0-9]{1,4}) *(days?|weeks?|hours?) *\)?"
HOURS_PER_DAY = 24
NUMBER_PATTERN = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
MAX_ARN_LENGTH = 256
MAX_EVENT_TYPE_LENGTH = 256
MAX_EVENT_PARAMETERS = 10
MAX_SCHEDULE_DAYS = 30
MAX_SHOWN_VALUE = 60

SCHEDULE_FORM = "rate(N day) or rate(N days) with N a whole number from 1 to 30"
SOLUTION_ARN_FORM = "arn:<partition>:personalize:<region>:<12-digit account>:solution/<name>"
BOOLEAN_FORM = "true or false"


class OnDelete(str, Enum):
    """What a Delete of the resource does to the solution's automatic training."""

    RETAIN = "Retain"  # the default: the solution keeps the settings it has
    DISABLE_AUTO_TRAINING = "DisableAutoTraining"  # turn automatic training off

    def __str__(self) -> str:
        """The value, as in a template (a StrEnum's str, on every Python)."""
        return str(self.value)

    def __format__(self, spec: str) -> str:
        """The value, in f-strings too."""
        return format(str(self.value), spec)


ON_DELETE_VALUES = tuple(choice.value for choice in OnDelete)  # `in OnDelete` needs 3.12
ON_DELETE_FORM = " or ".join(ON_DELETE_VALUES)


class Problem(NamedTuple):
    """One thing the function refuses: the property it is about (`A.B`, `A[0]`), the text shown,
    and whether it is the name that is wrong (wrong whatever its value, even one known only at
    deploy) or, for `region`, the SolutionArn's region against the function's own."""

    name: str
    text: str
    kind: str = "value"  # "value", "name", "missing" (a required one) or "region"


class InvalidProperties(ValueError):
    """The properties cannot be acted on; the message lists every problem found."""

    def __init__(self, found: list[Problem]) -> None:
        super().__init__("; ".join(problem.text for problem in found))
        self.found = found
        self.problems = [problem.text for problem in found]


class EventParameter(NamedTuple):
    """One entry of EventsConfig.EventParametersList; None means the field was omitted."""

    event_type: str | None
    event_value_threshold: float | None
    weight: float | None


class Settings(NamedTuple):
    """A solution's settings as far as they are asked, shown or known; None where they are not
    (asked: leave as it is; shown: the read does not show it; known: nothing proves its value)."""

    perform_auto_training: bool | None = None
    perform_incremental_update: bool | None = None
    schedule_days: int | None = None
    event_parameters: tuple[EventParameter, ...] | None = None


SETTING_NAMES = {  # Settings field: the property that sets it
    "perform_auto_training": "PerformAutoTraining",
    "perform_incremental_update": "PerformIncrementalUpdate",
    "schedule_days": "SchedulingExpression",
    "event_parameters": "EventParametersList",
}


class DesiredSettings(NamedTuple):
    """What the template asks of one solution."""

    solution_arn: str
    asked: Settings


class ResourceRequest(NamedTuple):
    """A parsed request: the settings, how long CloudFormation will wait for the answer, and what
    a Delete of the resource is to do (not a setting of the solution: nothing is sent for it
    before the Delete)."""

    settings: DesiredSettings
    service_timeout: int
    on_delete: OnDelete = OnDelete.RETAIN


def schedule_expression(days: int) -> str:
    """Render a day count the way Personalize documents it (`rate(1 day)`, `rate(5 days)`)."""
    return f"rate({days} day)" if days == 1 else f"rate({days} days)"


def label(key: object) -> str:
    """A property name as shown in a reason: plain if it looks like one, else quoted and short."""
    plain = isinstance(key, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,60}", key)
    return str(key) if plain else shown(key)


def shown(value: object) -> str:
    """A short, safe rendering of a user's value for an error message."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN_VALUE else text[: MAX_SHOWN_VALUE - 3] + "..."


def solution_arn_problem(value: object, home: str | None = None) -> str | None:
    """What is wrong with a SolutionArn (a phrase that follows the value), or None. A region
    must be one botocore knows, or the function's own (`home`)."""
    if not isinstance(value, str) or not value:
        return "is not a string"
    if value != value.strip():
        return "has leading or trailing white space"
    if len(value) > MAX_ARN_LENGTH:
        return f"is longer than {MAX_ARN_LENGTH} characters"
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return "is not an ARN"
    _, partition, service, region, account, resource = parts
    if partition not in PARTITIONS:
        return f"has partition {shown(partition)}, not one of {', '.join(PARTITIONS)}"
    if service != "personalize":
        return f"is an ARN of {shown(service)}, not of personalize"
    if not is_region_of(partition, region, home):
        return f"has region {shown(region)}, not a region of partition {partition}"
    if not ACCOUNT_PATTERN.fullmatch(account):
        return f"has account {shown(account)}, not a 12-digit account id"
    kind, _, name = resource.partition("/")
    if kind != "solution":
        return f"names a {shown(kind)}, not a solution"
    if len(name) > MAX_SOLUTION_NAME_LENGTH or not SOLUTION_NAME_PATTERN.fullmatch(name):
        return f"has solution name {shown(name)}, not a valid solution name"
    return None


def region_problem(solution_arn: str, home: str | None) -> str | None:
    """Why a valid SolutionArn cannot be served from the function's region `home` (the region its
    Personalize client calls; None: no client, not checked): its role and client only reach that
    region's Personalize."""
    region = solution_arn.split(":")[3]
    if home is None or region == home:
        return None
    serves = f"SolutionArn is in {region}; this function serves {home}"
    return f"{serves}: deploy the application in {region}"


def schedule_suggestion(value: str) -> str | None:
    """The rate expression an obvious near-miss of one meant (rate(1 week): rate(7 days)), if
    it is within Personalize's range; None for anything else."""
    match = re.fullmatch(NEAR_SCHEDULE, value.strip(), re.IGNORECASE | re.ASCII)
    if match is None:
        return None
    count, unit = int(match.group(1)), match.group(2).lower()
    if unit.startswith("week"):
        days = count * 7
    elif unit.startswith("hour"):
        days, rest = divmod(count, HOURS_PER_DAY)
        days = days if rest == 0 else 0
    else:
        days = count
    return schedule_expression(days) if 1 <= days <= MAX_SCHEDULE_DAYS else None


def on_delete_suggestion(value: str) -> OnDelete | None:
    """The OnDelete value that another case or spacing of it meant (`disable auto training`:
    DisableAutoTraining), or None."""
    folded = re.sub(r"[\s_-]+", "", value).lower()
    return next((choice for choice in OnDelete if choice.value.lower() == folded), None)


def name_suggestion(key: str, known: tuple[str, ...]) -> str | None:
    """The known name a wrong one most likely meant: the same in another case, else a close
    spelling (`SchedulingExpresion`: SchedulingExpression); None when nothing is close."""
    import difflib  # here, not at the top: only a wrong name needs it, and it costs every start

    same = [name for name in known if name.lower() == key.lower()]
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    return next(iter(same or close), None)


def did_you_mean(given: str, meant: str) -> str:
    """The hint a wrong name gets, ` (did you mean X?)`, saying names are case-sensitive where
    only the case is wrong."""
    if meant.lower() == given.lower():
        return f" (names are case-sensitive: did you mean {meant}?)"
    return f" (did you mean {meant}?)"


class _Parser:
    """Collects every problem in one pass so that a user fixes the template once, not N times."""

    def __init__(self, home: str | None = None) -> None:
        self.found: list[Problem] = []
        self.home = home

    def fail(self, name: str, problem: str, accepted: str, kind: str = "value") -> None:
        """Record one problem, in the form every Reason uses: what is wrong, what would do."""
        self.found.append(Problem(name, f"Property {name}: {problem}; expected {accepted}", kind))

    def mapping(self, name: str, value: object, known: tuple[str, ...]) -> Mapping[str, object]:
        """Check that value is a map holding only known keys; return it (empty if unusable). A
        wrong name close to a known one gets that one alone as the suggestion."""
        if not isinstance(value, Mapping):
            self.fail(name, f"{shown(value)} is not a map", f"a map with keys {', '.join(known)}")
            return {}
        for key in value:
            if key in known:
                continue
            where = f"{name}.{label(key)}" if name != "ResourceProperties" else label(key)
            meant = name_suggestion(key, known) if isinstance(key, str) else None
            if meant is None:
                self.fail(where, "is not a known property", f"one of {', '.join(known)}", "name")
            else:
                problem = f"is not a known property{did_you_mean(str(key), meant)}"
                self.fail(where, problem, meant, "name")
        return value

    def update_config(
        self,
        config: Mapping[str, object],
        section: str,
        key: str,
        read: Callable[[str, object], T | None],
    ) -> T | None:
        """SolutionUpdateConfig.<section>.<key> as `read` reads it; None where either is left
        out (each section holds that one key)."""
        value = config.get(section)
        if value is None:
            return None
        name = f"SolutionUpdateConfig.{section}"
        found = self.mapping(name, value, (key,))
        return read(f"{name}.{key}", found[key]) if key in found else None

    def boolean(self, name: str, value: object) -> bool | None:
        """A boolean, or the strings "true"/"false" in any case (CloudFormation sends strings)."""
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.fail(name, f"{shown(value)} is not a boolean", BOOLEAN_FORM)
        return None

    def number(
        self, name: str, value: object, low: float | None, high: float | None
    ) -> float | None:
        """A finite number, or its decimal string, within [low, high] when both are given."""
        bounds = "a number" if low is None or high is None else f"a number from {low:g} to {high:g}"
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.fail(name, f"{shown(value)} is not a number", bounds)
            return None
        text = str(value)
        if not NUMBER_PATTERN.fullmatch(text) or not math.isfinite(float(text)):
            self.fail(name, f"{shown(value)} is not a number", bounds)
            return None
        number = float(text)
        if low is not None and high is not None and not low <= number <= high:
            self.fail(name, f"{shown(value)} is out of range", bounds)
            return None
        return number

    def string(self, name: str, value: object, max_length: int, accepted: str) -> str | None:
        """A non-empty string of at most max_length characters."""
        if not isinstance(value, str) or not value or len(value) > max_length:
            self.fail(name, f"{shown(value)} is not a valid value", accepted)
            return None
        return value

    def solution_arn(self, value: object) -> None:
        """A solution ARN, checked part by part so that the Reason says which part is wrong:
        a dataset group's ARN or a stray space would otherwise only fail as "not found". A valid
        one of another region than the function's is refused too: its client calls only its own."""
        problem = solution_arn_problem(value, self.home)
        if problem:
            self.fail("SolutionArn", f"{shown(value)} {problem}", SOLUTION_ARN_FORM)
            return
        elsewhere = region_problem(str(value), self.home)
        if elsewhere:
            self.found.append(Problem("SolutionArn", elsewhere, "region"))

    def schedule(self, name: str, value: object) -> int | None:
        """The days of a rate(N day[s]) expression, within Personalize's limit."""
        match = SCHEDULE_PATTERN.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            meant = schedule_suggestion(value) if isinstance(value, str) else None
            hint = f" (did you mean {meant}?)" if meant else ""
            self.fail(name, f"{shown(value)} is not a rate expression{hint}", SCHEDULE_FORM)
            return None
        digits = match.group(1)  # thousands of digits would exceed int()'s limit: range first
        days = int(digits) if len(digits) <= 2 else MAX_SCHEDULE_DAYS + 1
        if not 1 <= days <= MAX_SCHEDULE_DAYS:
            self.fail(name, f"{shown(value)} is out of range 1..{MAX_SCHEDULE_DAYS}", SCHEDULE_FORM)
            return None
        return days

    def on_delete(self, value: object) -> OnDelete:
        """OnDelete, spelt exactly (as DeletionPolicy's Retain is), another case or spacing of a
        value getting a suggestion; Retain when it is absent or invalid."""
        if value is None:
            return OnDelete.RETAIN
        if isinstance(value, str) and value in ON_DELETE_VALUES:
            return OnDelete(value)
        meant = on_delete_suggestion(value) if isinstance(value, str) else None
        hint = f" (did you mean {meant}?)" if meant else ""
        self.fail("OnDelete", f"{shown(value)} is not a valid value{hint}", ON_DELETE_FORM)
        return OnDelete.RETAIN

    def service_timeout(self, value: object, floor: int = 1) -> int:
        """CloudFormation's ServiceTimeout in whole seconds (`floor` to 3600); the default if
        invalid. A Create or Update has MIN_SERVICE_TIMEOUT as its floor: less cannot be served."""
        accepted = f"a whole number of seconds from {floor} to {DEFAULT_SERVICE_TIMEOUT}"
        text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        if not re.fullmatch(r"[1-9][0-9]{0,3}", text) or int(text) > DEFAULT_SERVICE_TIMEOUT:
            self.fail("ServiceTimeout", f"{shown(value)} is not valid", accepted)
            return DEFAULT_SERVICE_TIMEOUT
        if int(text) < floor:
            needs = f"updating the solution and answering take more than {start_floor():g} s"
            self.fail(
                "ServiceTimeout",
                f"{shown(value)} is too short: reading, confirming and {needs}",
                accepted,
            )
            return DEFAULT_SERVICE_TIMEOUT
        return int(text)

    def event_parameters(self, name: str, value: object) -> tuple[EventParameter, ...] | None:
        """EventsConfig.EventParameterList: at most 10 maps of EventType, threshold and weight."""
        known = ("EventType", "EventValueThreshold", "Weight")
        limit = f"a list of at most {MAX_EVENT_PARAMETERS} maps"
        if not isinstance(value, list):
            self.fail(name, f"{shown(value)} is not a list", limit)
            return None
        if len(value) > MAX_EVENT_PARAMETERS:
            over = f"has {len(value)} entries, over the limit of {MAX_EVENT_PARAMETERS}"
            self.fail(name, over, f"at most {MAX_EVENT_PARAMETERS} entries")
            return None
        entries = []
        for index, item in enumerate(value):
            where = f"{name}[{index}]"
            entry = self.mapping(where, item, known)
            event_type = entry.get("EventType")
            threshold = entry.get("EventValueThreshold")
            weight = entry.get("Weight")
            entries.append(
                EventParameter(
                    event_type=None
                    if event_type is None
                    else self.string(
                        f"{where}.EventType", event_type, MAX_EVENT_TYPE_LENGTH, "1 to 256 chars"
                    ),
                    event_value_threshold=None
                    if threshold is None
                    else self.number(f"{where}.EventValueThreshold", threshold, None, None),
                    weight=None if weight is None else self.number(f"{where}.Weight", weight, 0, 1),
                )
            )
        return tuple(entries)


TOP_LEVEL = (
    "ServiceToken",
    "ServiceTimeout",
    "SolutionArn",
    "PerformAutoTraining",
    "PerformIncrementalUpdate",
    "SolutionUpdateConfig",
    "OnDelete",
)
UPDATE_CONFIG = ("AutoTrainingConfig", "EventsConfig")


def parse_properties(properties: object, home: str | None = None) -> ResourceRequest:
    """Validate ResourceProperties; raise InvalidProperties naming every offending property,
    a SolutionArn of a region other than `home` among them. `home`: the function's own region
    (the one its client calls; None: not checked), a region the ARN may name even where the
    function's botocore predates it."""
    parser = _Parser(home)
    props = parser.mapping("ResourceProperties", properties, TOP_LEVEL)
    arn = props.get("SolutionArn")
    if arn is None:
        parser.fail("SolutionArn", "is required", SOLUTION_ARN_FORM, "missing")
    else:
        parser.solution_arn(arn)
    auto = props.get("PerformAutoTraining")
    incremental = props.get("PerformIncrementalUpdate")
    schedule_days = events = None
    config = props.get("SolutionUpdateConfig")
    if config is not None:
        config = parser.mapping("SolutionUpdateConfig", config, UPDATE_CONFIG)
        schedule_days = parser.update_config(
            config, "AutoTrainingConfig", "SchedulingExpression", parser.schedule
        )
        events = parser.update_config(
            config, "EventsConfig", "EventParametersList", parser.event_parameters
        )
    timeout = props.get("ServiceTimeout")
    request = ResourceRequest(
        settings=DesiredSettings(
            solution_arn=arn if isinstance(arn, str) else "",
            asked=Settings(
                perform_auto_training=None
                if auto is None
                else parser.boolean("PerformAutoTraining", auto),
                perform_incremental_update=None
                if incremental is None
                else parser.boolean("PerformIncrementalUpdate", incremental),
                schedule_days=schedule_days,
                event_parameters=events,
            ),
        ),
        service_timeout=DEFAULT_SERVICE_TIMEOUT
        if timeout is None
        else parser.service_timeout(timeout, MIN_SERVICE_TIMEOUT),
        on_delete=parser.on_delete(props.get("OnDelete")),
    )
    if parser.found:
        raise InvalidProperties(parser.found)
    return request


def service_timeout_of(properties: object) -> int:
    """CloudFormation's ServiceTimeout, read from ResourceProperties alone by the rule
    parse_properties applies: a Delete's deadline, whatever its other properties. The default
    (CloudFormation's too) when it is absent or invalid: a Delete is not refused for it."""
    value = properties.get("ServiceTimeout") if isinstance(properties, Mapping) else None
    return DEFAULT_SERVICE_TIMEOUT if value is None else _Parser().service_timeout(value)


def on_delete_of(properties: object) -> OnDelete:
    """What a Delete is to do, read from its ResourceProperties alone and by the rule
    parse_properties applies. Only OnDelete is read: the other properties' problems are not the
    Delete's to refuse. Properties that are not a map (absent, or not ones a Create could have
    accepted) ask nothing: Retain. Raises InvalidProperties, with parse_properties' message,
    when OnDelete is there and invalid."""
    parser = _Parser()
    value = properties.get("OnDelete") if isinstance(properties, Mapping) else None
    choice = parser.on_delete(value)
    if parser.found:
        raise InvalidProperties(parser.found)
    return choice
