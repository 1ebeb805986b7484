"""A faster `__init__` for the frozen dataclasses the engine emits on every decision.

A frozen dataclass sets each field through `object.__setattr__`, which costs about as much
as the rest of a routing decision when an offer produces nine events and decisions. This
decorator keeps the class a plain frozen dataclass (eq, repr, hash, `replace`, immutability
are all the dataclass's own) and only swaps its generated `__init__` for one that installs
the instance dict in a single call. It refuses classes it cannot serve faithfully.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def fast_init(cls: type[T]) -> type[T]:
    """Replace a frozen, dict-based dataclass's `__init__` by a one-call equivalent."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or hasattr(cls, "__slots__"):
        raise TypeError(f"{cls.__name__}: fast_init needs a frozen dataclass without slots")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: fast_init does not run __post_init__")
    namespace: dict[str, Any] = {"_set": object.__setattr__}
    arguments = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not field.init or field.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{field.name}: unsupported field for fast_init")
        if field.default is dataclasses.MISSING:
            arguments.append(field.name)
        else:
            namespace[f"_default_{field.name}"] = field.default
            arguments.append(f"{field.name}=_default_{field.name}")
    names = [field.name for field in dataclasses.fields(cls)]  # type: ignore[arg-type]
    items = ", ".join(f"{name!r}: {name}" for name in names)
    source = (
        f"def __init__(self, {', '.join(arguments)}):\n    _set(self, '__dict__', {{{items}}})\n"
    )
    exec(source, namespace)  # code generated from field names only, as dataclasses does
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
