"""The examples users copy: docstrings, the README and the docs pages.

The code blocks run, and what they print is compared with the values that
the pages state in comments (the rules are above `DESCRIPTIONS`).
"""

import ast
import decimal
import doctest
import importlib
import io
import json
import os
import pathlib
import re
import subprocess
import sys
import textwrap
import tokenize

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run_python(code, cwd, *args):
    """Runs `code` in a fresh interpreter in `cwd`; returns its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


# Runs several programs in one interpreter, one after the other, each as
# `python -c` would: its own globals (`__name__ == "__main__"`), its own
# working directory (first on `sys.path`), its stdout captured; an error
# ends that program only. Between two programs, Keras's global state is
# reset (session, dtype policy, floatx) and pyplot's figures are closed.
_SHARED_RUNNER = """
import contextlib, io, json, os, sys, traceback
with open(sys.argv[1]) as f:
    programs = json.load(f)
for program in programs:
    os.chdir(program["cwd"])
    stdout, error = io.StringIO(), None
    try:
        with contextlib.redirect_stdout(stdout):
            exec(compile(program["code"], "<string>", "exec"), {"__name__": "__main__"})
    except BaseException:
        error = traceback.format_exc()
    if "keras" in sys.modules:
        import keras
        keras.config.set_dtype_policy("float32")
        keras.config.set_floatx("float32")
        keras.utils.clear_session()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    with open(program["result"], "w") as f:
        json.dump({"stdout": stdout.getvalue(), "error": error}, f)
