"""The NAS-Bench-360 task metrics, all oriented lower-is-better as in the paper's Table 2.

Written with numpy only (no scikit-learn dependency). Inputs are model outputs and targets as
numpy arrays; each function returns one float.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def zero_one_error(logits: np.ndarray, labels: np.ndarray) -> float:
    """Top-1 error in percent."""
    return float(100.0 * np.mean(np.argmax(logits, axis=1) != labels))


def relative_l2(pred: np.ndarray, target: np.ndarray) -> float:
    """Mean over samples of ||pred - target||_2 / ||target||_2 (the FNO/NB360 Darcy metric)."""
    p = pred.reshape(len(pred), -1)
    t = target.reshape(len(target), -1)
    return float(np.mean(np.linalg.norm(p - t, axis=1) / np.linalg.norm(t, axis=1)))


def _auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve via the rank-sum (Mann-Whitney) identity; NaN if one class only."""
    pos = labels.astype(bool)
    n_pos, n_neg = pos.sum(), (~pos).sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    """Step-wise average precision (as scikit-learn's ``average_precision_score``)."""
    order = np.argsort(-scores, kind="mergesort")
    hits = labels[order].astype(float)
    if hits.sum() == 0:
        return float("nan")
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision * hits).sum() / hits.sum())


def one_minus_auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """1 - mean per-label AUROC over labels with both classes present (DeepSEA)."""
    return 1.0 - float(np.nanmean([_auroc(scores[:, j], labels[:, j]) for j in range(labels.shape[1])]))


def one_minus_map(scores: np.ndarray, labels: np.ndarray) -> float:
    """1 - macro mean average precision over classes (FSD50K)."""
    return 1.0 - float(np.nanmean([_average_precision(scores[:, j], labels[:, j]) for j in range(labels.shape[1])]))


def one_minus_macro_f1(pred: np.ndarray, labels: np.ndarray, n_classes: int) -> float:
    """1 - unweighted mean F1 over all classes (NB360's 4-class ECG score, not the challenge's 3)."""
    f1 = []
    for c in range(n_classes):
        tp = np.sum((pred == c) & (labels == c))
        denom = np.sum(pred == c) + np.sum(labels == c)
        f1.append(2 * tp / denom if denom else 0.0)
    return 1.0 - float(np.mean(f1))


def false_negative_rate(logits: np.ndarray, mask: np.ndarray, ignore: np.ndarray) -> float:
    """Cosmic: FN / (FN + TP) in percent, predictions = logit > 0.5 as in the NB360 code."""
    keep = ignore == 0
    pred = (logits > 0.5) & keep
    truth = (mask > 0.5) & keep
    tp, fn = np.sum(pred & truth), np.sum(~pred & truth)
    return float(100.0 * fn / max(tp + fn, 1))


def mae8(pred: np.ndarray, target: np.ndarray, min_separation: int = 24, max_distance: float = 8.0) -> float:
    """PSICOV MAE_8: mean |d_hat - d| over pairs j - i >= 24 with true distance <= 8 A, per protein."""
    errors = []
    for p, t in zip(pred, target):
        i, j = np.indices(t.shape)
        keep = (j - i >= min_separation) & (t <= max_distance)
        if keep.any():
            errors.append(np.abs(p[keep] - t[keep]).mean())
    return float(np.mean(errors))
