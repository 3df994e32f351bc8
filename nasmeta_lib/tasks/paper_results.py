"""NAS-Bench-360's published numbers (Table 2/6, Table 3) and the aggregates derived from them.

Errors are lower-is-better, means over 3 seeds, transcribed from the paper (arXiv 2110.05668,
NeurIPS 2022 version; Cosmic is FNR %). ``None`` = not evaluated. These are the paper's
numbers, used for the side-by-side tables and to recompute Table 3 and the performance
profiles; they are never used as our results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

TASK_ORDER = ("cifar100", "spherical", "darcy", "psicov", "cosmic", "ninapro", "fsd50k", "ecg", "satellite", "deepsea")

TABLE2: dict[str, tuple[float | None, ...]] = {  # values in TASK_ORDER
    "WRN default": (23.35, 85.77, 0.073, 3.84, 51.76, 6.78, 0.92, 0.43, 15.49, 0.40),
    "DenseNAS random": (25.49, 71.23, 0.071, 3.70, 70.42, 8.45, 0.60, 0.42, 13.91, 0.40),
    "DenseNAS original": (25.98, 72.99, 0.100, 3.84, 79.52, 10.17, 0.64, 0.40, 13.81, 0.40),
    "Perceiver IO": (70.04, 82.57, 0.240, 8.06, 100.0, 22.22, 0.72, 0.66, 15.93, 0.38),
    "XGBoost": (84.83, 96.92, 0.085, None, 46.26, 21.90, 0.98, 0.56, 36.36, 0.50),
    "WRN ASHA": (23.39, 75.46, 0.066, 3.84, 37.53, 7.34, 0.91, 0.43, 15.84, 0.41),
    "DARTS GAEA": (24.02, 48.23, 0.026, 2.94, 31.15, 17.67, 0.94, 0.34, 12.51, 0.36),
    "Auto-DL": (None, None, 0.049, 6.73, 99.79, None, None, None, None, None),
    "AMBER": (None, None, None, None, None, None, None, 0.33, 12.97, 0.32),
    "Expert": (19.39, 67.41, 0.008, 3.35, 25.29, 8.73, 0.62, 0.28, 19.80, 0.30),
}

RANKED = ("WRN default", "DenseNAS original", "DenseNAS random", "WRN ASHA", "DARTS GAEA", "Auto-DL", "AMBER")
TABLE3_PRINTED = {  # median rank, median % better than WRN, as printed (DenseNAS columns as printed)
    "WRN default": (4.0, 0.0), "DenseNAS original": (4.0, 2.53), "DenseNAS random": (4.0, 0.0),
    "WRN ASHA": (3.5, 0.0), "DARTS GAEA": (1.5, 20.1), "Auto-DL": (6.0, -75.3), "AMBER": (1.0, 20.0),
}
PROFILE_METHODS = ("WRN default", "WRN ASHA", "DenseNAS original", "DenseNAS random", "DARTS GAEA")


def table2() -> pd.DataFrame:
    """Long form: method, task, error."""
    rows = [{"method": m, "task": t, "error": v} for m, vals in TABLE2.items() for t, v in zip(TASK_ORDER, vals)]
    return pd.DataFrame(rows)


def table3() -> pd.DataFrame:
    """Median rank and median % improvement over WRN, recomputed from Table 2 beside the printed values."""
    errors = table2().pivot(index="task", columns="method", values="error").loc[list(TASK_ORDER), list(RANKED)]
    ranks = errors.apply(lambda row: pd.Series(_rank(row.to_numpy()), index=row.index), axis=1)
    gain = errors.apply(lambda col: 100 * (errors["WRN default"] - col) / errors["WRN default"])
    rows = []
    for m in RANKED:
        printed_rank, printed_gain = TABLE3_PRINTED[m]
        rows.append({"method": m, "median_rank": float(np.nanmedian(ranks[m])), "printed_median_rank": printed_rank,
                     "median_gain_pct": float(np.nanmedian(gain[m])), "printed_median_gain_pct": printed_gain,
                     "tasks": int(errors[m].notna().sum())})
    return pd.DataFrame(rows)


def table3_check(t3: pd.DataFrame, tolerance: float = 0.1) -> dict:
    """Does the recomputed Table 3 (``table3()``, as stored) match the printed one? Also tests the
    DenseNAS column swap."""
    t3 = t3.set_index("method")
    gain_ok = (t3.median_gain_pct - t3.printed_median_gain_pct).abs() <= tolerance
    rand, orig = "DenseNAS random", "DenseNAS original"
    swapped = (abs(t3.at[rand, "median_gain_pct"] - t3.at[orig, "printed_median_gain_pct"]) <= tolerance
               and abs(t3.at[orig, "median_gain_pct"] - t3.at[rand, "printed_median_gain_pct"]) <= tolerance)
    return {"ranks_match": bool(np.allclose(t3.median_rank, t3.printed_median_rank)),
            "gains_match": int(gain_ok.sum()), "methods": len(t3), "densenas_swapped": bool(swapped)}


def _rank(errors: np.ndarray) -> np.ndarray:
    """Average ranks among the methods evaluated on a task (NaN stays NaN)."""
    out = np.full(len(errors), np.nan)
    ok = ~np.isnan(errors.astype(float))
    out[ok] = rankdata(errors[ok].astype(float), method="average")
    return out


def performance_profile(errors: pd.DataFrame, taus: np.ndarray) -> pd.DataFrame:
    """Dolan-More profile: share of tasks where a method's error is within tau x the best.

    ``errors`` is task x method (lower is better); ratios are taken within the given methods.
    """
    ratios = errors.div(errors.min(axis=1), axis=0)
    rows = [{"method": m, "tau": float(tau), "fraction": float((ratios[m] <= tau + 1e-12).mean())}
            for m in errors.columns for tau in taus]
    return pd.DataFrame(rows)


def profile_errors(methods=PROFILE_METHODS, tasks=TASK_ORDER) -> pd.DataFrame:
    return table2().pivot(index="task", columns="method", values="error").loc[list(tasks), list(methods)]