os._exit(0)  # skip the interpreter's teardown (seconds of CPU)
"""


def needs_its_own_process(code):
    """Whether `code` sets the environment (`KERAS_BACKEND` before the first
    `import keras`): then it runs in a fresh interpreter of its own."""
    return "os.environ" in code


def run_python_programs(programs, directory):
    """Runs `{name: (code, cwd)}` and returns `{name: stdout}`.

    The programs share one interpreter (`_SHARED_RUNNER`: one TensorFlow
    import instead of one per program), except those that
    `needs_its_own_process`. A program that fails gives `AssertionError`
    with its traceback as its stdout's place: `{name: exception}`.
    """
    outputs = {}
    shared = []
    for index, (name, (code, cwd)) in enumerate(programs.items()):
        if needs_its_own_process(code):
            try:
                outputs[name] = run_python(code, cwd)
            except AssertionError as error:
                outputs[name] = error
        else:
            result = directory / f"result_{index}.json"
            shared.append({"name": name, "code": code, "cwd": str(cwd), "result": str(result)})
    if shared:
        manifest = directory / "programs.json"
        manifest.write_text(json.dumps(shared))
        run_python(_SHARED_RUNNER, directory, manifest)
        for program in shared:
            result = json.loads(pathlib.Path(program["result"]).read_text())
            if result["error"] is None:
                outputs[program["name"]] = result["stdout"]
            else:
                outputs[program["name"]] = AssertionError(result["error"][-3000:])
    return outputs


# === What a page says its code prints ===
#
# A `print(...)` statement states its output in a comment: on its own last
# line (`print(x.shape)  # (2, 7)`), or, when that comment only describes,
# in the comment lines right below it (a printed array, row by row). The
# stated text is compared with what the call printed, whitespace runs
# counting as one space:
# - exactly, up to an explanation after `: ` or `; ` outside brackets
#   (`# (2, 6, 9): 8 units and u_t` states `(2, 6, 9)`);
# - `...` stands for any text, as in doctests;
# - `about X`: every number of `X` within half a unit of its last written
#   digit (`about 0.006` accepts [0.0055, 0.0065), `about 0` accepts
#   (-0.5, 0.5)), the text between the numbers exactly; `about X or less`
#   accepts everything below that interval's upper end too.
# Comments that describe a printed value instead of stating it are listed
# in DESCRIPTIONS (a test checks that each is still on a page).

DESCRIPTIONS = (
    "11 mod T_i, whatever the masks were",
    "5 mod 1, 5 mod 2, 5 mod 4 for both sequences",
    "sequence 0 saw 3 steps, sequence 1 saw 5",
    "96 mod T_i",
    "rows: t = 0..4; columns: T = 1, 2, 4",
    "the tasks with shipped per-task weights",
    "One training sequence, repeated",
)

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_MARK = "@@docs-print@@"


def is_description(comment):
    return any(comment.startswith(description) for description in DESCRIPTIONS)


def _comments_by_line(code):
    """`{line: (comment text, whether the line holds nothing else)}`."""
    comments = {}
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT:
            line = token.start[0]
            alone = not token.line[: token.start[1]].strip()
            comments[line] = (token.string[1:].strip(), alone)
    return comments


def stated_outputs(code):
    """`{(line, column) of a print call: (its statement, its stated output)}`."""
    comments = _comments_by_line(code)
    stated = {}
    for node in ast.walk(ast.parse(code)):
        if not (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "print"
        ):
            continue
        inline = comments.get(node.end_lineno)
        below = []
        line = node.end_lineno + 1
        while line in comments and comments[line][1]:
            below.append(comments[line][0])
            line += 1
        if inline is not None and not inline[1] and not is_description(inline[0]):
            comment = inline[0]
        elif below and not is_description(below[0]):
            comment = " ".join(below)
        else:
            continue
        stated[(node.lineno, node.col_offset)] = (ast.get_source_segment(code, node), comment)
    return stated


def _normalize(text):
    return " ".join(text.split())


def stated_value(comment):
    """The comment up to an explanation after `: ` or `; ` outside brackets."""
    depth = 0
    quote = None
    for index, character in enumerate(comment):
        if quote:
            quote = None if character == quote else quote
        elif character in "'\"":
            quote = character
        elif character in "([{<":
            depth += 1
        elif character in ")]}>":
            depth -= 1
        elif depth == 0 and comment[index : index + 2] in (": ", "; "):
            return comment[:index]
    return comment


def _half_unit(number):
    """Half a unit of the last written digit of `number`, exactly."""
    mantissa, _, exponent = number.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return decimal.Decimal(5).scaleb(int(exponent or 0) - decimals - 1)


def assert_printed_as_stated(printed, comment, statement):
    expected = _normalize(stated_value(comment))
    printed = _normalize(printed)
    context = f"{statement}  # {comment}\nprinted: {printed}"
    if not expected.startswith("about "):
        pattern = ".*".join(re.escape(part) for part in expected.split("..."))
        assert re.fullmatch(pattern, printed, re.S), context
        return
    expected = expected[len("about "):]
    or_less = expected.endswith(" or less")
    if or_less:
        expected = expected[: -len(" or less")]
    numbers = _NUMBER.findall(expected)
    texts = _NUMBER.split(expected)
    pattern = f"({_NUMBER.pattern})".join(re.escape(text) for text in texts)
    match = re.fullmatch(pattern, printed)
    assert match, context
    for stated, value in zip(numbers, match.groups()):
        low = decimal.Decimal(stated) - _half_unit(stated)
        high = decimal.Decimal(stated) + _half_unit(stated)
        assert (or_less or low <= decimal.Decimal(value)) and decimal.Decimal(value) < high, context


def check_printed_values(code, cwd):
    """Runs `code`, checks every stated output; returns `[(comment, printed)]`."""
    instrumented, stated = instrument_prints(code)
    return check_printed(run_python(instrumented, cwd), stated)


def instrument_prints(code):
    """`code` with its stated prints marked, and `stated_outputs(code)`."""
    stated = stated_outputs(code)
    lines = code.splitlines()
    # Right to left within a line, so that the columns stay valid.
    for number, (line, column) in enumerate(sorted(stated, reverse=True)):
        text = lines[line - 1]
        assert text[column:].startswith("print("), text
        lines[line - 1] = f"{text[:column]}_docs_print({line}, {column}, {text[column + 6:]}"
    prelude = (
        "def _docs_print(line, column, *args, **kwargs):\n"
        f"    print('{_MARK}', line, column, flush=True)\n"
        "    print(*args, **kwargs, flush=True)\n"
        f"    print('{_MARK}', flush=True)\n"
    )
    return prelude + "\n".join(lines), stated


def check_printed(stdout, stated):
    """Checks what `stdout` printed against `stated`; `[(comment, printed)]`."""
    printed = {}
    for match in re.finditer(
        rf"^{_MARK} (\d+) (\d+)\n(.*?)^{_MARK}$", stdout, re.S | re.M
    ):
        # The first call of a print in a loop is the one the page shows.
        printed.setdefault((int(match.group(1)), int(match.group(2))), match.group(3))
    checked = []
    for position, (statement, comment) in sorted(stated.items()):
        assert position in printed, f"never printed: {statement}"
        assert_printed_as_stated(printed[position], comment, statement)
        checked.append((comment, printed[position]))
    return checked


def doctest_modules():
    """Every module of `keras_memory` whose source holds a `>>>` example."""
    names = []
    for path in sorted((ROOT / "keras_memory").rglob("*.py")):
        if ">>> " in path.read_text():
            parts = path.relative_to(ROOT).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


# `importlib.import_module` returns the module even where a package's
# attribute of that name is a function that shadows it
# (`keras_memory.datasets.hierarchical_text`).
DOCTEST_MODULES = doctest_modules()


@pytest.mark.parametrize("module", DOCTEST_MODULES)
def test_docstring_examples_run(module):
    result = doctest.testmod(
        importlib.import_module(module), optionflags=doctest.ELLIPSIS
    )
    assert result.attempted > 0
    assert result.failed == 0


def readme_example():
    readme = (ROOT / "README.md").read_text()
    return re.search(r"## Example\n\n```python\n(.*?)```", readme, re.S).group(1)


DOC_PAGES = sorted(
    page.relative_to(ROOT / "docs").as_posix()
    for page in (ROOT / "docs").rglob("*.md")
    if "```python\n" in page.read_text()
)


def page_code(page):
    # A page's blocks build on each other, as a reader runs them in order.
    # A block inside a list item is indented with it.
    text = (ROOT / "docs" / page).read_text()
    return "\n".join(
        textwrap.dedent(code) for code in re.findall(r"```python\n(.*?)```", text, re.S)
    )


# Blocks fenced ``` {.python .no-run} are shown, not run: code for hardware
# these machines do not have (GPUs, TPUs, several machines), whose
# behaviour tests/distribute checks on logical devices. They must parse.
NO_RUN_BLOCK = re.compile(r"``` \{\.python \.no-run\}\n(.*?)```", re.S)


def test_blocks_shown_but_not_run_parse():
    blocks = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for code in NO_RUN_BLOCK.findall(page.read_text()):
            blocks.append(page.name)
            compile(textwrap.dedent(code), str(page), "exec")
    assert "distributed_training.md" in blocks


_README = "README.md"


@pytest.fixture(scope="module")
def example_stdout(request, tmp_path_factory):
    """`name -> stdout` of the README example (`"README.md"`) or a docs page.

    On first use, every example that this session selected runs, in one
    interpreter (`run_python_programs`), each in a directory of its own;
    an example that failed raises its error.
    """
    outputs = {}

    def selected():
        names = []
        for item in request.session.items:
            if getattr(item, "module", None) is not request.module:
                continue
            if item.originalname == "test_readme_example_learns_the_waveform":
                names.append(_README)
            elif item.originalname == "test_docs_python_blocks_print_what_the_page_says":
                names.append(item.callspec.params["page"])
        return names

    def stdout_of(name):
        if name not in outputs:
            names = [n for n in selected() if n not in outputs]
            names += [] if name in names else [name]
            directory = tmp_path_factory.mktemp("examples")
            programs = {}
            for index, example in enumerate(names):
                code = readme_example() if example == _README else page_code(example)
                try:
                    instrumented, _ = instrument_prints(code)
                except Exception as error:  # a page that does not parse fails alone
                    outputs[example] = error
                    continue
                cwd = directory / f"example_{index}"
                cwd.mkdir()
                programs[example] = (instrumented, cwd)
            outputs.update(run_python_programs(programs, directory))
        if isinstance(outputs[name], Exception):
            raise outputs[name]
        return outputs[name]

    return stdout_of


def test_readme_example_learns_the_waveform(example_stdout):
    # The README promises "about 0.006" (seeded, so it repeats).
    _, stated = instrument_prints(readme_example())
    checked = check_printed(example_stdout(_README), stated)
    assert [comment for comment, _ in checked] == ["about 0.006"]


@pytest.mark.parametrize("page", DOC_PAGES)
def test_docs_python_blocks_print_what_the_page_says(page, example_stdout):
    _, stated = instrument_prints(page_code(page))
    check_printed(example_stdout(page), stated)


def test_a_program_that_sets_the_backend_gets_a_fresh_interpreter(tmp_path):
    # Programs share one interpreter unless they set the environment before
    # importing Keras; an error stays with its program.
    programs = {
        "first": ("import sys\nsys.modules['shared_marker'] = 1\nprint('first')", tmp_path),
        "second": ("import sys\nprint('shared_marker' in sys.modules)", tmp_path),
        "fails": ("raise ValueError('only this one')", tmp_path),
        "own": (
            "import os, sys\nos.environ['KERAS_BACKEND'] = 'jax'\n"
            "print('shared_marker' in sys.modules)",
            tmp_path,
        ),
    }
    outputs = run_python_programs(programs, tmp_path)
    assert outputs["first"] == "first\n"
    assert outputs["second"] == "True\n"
    assert isinstance(outputs["fails"], AssertionError)
    assert "ValueError: only this one" in str(outputs["fails"])
    assert outputs["own"] == "False\n"


def test_the_pages_state_values_and_the_descriptions_still_exist():
    pages = [ROOT / "README.md"] + [ROOT / "docs" / page for page in DOC_PAGES]
    stated = []
    comments = []
    for page in pages:
        text = page.read_text()
        for code in re.findall(r"```python\n(.*?)```", text, re.S):
            stated += [comment for _, comment in stated_outputs(code).values()]
            comments += [comment for comment, _ in _comments_by_line(code).values()]
    # Most printed values are checked, not described.
    assert len(stated) >= 40
    for description in DESCRIPTIONS:
        assert any(comment.startswith(description) for comment in comments), description


def test_every_docs_page_is_in_the_site_navigation():
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert pages == set(re.findall(r":\s*(\S+\.md)", nav))


@pytest.mark.parametrize(
    "printed, comment",
    [
        ("(2, 6, 9)", "(2, 6, 9): 8 units and u_t"),
        ("[[0. 1.]\n [0. 1.]]", "[[0. 1.] [0. 1.]]"),
        ("0.0058", "about 0.006"),
        ("0.0064999", "about 0.006"),
        ("[4.62, 4.43]", "about [4.62, 4.43]: bits per character"),
        ("2e-07", "about 1e-6 or less"),
        ("Version 1 exists at a/1 (or is being written).", "Version 1 exists at a/1 ..."),
        ("bfloat16 <dtype: 'float32'>", "bfloat16 <dtype: 'float32'>"),
    ],
)
def test_a_stated_value_accepts_what_it_states(printed, comment):
    assert_printed_as_stated(printed, comment, "print(...)")


@pytest.mark.parametrize(
    "printed, comment",
    [
        ("(2, 6)", "(2, 6, 9): 8 units and u_t"),
        ("[1.0, 2.0, 3.5]", "[1.0, 2.0, 3.0]"),
        ("0.0065", "about 0.006"),
        ("0.0054", "about 0.006"),
        ("0.02", "about 0.006"),
        ("[4.62, 4.44]", "about [4.62, 4.43]"),
        ("1.6e-06", "about 1e-6 or less"),
        ("Version 2 exists at a/1 (or is being written).", "Version 1 exists at a/1 ..."),
    ],
)
def test_a_stated_value_rejects_other_output(printed, comment):
    with pytest.raises(AssertionError):
        assert_printed_as_stated(printed, comment, "print(...)")
