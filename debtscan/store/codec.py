"""The one encoding of facts: what the cache stores and what worker processes send back.

Facts become plain nested values (:func:`encode`): a fact is a list ``[class name, field...]`` in field order,
an enumeration member ``[class name, value]``, a tuple stays a tuple, a list becomes ``{"\\x00list": (...)}``,
a set ``{"\\x00set": (...)}`` (sorted), a dict a dict, scalars stay scalars; the whole is serialised with
:mod:`marshal`. That is several times faster to write and read than JSON or pickled dataclasses and holds no
code: decoding looks classes up by name in :data:`debtscan.facts.schema.FACT_CLASSES` only, so a tampered
cache can at worst produce wrong facts (checked by the cache), never run anything.

Each class gets an encoder and a builder made once from its dataclass fields (closures over
:func:`operator.attrgetter` and the slot descriptors: the loops run in C, no generated source). Fields whose
annotation holds only scalars and tuples of scalars are copied as they are.
"""
from __future__ import annotations

import dataclasses
import enum
import marshal
from collections import deque
from functools import lru_cache
from itertools import repeat
from operator import attrgetter
from typing import Any, Callable, Dict, Optional, Tuple

from debtscan.facts import model as _model, values as _values  # noqa: F401 - they register every fact class
from debtscan.facts.schema import fact_classes

MARSHAL_VERSION = 4

_PLAIN_TOKENS = frozenset({"str", "int", "float", "bool", "None", "Optional", "Tuple", "tuple", "typing",
                           "...", "Union", ""})
_SCALARS = frozenset({str, int, bool, float, type(None)})
_MEMBER = type(type("_Slotted", (), {"__slots__": ("x",)}).__dict__["x"])  # the slot descriptor type
_SET_SLOT = _MEMBER.__set__


def _is_plain(annotation: Any) -> bool:
    """Whether a field annotation holds only scalars / tuples of scalars (nothing to encode or decode)."""
    text = annotation if isinstance(annotation, str) else str(annotation)
    for ch in "[],|":
        text = text.replace(ch, " ")
    return all(token in _PLAIN_TOKENS for token in text.replace("typing.", "").split())


@lru_cache(maxsize=None)
def layout(cls: type) -> Tuple[Tuple[str, ...], Tuple[bool, ...]]:
    """A fact class's field names, and which of them are plain."""
    fields = dataclasses.fields(cls)
    return tuple(f.name for f in fields), tuple(_is_plain(f.type) for f in fields)


def _getter(names: Tuple[str, ...]) -> Callable[[Any], tuple]:
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        single = attrgetter(names[0])
        return lambda obj: (single(obj),)
    return attrgetter(*names)


def _fact_encoder(cls: type) -> Callable[[Any], Any]:
    """``obj -> [class name, field...]``, the non-plain fields encoded."""
    names, plain = layout(cls)
    name = cls.__name__
    values_of = _getter(names)
    nested = tuple(i for i, is_plain in enumerate(plain) if not is_plain)
    if not nested:
        return lambda obj: [name, *values_of(obj)]

    def encode_fact(obj: Any) -> Any:
        values = [name, *values_of(obj)]
        for index in nested:
            values[index + 1] = encode(values[index + 1])
        return values

    return encode_fact


_ENCODERS: Dict[type, Callable[[Any], Any]] = {}


