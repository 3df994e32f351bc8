"""Write the hands-on lab: ``notebooks/lab.ipynb`` (students) and ``notebooks/lab_solutions.ipynb``.

Both come from the one list of cells below; a task cell holds its solution and the stub students
start from, so the two notebooks cannot drift apart (``tests/test_lab.py`` checks that the
committed files are what this script writes). Run: ``python tools/lab_notebooks.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


class Code(str):
    """A code cell given to students as it is (plain strings are Markdown cells)."""


@dataclass(frozen=True)
class Task:
    """A code cell students write: the solution, and the stub they get instead."""

    solution: str
    stub: str


PARAMETERS = """\
setting = "nb201/cifar10"  # benchmark/task of the pool (a Suite-Zero setting with stored proxies)
budget = 20  # accuracy queries T per search (distinct architectures looked up)
repeats = 5  # searches per method, seeds 0..repeats-1 (the size knob: 1-2 for a smoke test, 20+ for a report)"""

CELLS: list[str | Code | Task] = [
    "# Hands-on lab: rank correlation and search on a tabular benchmark\n\n"
    "In 90 minutes you will load a tabular benchmark, compute a rank correlation by hand, write random "
    "search and regularised evolution yourself, and compare them with the library's RoBoT on the same "
    "pool and budget. Read the [NAS primer](primer.ipynb) first (sections *Tabular benchmarks*, *Comparing rankings*, "
    "*Search strategies*).\n\n"
    "Cells that start with `# Task` are yours: replace `raise NotImplementedError` by your code, then run the check "
    "cell below it. Each part runs in well under a minute on a laptop. The `parameters` cell sets the size "
    "(papermill can change it: `papermill lab.ipynb out.ipynb -p repeats 20`).",
    "PARAMETERS",
    "## Part 1: load a benchmark (10 min)\n\n"
    "`benchmarks.load` returns a table with one row per architecture: `ops` and `adjacency` (the encoding), "
    "`accuracy` (what training reached) and the stored zero-cost proxy scores.",
    Code("""\
import numpy as np
import pandas as pd
import scipy.stats

from nasmeta_lib import benchmarks

table = benchmarks.load(*setting.split("/"))
frame = table.frame
acc = frame["accuracy"].to_numpy()
print(table)
print(f"accuracy: min {acc.min():.2f}, median {np.median(acc):.2f}, max {acc.max():.2f}")
frame[["arch_str", "accuracy", "synflow", "nwot", "params"]].head()"""),
    "**Question.** How many architectures are below 20% accuracy, and what do their cell strings have in "
    "common? (Hint: `frame[acc < 20].arch_str`.)",
    "## Part 2: a rank correlation by hand (15 min)\n\n"
    "**Task.** Write `spearman(x, y)`: rank both arrays (average ranks for ties, "
    "`scipy.stats.rankdata`), then return the Pearson correlation of the ranks. Write `kendall(x, y)`: "
    "over all pairs i < j, (concordant - discordant) / number of pairs (this is Kendall's tau-a; with "
    "ties scipy computes tau-b, so compare on tie-free data).",
    Task(
        solution='''\
def spearman(x, y):
    rx, ry = scipy.stats.rankdata(x), scipy.stats.rankdata(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    return float((rx * ry).sum() / np.sqrt((rx**2).sum() * (ry**2).sum()))


def kendall(x, y):
    x, y = np.asarray(x), np.asarray(y)
    i, j = np.triu_indices(len(x), k=1)
    s = np.sign(x[i] - x[j]) * np.sign(y[i] - y[j])
    return float(s.sum() / len(s))''',
        stub='''\
def spearman(x, y):
    raise NotImplementedError


def kendall(x, y):
    raise NotImplementedError''',
    ),
    Code("""\
# Check against scipy on every stored proxy: architectures where the proxy failed (NaN) are left out,
# and a tiny jitter breaks the rare ties (so tau-a = tau-b)
rng = np.random.default_rng(0)
rows = []
for proxy in table.proxies:
    ok = np.isfinite(frame[proxy].to_numpy())
    x = frame[proxy].to_numpy()[ok] + rng.normal(0, 1e-9, ok.sum())
    y = acc[ok] + rng.normal(0, 1e-9, ok.sum())
    rows.append({"proxy": proxy, "spearman (ours)": spearman(x, y), "spearman (scipy)": scipy.stats.spearmanr(x, y).statistic,
                 "kendall (ours)": kendall(x, y), "kendall (scipy)": scipy.stats.kendalltau(x, y).statistic})
check = pd.DataFrame(rows).set_index("proxy")
assert np.allclose(check["spearman (ours)"], check["spearman (scipy)"]), "Spearman differs from scipy"
assert np.allclose(check["kendall (ours)"], check["kendall (scipy)"]), "Kendall differs from scipy"
check.round(3).sort_values("spearman (ours)", ascending=False)"""),
    "**Question.** Which proxy ranks this pool best? Is Kendall's tau always smaller than Spearman's rho "
    "here, and why is that typical?",
    "## Part 3: random search (10 min)\n\n"
    "A search may look up the accuracy of at most `budget` *distinct* architectures (a look-up stands in "
    "for training one) and returns the best one it looked up. We judge it by the found architecture's "
    "**percentile** in the pool (100 = the best).\n\n"
    "**Task.** Write `random_search(acc, budget, rng)` returning the index of the best of `budget` "
    "distinct architectures drawn uniformly.",
    Task(
        solution='''\
def random_search(acc, budget, rng):
    queried = rng.choice(len(acc), size=budget, replace=False)
    return int(queried[np.argmax(acc[queried])])''',
        stub='''\
def random_search(acc, budget, rng):
    raise NotImplementedError''',
    ),
    Code("""\
def percentile(index):
    return 100.0 * np.mean(acc <= acc[index])


found = [percentile(random_search(acc, budget, np.random.default_rng(seed))) for seed in range(repeats)]
print(f"random search, T={budget}: mean percentile {np.mean(found):.1f} over {repeats} seeds "
      f"(expected about {100 * budget / (budget + 1):.1f})")"""),
    "## Part 4: regularised evolution (20 min)\n\n"
    "Keep a population (a queue) of `population` queried architectures, first drawn at random. Then, until "
    "the budget is spent: draw `tournament` members at random, take the most accurate as the parent, "
    "*mutate* it, query the child, append it and remove the **oldest** member.\n\n"
    "The pool is a sample of the space, so a cell with exactly one op changed is usually not in it. "
    "Mutate to an unqueried pool cell at the smallest Hamming distance from the parent (number of edges "
    "whose op differs), chosen at random among ties; `genotypes` below holds each cell's ops as integers.\n\n"
    "**Task.** Write `regularised_evolution(acc, budget, rng, population, tournament)`.",
    Code("""\
ops_vocab = {op: k for k, op in enumerate(sorted({op for ops in frame["ops"] for op in ops}))}
genotypes = np.array([[ops_vocab[op] for op in ops] for ops in frame["ops"]])
genotypes[:3]"""),
    Task(
        solution='''\
from collections import deque


def regularised_evolution(acc, budget, rng, population=None, tournament=None):
    population = population or max(2, budget // 3)
    tournament = tournament or max(1, population // 2)
    queried = list(rng.choice(len(acc), size=min(population, budget), replace=False))
    alive = deque(queried)
    while len(queried) < budget:
        contenders = rng.choice(len(alive), size=min(tournament, len(alive)), replace=False)
        parent = max((alive[i] for i in contenders), key=lambda i: acc[i])
        distance = (genotypes != genotypes[parent]).sum(axis=1).astype(float)
        distance[queried] = np.inf
        child = int(rng.choice(np.flatnonzero(distance == distance.min())))
        queried.append(child)
        alive.append(child)
        alive.popleft()  # the oldest dies, not the worst
    return int(max(queried, key=lambda i: acc[i]))''',
        stub='''\
from collections import deque


def regularised_evolution(acc, budget, rng, population=None, tournament=None):
    population = population or max(2, budget // 3)
    tournament = tournament or max(1, population // 2)
    raise NotImplementedError''',
    ),
    Code("""\
found = [percentile(regularised_evolution(acc, budget, np.random.default_rng(seed))) for seed in range(repeats)]
print(f"regularised evolution, T={budget}: mean percentile {np.mean(found):.1f} over {repeats} seeds")"""),
    "## Part 5: compare with the library, RoBoT included (20 min)\n\n"
    "The library's searchers (`nasmeta_lib.searchers.SEARCHERS`) take a `SearchPool` (proxies, accuracies "
    "and genotypes of one setting) and count queries with an oracle that refuses more than `budget` distinct "
    "look-ups. RoBoT combines six proxies with weights found by Bayesian optimisation, then exploits the "
    "best combination (see the RoBoT chapter). Same pool, same budget, same seeds:",
    Code("""\
from nasmeta_lib.chapters.robot import PAPER_METRICS, usable_metrics
from nasmeta_lib.searchers import SEARCHERS
from nasmeta_lib.searchers.pool import SearchPool

pool = SearchPool.from_table(table, usable_metrics(table, PAPER_METRICS))
ours = {"random (ours)": random_search, "REA (ours)": regularised_evolution}
library = {"random (library)": "random", "REA (library)": "rea", "RoBoT (library)": "robot"}
rows = []
for seed in range(repeats):
    for name, search in ours.items():
        rows.append({"method": name, "seed": seed, "percentile": percentile(search(acc, budget, np.random.default_rng(seed)))})
    for name, key in library.items():
        outcome = SEARCHERS[key](pool, budget, np.random.default_rng(seed))
        rows.append({"method": name, "seed": seed, "percentile": percentile(outcome.best)})
runs = pd.DataFrame(rows)
summary = runs.groupby("method")["percentile"].agg(["mean", "std", "min"]).sort_values("mean", ascending=False)
summary.round(2)"""),
    Code("""\
import matplotlib.pyplot as plt
import seaborn as sns

fig, ax = plt.subplots(figsize=(8, 3.5))
sns.stripplot(data=runs, y="method", x="percentile", order=list(summary.index), ax=ax, alpha=0.7)
ax.set(title=f"{setting}, T = {budget}, {repeats} seeds: percentile of the found architecture (100 = best)");"""),
    "**Questions.**\n\n"
    "1. Do your random search and REA agree with the library's within seed noise? If not, what differs?\n"
    "2. Rerun with `budget = 5` and `budget = 100`. At which budget does RoBoT's use of proxies help most, "
    "and why does everything converge at large budgets?\n"
    "3. A paper reports that its method beats REA by 0.3 accuracy points on this pool. What would you ask "
    "before believing it?",
]


