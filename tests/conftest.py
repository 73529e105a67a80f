"""Test session set-up: one TensorFlow import per worker, clean Keras state.

Under pytest-xdist's `--dist loadgroup` (pytest.ini), the tests that share a
module-, class-, package- or session-scoped fixture of this test tree are
sent to one worker together, so that the fixture (a trained model, a built
wheel) is computed once instead of once per worker; every other test is
distributed on its own.
"""

import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402
import tensorflow  # noqa: E402,F401  (imported once per worker, up front)

TESTS = pathlib.Path(__file__).resolve().parent

# Fixture scopes, narrowest first; a test goes with its widest shared one.
_SHARED_SCOPES = ("class", "module", "package", "session")


def _defined_here(fixturedef):
    """Whether `fixturedef` is one of this test tree's (not a plugin's)."""
    try:
        path = pathlib.Path(fixturedef.func.__code__.co_filename).resolve()
    except AttributeError:
        return False
    return TESTS in path.parents


def shared_fixture_group(item):
    """The `xdist_group` name of `item`: the widest shared fixture it uses.

    `None` when it uses no shared fixture of this test tree. Module and class
    fixtures group the tests of their module; package and session fixtures
    group every test that uses them, by the fixture's name.
    """
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    widest = None
    for name in info.names_closure:
        fixturedefs = info.name2fixturedefs.get(name)
        if not fixturedefs or not _defined_here(fixturedefs[-1]):
            continue
        scope = fixturedefs[-1].scope
        if scope not in _SHARED_SCOPES:
            continue
        rank = _SHARED_SCOPES.index(scope)
        if widest is None or rank > widest[0]:
            widest = (rank, scope, name)
    if widest is None:
        return None
    _, scope, name = widest
    if scope in ("class", "module"):
        return item.nodeid.split("::")[0]
    return f"{scope}-fixture-{name}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        group = shared_fixture_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


# A full garbage collection after every test (what `clear_session()` does by
# default) cost 0.2 s a test, 6 minutes of the suite; one after every
# `_COLLECT_EVERY` tests keeps memory as flat.
_COLLECT_EVERY = 25
_tests_since_collect = 0


@pytest.fixture(autouse=True)
def clean_keras_state():
    global _tests_since_collect
    keras.utils.set_random_seed(1234)
    yield
    keras.config.set_dtype_policy("float32")
    _tests_since_collect += 1
    collect = _tests_since_collect >= _COLLECT_EVERY
    if collect:
        _tests_since_collect = 0
    keras.utils.clear_session(free_memory=collect)
