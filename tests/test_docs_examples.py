"""The examples users copy: docstrings and the README."""

import doctest
import importlib
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run_python(code, cwd):
    """Runs `code` in a fresh interpreter in `cwd`; returns its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


# By name: `keras_memory.datasets.hierarchical_text` the attribute is the
# function of that name, which shadows the module.
DOCTEST_MODULES = [
    "keras_memory.layers.clockwork_rnn_cell",
    "keras_memory.layers.clockwork_rnn",
    "keras_memory.layers.skip_rnn_cell",
    "keras_memory.layers.skip_rnn",
    "keras_memory.layers.zoneout_cell",
    "keras_memory.layers.hmlstm_cell",
    "keras_memory.layers.hmlstm",
    "keras_memory.layers.ntm_cell",
    "keras_memory.layers.ntm",
    "keras_memory.layers.memory_cell",
    "keras_memory.layers.memory_rnn",
    "keras_memory.layers.previous_state_attention_cell",
    "keras_memory.layers.previous_state_attention",
    "keras_memory.applications.memn2n_babi",
    "keras_memory.datasets.hierarchical_text",
    "keras_memory.datasets.shapes_vqa",
    "keras_memory.layers.stacked_attention",
    "keras_memory.layers.memory_network",
    "keras_memory.layers.memory_network_response",
    "keras_memory.ops.addressing",
    "keras_memory.ops.straight_through",
]


@pytest.mark.parametrize("module", DOCTEST_MODULES)
def test_docstring_examples_run(module):
    result = doctest.testmod(
        importlib.import_module(module), optionflags=doctest.ELLIPSIS
    )
    assert result.attempted > 0
    assert result.failed == 0


def test_readme_example_learns_the_waveform(tmp_path):
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"## Example\n\n```python\n(.*?)```", readme, re.S).group(1)
    stdout = run_python(code, tmp_path)
    # The README promises "about 0.006" (seeded, so it repeats).
    assert float(stdout.strip().splitlines()[-1]) < 0.02


DOC_PAGES = sorted(
    page.relative_to(ROOT / "docs").as_posix()
    for page in (ROOT / "docs").rglob("*.md")
    if "```python" in page.read_text()
)


@pytest.mark.parametrize("page", DOC_PAGES)
def test_docs_python_blocks_run(page, tmp_path):
    # A page's blocks build on each other, as a reader runs them in order.
    text = (ROOT / "docs" / page).read_text()
    code = "\n".join(re.findall(r"```python\n(.*?)```", text, re.S))
    run_python(code, tmp_path)


def test_every_docs_page_is_in_the_site_navigation():
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert pages == set(re.findall(r":\s*(\S+\.md)", nav))
