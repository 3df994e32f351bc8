"""The teaching registry: exercise commands the CLI accepts, verdict-dependent takeaways, code shown
from the library, references that exist, and the chapter notebooks' closing cells."""

from __future__ import annotations

import json
import re

import pytest

from nasmeta_lib import book, chapters, exercises, source
from nasmeta_lib.paths import BOOK_DIR
from nasmeta_lib.results import Check, Claim, Result

COMMANDS = [(name, cmd) for name, g in exercises.GUIDES.items() for ex in g.exercises for cmd in ex.commands]


def test_every_chapter_has_a_guide_and_every_guide_a_chapter():
    assert set(exercises.GUIDES) == set(chapters.registry())
    for g in exercises.GUIDES.values():
        assert g.exercises and all(ex.answer and ex.question for ex in g.exercises), g.chapter


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[c for _, c in COMMANDS])
def test_exercise_commands_are_valid_runs_of_their_chapter(name, command):
    chapter, profile, overrides = exercises.parse_command(command)
    assert chapter == name
    params = chapters.get(chapter).resolve(profile, overrides)  # raises ParameterError on a bad value
    assert all(k in params for k in overrides)


def test_every_exercise_command_has_a_measured_runtime():
    for name, g in exercises.GUIDES.items():
        for ex in g.exercises:
            assert all(s > 0 for s in ex.seconds), f"{name}: run `python perf/exercise_runtimes.py {name}`"


def test_a_command_the_cli_rejects_is_refused():
    with pytest.raises(ValueError, match="must start with 'nasmeta run'"):
        exercises.parse_command("python -m nasmeta_lib run robot")
    with pytest.raises(SystemExit):
        exercises.parse_command("nasmeta run robot --budget 5")  # parameters go through -p


def _result(*verdicts: str) -> Result:
    claims = [Claim(id=f"c{i}", statement="s", paper="p", ours="o", verdict=v) for i, v in enumerate(verdicts)]
    return Result(chapter="robot", profile="quick", params={}, claims=claims)


@pytest.mark.parametrize(("verdicts", "overall"), [
    (("reproduced", "reproduced"), "reproduced"),
    (("reproduced", "not reproduced"), "partly"),
    (("partly",), "partly"),
    (("not reproduced", "not reproduced"), "not reproduced"),
    (("reproduced", "inconclusive"), "reproduced"),
])
def test_the_takeaway_follows_the_verdicts_of_the_run(verdicts, overall):
    result = _result(*verdicts)
    assert exercises.overall_verdict(result) == overall
    page = exercises.exercises_markdown("robot", result)
    assert exercises.GUIDES["robot"].takeaway[overall] in page
    others = set(exercises.OVERALL) - {overall}
    assert not any(exercises.GUIDES["robot"].takeaway[o] in page for o in others)


def test_closing_section_links_answers_and_references():
    page = exercises.exercises_markdown("nb360", _result("reproduced"))
    assert "instructors.html#answers-nb360" in page
    assert "references.html#ref-nas-bench-360" in page
    assert "nasmeta run nb360 -p darcy_run false -p proxy nwot" in page
    assert exercises.GUIDES["nb360"].exercises[0].answer not in page  # answers stay on their own page


def test_every_reference_key_is_a_target_on_the_references_page():
    page = (BOOK_DIR / "references.md").read_text()
    targets = set(re.findall(r"^\(ref-([a-z0-9-]+)\)=$", page, flags=re.M))
    used = {key for g in exercises.GUIDES.values() for key in g.references}
    assert used <= targets, f"missing on references.md: {sorted(used - targets)}"


def test_instructors_page_holds_every_answer_behind_a_warning():
    page = exercises.instructors_page()
    assert page.index("```{warning}") < page.index("## ")
    for name, g in exercises.GUIDES.items():
        assert f"(answers-{name})=" in page
        for ex in g.exercises:
            assert ex.answer in page and all(cmd in page for cmd in ex.commands)


