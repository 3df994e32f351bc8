"""Figures that explain ideas rather than report results (the primer and the glossary use them).

Each function draws one concept from the library's own definitions (the NB201 edges and ops, a
loaded table, RoBoT's phases), so the pictures cannot disagree with the code that runs.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from nasmeta_lib.benchmarks import nb201
from nasmeta_lib.plots import style

OP_COLOURS = dict(zip(nb201.OPS, ("#bbbbbb", "#0173b2", "#029e73", "#d55e00", "#cc78bc")))
NODE_XY = {n: (1.6 * n, 0.0) for n in range(nb201.N_NODES)}
# Curvature of each edge's arc and where its label sits (the chain edges are straight).
_EDGE_ARC = {(0, 1): 0.0, (1, 2): 0.0, (2, 3): 0.0, (0, 2): -0.35, (1, 3): 0.35, (0, 3): -0.42}


def _node(ax: plt.Axes, xy: tuple[float, float], label: str, colour: str = "white", r: float = 0.22) -> None:
    ax.add_patch(plt.Circle(xy, r, facecolor=colour, edgecolor="black", zorder=3))
    ax.text(*xy, label, ha="center", va="center", zorder=4, fontsize=11)


def _arrow(ax: plt.Axes, a, b, colour: str = "black", rad: float = 0.0, style_: str = "-|>", lw: float = 2.0,
           ls: str = "-", shrink: float = 14) -> None:
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle=style_, mutation_scale=14, color=colour, lw=lw, ls=ls,
                                 connectionstyle=f"arc3,rad={rad}", shrinkA=shrink, shrinkB=shrink, zorder=2))


def _box(ax: plt.Axes, xy: tuple[float, float], text: str, colour: str, w: float = 2.6, h: float = 0.8) -> None:
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05", facecolor=colour,
                                edgecolor="black", zorder=2))
    ax.text(x, y, text, ha="center", va="center", fontsize=9.5, zorder=3, wrap=True)


def nb201_cell(ops: tuple[str, ...] | list[str]) -> plt.Figure:
    """One NB201 cell: 4 nodes (feature maps), 6 edges, each edge carrying one of 5 ops.

    Node j sums what its incoming edges compute from earlier nodes; the title shows the cell
    string, the ops tuple in ``EDGES`` order and the official index.
    """
    style()
    ops = nb201.validate_ops(ops)
    fig, ax = plt.subplots(figsize=(9, 4.2))
    for i, ((s, t), op) in enumerate(zip(nb201.EDGES, ops)):
        a, b = NODE_XY[s], NODE_XY[t]
        rad = _EDGE_ARC[(s, t)]
        _arrow(ax, a, b, OP_COLOURS[op], rad, ls=":" if op == "none" else "-")
        apex = -rad * (b[0] - a[0]) / 2  # the arc's height above the nodes' line
        mid = ((a[0] + b[0]) / 2, apex + (0.18 if rad == 0 else 0.0))
        ax.text(*mid, f"e{i}: {op}", ha="center", va="center", fontsize=8.5, color=OP_COLOURS[op],
                bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1), zorder=5)
    for n, xy in NODE_XY.items():
        _node(ax, xy, f"{n}", "#f2f2f2" if n not in (0, 3) else "#ffe9a8")
    ax.text(NODE_XY[0][0] - 0.35, 0, "input", ha="right", va="center", fontsize=9)
    ax.text(NODE_XY[3][0] + 0.35, 0, "output", ha="left", va="center", fontsize=9)
    handles = [plt.Line2D([], [], color=c, lw=3, ls=":" if op == "none" else "-", label=op) for op, c in OP_COLOURS.items()]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, -0.12), ncol=5, frameon=False, fontsize=9)
    ax.set_xlim(-1.2, 6.0)
    ax.set_ylim(-1.1, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"{nb201.to_string(ops)}\nNB201 index {nb201.index_of(ops)} of {nb201.N_ARCHS:,} "
                 f"({len(nb201.OPS)} ops ^ {len(nb201.EDGES)} edges)", fontsize=10)
    fig.tight_layout()
    return fig


def proxy_idea(frame: pd.DataFrame, proxy: str, title: str = "", top: int = 10) -> plt.Figure:
    """A proxy scores an *untrained* network; if the score ranks architectures like their trained
    accuracy does, we can search without training. Left: score against accuracy for a pool;
    right: the same as ranks, with the proxy's top ``top`` marked."""
    from scipy.stats import rankdata

    from nasmeta_lib.stats import kendall, spearman

    style()
    data = frame[[proxy, "accuracy"]].replace([np.inf, -np.inf], np.nan).dropna()
    score, acc = data[proxy].to_numpy(), data["accuracy"].to_numpy()
    chosen = np.argsort(-score)[:top]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    axes[0].scatter(score, acc, s=8, alpha=0.5)
    axes[0].scatter(score[chosen], acc[chosen], s=30, color="#d55e00", label=f"proxy's top {top}")
    axes[0].set(xlabel=f"{proxy} score at initialisation (no training)", ylabel="accuracy after training")
    axes[0].legend(loc="lower right")
    rs, ra = rankdata(-score), rankdata(-acc)
    axes[1].scatter(rs, ra, s=8, alpha=0.5)
    axes[1].scatter(rs[chosen], ra[chosen], s=30, color="#d55e00")
    axes[1].set(xlabel="rank by proxy (1 = best)", ylabel="rank by accuracy (1 = best)")
    axes[1].invert_xaxis()
    axes[1].invert_yaxis()
    fig.suptitle(f"{title}: {len(data)} architectures, Spearman rho {spearman(score, acc):.2f}, "
                 f"Kendall tau {kendall(score, acc):.2f}; best of the proxy's top {top}: rank "
                 f"{int(ra[chosen].min())} of {len(data)}", fontsize=10)
    fig.tight_layout()
    return fig