def notebook(solutions: bool) -> nbformat.NotebookNode:
    cells = []
    for cell in CELLS:
        if cell == "PARAMETERS":
            cells.append(new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}))
        elif isinstance(cell, Task):
            code = cell.solution if solutions else cell.stub
            cells.append(new_code_cell(f"# Task: {'a solution' if solutions else 'your code'}\n{code}",
                                       metadata={"tags": ["task"]}))
        elif isinstance(cell, Code):
            cells.append(new_code_cell(str(cell)))
        else:
            cells.append(new_markdown_cell(cell))
    if solutions:
        cells[0].source = cells[0].source.replace("# Hands-on lab:", "# Hands-on lab (with solutions):", 1)
        cells.insert(1, new_markdown_cell(
            "This is the lab **with its solutions**, run when the book was built. Students start from "
            "{download}`the lab notebook without solutions <../../notebooks/lab.ipynb>` (or "
            "`notebooks/lab.ipynb` in the repository)."))
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    for c in nb.cells:  # stable ids, so regenerating gives byte-identical files
        c.pop("id", None)
    nb.nbformat_minor = 4
    return nb


def write() -> None:
    nbformat.write(notebook(solutions=False), NOTEBOOKS / "lab.ipynb")
    nbformat.write(notebook(solutions=True), NOTEBOOKS / "lab_solutions.ipynb")


if __name__ == "__main__":
    write()
    print(f"wrote {NOTEBOOKS / 'lab.ipynb'} and {NOTEBOOKS / 'lab_solutions.ipynb'}")
