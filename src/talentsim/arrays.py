"""Small array helpers that keep every draw's arithmetic independent of the chunk size.

numpy's reductions choose their summation order from the array's shape and layout, so the
same draw can differ in the last bit between a chunk of 37 draws and one of 5000. These
helpers add in a fixed order, one whole draw vector at a time: the same bits for any chunk.
"""

from __future__ import annotations

import numpy as np


def columns(*cols: np.ndarray) -> np.ndarray:
    """Stack (n,) vectors into an (n, k) Fortran-ordered array (draw axis contiguous)."""
    out = np.empty((cols[0].shape[0], len(cols)), order="F")
    for j, col in enumerate(cols):
        out[:, j] = col
    return out


def rowsum(x: np.ndarray, axis: int | tuple[int, ...] | None = None) -> np.ndarray:
    """Sum over non-draw axes in a fixed order; ``axis=None`` sums every axis but the first.

    Adds one slice at a time (lexicographic over the summed axes), never reshaping, so a
    Fortran-ordered array is read as whole contiguous draw vectors and nothing is copied.

    >>> rowsum(np.arange(6.0).reshape(2, 3))
    array([ 3., 12.])
    """
    if x.ndim >= 2 and x.flags.f_contiguous and (axis is None or axis in (x.ndim - 1, -1)):
        # the common cases (every axis but the draws', or the last one) without the general
        # path's bookkeeping: the same additions as below
        flat = x.reshape(x.shape[0], -1, order="F") if axis is None else x
        if flat.shape[-1] == 1:
            return flat[..., 0].copy(order="F")
        out = np.add(flat[..., 0], flat[..., 1], order="F")
        for j in range(2, flat.shape[-1]):
            out += flat[..., j]
        return out
    if axis is None:
        axis = tuple(range(1, x.ndim))
    axes = tuple(a % x.ndim for a in ((axis,) if isinstance(axis, int) else axis))
    if 0 in axes:
        raise ValueError("rowsum never sums over draws (axis 0)")
    if axes == tuple(range(x.ndim - len(axes), x.ndim)) and x.flags.f_contiguous:
        # trailing axes of a Fortran-ordered array: a free view, one column per summed slice
        flat = x.reshape(*x.shape[: x.ndim - len(axes)], -1, order="F")
        if flat.shape[-1] == 1:
            return flat[..., 0].copy(order="F")
        out = np.add(flat[..., 0], flat[..., 1], order="F")  # the same bits as copy, then +=
        for j in range(2, flat.shape[-1]):
            out += flat[..., j]
        return out
    index: list = [slice(None)] * x.ndim
    total: np.ndarray | None = None
    for combo in np.ndindex(*(x.shape[a] for a in axes)):
        for a, c in zip(axes, combo):
            index[a] = c
        part = x[tuple(index)]
        if total is None:
            total = part.copy(order="F")
        else:
            total += part
    assert total is not None  # the summed axes are never empty (Q, B, R >= 1)
    return total


def weighted(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """sum_j x[:, j] * weights[j] in a fixed order, (n,) — instead of a BLAS ``x @ weights``."""
    out = x[:, 0] * weights[0]
    for j in range(1, x.shape[1]):
        out += x[:, j] * weights[j]
    return out


def once_along(axis: int, func, *args):
    """``func(*args)`` for an elementwise ``func`` of arrays of one 2-D shape (or numbers),
    computed on a single index of ``axis`` when every array argument repeats along it (a
    broadcast view with stride 0 there, as :meth:`~talentsim.engine.params.Params.t` gives
    for a quantity that does not change over the years), then broadcast back: the same values
    (each element is computed on its own), a read-only view. Otherwise ``func(*args)``.

    >>> rate = np.broadcast_to(np.array([0.5, 0.25]), (3, 2))  # (years, draws), same each year
    >>> once_along(0, np.sqrt, rate).strides[0]
    0
    """
    arrays = [a for a in args if isinstance(a, np.ndarray) and a.ndim]  # numbers pass through
    if not arrays or any(a.ndim != 2 or (a.strides[axis] != 0 and a.shape[axis] != 1) for a in arrays):
        return func(*args)
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    first = (slice(None), slice(0, 1)) if axis == 1 else (slice(0, 1), slice(None))
    one = func(*(a[first] if isinstance(a, np.ndarray) and a.ndim else a for a in args))
    return np.broadcast_to(one, shape)


def stack_rows(cols: list[np.ndarray]) -> np.ndarray:
    """(n, Y) arrays (broadcast views where they repeat) -> (Y', n', k) stored (Y', k, n'): each
    year's (n', k) slice Fortran-ordered, with Y' = 1 when every array is the same every year
    and n' = 1 when every array is the same for every draw (broadcast it back to (Y, n, k))."""
    by_draw = any(c.strides[0] != 0 for c in cols)
    by_year = any(c.strides[1] != 0 for c in cols)
    n, y = cols[0].shape
    out = np.empty((y if by_year else 1, len(cols), n if by_draw else 1))
    for j, c in enumerate(cols):
        out[:, j, :] = c[: None if by_draw else 1, : None if by_year else 1].T
    return out.transpose(0, 2, 1)
