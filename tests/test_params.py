"""Parameter validation happens before any work, with messages that say what is allowed."""

from __future__ import annotations

import pytest

from nasmeta_lib import chapters
from nasmeta_lib.params import Param, ParameterError, validate

SPEC = (
    Param("budget", "int", "queries", low=1, high=100),
    Param("lr", "float", "learning rate", low=0.0),
    Param("settings", "str", "settings", many=True, choices=("a", "b", "c")),
    Param("verbose", "bool", "talk"),
)


def test_coerces_cli_strings():
    out = validate(SPEC, {"budget": "10", "lr": "0.5", "settings": "a,c", "verbose": "true"})
    assert out == {"budget": 10, "lr": 0.5, "settings": ["a", "c"], "verbose": True}


def test_int_is_accepted_for_float():
    assert validate(SPEC, {"lr": 1}) == {"lr": 1.0}


@pytest.mark.parametrize(
    "values,message",
    [
        ({"bogus": 1}, "unknown parameter.*bogus.*budget, lr, settings, verbose"),
        ({"budget": "ten"}, "'budget'.*not an int"),
        ({"budget": 2.5}, "'budget'.*expected int"),
        ({"budget": True}, "'budget'.*expected int"),
        ({"budget": 0}, "'budget'.*below the minimum 1"),
        ({"budget": 101}, "'budget'.*above the maximum 100"),
        ({"settings": ["a", "z"]}, "'settings'.*'z' is not one of a, b, c"),
        ({"settings": []}, "'settings' needs at least 1"),
        ({"verbose": "maybe"}, "'verbose'.*not a bool"),
        ({"budget": [1, 2]}, "'budget' takes one int"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(values, message):
    with pytest.raises(ParameterError, match=message):
        validate(SPEC, values)


def test_every_chapter_profile_is_valid_and_complete():
    for chapter in chapters.registry().values():
        names = {p.name for p in chapter.params}
        assert set(chapter.profiles) == set(chapters.PROFILES), chapter.name
        assert set(chapter.profiles["quick"]) == names, f"{chapter.name}/quick must set every parameter"
        for profile, values in chapter.profiles.items():
            assert set(values) <= names, f"{chapter.name}/{profile} sets unknown parameters"  # the rest: quick's
            assert set(chapter.resolve(profile)) == names  # raises if a default is invalid


def test_resolve_treats_none_as_profile_default_and_rejects_unknown_profile():
    tour = chapters.get("tour")
    assert tour.resolve("quick", {"benchmarks": None}) == tour.resolve("quick")
    assert tour.resolve("quick", {"benchmarks": "nb101"})["benchmarks"] == ["nb101"]
    with pytest.raises(ParameterError, match="unknown profile 'huge'"):
        tour.resolve("huge")
