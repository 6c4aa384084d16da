"""Object stores keyed the way OCPI identifies objects.

Objects of 2.2.1 carry their owner (``country_code`` + ``party_id``); ids are CiStrings, so keys
are case-folded while the objects keep their original spelling.  Iteration follows creation
order — the stable, oldest-first order pagination needs — and a replaced object keeps its place.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

from sim.ocpi.headers import PartyRef

T = TypeVar("T")

Key = tuple[str, str, str]


def object_key(owner: PartyRef, object_id: str) -> Key:
    """Case-insensitive key of an owned object."""
    return (owner.country_code.upper(), owner.party_id.upper(), object_id.casefold())


class ObjectStore(Generic[T]):
    """Objects by ``(owner, id)`` in creation order."""

    def __init__(self) -> None:
        self._objects: dict[Key, T] = {}
        self._changes = 0
        self._indexes: dict[Callable[[T], Hashable], tuple[int, dict[Hashable, list[T]]]] = {}

    def put(self, owner: PartyRef, object_id: str, obj: T) -> bool:
        """Store or replace; True when the object is new (a push answers 201 then, 200 otherwise)."""
        key = object_key(owner, object_id)
        created = key not in self._objects
        self._objects[key] = obj
        self._changes += 1
        return created

    def get(self, owner: PartyRef, object_id: str) -> T | None:
        """The object, or None."""
        return self._objects.get(object_key(owner, object_id))

    def remove(self, owner: PartyRef, object_id: str) -> T | None:
        """Take an object out (tariff DELETE); returns it if it was there."""
        self._changes += 1
        return self._objects.pop(object_key(owner, object_id), None)

    def matching(self, key: Callable[[T], Hashable], value: Hashable) -> list[T]:
        """Every object with ``key(object) == value``, in creation order.

        Looked up in an index on ``key`` (pass the same function each time), built on first use and
        again after the store changed — a store read far more often than written, such as a CPO's
        token cache, answers in constant time.
        """
        built = self._indexes.get(key)
        if built is None or built[0] != self._changes:
            index: dict[Hashable, list[T]] = {}
            for obj in self._objects.values():
                index.setdefault(key(obj), []).append(obj)
            built = self._indexes[key] = (self._changes, index)
        return list(built[1].get(value, ()))

    def owned_by(self, owner: PartyRef) -> list[T]:
        """Every object of one owner, in creation order."""
        prefix = (owner.country_code.upper(), owner.party_id.upper())
        return [obj for key, obj in self._objects.items() if key[:2] == prefix]

    def values(self) -> list[T]:
        """Every object, in creation order."""
        return list(self._objects.values())

    def __len__(self) -> int:
        return len(self._objects)

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._objects.values()))