def robot_loop() -> plt.Figure:
    """RoBoT's two phases sharing one budget of T accuracy queries."""
    style()
    fig, ax = plt.subplots(figsize=(10, 4.6))
    blue, orange, green = "#cfe2f3", "#fde2c8", "#d9ead3"
    _box(ax, (1.5, 3.0), "BO proposes a weight\nvector w in [-1, 1]^m\n(GP-UCB; the first at random)", blue, w=2.8, h=1.0)
    _box(ax, (5.0, 3.0), "rank the pool by\nM(A; w) = sum_i w_i M_i(A)\n(normalised proxies: free)", blue, w=2.9, h=1.0)
    _box(ax, (8.5, 3.0), "query the accuracy of\nthe top-1 architecture\n(costs 1 query if new)", orange, w=2.8, h=1.0)
    _box(ax, (5.0, 1.3), "GP learns: weights -> accuracy of their top-1", blue, w=4.4, h=0.6)
    _arrow(ax, (2.9, 3.0), (3.55, 3.0), shrink=0)
    _arrow(ax, (6.45, 3.0), (7.1, 3.0), shrink=0)
    _arrow(ax, (8.5, 2.5), (7.2, 1.3), rad=-0.2, shrink=2)
    _arrow(ax, (2.8, 1.3), (1.5, 2.5), rad=-0.2, shrink=2)
    ax.text(5.0, 3.9, "Phase 1, robustify (exploration): repeat; many w share a top-1, so only T0 queries are spent",
            ha="center", fontsize=10, weight="bold")
    _box(ax, (3.0, -0.2), "Phase 2, boost (exploitation): with the best w*, query the next\n"
         "T - T0 architectures down the ranking of M(.; w*)", green, w=5.6, h=0.9)
    _box(ax, (8.0, -0.2), "answer: the best\nqueried architecture", green, w=2.6, h=0.9)
    _arrow(ax, (5.0, 0.95), (4.2, 0.3), shrink=2)
    _arrow(ax, (5.85, -0.2), (6.65, -0.2), shrink=0)
    ax.set_xlim(-0.2, 10.2)
    ax.set_ylim(-0.9, 4.2)
    ax.axis("off")
    fig.tight_layout()
    return fig


