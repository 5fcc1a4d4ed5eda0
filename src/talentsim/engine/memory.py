"""The C allocator's settings for the cohort engine's allocation pattern (glibc only).

A chunk of draws allocates and frees about 100 MB of arrays (5,000 baseline draws): its
inputs, built by :func:`~talentsim.engine.cohort.prepare_chunk` and alive until the chunk
ends, and the yearly loop's (n, Q, B) temporaries of about 1 MB. glibc's malloc gives memory
freed at the top of its heap back to the kernel once more than ``M_TRIM_THRESHOLD`` is free
(2x its adaptive mmap threshold, a few MB), so the next chunk's arrays fault the same memory
back in a 4 KiB page at a time, zeroed: 10-30 thousand page faults per 10,000 draws, about
8 % of the engine's time. :func:`keep_freed_heap` raises the threshold to what a chunk of that
size churns (and fixes the mmap threshold at glibc's own adaptive ceiling, 32 MiB), so freed
memory is reused in the process instead. The price: up to that much freed heap stays
mapped to the process (150 MB for 5,000-draw chunks of the baseline, at most :data:`MAX_KEPT`).

Process-wide and never lowered: the settings stay for the life of the process. Nothing is
done on other C libraries (musl, macOS, Windows) or when ``mallopt`` is missing.
"""

from __future__ import annotations

import ctypes
import platform
import sys

#: mallopt parameters (glibc malloc.h)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
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
    if mallopt(M_TRIM_THRESHOLD, want):
        _kept = want
    return _kept
