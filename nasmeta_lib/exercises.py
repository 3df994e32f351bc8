"""Teaching material per chapter, in one registry: exercises, "look inside" code, takeaway, references.

Each chapter notebook ends with two cells that read this registry:
``source.look_inside("robot")`` (the algorithm's core lines, pulled from the library) and
``exercises.show("robot", result)`` (exercises, the takeaway for the verdicts of *this* run, and
links to the references). The instructors' page with the answers is generated from the same
entries when the book is built (``book/instructors.md``), so a question and its answer can never drift
apart.

Every command uses the chapter's own parameters (a test validates each one with the chapter's
``resolve``), and ``seconds`` is the CPU time the command took here, measured with
``python perf/exercise_runtimes.py`` (results in a fresh folder). CPU time, unlike wall time on a
shared machine, does not depend on what else runs; an idle 2-core laptop needs about that long or
less.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from nasmeta_lib.results import VERDICTS, Result

MEASURED_ON = "a 2-core x86 machine (CPU time; an idle laptop takes about as long or less), 2026-11-29"


@dataclass(frozen=True)
class Exercise:
    """One exercise: commands to run, what to change and look at, a question and its answer."""

    title: str
    commands: tuple[str, ...]
    seconds: tuple[int, ...]  # CPU seconds measured per command, same order
    change: str
    look_at: str
    question: str
    answer: str

    def __post_init__(self) -> None:
        if len(self.commands) != len(self.seconds):
            raise ValueError(f"exercise {self.title!r}: one measured runtime per command")


@dataclass(frozen=True)
class Guide:
    """What a chapter teaches beyond its verdicts."""

    chapter: str
    look_inside: tuple[str, ...]  # "module:qualname" of the core code, shown in order
    look_inside_note: str
    exercises: tuple[Exercise, ...]
    takeaway: dict[str, str]  # overall verdict of a run -> what it means for NAS practice
    references: tuple[str, ...]  # anchors on the references page


# The overall verdict of a run: every claim reproduced, none reproduced, or anything between.
OVERALL = ("reproduced", "partly", "not reproduced")

GUIDES: dict[str, Guide] = {}


def _guide(guide: Guide) -> None:
    if guide.chapter in GUIDES:
        raise ValueError(f"guide {guide.chapter!r} is registered twice")
    if set(guide.takeaway) != set(OVERALL):
        raise ValueError(f"guide {guide.chapter!r}: takeaway needs one text per overall verdict {OVERALL}")
    GUIDES[guide.chapter] = guide


_guide(Guide(
    chapter="tour",
    look_inside=("nasmeta_lib.benchmarks.nb201:to_string", "nasmeta_lib.benchmarks.nb201:_index_tables",
                 "nasmeta_lib.benchmarks.nb201:ops_of_index"),
    look_inside_note="How an NB201 cell becomes a string and how the official index 0..15,624 is rebuilt without "
                     "the 2 GB benchmark file: enumerate the 5^6 cells, then the fixed shuffle NAS-Bench-201 used.",
    exercises=(
        Exercise(
            title="Do rankings transfer between tasks of one search space?",
            commands=("nasmeta run tour -p benchmarks nb201,nb201_full",),
            seconds=(11,),
            change="Tour only the NB201 tables: the Suite-Zero sample (CIFAR-10, CIFAR-100, ImageNet16-120) and "
                   "the complete 15,625-cell table (CIFAR-100, NinaPro, Darcy Flow).",
            look_at="'Do rankings transfer between tasks?': the task-correlation table (Spearman rho between the "
                    "accuracies of the same cells on two tasks).",
            question="Rankings between the three image tasks agree strongly; between CIFAR-100 and NinaPro or "
                     "Darcy much less. What does that tell you about reusing an architecture found on CIFAR?",
            answer="The image tasks share a data type, resolution and what makes a cell good (convolutions, depth), "
                   "so a cell's rank carries over (rho about 0.95 on the Suite-Zero sample). NinaPro (EMG signals) and Darcy "
                   "(PDE regression) reward different ops, so the rank of a cell on CIFAR-100 says little about "
                   "its rank there (and NinaPro and Darcy do not agree with each other either): an architecture "
                   "found on CIFAR is a weak default for a new modality, and "
                   "benchmarks built only from image tasks overstate how general a NAS method is. This is the "
                   "motivation of the NAS-Bench-360 chapter.",
        ),
    ),
    takeaway={
        "reproduced": "The tables load faithfully, so every later chapter stands on the published numbers. In "
                      "practice: a tabular benchmark turns a week of training into a table look-up, which is what "
                      "makes running a search a hundred times with different seeds affordable.",
        "partly": "Some consistency checks failed in this run: read the verdict table before trusting numbers from "
                  "the affected benchmark. In practice, check counts and ranges of any benchmark file you use; "
                  "silent parsing mistakes are a common cause of irreproducible NAS results.",
        "not reproduced": "The tables did not load as published in this run, so later chapters built on them are "
                          "suspect until this is fixed. In practice: validate a benchmark file (checksums, counts, "
                          "known cells) before drawing any conclusion from it.",
    },
    references=("nas-bench-101", "nas-bench-201", "nas-bench-301", "transnas-bench-101", "nas-bench-graph",
                "nas-bench-suite-zero", "nas-bench-360"),
))

_guide(Guide(
    chapter="proxies",
    look_inside=("nasmeta_lib.proxies.synflow:synflow", "nasmeta_lib.proxies.snip:snip"),
    look_inside_note="Two proxies: synflow needs no data at all (an all-ones input through a network with "
                     "absolute-valued weights); snip needs one labelled batch and one backward pass.",
    exercises=(
        Exercise(
            title="Random inputs versus real images",
            commands=("nasmeta run proxies -p inputs random,digits -p n_archs 5 -p proxies params,synflow,snip,nwot",),
            seconds=(120,),
            change="Score the same five cells with four proxies twice: on a batch of random N(0, 1) pixels and on "
                   "real handwritten digits (scikit-learn's, upsampled to 32x32). All 13 proxies on 60 cells is "
                   "the full profile (17 min here).",
            look_at="'Per-architecture scores' (our score of each cell with each input) and 'Agreement with the "
                    "stored values' (one row per proxy and input).",
            question="Which proxies give the same scores for random and real inputs, and why? For which would you "
                     "expect real images to matter?",
            answer="params (like flops and l2_norm) uses no data at all, and synflow replaces the input by all "
                   "ones, so their scores are identical for both inputs. Gradient-based saliencies (snip, grad_norm, "
                   "fisher, grasp, plain) and activation-pattern proxies (nwot, jacov, epe_nas) depend on the "
                   "batch; with real images the labels carry information (epe_nas groups Jacobians by class), "
                   "so those are the ones whose ranking can change. The 'Agreement' rows of five cells are almost "
                   "pure noise (a rank correlation of 5 points takes only a few values); compare the "
                   "per-architecture scores instead, and raise n_archs to 60 (the full profile) before "
                   "concluding anything about rank correlations.",
        ),
    ),
    takeaway={
        "reproduced": "Our live proxies match the stored ones, so the stored Suite-Zero values can stand in for "
                      "computing proxies in later chapters. In practice: a zero-cost proxy is a cheap first filter, "
                      "and its value should be checked against a few trained networks of the space you search.",
        "partly": "Only some proxies matched the stored values in this run (see the verdicts for which). In "
                  "practice: proxy implementations differ in small details (batch, BatchNorm mode, sign, "
                  "logarithm) that change rankings; pin the implementation you report and say which one it is.",
        "not reproduced": "Our live proxies did not match the stored values in this run. In practice: a proxy "
                          "score is only as reproducible as its implementation details; never mix proxy values "
                          "from different code bases in one comparison.",
    },
    references=("nas-bench-suite-zero", "zero-cost-proxies", "synflow", "snip", "grasp", "naswot", "epe-nas",
                "fisher", "zen-nas", "nas-bench-201"),
))

_guide(Guide(
    chapter="nb360",
    look_inside=("nasmeta_lib.tasks.tabular_transfer:budgeted_search",),
    look_inside_note="The tabular part: three ways to pick a cell for a target task with a budget of b sampled "
                     "cells, each repeated many times on the complete NB201 tables.",
    exercises=(
        Exercise(
            title="The proxy that gets worse with budget on Darcy Flow",
            commands=("nasmeta run nb360 -p darcy_run false -p proxy nwot",
                      "nasmeta run nb360 -p darcy_run false -p proxy synflow"),
            seconds=(13, 12),
            change="Skip the Darcy training (tabular part only) and fix the proxy that guides the budgeted "
                   "search: nwot, then synflow.",
            look_at="'What a search with a budget finds': the median percentile per target, strategy and budget, "
                    "and the proxy-correlation table below it.",
            question="On Darcy, picking the proxy's best among more sampled cells can give a *worse* cell. How can "
                     "a larger budget hurt?",
            answer="The proxy search samples b cells and keeps the one the proxy scores highest. nwot's rank "
                   "correlation with Darcy is positive over the whole table (see the proxy-correlation table), yet "
                   "the cells it scores highest are poor on Darcy: a larger sample more surely contains one of those "
                   "extreme cells, and the proxy picks it, so more budget optimises the wrong objective harder. "
                   "synflow, whose correlation with Darcy is much higher, keeps improving with budget, and random "
                   "search, which looks at the true metric, always does. The lesson: judge a proxy for search by "
                   "how good its top is (precision@k, the primer), not only by a rank correlation over all cells."),
    ),
    takeaway={
        "reproduced": "Image-classification NAS transferred as NAS-Bench-360 reports. In practice: before "
                      "reusing an image-tuned search space or proxy on a new modality, measure a few cells on the "
                      "new task; a strong hand-designed expert model remains the baseline to beat.",
        "partly": "Some of NAS-Bench-360's findings held in this run, others did not (see the verdicts). In "
                  "practice: what works for image classification is not a safe default elsewhere; check rank "
                  "transfer on your own task and keep a task expert as a baseline.",
        "not reproduced": "NAS-Bench-360's findings did not hold in this run. In practice: conclusions about NAS "
                          "on diverse tasks depend on budgets and data; state yours explicitly and rerun with the "
                          "full profile before generalising.",
    },
    references=("nas-bench-360", "nas-bench-201", "darts", "fno", "wide-resnet", "naswot", "synflow"),
))

_guide(Guide(
    chapter="robot",
    look_inside=("nasmeta_lib.searchers.robot:robot", "nasmeta_lib.searchers.gp:ucb_next"),
    look_inside_note="RoBoT's two phases in one function: BO over weight vectors (each scored by the accuracy of "
                     "the one architecture it ranks first), then greedy exploitation down the best ranking; and the "
                     "GP-UCB step that proposes the next weight vector.",
    exercises=(
        Exercise(
            title="How many queries does it take?",
            commands=("nasmeta run robot -p settings nb201/cifar10 -p budget 5",
                      "nasmeta run robot -p settings nb201/cifar10 -p budget 20",
                      "nasmeta run robot -p settings nb201/cifar10 -p budget 100"),
            seconds=(9, 10, 14),
            change="One setting (NB201 CIFAR-10, a pool of about 725 cells), the budget T of accuracy queries: "
                   "5, 20 (the paper's), 100. (T = 200 works too but takes several times longer: BO's cost "
                   "grows with every proposal.)",
            look_at="'Overall: mean percentile of the found architecture': RoBoT against random search, REA, the "
                    "rank ensemble and each single proxy; 'Theory check' for T0, the queries BO used.",
            question="Even random search lands near the top of the pool with 20 queries. Why, and what does this "
                     "mean for comparing NAS methods on a pool of ~725 cells?",
            answer="If T cells are drawn uniformly, the best of them has an expected percentile of about "
                   "100 * T / (T + 1): 83 for T = 5, 95 for T = 20, 99 for T = 100. On a pool of ~725 cells every "
                   "method looks good from a few dozen queries on, and differences shrink to a fraction of a "
                   "percentile, within seed noise. At small T the order of the queries matters: a single good "
                   "proxy followed greedily (synflow, jacov here) spends every query on its top cells, while RoBoT "
                   "first spends T0 queries exploring weight vectors (see the theory check), so with 5 or 20 "
                   "queries it can trail the best single proxy and even random search on this pool. Honest "
                   "comparisons use small budgets, percentile or rank as the metric, several seeds, random search "
                   "as the baseline, and say how the 'best single proxy' was chosen (in hindsight, here)."),
    ),
    takeaway={
        "reproduced": "Combining training-free metrics with a few real evaluations worked as claimed in this run. "
                      "In practice: when you can afford a handful of trained networks, spend them on choosing how "
                      "to weight proxies rather than trusting one proxy.",
        "partly": "RoBoT's combination helped in some settings but not all in this run (see the verdicts). In "
                  "practice: a learned combination of proxies is a good default, but compare it with random "
                  "search and the best single proxy at your budget; at large budgets all of them converge.",
        "not reproduced": "RoBoT's claims did not hold in this run. In practice: a few real evaluations may be "
                          "better spent on random or evolutionary search than on weighting proxies; check at your "
                          "own budget.",
    },
    references=("robot", "bayesian-optimisation", "gp-ucb", "regularised-evolution", "nas-bench-suite-zero",
                "nas-bench-201", "transnas-bench-101"),
))

_guide(Guide(
    chapter="gennas",
    look_inside=("nasmeta_lib.gennas.train:train_and_score", "nasmeta_lib.gennas.score:Scores"),
    look_inside_note="GenNAS's scoring loop: train an untrained network (or a group of them at once) for a few "
                     "SGD iterations to regress synthetic signals (sines, dots) from one fixed batch of images, "
                     "recording the loss every few iterations; the score is the negated loss, so a network that "
                     "learns the signals faster ranks higher.",
    exercises=(
        Exercise(
            title="How many training iterations does the score need?",
            commands=("nasmeta run gennas -p iters 10 -p n_archs 15 -p search_population 0 -p search_eval_archs 10 "
                      "-p compare_archs 0 -p tnb_archs 0 -p nb101_archs 0",
                      "nasmeta run gennas -p iters 100 -p n_archs 15 -p search_population 0 -p search_eval_archs 10 "
                      "-p compare_archs 0 -p tnb_archs 0 -p nb101_archs 0"),
            seconds=(28, 89),
            change="Train each of 15 NB201 cells for 10, then 100 iterations (the paper: 100), skipping the task "
                   "search and the other spaces to keep it short.",
            look_at="'NB201: GenNAS beside every zero-cost proxy' (Spearman rho with its bootstrap interval) and "
                    "'Rank correlation versus training iterations'.",
            question="How does the rank correlation change between 10 and 100 iterations, and is the difference "
                     "larger than the bootstrap interval?",
            answer="After 10 iterations the ranking can even be reversed (rho below zero): early in training the "
                   "loss mostly reflects how fast a network starts to move, and the larger, better cells have not "
                   "begun to fit the signals yet (a plausible reason; the table shows the effect, not the cause). "
                   "After a few tens of iterations the order flips and rho climbs to the level of "
                   "the best zero-cost proxies: 'Rank correlation versus training iterations' shows the crossover. "
                   "With 15 cells the bootstrap intervals are wide, but a change from below zero to a strongly "
                   "positive rho is larger than they are. So the score means something only after enough "
                   "iterations (the paper's 100 is not arbitrary), and its cost grows linearly with them."),
    ),
    takeaway={
        "reproduced": "A short regression on synthetic signals ranked architectures as well as the paper says in "
                      "this run. In practice: a few seconds of training per cell can beat training-free proxies, "
                      "and needs no labels.",
        "partly": "GenNAS ranked architectures well in some spaces but not all in this run (see the verdicts). In "
                  "practice: a proxy task that works on one space needs checking on yours; the few labelled "
                  "cells of the task search are the cheapest check.",
        "not reproduced": "GenNAS's ranking quality did not reproduce in this run. In practice: implementation "
                          "details (BatchNorm mode, channels, iterations) can matter more than the method; compare "
                          "with plain zero-cost proxies before paying for training.",
    },
    references=("gennas", "nas-bench-101", "nas-bench-201", "transnas-bench-101", "nas-bench-suite-zero"),
))

_guide(Guide(
    chapter="advantagenas",
    look_inside=("nasmeta_lib.searchers.estimators:Reinforce", "nasmeta_lib.searchers.estimators:AdvantageNas"),
    look_inside_note="Sparse propagation computes only the sampled path of the supernet, so the architecture "
                     "gradient must be estimated from one sample. REINFORCE credits every sampled op with the same "
                     "loss; AdvantageNAS credits each edge with an advantage: how much its op changed the loss.",
    exercises=(
        Exercise(
            title="Does the zero op change who wins?",
            commands=("nasmeta run advantagenas -p include_none true -p supernet_steps 100 -p train_steps 20",
                      "nasmeta run advantagenas -p include_none false -p supernet_steps 100 -p train_steps 20"),
            seconds=(45, 41),
            change="With and without the zero op ('none') among the candidate ops; the supernet part shortened.",
            look_at="'1. Convergence on an exact problem' (expected loss per estimator over iterations) and 'Bias "
                    "and variance of one step'.",
            question="Why does the presence of 'none' matter for a sampling-based estimator?",
            answer="'none' cuts an edge; a cell whose edges are mostly 'none' has no path from input to output and "
                   "a very high loss. When such a cell is sampled, REINFORCE blames every op of the sample for the "
                   "high loss, which makes its gradient noisy; an estimator that credits each edge separately "
                   "(AdvantageNAS) blames the edge that caused it. Without 'none' the losses of sampled cells are "
                   "closer together: in 'Bias and variance of one step' the total variance of most estimators "
                   "drops (REINFORCE's the most, since a few catastrophic samples dominate its credit) and the "
                   "expected losses reached are lower for all of them. Which estimator leads can change between "
                   "the two runs: compare their verdict tables, and note that a ranking of estimators is only as "
                   "general as the search spaces it was measured on."),
    ),
    takeaway={
        "reproduced": "Per-edge credit assignment improved sparse-propagation search as claimed in this run. In "
                      "practice: with one-shot NAS under a small time budget, the variance of the architecture "
                      "gradient decides how fast the search settles; reduce it before adding compute.",
        "partly": "AdvantageNAS's advantage showed on some problems but not all in this run (see the verdicts). In "
                  "practice: estimator comparisons depend on the search space and the budget; run several seeds "
                  "and compare final cells, not just training curves.",
        "not reproduced": "AdvantageNAS's advantage did not show in this run. In practice: one-shot NAS results "
                          "are sensitive to seeds and budgets; a simple estimator with a good baseline can be as "
                          "good as an elaborate one.",
    },
    references=("advantagenas", "reinforce", "gdas", "proxylessnas", "parsec", "darts", "nas-bench-201"),
))

_guide(Guide(
    chapter="metalearning",
    look_inside=("nasmeta_lib.predictors.meta:sgd_adapt", "nasmeta_lib.predictors.meta:outer_gradient"),
    look_inside_note="The inner loop adapts a copy of the predictor's parameters to a task's few labelled "
                     "architectures with a few SGD steps; the outer loop moves the shared starting point so that "
                     "this adaptation works well on new tasks (MAML differentiates through the inner loop, FOMAML "
                     "drops the second derivatives, Reptile moves toward the adapted parameters).",
    exercises=(
        Exercise(
            title="When does a meta-learned start help?",
            commands=("nasmeta run metalearning -p heldout nb201/ImageNet16-120 -p approaches scratch,pretrain,maml "
                      "-p shots 10,50 -p extrapolation_targets nbgraph/cora",),
            seconds=(26,),
            change="One held-out setting, three ways to train the predictor, 10 and 50 labelled architectures.",
            look_at="'Ranking quality against the number of labelled architectures' and 'Same training, different "
                    "start' (the gain of each start over training from scratch).",
            question="Is the gain from meta-learning larger at 10 or at 50 shots? Why would one expect that?",
            answer="With 10 labelled architectures a predictor trained from scratch has too little data, so a "
                   "good starting point (learned on other settings) matters most; with 50 the target's own data "
                   "dominates and every start converges to similar rankings. Expect the gain to shrink with shots, "
                   "and to be largest when the held-out setting correlates with the training settings (the "
                   "'task correlation' section). The gain can also be negative: a start learned on settings unlike "
                   "the target can be worse than a fresh one, and training it longer washes the start out. Compare "
                   "maml with pretrain too: plain pretraining often gets most of the gain at a fraction of the "
                   "cost. Three "
                   "seeds at this size give wide intervals: compare the gain with its spread before concluding.",
        ),
    ),
    takeaway={
        "reproduced": "Meta-learning a predictor's starting point helped few-shot adaptation as claimed in this "
                      "run. In practice: when you have benchmarks related to your task, pretraining or "
                      "meta-training a predictor on them makes a handful of labelled architectures go further.",
        "partly": "Meta-learning helped in some settings but not all in this run (see the verdicts). In practice: "
                  "a transferred predictor helps most when the source tasks correlate with the target and labels "
                  "are few; compare with plain pretraining, which is much cheaper.",
        "not reproduced": "Meta-learning did not help few-shot adaptation in this run. In practice: a predictor "
                          "trained from scratch on the target's few labels, or plain pretraining, can be as good "
                          "and is far cheaper than MAML.",
    },
    references=("loya-2023", "maml", "reptile", "nas-bench-suite-zero", "nas-bench-201", "transnas-bench-101",
                "nas-bench-graph"),
))


def guide(chapter: str) -> Guide:
    if chapter not in GUIDES:
        raise KeyError(f"no teaching guide for chapter {chapter!r}; guides: {', '.join(GUIDES)}")
    return GUIDES[chapter]


def overall_verdict(result: Result) -> str | None:
    """'reproduced' if every decided claim was, 'not reproduced' if none was, 'partly' for a mix;
    None when the run decided no claim (all inconclusive or not run). A chapter that judges no
    paper's claim (only sanity checks) is summarised by its checks the same way."""
    decided = [c.verdict for c in result.claims if c.verdict not in ("not run", "inconclusive")]
    if not result.claims:
        decided = ["reproduced" if c.passed else "not reproduced" for c in result.checks]
    if not decided:
        return None
    if all(v == "reproduced" for v in decided):
        return "reproduced"
    if all(v == "not reproduced" for v in decided):
        return "not reproduced"
    return "partly"


