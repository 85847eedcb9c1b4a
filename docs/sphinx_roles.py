"""A Griffe extension for the API reference: Sphinx roles in docstrings become links.

The library's docstrings name other objects with Sphinx roles, such as
``:func:`explain.attribute` ``, which mkdocstrings does not read. This turns
each role into an optional cross-reference: a link where the site documents
the object, plain code where it does not (an optional reference that finds no
page is not a warning, so ``mkdocs build --strict`` still catches broken
user-written links). A relative name (``:data:`METHODS` ``) is resolved in the
docstring's own module first. A reST literal-block marker (a paragraph ending
in ``::``) becomes a plain colon.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import partial
from typing import Any

import griffe

ROLE = re.compile(r":(?:func|class|meth|data|attr|mod|exc|obj|const):`(~?)([\w.]+)(?:\(\))?`")
LITERAL_BLOCK = re.compile(r"(\S)::$", re.MULTILINE)


def _objects(obj: griffe.Object) -> Iterator[griffe.Object]:
    yield obj
    for member in obj.members.values():
        if isinstance(member, griffe.Object):  # an Alias is documented where it points
            yield from _objects(member)


def _full_path(obj: griffe.Object, name: str) -> str:
    head, _, rest = name.partition(".")
    try:
        resolved = obj.resolve(head)
    except (griffe.NameResolutionError, KeyError, AttributeError):
        return name
    return f"{resolved}.{rest}" if rest else resolved


def _link(obj: griffe.Object, match: re.Match[str]) -> str:
    short, name = match.group(1), match.group(2)
    shown = name.rsplit(".", 1)[-1] if short else name
    identifier = html.escape(_full_path(obj, name), quote=True)
    code = f"<code>{html.escape(shown)}</code>"
    return f'<autoref identifier="{identifier}" optional>{code}</autoref>'


class SphinxRoles(griffe.Extension):
    """Rewrites the roles of every docstring in a package once it is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for obj in _objects(pkg):
            if obj.docstring is not None:
                text = ROLE.sub(partial(_link, obj), obj.docstring.value)
                obj.docstring.value = LITERAL_BLOCK.sub(r"\1:", text)