def encode(obj: Any) -> Any:
    """Facts -> marshal-able nested lists/tuples/dicts/scalars."""
    kind = type(obj)
    if kind in _SCALARS:
        return obj
    if kind is tuple:
        return tuple([encode(x) for x in obj])
    encoder = _ENCODERS.get(kind)
    if encoder is not None:
        return encoder(obj)
    if isinstance(obj, enum.Enum):
        registered = fact_classes().get(kind.__name__)
        if registered is not kind:
            raise TypeError(f"cannot encode {kind.__name__}: an enumeration facts hold must be defined in a module "
                            f"that declares facts (debtscan.facts.schema.register)")
        encoder = _ENCODERS[kind] = lambda member, name=kind.__name__: [name, member.value]
        return encoder(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        encoder = _ENCODERS[kind] = _fact_encoder(kind)
        return encoder(obj)
    if kind is list:
        return {"\x00list": tuple([encode(x) for x in obj])}
    if isinstance(obj, dict):
        return {k: encode(v) for k, v in obj.items()}
    if isinstance(obj, (frozenset, set)):
        return {"\x00set": tuple(sorted((encode(x) for x in obj), key=repr))}
    raise TypeError(f"cannot encode a {kind.__name__} in facts")


def _fact_builder(cls: type, decode: Callable[[Any], Any]) -> Callable[[list], Any]:
    """``[class name, field...] -> obj``, without running ``__init__``'s checks: the fields are filled
    through the slot descriptors (slotted classes) or the instance ``__dict__``; a class with a
    ``__post_init__`` is constructed normally."""
    names, plain = layout(cls)
    nested = tuple(i for i, is_plain in enumerate(plain) if not is_plain)
    new = object.__new__

    def values_of(data: list) -> list:
        values = data[1:]
        for index in nested:
            values[index] = decode(values[index])
        return values

    if hasattr(cls, "__post_init__"):
        return lambda data: cls(*values_of(data))
    slots = [cls.__dict__.get(name) for name in names]
    if all(isinstance(slot, _MEMBER) for slot in slots):
        def build_slotted(data: list) -> Any:
            obj = new(cls)
            deque(map(_SET_SLOT, slots, repeat(obj), values_of(data)), maxlen=0)
            return obj

        return build_slotted
    if not hasattr(cls, "__slots__"):
        def build_plain(data: list) -> Any:
            obj = new(cls)
            obj.__dict__.update(zip(names, values_of(data)))
            return obj

        return build_plain
    return lambda data: cls(*values_of(data))


def make_decoder() -> Callable[[Any], Any]:
    """A decoder from :func:`encode`'s output back to facts. It raises ``KeyError``/``ValueError``/
    ``TypeError`` on data no encoder wrote (an unknown class, a wrong number of fields)."""
    registry = fact_classes()
    builders: Dict[str, Callable[[list], Any]] = {}

    def builder_for(name: str) -> Callable[[list], Any]:
        cls = registry[name]
        if isinstance(cls, type) and issubclass(cls, enum.Enum):
            def member(data: list, cls=cls) -> Any:
                if len(data) != 2:
                    raise ValueError(f"{name}: not an enumeration member")
                return cls(data[1])

            return member
        expected = len(layout(cls)[0]) + 1
        build = _fact_builder(cls, decode)

        def checked(data: list) -> Any:
            if len(data) != expected:
                raise ValueError(f"{name}: wrong number of fields")
            return build(data)

        return checked

    def decode(data: Any) -> Any:
        kind = type(data)
        if kind is list:
            builder = builders.get(data[0])
            if builder is None:
                builder = builders[data[0]] = builder_for(data[0])
            return builder(data)
        if kind is tuple:
            return tuple([decode(x) for x in data])
        if kind is dict:
            if len(data) == 1:
                if "\x00list" in data:
                    return [decode(x) for x in data["\x00list"]]
                if "\x00set" in data:
                    return frozenset(decode(x) for x in data["\x00set"])
            return {k: decode(v) for k, v in data.items()}
        return data

    return decode


def dumps(facts: Any) -> bytes:
    """Facts -> compact bytes (what workers send back and the cache stores)."""
    return marshal.dumps(encode(facts), MARSHAL_VERSION)


def loads(blob: bytes, decode: Optional[Callable[[Any], Any]] = None) -> Any:
    """Inverse of :func:`dumps`."""
    return (decode or make_decoder())(marshal.loads(blob))


def schema_signature() -> str:
    """Every registered class with its fields (enumerations with their values), for the cache key."""
    parts = []
    for name, cls in sorted(fact_classes().items()):
        if isinstance(cls, type) and issubclass(cls, enum.Enum):
            parts.append(f"{name}={','.join(repr(m.value) for m in cls)};")
        else:
            parts.append(f"{name}:{','.join(layout(cls)[0])};")
    return "".join(parts)
