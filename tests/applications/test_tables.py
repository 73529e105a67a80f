"""The one table formatter."""

import pytest
from testing_utils import assert_invalid_argument

from keras_memory.applications.tables import format_table


def test_columns_are_padded_and_aligned():
    table = format_table(
        ["Task", "Error (%)", "Failed"],
        [["1: single-supporting-fact", "0.0", ""], ["15: basic-deduction", 44.0, "yes"]],
        ["left", "right", "center"],
    )
    assert table.splitlines() == [
        "| Task                      | Error (%) | Failed |",
        "| :------------------------ | --------: | :----: |",
        "| 1: single-supporting-fact |       0.0 |        |",
        "| 15: basic-deduction       |      44.0 |  yes   |",
    ]


def test_default_alignment_is_left_and_narrow_columns_keep_a_rule_of_three():
    assert format_table(["a", "b"], [["x", "yy"]]).splitlines() == [
        "| a   | b   |",
        "| :-- | :-- |",
        "| x   | yy  |",
    ]
    assert format_table(["a"], []) == "| a   |\n| :-- |"


def test_bad_tables():
    assert_invalid_argument(format_table, "align", None, ["a"], [], ["left", "right"])
    assert_invalid_argument(format_table, "align", "middle", ["a"], [], ["middle"])
    with pytest.raises(ValueError, match="argument `rows`.*a row of 1"):
        format_table(["a", "b"], [["x"]])
