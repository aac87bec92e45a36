"""Where each value of a merchant resolved from profiles was written: which layer, which file.

A merchant that lists ``profiles:`` is resolved from layers: each profile in order, then the
merchant's own file (``desired.profiles``). Rather than a file per value, an ``Origins`` records the
few places where the layers meet: every mapping that two or more layers merged (``merged``, with the
layers that wrote into it) and, under those, every value one layer wrote whole (``single``: a leaf,
a list, or a mapping no other layer touched). The layer of any other path is that of its nearest
recorded ancestor. A merchant file that uses no profile has no ``Origins``: everything in it is its own.

File names are relative to the desired-state directory (``profiles/eu-retail.yaml``,
``merchants/shop.yaml``): that is how plans name them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.desired.positions import FieldPath
from reconciler.records import pickled_by_fields

PROFILES_DIR = "profiles"
# How a change's origin names several files that together wrote a value (a mapping merged from them).
ORIGIN_SEPARATOR = " + "

_INTERNED: dict[FieldPath, FieldPath] = {}


def intern_path(path: FieldPath) -> FieldPath:
    """One tuple per distinct path across all merchants: thousands of merchants share their paths."""
    return _INTERNED.setdefault(path, path)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Origins:
    """The layers of one resolved merchant and where each wrote (see the module docstring)."""

    files: tuple[str, ...]  # each layer's file, relative; the last is the merchant's own
    profiles: tuple[str, ...]  # the profile names, in the order applied (one per layer but the last)
    single: Mapping[FieldPath, int]  # a value one layer wrote whole -> that layer
    merged: Mapping[FieldPath, tuple[int, ...]]  # a mapping several layers merged -> those layers

    @property
    def merchant_layer(self) -> int:
        return len(self.files) - 1

    def layer_at(self, path: FieldPath) -> int:
        """The layer whose file holds ``path`` (for a merged mapping: the last layer that wrote into it)."""
        for length in range(len(path), -1, -1):
            prefix = path[:length]
            layer = self.single.get(prefix)
            if layer is not None:
                return layer
            layers = self.merged.get(prefix)
            if layers:
                return layers[-1]
        return self.merchant_layer

    def layers_of(self, path: FieldPath) -> tuple[int, ...]:
        """Every layer that wrote part of the value at ``path``, in order."""
        for length in range(len(path), -1, -1):
            prefix = path[:length]
            layer = self.single.get(prefix)
            if layer is not None:
                return (layer,)
            if prefix in self.merged:
                return self.merged[prefix] if length == len(path) else (self.layer_at(path),)
        return (self.merchant_layer,)

    def origin_of(self, path: FieldPath) -> str:
        """The file (or files, joined by `` + ``) a value was written in: a change's ``origin``."""
        return ORIGIN_SEPARATOR.join(self.files[layer] for layer in self.layers_of(path))
