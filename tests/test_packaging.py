"""The wheel and the sdist carry the shipped weights (saved_models/).

The wheel is built from a copy of the source tree (a stale `build/` folder
must not leak into it), installed without dependencies into a fresh virtual
environment that sees the already installed TensorFlow and Keras, and every
shipped weights file is loaded there, from a working directory outside the
repository, by the installed `keras_memory` and not the source tree's.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SAVED_MODELS = ROOT / "saved_models"
COPIED = [
    "setup.py",
    "pyproject.toml",
    "MANIFEST.in",
    "README.md",
    "CHANGELOG.md",
    "keras_memory",
    "saved_models",
]
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def run(command, cwd, env=None, timeout=300):
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result.stdout


def shipped_files():
    """Every file under saved_models/, as paths relative to it."""
    return sorted(
        path.relative_to(SAVED_MODELS).as_posix()
        for path in SAVED_MODELS.rglob("*")
        if path.is_file()
    )


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory):
    source = tmp_path_factory.mktemp("source") / "keras-memory"
    source.mkdir()
    for name in COPIED:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=IGNORED)
        elif path.is_file():
            shutil.copy2(path, source / name)
    return source


@pytest.fixture(scope="module")
def wheel(source_copy, tmp_path_factory):
    outdir = tmp_path_factory.mktemp("wheel")
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(outdir), str(source_copy)],
        cwd=outdir,
    )
    (path,) = outdir.glob("keras_memory-*.whl")
    return path


def test_the_wheel_carries_every_shipped_file(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    prefix = "keras_memory/saved_models/"
    packaged = sorted(name[len(prefix):] for name in names if name.startswith(prefix))
    assert packaged == shipped_files()
    assert "keras_memory/applications/shipped_weights.py" in names
    # Nothing but the package (and its metadata) is installed.
    top_level = {name.split("/")[0] for name in names}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"keras_memory"}


def test_the_sdist_carries_saved_models(source_copy, tmp_path):
    run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation",
         "--outdir", str(tmp_path), str(source_copy)],
        cwd=tmp_path,
    )
    (sdist,) = tmp_path.glob("keras[-_]memory-*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = archive.getmembers()
    names = [member.name for member in members]
    (root,) = {name.split("/")[0] for name in names}
    prefix = f"{root}/saved_models/"
    in_saved_models = sorted(
        member.name[len(prefix):]
        for member in members
        if member.name.startswith(prefix) and member.isfile()
    )
    assert in_saved_models == shipped_files()
    assert f"{root}/pyproject.toml" in names
    assert f"{root}/MANIFEST.in" in names


LOAD_EVERY_SHIPPED_WEIGHT = textwrap.dedent(
    """
    import json
    import pathlib

    import h5py
    import numpy as np

    import keras_memory
    from keras_memory.applications import DateNormalizer, MemN2NbAbI, NTMCopy, NTMRepeatCopy
    from keras_memory.applications.memn2n_babi import babi_models, per_task_weights
    from keras_memory.applications.shipped_weights import saved_models_dir


    def stored_arrays(path):
        # Every array of a .weights.h5 file.
        arrays = []
        with h5py.File(path, "r") as file:
            file.visititems(
                lambda name, item: arrays.append(np.asarray(item))
                if isinstance(item, h5py.Dataset) else None
            )
        return arrays


    def loaded_from(model, path):
        # [weights of the model, those equal to an array stored in the file]
        stored = stored_arrays(path)
        values = [np.asarray(weight) for weight in model.weights]
        found = sum(
            any(a.shape == v.shape and np.array_equal(a, v) for a in stored) for v in values
        )
        return [len(values), found]


    folder = saved_models_dir()
    loaded = {}
    copy = NTMCopy(weights="copy")
    loaded["ntm_copy/copy.weights.h5"] = loaded_from(
        copy, folder / "ntm_copy" / "copy.weights.h5"
    )
    repeat = NTMRepeatCopy(weights="copy")
    joint = MemN2NbAbI(weights="babi-en-1k")
    loaded["memn2n_babi/babi-en-1k.weights.h5"] = loaded_from(
        joint, folder / "memn2n_babi" / "babi-en-1k.weights.h5"
    )
    dates = DateNormalizer(weights="dates")
    loaded["date_normalizer/dates.weights.h5"] = loaded_from(
        dates.model, folder / "date_normalizer" / "dates.weights.h5"
    )
    from keras_memory.applications import glimpse
    for setup in sorted(glimpse.SHIPPED_WEIGHTS):
        name = glimpse.SHIPPED_WEIGHTS[setup]
        loaded[name] = loaded_from(glimpse.pretrained_classifier(setup), folder / name)
    from keras_memory.applications.captioning import presets as captioning_presets
    from keras_memory.applications.captioning.shapes import ShowAttendTellShapes
    name = captioning_presets.SHIPPED_WEIGHTS["shapes"]
    loaded[name] = loaded_from(ShowAttendTellShapes(weights="shapes"), folder / name)
    files = per_task_weights()
    models = babi_models(tasks="all")
    for task, path in files.items():
        name = pathlib.Path(path).relative_to(folder).as_posix()
        loaded[name] = loaded_from(models[task], path)
    print(json.dumps({
        "package": keras_memory.__file__,
        "saved_models": str(folder),
        "loaded": loaded,
        "repeat": repeat.name,
        "tasks": sorted(models),
    }))
    """
)


def test_the_installed_wheel_loads_every_shipped_weight(wheel, tmp_path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    site_packages = pathlib.Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            cwd=tmp_path).strip()
    )
    # The fresh environment sees TensorFlow and Keras of the running one, but
    # not its (editable) keras_memory: a path line in a .pth file adds the
    # folder without running the .pth files inside it.
    (site_packages / "installed_dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n"
    )
    run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--quiet", str(wheel)],
        cwd=tmp_path,
    )
    env = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH",)
    }
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    stdout = run([str(python), "-c", LOAD_EVERY_SHIPPED_WEIGHT], cwd=tmp_path, env=env)
    report = json.loads(stdout.strip().splitlines()[-1])

    package = pathlib.Path(report["package"]).resolve()
    assert package.is_relative_to(site_packages.resolve())
    assert not package.is_relative_to(ROOT)
    assert pathlib.Path(report["saved_models"]).resolve() == (
        site_packages / "keras_memory" / "saved_models"
    ).resolve()
    shipped_weights = [name for name in shipped_files() if name.endswith(".weights.h5")]
    assert sorted(report["loaded"]) == shipped_weights
    for name, (weights, found) in report["loaded"].items():
        # Every weight of the model holds an array stored in the file.
        assert weights > 0, name
        assert found == weights, name
    assert report["repeat"] == "ntm_repeat_copy"
    assert report["tasks"] == list(range(1, 21))
