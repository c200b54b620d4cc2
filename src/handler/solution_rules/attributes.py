"""The attributes a Custom::PersonalizeSolutionUpdate answers with (reconcile.attributes builds
them), and what is wrong with another name a template asks of it. CloudFormation takes any
attribute name of a custom resource when it reads a template; a name the answer lacks fails the
stack only when Fn::GetAtt is resolved, after the resource was made. The cfn-lint rules ask here
before deploy. Python 3.9+, standard library only, as the rest of the rule set.
"""

from __future__ import annotations

import difflib

from .properties import did_you_mean, shown

RESOURCE_TYPE = "Custom::PersonalizeSolutionUpdate"
ATTRIBUTES = (
    "SolutionArn",
    "PerformAutoTraining",
    "SchedulingExpression",
    "PerformIncrementalUpdate",
    "Status",
    "LastUpdatedDateTime",
)
# Looser than a property name's: an attribute is often asked by a part or a shortening of its
# name (Schedule: SchedulingExpression, Arn: SolutionArn), and there are only six to choose from.
CLOSE_ENOUGH = 0.5


def attribute_suggestion(name: str) -> str | None:
    """The attribute a wrong name most likely meant: the same in another case, else the closest
    spelling, else the one attribute holding it (Arn: SolutionArn); None when nothing is near."""
    folded = {attribute.lower(): attribute for attribute in ATTRIBUTES}
    close = difflib.get_close_matches(name.lower(), list(folded), n=1, cutoff=CLOSE_ENOUGH)
    if close:
        return folded[close[0]]
    holding = [attribute for attribute in ATTRIBUTES if name.lower() in attribute.lower()]
    return holding[0] if len(holding) == 1 and name else None


def attribute_problem(name: str) -> str | None:
    """What is wrong with an attribute name asked of the resource (a phrase, in the form the
    properties' problems take: what is wrong, what would do), or None for one it answers with."""
    if name in ATTRIBUTES:
        return None
    meant = attribute_suggestion(name)
    hint = "" if meant is None else did_you_mean(name, meant)
    return (
        f"{shown(name)} is not an attribute of {RESOURCE_TYPE}{hint}; "
        f"expected one of {', '.join(ATTRIBUTES)}"
    )
