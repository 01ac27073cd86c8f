"""Access to the data that ships inside the wheel (ontology, shapes, queries, sources).

Read through :mod:`importlib.resources` so that an installed package works from any
directory; nothing is fetched from the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from importlib.abc import Traversable

ASSETS = "assets"


def asset(*parts: str, root: Traversable | None = None) -> Traversable:
    """A file or folder inside ``drugpolicy_kg/assets`` (or inside ``root``, if given).

    ``root`` lets a reviewer build from an edited copy of the sources without reinstalling.
    """
    node = root if root is not None else resources.files("drugpolicy_kg").joinpath(ASSETS)
    for part in parts:
        node = node.joinpath(part)
    return node


def read_text(*parts: str, root: Traversable | None = None) -> str:
    """The UTF-8 text of an asset."""
    return asset(*parts, root=root).read_text(encoding="utf-8")


def iter_assets(folder: str, suffix: str, root: Traversable | None = None) -> Iterator[Traversable]:
    """The assets in ``folder`` whose name ends with ``suffix``, sorted by name."""
    node = asset(*folder.split("/"), root=root)
    yield from sorted(
        (child for child in node.iterdir() if child.name.endswith(suffix)),
        key=lambda c: c.name,
    )
