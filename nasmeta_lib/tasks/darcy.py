"""Darcy Flow data generated offline, following the FNO paper (Li et al., ICLR 2021).

The PDE is -div(a grad u) = 1 on the unit square with u = 0 on the boundary. The coefficient
a is a Gaussian random field N(0, (-Laplace + 9 I)^-2) thresholded to 12 (g >= 0) or 3 (g < 0),
so the medium has two phases. The field is sampled by Karhunen-Loeve in the cosine basis and
the PDE is solved with second-order finite differences (arithmetic-mean face coefficients) by
a sparse direct solver. FNO samples at 421 x 421 and NAS-Bench-360 keeps every 5th point
(85 x 85); ``solve_resolution`` and ``subsample`` choose those here.

The arrays are statistically equivalent to the released ``piececonst_r421`` files but not
identical to them (different random generator and spline end conditions), so a comparison to
the paper's Darcy numbers always says "regenerated test set".
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import fft, interpolate, sparse
from scipy.sparse.linalg import spsolve

from nasmeta_lib.paths import cache_dir

ALPHA, TAU = 2.0, 3.0  # covariance (-Laplace + tau^2 I)^-alpha, as in FNO's GRF.m
HIGH, LOW = 12.0, 3.0  # the two phases of the medium (FNO paper and data files)


def gaussian_random_field(size: int, rng: np.random.Generator, alpha: float = ALPHA, tau: float = TAU) -> np.ndarray:
    """A zero-mean GRF on a ``size`` x ``size`` grid (Neumann Laplacian, cosine KL expansion)."""
    k1, k2 = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    eigen = tau ** (alpha - 1) * (np.pi**2 * (k1**2 + k2**2) + tau**2) ** (-alpha / 2)
    coeffs = size * eigen * rng.standard_normal((size, size))
    coeffs[0, 0] = 0.0  # zero mean
    return fft.idctn(coeffs, type=2, norm="ortho")


def coefficient(field: np.ndarray) -> np.ndarray:
    """Threshold a GRF into the two-phase medium a(x)."""
    return np.where(field >= 0, HIGH, LOW)


def solve(coeff: np.ndarray) -> np.ndarray:
    """Solve -div(a grad u) = 1, u = 0 on the boundary, for a coefficient on cell centres.

    As in FNO's ``solve_gwf.m``: the coefficient is interpolated by cubic splines to the vertex
    grid, the 5-point stencil uses arithmetic means of neighbouring coefficients on the faces,
    and the solution is interpolated back to the cell centres.
    """
    k = coeff.shape[0]
    centres = (2 * np.arange(1, k + 1) - 1) / (2 * k)
    vertices = np.linspace(0.0, 1.0, k)
    a = interpolate.RectBivariateSpline(centres, centres, coeff)(vertices, vertices)
    n = k - 2
    inner = a[1:-1, 1:-1]
    faces = {  # mean coefficient on the face towards each neighbour
        "west": (a[:-2, 1:-1] + inner) / 2,
        "east": (a[2:, 1:-1] + inner) / 2,
        "south": (a[1:-1, :-2] + inner) / 2,
        "north": (a[1:-1, 2:] + inner) / 2,
    }
    idx = np.arange(n * n).reshape(n, n)
    rows, cols, vals = [idx.ravel()], [idx.ravel()], [sum(faces.values()).ravel()]
    for name, (di, dj) in {"west": (-1, 0), "east": (1, 0), "south": (0, -1), "north": (0, 1)}.items():
        i0, i1 = max(0, -di), n - max(0, di)
        j0, j1 = max(0, -dj), n - max(0, dj)
        rows.append(idx[i0:i1, j0:j1].ravel())
        cols.append(idx[i0 + di : i1 + di, j0 + dj : j1 + dj].ravel())
        vals.append(-faces[name][i0:i1, j0:j1].ravel())
    matrix = sparse.csc_matrix(
        (np.concatenate(vals) * (k - 1) ** 2, (np.concatenate(rows), np.concatenate(cols))), shape=(n * n, n * n)
    )
    u = np.zeros((k, k))
    u[1:-1, 1:-1] = spsolve(matrix, np.ones(n * n)).reshape(n, n)
    at_centres = interpolate.RectBivariateSpline(vertices, vertices, u)(centres, centres)
    return at_centres.T  # MATLAB orientation, as stored in the FNO files


def _sample(args: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    seed, index, resolution = args
    rng = np.random.default_rng([seed, index])  # one stream per sample: order and workers do not matter
    a = coefficient(gaussian_random_field(resolution, rng))
    return a, solve(a)


@dataclass(frozen=True)
class DarcyConfig:
    """What defines a generated set; equal configs give identical arrays."""

    n: int
    seed: int
    solve_resolution: int = 421
    subsample: int = 5

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"Darcy: need at least one sample, got n={self.n}")
        if (self.solve_resolution - 1) % self.subsample:
            raise ValueError(
                f"Darcy: solve_resolution - 1 ({self.solve_resolution - 1}) must be divisible by "
                f"subsample ({self.subsample}) so the coarse grid keeps the boundary points"
            )

    @property
    def resolution(self) -> int:
        return (self.solve_resolution - 1) // self.subsample + 1

    def key(self) -> str:
        text = json.dumps({"version": 1, **self.__dict__}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def generate(config: DarcyConfig, workers: int = 1, progress=None) -> tuple[np.ndarray, np.ndarray]:
    """``(coeff, sol)``, each (n, s, s) float32 at the subsampled resolution, cached on disk.

    ``progress`` wraps the sample iterator (e.g. ``ctx.progress``) so long runs show a bar.
    """
    path = cache_dir() / "nb360_darcy" / f"darcy-{config.key()}.npz"
    if path.exists():
        with np.load(path) as cached:
            return cached["coeff"], cached["sol"]
    jobs = [(config.seed, i, config.solve_resolution) for i in range(config.n)]
    step = config.subsample
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = pool.map(_sample, jobs, chunksize=max(1, len(jobs) // (4 * workers)))
            samples = list(progress(results, "Darcy solves", len(jobs)) if progress else results)
    else:
        samples = [_sample(j) for j in (progress(jobs, "Darcy solves", len(jobs)) if progress else jobs)]
    coeff = np.stack([a[::step, ::step] for a, _ in samples]).astype(np.float32)
    sol = np.stack([u[::step, ::step] for _, u in samples]).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")  # processes generating at once never share a file
    np.savez(tmp, coeff=coeff, sol=sol)
    tmp.replace(path)
    return coeff, sol
