"""Builds the mreg package: the extension mreg._core with CMake (the project's own build,
target mreg_python, against the same core as the `mreg` command) and the Python files.

    pip install --no-build-isolation ./python

MREG_BUILD_DIR names a configured build folder of the project to build in (and reuse);
by default a folder of its own under python/build-cmake.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def project_version() -> str:
    """The version of the project (CMakeLists.txt), which the CLI reports too."""
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(mreg VERSION ([0-9.]+)", text).group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = Path(os.environ.get("MREG_BUILD_DIR") or HERE / "build-cmake").resolve()
        if not (build_dir / "CMakeCache.txt").exists():
            subprocess.check_call([
                "cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
                "-DMREG_BUILD_TESTS=OFF", "-DMREG_BUILD_PYTHON=ON", f"-DPython_EXECUTABLE={sys.executable}"])
        jobs = os.environ.get("MREG_BUILD_JOBS", "2")
        subprocess.check_call(["cmake", "--build", str(build_dir), "--target", "mreg_python", "-j", jobs])
        built = next((build_dir / "python" / "mreg").glob("_core*.so"))
        dest = Path(self.get_ext_fullpath(ext.name))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, dest)


setup(
    name="mreg",
    version=project_version(),
    description="A model registry in a git repository: Python API and MLflow registry store plugin",
    packages=["mreg"],
    package_data={"mreg": ["*.pyi", "py.typed"]},
    ext_modules=[Extension("mreg._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    entry_points={
        "mlflow.model_registry_store": [
            f"{scheme}=mreg.mlflow_store:MregStore"
            for scheme in ("mreg", "mreg+file", "mreg+http", "mreg+https", "mreg+ssh")
        ],
    },
)
