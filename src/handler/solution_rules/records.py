"""typing.NamedTuple's class syntax, for what it costs collections.namedtuple to build.

typing.NamedTuple checks each field's annotation when it builds the class, and a string
annotation (every one here: `from __future__ import annotations`) is compiled for that check:
about as much again as building the namedtuple itself, at every cold start, for nothing a type
checker does not do already. A class written `class Name(NamedTuple)` with this NamedTuple is
the same namedtuple as typing's (its fields, defaults, methods, docstring, `_replace`,
`_asdict`, equality, hashing, pickling), but for `__annotations__`, which keeps the annotations
as written, strings. Type checkers see typing's NamedTuple. Python 3.9+, standard library only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    import collections
    import types
    import typing

    # What typing.NamedTuple refuses to let a class body set, and what it leaves to namedtuple.
    _PROHIBITED = frozenset(
        {"__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults"}
        | {"_make", "_replace", "_asdict", "_source"}
    )
    _SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})

    class _NamedTupleMeta(type):
        """Builds the namedtuple a `class Name(NamedTuple)` body describes."""

        def __new__(cls, typename: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
            fields = namespace.get("__annotations__")
            if not fields or bases != (NamedTuple,):
                # Annotations not stringified, no fields, or another base: typing's own.
                return types.new_class(
                    typename,
                    (typing.NamedTuple, *(b for b in bases if b is not NamedTuple)),
                    exec_body=lambda body: body.update(namespace),
                )
            defaults = [name for name in fields if name in namespace]
            if defaults != list(fields)[len(fields) - len(defaults) :]:
                raise TypeError(f"{typename}: a field without a default follows one with one")
            record = collections.namedtuple(
                typename,
                list(fields),
                defaults=[namespace[name] for name in defaults],
                module=namespace["__module__"],
            )
            record.__annotations__ = record.__new__.__annotations__ = dict(fields)
            for key, value in namespace.items():
                if key in _PROHIBITED:
                    raise AttributeError(f"Cannot overwrite NamedTuple attribute {key}")
                if key not in _SPECIAL and key not in record._fields:
                    setattr(record, key, value)
            return record

    NamedTuple = type.__new__(_NamedTupleMeta, "NamedTuple", (), {})
