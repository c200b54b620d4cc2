"""The demo's timeline: each request line names what changed, the solution included."""

from __future__ import annotations

from types import SimpleNamespace

from localcloud.demo import Expect, Timeline

OLD = "arn:aws:personalize:us-east-1:123456789012:solution/demo"
NEW = f"{OLD}-v2"


def shown(event: dict, answer_id: str, capsys) -> str:
    """The request line the timeline prints for an exchange of this event."""
    timeline = Timeline(calls=list)
    answer = {"Status": "SUCCESS", "PhysicalResourceId": answer_id, "Data": {}}
    received = SimpleNamespace(wall=timeline.started, at=0.0, body=answer)
    exchange = SimpleNamespace(event=event, responses=[received], started=0.0, response=answer)
    timeline.show(exchange, Expect("SUCCESS", answer_id, 0))
    [line] = [line for line in capsys.readouterr().out.splitlines() if " -> " in line]
    return line.split(" -> ", 1)[1]


def test_a_replacement_shows_the_new_solution_arn(capsys):
    event = {
        "RequestType": "Update",
        "PhysicalResourceId": OLD,
        "ResourceProperties": {
            "ServiceToken": "x",
            "SolutionArn": NEW,
            "PerformAutoTraining": "true",
        },
    }
    assert shown(event, NEW, capsys) == (
        f"Update {OLD} SolutionArn={NEW} {{'PerformAutoTraining': 'true'}}"
    )


def test_an_update_in_place_shows_the_id_alone(capsys):
    event = {
        "RequestType": "Update",
        "PhysicalResourceId": OLD,
        "ResourceProperties": {"SolutionArn": OLD, "PerformAutoTraining": "false"},
    }
    assert shown(event, OLD, capsys) == f"Update {OLD} {{'PerformAutoTraining': 'false'}}"


def test_a_create_shows_the_solution_it_is_for(capsys):
    event = {"RequestType": "Create", "ResourceProperties": {"SolutionArn": OLD}}
    assert shown(event, OLD, capsys) == f"Create SolutionArn={OLD} {{}}"
