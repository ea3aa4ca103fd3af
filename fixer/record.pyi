# For type checkers: fixer.record's @dataclass makes classes as the standard library's does.
from typing import Any, Callable, TypeVar, overload

from typing_extensions import dataclass_transform

_T = TypeVar("_T")

class FrozenInstanceError(AttributeError): ...

def field(*, default: Any = ..., default_factory: Callable[[], Any] = ..., repr: bool = ...) -> Any: ...
@overload
@dataclass_transform(field_specifiers=(field,))
def dataclass(cls: type[_T], /) -> type[_T]: ...
@overload
@dataclass_transform(field_specifiers=(field,))
def dataclass(*, frozen: bool = ...) -> Callable[[type[_T]], type[_T]]: ...
