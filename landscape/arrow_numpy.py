"""Arrow columns as numpy arrays without importing pandas.

pyarrow's `to_numpy()` imports pandas (pyarrow 26), which costs ~0.5-1.5 s of a cold
`panorama search` on this machine; the search files hold only fixed-width numbers and booleans
without nulls, whose buffers numpy can view directly.

Public API:
    to_numpy(col: pa.Array | pa.ChunkedArray, fill=None) -> np.ndarray
    int64_array(values: np.ndarray) -> pa.Array     # `pa.array(ndarray)` imports pandas too
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def _bits(buf: pa.Buffer, offset: int, n: int) -> np.ndarray:
    return np.unpackbits(np.frombuffer(buf, dtype=np.uint8),
                         bitorder="little")[offset:offset + n].astype(bool)


def to_numpy(col: pa.Array | pa.ChunkedArray, fill: float | int | bool | None = None
             ) -> np.ndarray:
    """The values of a numeric or boolean column, nulls as `fill` (a copy only when chunked,
    boolean or filled); anything else (or nulls without `fill`) through pyarrow's own
    conversion."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    t, n = arr.type, len(arr)
    nulls = arr.null_count > 0
    if n == 0 or (nulls and fill is None) or not (
            pa.types.is_boolean(t) or pa.types.is_integer(t) or pa.types.is_floating(t)):
        return arr.to_numpy(zero_copy_only=False)
    if pa.types.is_boolean(t):
        out = _bits(arr.buffers()[1], arr.offset, n)
    else:
        kind = "f" if pa.types.is_floating(t) else "i" if pa.types.is_signed_integer(t) else "u"
        dtype = np.dtype(f"{kind}{t.bit_width // 8}")
        out = np.frombuffer(arr.buffers()[1], dtype=dtype, count=n,
                            offset=arr.offset * dtype.itemsize)
    if nulls:
        out = np.where(_bits(arr.buffers()[0], arr.offset, n), out, fill).astype(out.dtype)
    return out


def int64_array(values: np.ndarray) -> pa.Array:
    """An Arrow int64 array over the numpy values (e.g. positions for `Array.take`)."""
    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


__all__ = ["int64_array", "to_numpy"]
