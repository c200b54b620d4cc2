"""The rules a Custom::PersonalizeSolutionUpdate's properties must meet, and their messages: one
rule set for the function, the CDK construct (at synth) and the cfn-lint rules (before deploy).

It imports on Python 3.9 and later with the standard library alone (botocore, when present, is
read lazily for its list of regions), so it can be vendored into any package: its modules import
one another relatively.
"""
