"""The shared-fixture groups of `tests/conftest.py` reach pytest-xdist.

Under `--dist loadgroup` xdist sends the tests of one group to one worker
only when their node ids carry the group (`nodeid@group`); when a pytest and
an xdist disagree on where a node id lives (pytest 9.2 and xdist 3.8), the
marks are set, nothing fails, and every module fixture (a trained model, a
benchmark run) is silently computed on both workers. These tests use a
module fixture, so they are a group themselves.
"""

import os

import pytest


@pytest.fixture(scope="module")
def shared():
    return object()


def test_a_module_fixture_user_is_grouped_by_its_module(request, shared):
    del shared
    assert request.node.get_closest_marker("xdist_group").args == ("tests/test_xdist_groups.py",)


def test_xdist_sees_the_group_in_the_node_id(request, shared):
    del shared
    if os.environ.get("PYTEST_XDIST_WORKER") is None or not request.config.getvalue("loadgroup"):
        pytest.skip("needs pytest-xdist workers with --dist loadgroup (the default `make test`)")
    assert request.node.nodeid.endswith("@tests/test_xdist_groups.py"), request.node.nodeid