def test_look_inside_shows_the_library_source_it_names():
    for name, g in exercises.GUIDES.items():
        text = source.look_inside_markdown(name)
        code_lines = sum(block.count("\n") for block in re.findall(r"```python\n(.*?)```", text, flags=re.S))
        assert 10 <= code_lines <= 90, f"{name}: {code_lines} lines of code"
        for target in g.look_inside:
            module, _, qualname = target.partition(":")
            assert f"`{module.replace('.', '/')}.py`" in text
            assert f"def {qualname.split('.')[-1]}" in text or f"class {qualname.split('.')[-1]}" in text
    with pytest.raises(ValueError, match="module:qualname"):
        source.resolve("nasmeta_lib.searchers.robot.robot")


def test_chapter_notebooks_end_with_look_inside_then_exercises():
    for name, chapter in chapters.registry().items():
        cells = [c for c in json.loads(chapter.notebook.read_text())["cells"] if c["cell_type"] == "code"]
        last_two = ["".join(c["source"]) for c in cells[-2:]]
        assert f'source.look_inside("{name}")' in last_two[0], name
        assert f'exercises.show("{name}", result)' in last_two[1], name


def test_toc_puts_the_primer_first_chapters_in_reading_order_and_reference_last(tmp_path, monkeypatch):
    monkeypatch.setattr(book, "EXECUTED_DIR", tmp_path)
    for chapter in chapters.registry().values():
        (tmp_path / chapter.notebook.name).write_text("{}")
    files = re.findall(r"file: (\S+)", book.toc({"primer": True, "lab_solutions": True}))
    assert files[0] == "book/chapters/primer"
    order = [f.split("/")[-1] for f in files if f.split("/")[-1] in chapters.registry()]
    assert order == [n for n in book.READING_ORDER if n in chapters.registry()]
    assert files.index("book/chapters/lab_solutions") > files.index("book/chapters/metalearning")
    assert files[-5:] == ["book/how-to-rerun", "book/data", "book/ledger", "book/references", "book/instructors"]


def test_toc_leaves_out_a_teaching_notebook_that_failed(tmp_path, monkeypatch):
    monkeypatch.setattr(book, "EXECUTED_DIR", tmp_path)
    toc = book.toc({"primer": False, "lab_solutions": False})
    assert "primer" not in toc and "lab_solutions" not in toc and "book/glossary" in toc


@pytest.mark.slow
def test_an_exercise_runs_for_real(tmp_path, monkeypatch):
    """The shortest exercise end to end (headless: the same computation the notebook runs)."""
    monkeypatch.setenv("NASMETA_RESULTS", str(tmp_path))
    command = exercises.GUIDES["robot"].exercises[0].commands[0]
    chapter, profile, overrides = exercises.parse_command(command)
    result = chapters.get(chapter).execute(profile, progress=False, **overrides)
    assert result.params["budget"] == 5 and result.claims
    assert exercises.overall_verdict(result) in (*exercises.OVERALL, None)


def test_an_undecided_run_says_so_and_a_checks_only_chapter_is_summarised_by_its_checks():
    undecided = _result("inconclusive", "not run")
    assert exercises.overall_verdict(undecided) is None
    assert exercises.UNDECIDED in exercises.exercises_markdown("robot", undecided)
    checks_only = Result(chapter="tour", profile="quick", params={}, checks=[Check("t.a", "s", True), Check("t.b", "s", False)])
    assert exercises.overall_verdict(checks_only) == "partly"
    assert "1 of 2 sanity checks passed" in exercises.exercises_markdown("tour", checks_only)


def test_glossary_defines_the_terms_the_chapters_use_without_saying_what_they_are():
    headings = set(re.findall(r"^## (.+)$", (BOOK_DIR / "glossary.md").read_text(), flags=re.M))
    terms = ["NB201", "Spearman", "Kendall", "Supernet", "REINFORCE", "GP-UCB", "REA", "MAML", "FOMAML", "Reptile",
             "Zero-cost proxy", "Sparse propagation", "Percentile", "Precision@k", "Tabular benchmark"]
    missing = [t for t in terms if not any(t in h for h in headings)]
    assert not missing, f"glossary.md lacks {missing}"
