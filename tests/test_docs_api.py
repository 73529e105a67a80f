"""Every name of the API reference imports from the path the page gives."""

import importlib
import inspect
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
API_PAGE = ROOT / "docs" / "api.md"
ENTRY = re.compile(r"^::: (\S+)\s*$", re.M)


def documented_paths():
    return ENTRY.findall(API_PAGE.read_text())


def import_documented(path):
    """`from <module> import <name>` for the documented `<module>.<name>`."""
    module_name, _, name = path.rpartition(".")
    module = importlib.import_module(module_name)
    return getattr(module, name)


def test_the_page_lists_each_name_once():
    paths = documented_paths()
    assert len(paths) > 60
    assert len(paths) == len(set(paths))
    assert all(path.startswith("keras_memory.") for path in paths)


@pytest.mark.parametrize("path", documented_paths())
def test_documented_name_imports_from_its_documented_path(path):
    documented = import_documented(path)
    name = path.rpartition(".")[2]
    # A class or a function of that name (not a module of the same name),
    # with the docstring that the page is generated from.
    assert inspect.isclass(documented) or inspect.isfunction(documented), path
    assert documented.__name__ == name
    assert inspect.getdoc(documented).strip()


@pytest.mark.parametrize(
    "package",
    [
        "keras_memory.layers",
        "keras_memory.ops",
        "keras_memory.applications",
        "keras_memory.callbacks",
        "keras_memory.viz",
    ],
)
def test_every_public_name_of_the_package_is_documented(package):
    module = importlib.import_module(package)
    public = {
        name for name in module.__all__
        if inspect.isclass(getattr(module, name)) or inspect.isfunction(getattr(module, name))
    }
    documented = {
        path.rpartition(".")[2] for path in documented_paths()
        if path.rpartition(".")[0] == package
    }
    missing = sorted(public - documented)
    assert not missing, f"add `::: {package}.<name>` lines to docs/api.md for {missing}"
