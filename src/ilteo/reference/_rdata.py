"""A small reader for R ``.rda``/``.RData`` files holding data frames (R's XDR serialisation).

Supports what saved data frames use: gzip/bzip2/xz compression, serialisation versions 2 and 3,
logical/integer/double/character vectors, factors, lists, attributes, references and the common
ALTREP forms (compact sequences, deferred strings, wrappers). Closures, environments' contents and
byte code are skipped or refused. Written from R's ``serialize.c`` format description, so no
R or pandas dependency is needed.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import math
import struct
from dataclasses import dataclass, field
from typing import Any

NA_INTEGER = -(2**31)
_NILVALUE, _REF, _GLOBALENV, _UNBOUND, _MISSINGARG, _BASENS = 254, 255, 253, 252, 251, 250
_NAMESPACE, _PACKAGE, _PERSIST, _EMPTYENV, _BASEENV, _ALTREP = 249, 248, 247, 242, 241, 238
_ATTRLANG, _ATTRLIST = 240, 239
_SYM, _LIST, _CLO, _ENV, _PROM, _LANG, _SPECIAL, _BUILTIN, _CHAR = 1, 2, 3, 4, 5, 6, 7, 8, 9
_LGL, _INT, _REAL, _CPLX, _STR, _DOT, _VEC, _EXPR, _BCODE = 10, 13, 14, 15, 16, 17, 19, 20, 21
_EXTPTR, _WEAKREF, _RAW, _S4 = 22, 23, 24, 25
_PAIRLISTS = {_LIST, _LANG, _CLO, _PROM, _DOT, _ATTRLANG, _ATTRLIST}


class RDataError(ValueError):
    """The file is not an R data file this reader understands."""


@dataclass(frozen=True, slots=True)
class RSymbol:
    """An R symbol (a name)."""

    name: str


@dataclass(slots=True)
class RObject:
    """An R vector or list with its attributes (``values`` is a Python list)."""

    type: int
    values: list[Any]
    attributes: dict[str, Any] = field(default_factory=dict)

    def attr(self, name: str) -> Any:
        """An attribute value (an :class:`RObject`), or ``None``."""
        return self.attributes.get(name)


@dataclass(slots=True)
class _PairList:
    items: list[tuple[str | None, Any]]


class _Stream:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.refs: list[Any] = []
        self.native = "utf-8"

    def _take(self, size: int) -> bytes:
        if self.pos + size > len(self.data):
            raise RDataError("unexpected end of data")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def int32(self) -> int:
        return int(struct.unpack(">i", self._take(4))[0])

    def length(self) -> int:
        value = self.int32()
        if value == -1:
            high, low = self.int32(), self.int32()
            value = (high << 32) + low
        return value

    def ints(self, count: int) -> list[int | None]:
        raw = struct.unpack(f">{count}i", self._take(4 * count))
        return [None if v == NA_INTEGER else v for v in raw]

    def doubles(self, count: int) -> list[float | None]:
        raw = self._take(8 * count)
        values: list[float | None] = []
        for offset in range(0, len(raw), 8):
            (value,) = struct.unpack(">d", raw[offset : offset + 8])
            # R's NA_real_ is a NaN whose low word is 1954; other NaNs stay NaN.
            is_na = (
                math.isnan(value) and struct.unpack(">I", raw[offset + 4 : offset + 8])[0] == 1954
            )
            values.append(None if is_na else value)
        return values

    def string_vector(self) -> list[str | None]:
        if self.int32() != 0:
            raise RDataError("bad string vector header")
        return [self.item() for _ in range(self.int32())]

    def item(self) -> Any:  # noqa: C901 - one branch per R type, as in serialize.c
        flags = self.int32()
        kind = flags & 0xFF
        has_attr = bool(flags & (1 << 9))
        if kind == _NILVALUE:
            return None
        if kind in (_GLOBALENV, _UNBOUND, _MISSINGARG, _BASENS, _EMPTYENV, _BASEENV):
            return RSymbol(f"<special {kind}>")
        if kind == _REF:
            index = flags >> 8 or self.int32()
            return self.refs[index - 1]
        if kind in (_PERSIST, _NAMESPACE, _PACKAGE):
            value = RSymbol(f"<{kind}:{self.string_vector()}>")
            self.refs.append(value)
            return value
        if kind == _SYM:
            symbol = RSymbol(self.item() or "")
            self.refs.append(symbol)
            return symbol
        if kind == _ENV:
            self.int32()  # locked
            env = RSymbol("<environment>")
            self.refs.append(env)
            for _ in range(4):  # enclosure, frame, hash table, attributes
                self.item()
            return env
        if kind in _PAIRLISTS:
            return self._pairlist(flags)
        if kind == _CHAR:
            size = self.int32()
            if size == -1:
                return None
            return self._decode(self._take(size), flags)
        if kind == _ALTREP:
            return self._altrep()
        if kind in (_SPECIAL, _BUILTIN):
            return RSymbol(self._take(self.int32()).decode("ascii"))
        if kind in (_EXTPTR, _WEAKREF, _BCODE):
            raise RDataError(f"R object type {kind} (pointer, weak reference or byte code)")
        values: list[Any]
        if kind in (_LGL, _INT):
            values = self.ints(self.length())
            if kind == _LGL:
                values = [None if v is None else bool(v) for v in values]
        elif kind == _REAL:
            values = self.doubles(self.length())
        elif kind == _CPLX:
            pairs = self.doubles(2 * self.length())
            values = [
                complex(a or 0.0, b or 0.0) for a, b in zip(pairs[::2], pairs[1::2], strict=True)
            ]
        elif kind in (_STR, _VEC, _EXPR):
            values = [self.item() for _ in range(self.length())]
        elif kind == _RAW:
            values = list(self._take(self.length()))
        elif kind == _S4:
            values = []
        else:
            raise RDataError(f"unsupported R object type {kind}")
        result = RObject(kind, values)
        if has_attr:
            result.attributes = _as_attributes(self.item())
        return result

    def _decode(self, raw: bytes, flags: int) -> str:
        # CHARSXP encoding bits (levels << 12): LATIN1 = 4, UTF8 = 8, ASCII = 64.
        if flags & (1 << 14) and not flags & (1 << 15):
            return raw.decode("latin-1")
        if flags & (1 << 15) or flags & (1 << 18):
            return raw.decode("utf-8")
        # Native encoding: the file says which (version 3); Korean Windows sessions write CP949.
        for encoding in (self.native, "utf-8", "cp949"):
            try:
                return raw.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue
        return raw.decode("utf-8", errors="replace")

    def _pairlist(self, flags: int) -> _PairList:
        items: list[tuple[str | None, Any]] = []
        while True:
            if flags & (1 << 9):
                self.item()  # attributes of a pairlist cell: not needed
            tag = self.item() if flags & (1 << 10) else None
            name = tag.name if isinstance(tag, RSymbol) else None
            items.append((name, self.item()))
            flags = self.int32()
            if flags & 0xFF not in _PAIRLISTS:
                self.pos -= 4
                rest = self.item()
                if isinstance(rest, _PairList):
                    items += rest.items
                return _PairList(items)

    def _altrep(self) -> RObject:
        info, state, attributes = self.item(), self.item(), self.item()
        name = info.items[0][1].name if isinstance(info, _PairList) and info.items else ""
        if name in ("compact_intseq", "compact_realseq") and isinstance(state, RObject):
            length, start, step = (int(v or 0) for v in state.values[:3])
            kind = _INT if name == "compact_intseq" else _REAL
            values: list[Any] = [start + step * i for i in range(length)]
            result = RObject(kind, values if kind == _INT else [float(v) for v in values])
        elif name.startswith("wrap_") and isinstance(state, RObject) and state.values:
            result = state.values[0]
        elif name == "deferred_string" and isinstance(state, _PairList) and state.items:
            source = state.items[0][1]
            result = RObject(_STR, [None if v is None else _r_string(v) for v in source.values])
        else:
            raise RDataError(f"unsupported ALTREP class {name!r}")
        if attributes is not None:
            result.attributes = _as_attributes(attributes)
        return result


def _r_string(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_attributes(value: Any) -> dict[str, Any]:
    if isinstance(value, _PairList):
        return {name: item for name, item in value.items if name is not None}
    return {}


def _decompress(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:3] == b"BZh":
        return bz2.decompress(data)
    if data[:6] == b"\xfd7zXZ\x00":
        return lzma.decompress(data)
    return data


def read_rdata(data: bytes) -> dict[str, Any]:
    """The objects saved in an ``.rda`` file, by name.

    Raises:
        RDataError: Not an XDR-serialised R data file, or an unsupported object type.
    """
    raw = _decompress(data)
    if raw[:5] not in (b"RDX2\n", b"RDX3\n"):
        raise RDataError("not an R data file (RDX2/RDX3 header missing)")
    if raw[5:7] != b"X\n":
        raise RDataError("only the XDR (binary, big-endian) R format is supported")
    stream = _Stream(raw[7:])
    version = stream.int32()
    stream.int32()  # R version that wrote it
    stream.int32()  # minimal R version to read it
    if version == 3:
        stream.native = stream._take(stream.int32()).decode("ascii", errors="replace") or "utf-8"
    elif version != 2:
        raise RDataError(f"unsupported serialisation version {version}")
    top = stream.item()
    if not isinstance(top, _PairList):
        raise RDataError("no object list at the top of the file")
    return {name: value for name, value in top.items if name is not None}


def data_frame(value: Any) -> tuple[list[str], list[list[Any]]]:
    """Column names and columns of an R data frame (factors as their level labels).

    Raises:
        RDataError: ``value`` is not a data frame.
    """
    if not isinstance(value, RObject) or value.type != _VEC:
        raise RDataError("the object is not a data frame (list) ")
    names = value.attr("names")
    if not isinstance(names, RObject):
        raise RDataError("the data frame has no column names")
    columns: list[list[Any]] = []
    for column in value.values:
        if not isinstance(column, RObject):
            raise RDataError("a data frame column is not a vector")
        levels = column.attr("levels")
        if column.type == _INT and isinstance(levels, RObject):
            labels = levels.values
            columns.append([None if v is None else labels[v - 1] for v in column.values])
        else:
            columns.append(list(column.values))
    return [str(n) for n in names.values], columns
