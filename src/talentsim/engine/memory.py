"""Memory for the cohort engine: the C allocator's settings for its allocation pattern (glibc
only), and :class:`Arena`, the blocks of huge pages a run's metric arrays are carved from.

A chunk of draws allocates and frees about 100 MB of arrays (5,000 baseline draws): its
inputs, built by :func:`~talentsim.engine.cohort.prepare_chunk` and alive until the chunk
ends, and the yearly loop's (n, Q, B) temporaries of about 1 MB. glibc's malloc gives memory
freed at the top of its heap back to the kernel once more than ``M_TRIM_THRESHOLD`` is free
(2x its adaptive mmap threshold, a few MB), so the next chunk's arrays fault the same memory
back in a 4 KiB page at a time, zeroed: 10-30 thousand page faults per 10,000 draws, about
8 % of the engine's time. :func:`keep_freed_heap` raises the threshold to what a chunk of that
size churns, and the padding a trim leaves (``M_TOP_PAD``) to the same, so that even after
other code frees more than that (a larger model in the same process) a chunk's worth stays;
it fixes the mmap threshold at glibc's own adaptive ceiling, 32 MiB. Freed memory is reused
in the process instead. The price: up to that much freed heap stays mapped to the process
(150 MB for 5,000-draw chunks of the baseline, at most :data:`MAX_KEPT`).

Process-wide and never lowered: the settings stay for the life of the process. Nothing is
done on other C libraries (musl, macOS, Windows) or when ``mallopt`` is missing.

The metric blocks are kept the same way: a mapping that no array uses any more is handed out
again by the next run in the process (:data:`POOL_BYTES` at most), whose metrics then go to
pages already faulted in (~10 % of a warm 10,000-draw run: the kernel zeroes every new page).
"""

from __future__ import annotations

import ctypes
import mmap
import platform
import sys
import threading
import weakref
from dataclasses import dataclass

import numpy as np

#: mallopt parameters (glibc malloc.h)
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
#: allocations from this size on are mapped on their own (glibc's adaptive maximum on 64-bit)
MMAP_THRESHOLD = 32 << 20
#: freed heap kept per draw and simulated year of a chunk (the baseline frees 0.3-0.55 KiB)
BYTES_PER_DRAW_YEAR = 640
#: the most freed heap kept
MAX_KEPT = 1 << 30

_kept = 0  # the trim threshold set so far (0: the allocator's defaults)


def _mallopt():
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return None


def keep_freed_heap(draws: int, years: int) -> int:
    """Let the process keep the heap a chunk of ``draws`` draws over ``years`` simulated years
    frees (at least 64 MiB, at most :data:`MAX_KEPT`) instead of giving it back to the kernel
    between chunks; returns the trim threshold in force (0 where nothing can be set)."""
    global _kept
    want = min(MAX_KEPT, max(64 << 20, draws * years * BYTES_PER_DRAW_YEAR))
    if want <= _kept:
        return _kept
    mallopt = _mallopt()
    if mallopt is None:
        return 0
    if _kept == 0 and not mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD):
        return 0
    if mallopt(M_TRIM_THRESHOLD, want) and mallopt(M_TOP_PAD, want):
        _kept = want
    return _kept


#: transparent huge page size (x86-64, arm64 with 4 KiB pages); blocks are aligned to it
HUGE_PAGE = 2 << 20


#: mappings kept for the next run in the process, at most this many bytes in all (in use or not)
POOL_BYTES = 512 << 20


@dataclass
class _Mapping:
    """A mapping :func:`huge_block` may hand out again once ``user`` (the float64 array over
    it that every block cut from it refers to, as its views' ``base``) is gone."""

    mapped: mmap.mmap
    user: weakref.ref | None = None

    def free(self) -> bool:
        return self.user is None or self.user() is None

    def block(self, size: int) -> np.ndarray:
        whole = np.frombuffer(self.mapped, dtype=np.float64)
        self.user = weakref.ref(whole)
        skip = (-whole.ctypes.data % HUGE_PAGE) // 8  # to the first huge-page boundary
        return whole[skip : skip + size]


_pool: list[_Mapping] = []
_pool_lock = threading.Lock()  # a mapping is found free and handed out in one step


def huge_block(nbytes: int) -> np.ndarray:
    """A float64 block of ``nbytes`` (rounded up to whole elements), from an anonymous mapping
    advised for transparent huge pages (``MADV_HUGEPAGE``, Linux) and aligned to them.

    New memory costs the kernel a page fault and zeroing per page on first write; with 2 MiB
    pages instead of 4 KiB ones a run's metrics (272 MB for 10k baseline draws) are written
    in a quarter of the time (0.13 s -> 0.03 s here). A mapping that no array uses any more is
    handed out again (the smallest that fits; up to :data:`POOL_BYTES` of mappings are kept
    for that), so a process that runs the engine again (the explorer, the optimiser,
    calibration) writes into pages it has already faulted in: another ~0.05 s a 10k run here.
    The block's values are whatever was there (like ``np.empty``). Plain ``np.empty`` for
    small blocks or where the mapping or the advice is missing."""
    size = -(-nbytes // 8)
    advise = getattr(mmap, "MADV_HUGEPAGE", None)
    if advise is None or 8 * size < HUGE_PAGE:
        return np.empty(size)
    with _pool_lock:  # two threads never get the same free mapping
        fits = [m for m in _pool if m.free() and len(m.mapped) >= 8 * size + HUGE_PAGE]
        if fits:
            return min(fits, key=lambda m: len(m.mapped)).block(size)
        _release_unused()  # none fits: a new mapping replaces them (kept, they would only add up)
        try:
            mapped = mmap.mmap(-1, 8 * size + HUGE_PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
            mapped.madvise(advise)
        except (OSError, ValueError):
            return np.empty(size)
        new = _Mapping(mapped)
        if sum(len(m.mapped) for m in _pool) + len(mapped) <= POOL_BYTES:
            _pool.append(new)
        return new.block(size)


def release_unused() -> int:
    """Unmap every pooled mapping no array uses (a streaming task's arrays when it ends: kept,
    they would hold a worker's memory between tasks); returns the bytes released."""
    with _pool_lock:
        return _release_unused()


def _release_unused() -> int:
    released = 0
    for m in [m for m in _pool if m.free()]:
        _pool.remove(m)
        released += len(m.mapped)
        m.mapped.close()
    return released


class Arena:
    """Carves separate (rows, cols) float64 arrays out of a few large :func:`huge_block` blocks,
    ``per_block`` arrays (at most 256 MiB) a block, each a multiple of 64 bytes after the block's start
    (on 64-byte boundaries in a huge-page block; plain ``np.empty`` blocks are 16-byte aligned). The arrays
    never overlap; a block lives as long as any of its arrays."""

    def __init__(self, per_block: int = 64, block_bytes: int = 256 << 20):
        self.per_block, self.block_bytes = per_block, block_bytes
        self._block: np.ndarray | None = None
        self._used = 0

    def empty(self, rows: int, cols: int) -> np.ndarray:
        count = rows * cols
        step = -(-count // 8) * 8  # the next array starts 64-byte aligned
        if self._block is None or self._used + count > self._block.size:
            arrays = max(1, min(self.per_block, self.block_bytes // (8 * step)))
            self._block, self._used = huge_block(8 * step * arrays), 0
        out = self._block[self._used : self._used + count].reshape(rows, cols)
        self._used += step
        return out
