"""fixer.record's @dataclass behaves as the standard library's on what dockerfix uses of it."""

from __future__ import annotations

import dataclasses

import pytest

from fixer import record


def make(dc, fl, frozen):
    @dc(frozen=frozen)
    class Point:
        x: int
        y: str = "y"
        tags: list[str] = fl(default_factory=list)
        hidden: tuple = fl(default=(), repr=False)

        @property
        def twice(self):
            return self.x * 2

    return Point


@pytest.mark.parametrize("frozen", [False, True])
def test_same_behaviour_as_dataclasses(frozen):
    ours = make(record.dataclass, record.field, frozen)
    std = make(dataclasses.dataclass, dataclasses.field, frozen)
    calls = [((1,), {}), ((1, "a"), {}), ((), {"x": 2, "tags": ["t"]}), ((3,), {"hidden": (1,), "y": "b"})]
    for args, kwargs in calls:
        a, b = ours(*args, **kwargs), std(*args, **kwargs)
        assert repr(a) == repr(b)
        assert vars(a) == vars(b) and list(vars(a)) == list(vars(b))
        assert a == ours(*args, **kwargs) and a != ours(99) and a != b and a.twice == b.twice
        if frozen:
            assert hash(ours(1, "a", ("t",))) == hash(std(1, "a", ("t",))) == hash(ours(1, "a", ("t",)))
            with pytest.raises(AttributeError):
                a.x = 5
            with pytest.raises(AttributeError):
                del a.x
        else:
            with pytest.raises(TypeError):
                hash(a)
            a.x = 5
            assert a.x == 5
    assert ours(1).tags is not ours(1).tags  # a fresh list each time
    assert ours.y == std.y == "y" and not hasattr(ours, "tags") and ours.__match_args__ == std.__match_args__
    for args, kwargs in [((), {}), ((1, "a", [], (), 5), {}), ((1,), {"x": 1}), ((1,), {"z": 1})]:
        with pytest.raises(TypeError):
            std(*args, **kwargs)
        with pytest.raises(TypeError):
            ours(*args, **kwargs)


def test_definition_errors_as_dataclasses():
    for dc, fl in ((dataclasses.dataclass, dataclasses.field), (record.dataclass, record.field)):
        with pytest.raises(ValueError):
            @dc
            class Shared:
                items: list = []  # noqa: RUF012 (the error under test)
        with pytest.raises(TypeError):
            @dc
            class Order:
                a: int = 1
                b: int
        with pytest.raises(ValueError):
            fl(default=1, default_factory=list)


def test_replace_matches_the_standard_library():
    import dataclasses

    @record.dataclass(frozen=True)
    class Mine:
        a: int
        b: str = "x"
        c: list = record.field(default_factory=list)

    @dataclasses.dataclass(frozen=True)
    class Std:
        a: int
        b: str = "x"
        c: list = dataclasses.field(default_factory=list)

    mine, std = record.replace(Mine(1, c=[1]), b="y"), dataclasses.replace(Std(1, c=[1]), b="y")
    assert (mine.a, mine.b, mine.c) == (std.a, std.b, std.c)
    with pytest.raises(TypeError):
        record.replace(Mine(1), d=2)
