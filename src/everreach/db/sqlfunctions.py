"""SQL functions that each engine spells its own way, declared once with their SQL per dialect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.ext.compiler import compiles

F = TypeVar("F", bound=type)


def compiled_as(*, default: str, **dialects: str) -> Callable[[F], F]:
    """Class decorator for a GenericFunction: its SQL on each named dialect and elsewhere (`default`), with
    `{}` standing for its comma-separated arguments, e.g. ``@compiled_as(postgresql="btrim({})", default="trim({})")``.
    """

    def register(cls: F) -> F:
        def render(template: str) -> Callable[..., str]:
            def compile_sql(element: Any, compiler: Any, **kw: Any) -> str:
                return template.format(compiler.process(element.clauses, **kw))

            return compile_sql

        compiles(cls)(render(default))
        for dialect, template in dialects.items():
            compiles(cls, dialect)(render(template))
        return cls

    return register
