"""A deterministic simulation of Personalize, CloudFormation and Lambda around the real function:
histories generated with Hypothesis, played in-process on a virtual clock, every promise checked
against the model's ground truth after each one.

One job a module: `scheduler` (virtual time, processes that take turns), `personalize` (the
emulator's model behind a boto3-shaped client, with faults), `lambda_model` (invocations, the
asynchronous queue, the response bucket), `stack` (CloudFormation's side), `history` (what a
history holds, its generation and its JSON), `world` (play one history), `promises` (the checks),
`explore` (generate, shrink, replay), `__main__` (`make simulate`).
"""
