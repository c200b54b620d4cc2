"""`make bench`: the handler measured against localcloud's stand-ins, loopback only (not shipped).

Modules: `__main__` (entry point, `python -m bench [all|polling|cold|load]`), `network` (loopback
guard), `cloud` (the stand-ins), `shipped` (the shipped venv and Lambda's environment), one module
per measurement (`polling`, `guards`, `coldstart`, `load`, with `invoke` run in each load
process), `goals` (results and goals as records), `report` (tables, method.md) and `plot`.
Nothing is imported here: `invoke` runs in the shipped venv, which holds none of the bench's tools.
"""