def sparse_propagation_step(n_ops: int = len(nb201.OPS), sampled: int = 3) -> plt.Figure:
    """One edge of a supernet: dense propagation (DARTS) computes every candidate op and mixes them
    by softmax(theta); sparse propagation samples one op and computes only that path, so the
    architecture gradient has to be estimated (REINFORCE, GDAS, AdvantageNAS, ...)."""
    style()
    theta = np.array([0.2, 0.9, 0.5, 1.3, 0.1])[:n_ops]
    probs = np.exp(theta) / np.exp(theta).sum()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, sparse in zip(axes, (False, True)):
        _node(ax, (0, 0), "x", "#ffe9a8")
        _node(ax, (4, 0), "y", "#ffe9a8")
        ys = np.linspace(1.6, -1.6, n_ops)
        for k, (op, yk) in enumerate(zip(nb201.OPS, ys)):
            active = (not sparse) or k == sampled
            colour = OP_COLOURS[op] if active else "#dddddd"
            note = "sampled" if sparse and k == sampled else f"p={probs[k]:.2f}"
            _box(ax, (2, yk), f"{op} ({note})", "white" if active else "#f5f5f5", w=2.1, h=0.5)
            ax.texts[-1].set_color("black" if active else "#aaaaaa")
            _arrow(ax, (0.2, 0), (0.95, yk), colour, shrink=2, lw=1.8 if active else 1, ls="-" if active else ":")
            _arrow(ax, (3.05, yk), (3.8, 0), colour, shrink=2, lw=1.8 if active else 1, ls="-" if active else ":")
        ax.set_xlim(-0.5, 4.5)
        ax.set_ylim(-2.2, 2.3)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title("dense (DARTS): y = sum_k softmax(theta)_k op_k(x)\nall ops computed, exact gradient in theta"
                     if not sparse else
                     f"sparse: sample op ~ softmax(theta), y = op(x)\n1 of {n_ops} ops computed, gradient estimated",
                     fontsize=10)
    fig.tight_layout()
    return fig


def maml_loops(seed: int = 0, inner_steps: int = 3, inner_lr: float = 0.25) -> plt.Figure:
    """MAML on three toy tasks with quadratic losses in a 2-D parameter space: the inner loop takes a
    few SGD steps from the shared start theta toward each task's optimum; the outer loop moves theta
    so that those few steps land well (here, exactly computed for the quadratic losses)."""
    style()
    rng = np.random.default_rng(seed)
    optima = np.array([[2.0, 1.5], [-1.5, 2.0], [0.5, -2.0]]) + rng.normal(0, 0.1, (3, 2))
    scales = np.array([[1.0, 0.3], [0.3, 1.0], [0.6, 0.6]])
    theta = np.array([-2.5, -1.5])
    colours = ("#0173b2", "#029e73", "#d55e00")

    def adapt(start: np.ndarray, i: int) -> list[np.ndarray]:
        path = [start]
        for _ in range(inner_steps):
            p = path[-1]
            path.append(p - inner_lr * scales[i] * (p - optima[i]) * 2)
        return path

    fig, ax = plt.subplots(figsize=(7.5, 6))
    grid = np.linspace(-3.5, 3.5, 120)
    gx, gy = np.meshgrid(grid, grid)
    for i, c in enumerate(colours):
        loss = scales[i, 0] * (gx - optima[i, 0]) ** 2 + scales[i, 1] * (gy - optima[i, 1]) ** 2
        ax.contour(gx, gy, loss, levels=[0.5, 2, 5], colors=c, alpha=0.35, linewidths=1)
        ax.plot(*optima[i], marker="*", ms=14, color=c, label=f"task {i + 1} optimum")
    outer_lr = 1.5
    for step in range(3):
        grads = []
        for i, c in enumerate(colours):
            path = np.array(adapt(theta, i))
            if step in (0, 2):  # the first and last outer steps' inner loops, to keep the figure readable
                ax.plot(path[:, 0], path[:, 1], "-o", ms=3, color=c, alpha=0.35 + 0.3 * step / 2, lw=1)
            # d/dtheta of the task loss after the inner steps (the MAML gradient, exact for quadratics)
            shrink = (1 - inner_lr * 2 * scales[i]) ** inner_steps
            grads.append(shrink * 2 * scales[i] * (path[-1] - optima[i]))
        new = theta - outer_lr * np.mean(grads, axis=0)
        _arrow(ax, tuple(theta), tuple(new), "black", lw=2.5, shrink=4)
        ax.plot(*theta, "ks", ms=8)
        if step == 0:
            ax.text(theta[0] - 0.15, theta[1] - 0.35, "theta_0", fontsize=9)
        theta = new
    ax.plot(*theta, "ks", ms=8)
    ax.text(theta[0] + 0.1, theta[1] - 0.35, "theta_3", fontsize=9)
    ax.set(xlim=(-3.5, 3.5), ylim=(-3.5, 3.5), xlabel="parameter 1", ylabel="parameter 2",
           title=f"MAML: inner loop = {inner_steps} SGD steps per task (thin lines);\n"
                 "outer loop = move the shared start theta (black arrows)")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_aspect("equal")
    fig.tight_layout()
    return fig
