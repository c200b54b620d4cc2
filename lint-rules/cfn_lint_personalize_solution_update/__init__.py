"""cfn-lint rules for Custom::PersonalizeSolutionUpdate: what the function would refuse, found in a
template before deploy, in the function's own words.

    cfn-lint template.yaml -a cfn_lint_personalize_solution_update.rules

The rules judge with the function's own rule set, carried inside this package (solution_rules,
with the list of regions its build took from botocore), so they need cfn-lint and nothing else.
"""