UNDECIDED = ("This run decided none of the chapter's claims: their intervals include both answers, or the "
             "experiment that would decide them did not run here (the verdict table says which and why). Read its "
             "numbers as a description, neither as support nor as refutation of the paper.")


def parse_command(command: str) -> tuple[str, str, dict[str, str]]:
    """``nasmeta run CHAPTER [--profile P] [-p KEY VALUE]...`` -> (chapter, profile, overrides), parsed by the CLI's
    own parser so that the book never shows a command the CLI would reject."""
    from nasmeta_lib import cli

    words = shlex.split(command)
    if words[:2] != ["nasmeta", "run"]:
        raise ValueError(f"exercise command must start with 'nasmeta run': {command!r}")
    args = cli.parse(words[1:])
    return args.chapter, args.profile, cli.param_overrides(args)


def _duration(seconds: int) -> str:
    return f"about {seconds} s" if seconds < 90 else f"about {seconds / 60:.0f} min"


def _reference_links(guide: Guide, base: str) -> str:
    return ", ".join(f"[{key}]({base}references.html#ref-{key})" for key in guide.references)


def exercises_markdown(chapter: str, result: Result | None = None, base: str = "../") -> str:
    """The closing section of a chapter page: takeaway (for this run's verdicts), exercises, references.

    ``base`` is the path from the page to the book's ``book/`` folder in the built HTML.
    """
    g = guide(chapter)
    lines = []
    if result is not None:
        overall = overall_verdict(result)
        counts = {v: sum(c.verdict == v for c in result.claims) for v in VERDICTS}
        summary = ", ".join(f"{n} {v}" for v, n in counts.items() if n) or "no claims of a paper judged"
        if result.checks:
            summary += f"; {sum(c.passed for c in result.checks)} of {len(result.checks)} sanity checks passed"
        takeaway = UNDECIDED if overall is None else g.takeaway[overall]
        lines += ["## What this means for NAS practice", "",
                  f"*This run ({result.profile} profile): {summary}.* {takeaway}", ""]
    lines += ["## Exercises", "",
              f"Run these after `. .venv/bin/activate` (see [Install]({base}install.html)). Each reruns this "
              f"chapter with other parameters and writes a new executed notebook to `book/chapters/{chapter}.ipynb` "
              f"(open it in Jupyter) and a new result file (add `-o DIR` to write both under DIR instead and leave "
              f"the book's own files as they are); the times were measured on {MEASURED_ON}. "
              f"Answers are on the [instructors' page]({base}instructors.html#answers-{chapter}).", ""]
    for i, ex in enumerate(g.exercises, 1):
        lines += [f"### Exercise {i}: {ex.title}", "", "```bash"]
        lines += [f"{cmd}   # {_duration(s)}" for cmd, s in zip(ex.commands, ex.seconds)]
        lines += ["```", "", f"- **Change:** {ex.change}", f"- **Look at:** {ex.look_at}",
                  f"- **Question:** {ex.question}", ""]
    lines += ["## References", "", f"Papers, benchmarks and code for this chapter: {_reference_links(g, base)}.", ""]
    return "\n".join(lines)


