"""`@dataclass` and `field` for dockerfix's own classes, without the standard library's cost.

`import dataclasses` costs about 6 ms (it imports inspect, which imports ast, dis and tokenize),
and each class about 0.3 ms more (its methods are written as source text and compiled): with 35
classes, a third of the start-up time an editor waits for on every save. These give the same
methods without either: `__init__` (positional or keyword arguments, defaults, a fresh value from
`default_factory` for each instance), `__repr__`, `__eq__` (same class, equal fields), and with
`frozen=True` no assignment and a `__hash__` (otherwise instances are unhashable, as with
dataclasses). What dockerfix uses, no more: `field(default=, default_factory=, repr=)`; no
inheritance between these classes, `__post_init__`, ordering, slots, ClassVar or InitVar.
tests/test_record.py holds it to what the standard library's dataclass does.
"""

from __future__ import annotations

_MISSING = object()


class _Field:
    __slots__ = ("default", "default_factory", "repr")

    def __init__(self, default, default_factory, repr):
        self.default = default
        self.default_factory = default_factory
        self.repr = repr


def field(*, default=_MISSING, default_factory=_MISSING, repr: bool = True):
    if default is not _MISSING and default_factory is not _MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return _Field(default, default_factory, repr)


def dataclass(cls=None, *, frozen: bool = False):
    def wrap(cls):
        return _process(cls, frozen)

    return wrap if cls is None else wrap(cls)


class FrozenInstanceError(AttributeError):
    pass


def _process(cls, frozen: bool):
    names: list[str] = []
    defaults: dict[str, tuple] = {}  # name -> (default, default_factory)
    shown: list[str] = []
    for name in cls.__dict__.get("__annotations__", {}):
        value = cls.__dict__.get(name, _MISSING)
        f = value if isinstance(value, _Field) else _Field(value, _MISSING, True)
        if isinstance(f.default, (list, dict, set)):
            raise ValueError(f"mutable default {type(f.default)} for field {name} is not allowed: use default_factory")
        if f.default is not _MISSING or f.default_factory is not _MISSING:
            defaults[name] = (f.default, f.default_factory)
        elif defaults:
            raise TypeError(f"non-default argument {name!r} follows default argument")
        if isinstance(value, _Field):  # the class attribute is the default, as in dataclasses
            if f.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        names.append(name)
        if f.repr:
            shown.append(name)
    known = frozenset(names)
    qualname = cls.__qualname__

    template = dict.fromkeys(names, _MISSING)  # each __init__ copies it: fields stay in order
    template.update((n, d) for n, (d, factory) in defaults.items() if factory is _MISSING)
    factories = [(n, factory) for n, (d, factory) in defaults.items() if factory is not _MISSING]
    required = [n for n in names if n not in defaults]

    def __init__(self, *args, **kwargs):
        values = template.copy()
        if args:
            if len(args) > len(names):
                raise TypeError(f"{qualname}.__init__() takes {len(names) + 1} positional arguments "
                                f"but {len(args) + 1} were given")
            for name in names[:len(args)]:
                if name in kwargs:
                    raise TypeError(f"{qualname}.__init__() got multiple values for argument {name!r}")
            values.update(zip(names, args))
        values.update(kwargs)
        if len(values) != len(names):
            unknown = next(k for k in kwargs if k not in known)
            raise TypeError(f"{qualname}.__init__() got an unexpected keyword argument {unknown!r}")
        for name in required:
            if values[name] is _MISSING:
                raise TypeError(f"{qualname}.__init__() missing required argument: {name!r}")
        for name, factory in factories:
            if values[name] is _MISSING:
                values[name] = factory()
        self.__dict__.update(values)

    def __repr__(self):
        return f"{self.__class__.__qualname__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in shown) + ")"

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)

    methods = {"__init__": __init__, "__repr__": __repr__, "__eq__": __eq__}
    own_hash = cls.__dict__.get("__hash__", _MISSING)
    explicit_hash = not (own_hash is _MISSING or (own_hash is None and "__eq__" in cls.__dict__))
    if frozen:
        def __setattr__(self, name, value):
            if type(self) is cls or name in known:
                raise FrozenInstanceError(f"cannot assign to field {name!r}")
            super(cls, self).__setattr__(name, value)

        def __delattr__(self, name):
            if type(self) is cls or name in known:
                raise FrozenInstanceError(f"cannot delete field {name!r}")
            super(cls, self).__delattr__(name)

        def __hash__(self):
            return hash(tuple(getattr(self, n) for n in names))

        if explicit_hash:
            raise TypeError(f"Cannot overwrite attribute __hash__ in class {cls.__name__}")
        methods.update(__setattr__=__setattr__, __delattr__=__delattr__, __hash__=__hash__)
    elif not explicit_hash:
        cls.__hash__ = None  # mutable and compared by value: unhashable, as with dataclasses
    for name, method in methods.items():
        if name not in cls.__dict__ or name == "__hash__":
            method.__qualname__ = f"{qualname}.{name}"
            setattr(cls, name, method)
    cls.__match_args__ = tuple(names)
    return cls


def replace(obj, **changes):
    """A copy of record `obj` with `changes` (dataclasses.replace for these classes)."""
    names = type(obj).__match_args__
    unknown = set(changes) - set(names)
    if unknown:
        raise TypeError(f"{type(obj).__qualname__} has no fields {sorted(unknown)}")
    return type(obj)(**{n: changes[n] if n in changes else getattr(obj, n) for n in names})
