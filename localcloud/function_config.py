"""The function's settings as Lambda is configured with them, read from its template
(template.yaml, or a CDK synth) by cfn-lint's decoder, and the environment Lambda gives it.

Only what those settings use is resolved: `Ref` to a parameter (its default, or an override
checked as CloudFormation checks it) and `Fn::If` on a condition that is an `Fn::Equals`. Any
other intrinsic function in them is refused, by name.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.decode import decode  # type: ignore[import-untyped]

from localcloud.cloudformation import FUNCTION_NAME, REGION

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
HANDLER_DIR = ROOT / "src" / "handler"
FUNCTION = "SolutionUpdateFunction"
# The values Lambda's advanced logging controls accept for ApplicationLogLevel.
LAMBDA_LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")


class _Settings:
    """A template's parameters (as given for a deployment) and conditions, to resolve the
    values of a function's settings."""

    def __init__(self, body: Mapping[str, Any], overrides: Mapping[str, str]) -> None:
        declared: Mapping[str, Any] = body.get("Parameters", {})
        unknown = set(overrides) - set(declared)
        if unknown:
            raise ValueError(f"the template declares no parameter {', '.join(sorted(unknown))}")
        self.parameters: dict[str, str] = {}
        for name, spec in declared.items():
            value = str(overrides.get(name, spec.get("Default", "")))
            allowed = [str(item) for item in spec.get("AllowedValues", [])]
            if allowed and value not in allowed:
                raise ValueError(f"Parameter {name}={value} is not one of {', '.join(allowed)}")
            self.parameters[name] = value
        self.conditions: Mapping[str, Any] = body.get("Conditions", {})

    def value(self, setting: Any) -> Any:
        """The setting as deployed: a parameter's value for Ref, a branch for Fn::If."""
        if isinstance(setting, Mapping) and len(setting) == 1:
            ((name, argument),) = setting.items()
            if name == "Ref" and argument in self.parameters:
                return self.parameters[argument]
            if name == "Fn::If":
                condition, then, otherwise = argument
                return self.value(then if self.holds(condition) else otherwise)
            if name == "Ref" or name.startswith("Fn::"):
                raise ValueError(f"{name} {argument} is not resolved in a function's settings")
        return setting

    def holds(self, condition: str) -> bool:
        """Whether the named condition, an Fn::Equals, holds."""
        ((name, argument),) = self.conditions[condition].items()
        if name != "Fn::Equals":
            raise ValueError(f"condition {condition}: {name} is not resolved here")
        left, right = (str(self.value(side)) for side in argument)
        return left == right


@dataclass(frozen=True)
class FunctionConfig:
    """What Lambda would be configured with for the template's function."""

    handler: str
    runtime: str
    memory_mb: int
    timeout: int
    log_format: str
    log_level: str | None
    environment: dict[str, str]
    name: str = FUNCTION_NAME

    @classmethod
    def from_template(
        cls,
        parameters: Mapping[str, str] | None = None,
        template: Path = TEMPLATE,
        logical_id: str = FUNCTION,
    ) -> FunctionConfig:
        """The function's settings for these parameter overrides. As Lambda does, a JSON log
        format gets LoggingConfig.ApplicationLogLevel as its level, INFO if unset; a Text format
        gets none (Lambda's logging controls need JSON)."""
        body, errors = decode(str(template))
        if errors:
            raise ValueError(f"{template.name} cannot be read: {errors[0]}")
        settings = _Settings(body, parameters or {})
        properties = body["Resources"][logical_id]["Properties"]

        def setting(value: Any, default: Any) -> Any:
            return default if value is None else settings.value(value)

        logging_config = properties.get("LoggingConfig", {})
        log_format = str(setting(logging_config.get("LogFormat"), "Text"))
        level = None
        if log_format == "JSON":
            level = str(setting(logging_config.get("ApplicationLogLevel"), "INFO"))
            if level not in LAMBDA_LOG_LEVELS:
                raise ValueError(
                    f"ApplicationLogLevel {level} is not one Lambda accepts "
                    f"({', '.join(LAMBDA_LOG_LEVELS)})"
                )
        variables = properties.get("Environment", {}).get("Variables", {})
        return cls(
            handler=str(setting(properties["Handler"], None)),
            runtime=str(setting(properties["Runtime"], None)),
            memory_mb=int(setting(properties.get("MemorySize"), 128)),
            timeout=int(setting(properties.get("Timeout"), 3)),
            log_format=log_format,
            log_level=level,
            environment={name: str(settings.value(value)) for name, value in variables.items()},
        )


def lambda_environment(config: FunctionConfig, task_root: Path) -> dict[str, str]:
    """The variables Lambda sets for the function, then the template's own. Nothing else from
    this process leaks in; any AWS client without a local stand-in gets a dead loopback port."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(task_root),
        "_HANDLER": config.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(config.timeout),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}",
        "AWS_LAMBDA_LOG_FORMAT": config.log_format,
        **({"AWS_LAMBDA_LOG_LEVEL": config.log_level} if config.log_level else {}),
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "ASIAFAKELOCALLAMBDA0",
        "AWS_SECRET_ACCESS_KEY": "fake-secret-for-the-local-lambda",
        "AWS_SESSION_TOKEN": "fake-session-token-for-the-local-lambda",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        **config.environment,
    }