def show(chapter: str, result: Result | None = None) -> Any:
    """Display the closing section in a notebook (a Markdown object, rendered by the book)."""
    from IPython.display import Markdown

    return Markdown(exercises_markdown(chapter, result))


def instructors_page() -> str:
    """Markdown of ``book/instructors.md``: every exercise with its commands, runtime and answer."""
    from nasmeta_lib import chapters

    titles = {name: c.title for name, c in chapters.registry().items()}
    lines = ["# For instructors: exercise answers", "",
             "```{warning}", "This page holds the answers to every chapter's exercises. Students: try the exercises "
             "first.", "```", "",
             "Generated from `nasmeta_lib/exercises.py` when the book is built, the same registry "
             f"the chapter pages show their exercises from. Runtimes were measured on {MEASURED_ON}. "
             "For a 90-minute lab, the {doc}`hands-on lab <chapters/lab_solutions>` plus the RoBoT and "
             "NAS-Bench-360 exercises fit; the GenNAS and meta-learning ones suit homework.", ""]
    for name, g in GUIDES.items():
        lines += [f"(answers-{name})=", f"## {titles.get(name, name)}", ""]
        for ex in g.exercises:
            lines += [f"### {ex.title}", "", "```bash"]
            lines += [f"{cmd}   # {_duration(s)}" for cmd, s in zip(ex.commands, ex.seconds)]
            lines += ["```", "", f"**Question.** {ex.question}", "", f"**Answer.** {ex.answer}", ""]
    return "\n".join(lines)
