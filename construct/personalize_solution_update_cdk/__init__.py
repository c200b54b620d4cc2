"""CDK construct for Custom::PersonalizeSolutionUpdate: change an existing Amazon Personalize
solution's automatic training, its schedule, incremental updates and events configuration in place.

```python
from aws_cdk import Duration
from personalize_solution_update_cdk import PersonalizeSolutionUpdate

training = PersonalizeSolutionUpdate(
    self, "AutoTraining", solution_arn=solution.attr_solution_arn, schedule=Duration.days(14)
)
```
"""

from __future__ import annotations

from personalize_solution_update_cdk.provider import SolutionUpdateProvider
from personalize_solution_update_cdk.solution_update import (
    EventParameter,
    PersonalizeSolutionUpdate,
)

__all__ = ["EventParameter", "PersonalizeSolutionUpdate", "SolutionUpdateProvider"]
