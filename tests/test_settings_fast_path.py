"""config.toml is taken without building the pydantic model when it is plainly valid
(studykb.settings._plainly_valid): that fast path must never accept what the model
refuses, and must give the same Settings when both accept."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from studykb.settings import Settings, _plainly_valid, _settings_model, validate_settings

_VALUES = st.one_of(
    st.integers(min_value=-5, max_value=2_000_000),
    st.booleans(),
    st.text(max_size=70),
    st.none(),
    st.floats(allow_nan=False),
    st.dictionaries(st.text(max_size=8), st.one_of(st.text(max_size=8), st.integers()), max_size=3),
)
_KEYS = st.sampled_from(
    [
        "new_per_day",
        "reviews_per_day",
        "day_start_hour",
        "theme",
        "keymap",
        "leech_lapses",
        "leech_suspend",
        "sync",
        "colour",
    ]
)
_SYNC = st.dictionaries(
    st.sampled_from(["folder", "git", "other"]), st.one_of(st.text(max_size=20), st.integers())
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_KEYS, st.one_of(_VALUES, _SYNC), max_size=6))
def test_the_fast_path_accepts_only_what_the_model_accepts(data: dict[str, Any]) -> None:
    if not _plainly_valid(data):
        return
    model = _settings_model().model_validate(data)  # raises if the fast path was wrong
    sync = model.sync
    expected = Settings(
        **{k: v for k, v in model.model_dump().items() if k != "sync"},
        sync_folder=None if sync is None else sync.folder,
        sync_git=None if sync is None else sync.git,
    )
    assert validate_settings(data, "config.toml") == expected


def test_a_bad_value_still_gets_the_models_message() -> None:
    try:
        validate_settings({"new_per_day": -1}, "config.toml")
    except Exception as exc:  # BadInputError
        assert "config.toml: new_per_day: Input should be greater than or equal to 0" in str(exc)
    else:
        raise AssertionError("a negative limit was accepted")
