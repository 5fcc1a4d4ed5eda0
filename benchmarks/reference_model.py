"""A reduced, frozen cohort model: the yardstick `bench_engine.py` times the engine against.

It does the same *kind* of work as talentsim's cohort engine, numpy only and never importing
talentsim: inputs drawn per draw by inverse transform, yearly paths, a 2 x 8-slot bachelor's
pipeline with dropouts, master's and PhD programmes with seat limits and waitlists, a
workforce of 9 age bands x 3 qualifications with wage-driven emigration to 4 regions and
returns, and ~120 metrics recorded per year, vectorised over draws with a Python loop over 47
years (20 spin-up + 27 horizon), in chunks of 5,000 draws. Machine speed and load affect it as
they affect the engine, so the ratio engine / reference is a figure that survives a noisy,
shared host where absolute times do not.

FROZEN: do not change this file. The budget in `bench_engine.py` (``REFERENCE_RATIO``) was
measured against it; a change here invalidates that figure (re-measure it in the same commit).
"""

from __future__ import annotations

import numpy as np

YEARS_SIM = 47
SPINUP = 20
AGE_BANDS = 9
QUALS = 3
REGIONS = 4
METRICS = 120


def _triangular(u: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    c = (mode - low) / (high - low)
    left = low + np.sqrt(u * (high - low) * (mode - low))
    right = high - np.sqrt((1 - u) * (high - low) * (high - mode))
    return np.where(u < c, left, right)


def _pipeline_step(stock: np.ndarray, intake: np.ndarray, hazard: np.ndarray, finish: np.ndarray):
    """stock (n, g, K): one year of a slot pipeline; returns graduates (n, g), dropouts (n, g)."""
    drop = stock * hazard[:, :, None]
    stock -= drop
    grads = (stock * finish).sum(axis=2)
    stock *= 1 - finish
    stock[:, :, 1:] = stock[:, :, :-1].copy()
    stock[:, :, 0] = intake
    return grads, drop.sum(axis=2)


def _chunk(u: np.ndarray) -> dict[str, np.ndarray]:
    """u (n, 40) uniforms -> {metric: (n, 27)}."""
    n = u.shape[0]
    p = [_triangular(u[:, j], 0.5 + 0.01 * j, 0.8 + 0.01 * j, 1.2 + 0.01 * j) for j in range(u.shape[1])]
    t = np.arange(YEARS_SIM)
    births = 300_000 * np.exp(-0.01 * p[0][:, None] * t[None, :])  # (n, Y)
    share = np.clip(0.02 * p[1][:, None] * (1 + 0.01 * t[None, :]), 0, 1)
    seats_m = 8_000 * p[2][:, None] * (1 + 0.02 * np.minimum(t, 30))[None, :]
    seats_d = 3_000 * p[3][:, None] * (1 + 0.02 * np.minimum(t, 30))[None, :]
    finish_b = np.zeros((n, 2, 8))
    finish_b[:, 0, 3], finish_b[:, 1, 5] = 0.9, 0.9
    finish_b[:, 0, 4], finish_b[:, 1, 6] = 1.0, 1.0
    finish_m = np.zeros((n, 1, 4))
    finish_m[:, 0, 1], finish_m[:, 0, 2] = 0.8, 1.0
    finish_d = np.zeros((n, 1, 7))
    finish_d[:, 0, 4], finish_d[:, 0, 6] = 0.5, 1.0
    hazard_b = np.stack([0.03 * p[4], 0.04 * p[5]], axis=1)
    hazard_m, hazard_d = (0.02 * p[6])[:, None], (0.05 * p[7])[:, None]
    ug, ms, phd = np.zeros((n, 2, 8)), np.zeros((n, 1, 4)), np.zeros((n, 1, 7))
    wait_m, wait_d = np.zeros(n), np.zeros(n)
    work = np.zeros((n, AGE_BANDS, QUALS))
    work[:, 1:6, :] = 4_000 * p[8][:, None, None]
    abroad = np.zeros((n, REGIONS))
    premium = np.zeros(n)
    out = np.empty((METRICS, YEARS_SIM - SPINUP, n))
    to_m, to_d = np.zeros(n), np.zeros(n)
    for i in range(YEARS_SIM):
        entrants = births[:, i] * 0.7 * share[:, i]
        g_b, d_b = _pipeline_step(ug, entrants[:, None] * np.stack([0.6 * p[9], 1 - 0.6 * p[9]], axis=1),
                                  hazard_b, finish_b)
        grads_b = g_b[:, 0] + g_b[:, 1]
        apply_m = to_m + wait_m
        admit_m = np.minimum(apply_m, seats_m[:, i])
        wait_m = (apply_m - admit_m) * 0.5
        g_m, d_m = _pipeline_step(ms, admit_m[:, None], hazard_m, finish_m)
        apply_d = to_d + wait_d
        admit_d = np.minimum(apply_d, seats_d[:, i])
        wait_d = (apply_d - admit_d) * 0.4
        g_d, d_d = _pipeline_step(phd, admit_d[:, None], hazard_d, finish_d)
        to_m, to_d = grads_b * 0.2 * p[10], g_m[:, 0] * 0.1 * p[11]
        if i < SPINUP:
            continue
        total = work.sum(axis=(1, 2))
        demand = 60_000 * p[12] * (1 + 0.04 * p[13]) ** (i - SPINUP)
        shortage = (demand - total) / np.maximum(demand, 1.0)
        premium = 0.8 * premium + 0.2 * np.clip(shortage, -0.5, 0.5)
        hazard = 0.02 * p[14] / (1 + np.exp(3 * premium))
        leave = work * hazard[:, None, None]
        work -= leave
        gone = leave.sum(axis=(1, 2))
        back = abroad * (0.05 * p[15])[:, None]
        abroad += gone[:, None] * np.array([0.5, 0.2, 0.2, 0.1]) - back
        work[:, 1, 0] += grads_b * 0.3 * (1 + premium) + back.sum(axis=1) * 0.5
        work[:, 2, 1] += g_m[:, 0] * 0.6 + back.sum(axis=1) * 0.3
        work[:, 3, 2] += g_d[:, 0] * 0.7 + back.sum(axis=1) * 0.2
        retire = work[:, -1, :].copy()
        work[:, 1:, :] = work[:, 1:, :] * 0.8 + work[:, :-1, :] * 0.2
        work[:, -1, :] -= retire * 0.2
        row = i - SPINUP
        base = [total, demand * np.ones(n), shortage, premium, hazard, gone, grads_b, d_b.sum(axis=1),
                admit_m, wait_m, g_m[:, 0], d_m[:, 0], admit_d, wait_d, g_d[:, 0], d_d[:, 0],
                *abroad.T, *back.T, *work.sum(axis=1).T, *work.sum(axis=2).T]
        for j in range(METRICS):
            out[j, row] = base[j % len(base)] * (1.0 + 1e-3 * j)
    return {f"m{j:03d}": out[j].T for j in range(METRICS)}


def simulate_reference(n_draws: int, seed: int = 0, chunk_size: int = 5000) -> dict[str, np.ndarray]:
    """All draws of the reference model, chunk by chunk: {metric: (n_draws, 27)}."""
    rng = np.random.default_rng(seed)
    parts = [_chunk(rng.random((min(chunk_size, n_draws - a), 40))) for a in range(0, n_draws, chunk_size)]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
