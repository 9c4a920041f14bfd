"""mlflow.pyfunc.load_model through `mreg serve` of models:/NAME/N, /STAGE, /latest and @ALIAS,
for models saved by MLflow itself (file-backed), with the MLflow client of the major version given
(2 or 3) as the argument."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Folder, check, mreg, mreg_serve, new_registry, require_mlflow, run_client  # noqa: E402

SAVE = r"""
import json, sys, mlflow.pyfunc
class Constant(mlflow.pyfunc.PythonModel):
    def __init__(self, answer): self.answer = answer
    def predict(self, context, model_input, params=None): return [self.answer] * len(model_input)
for answer, path in enumerate(sys.argv[1:], start=1):
    mlflow.pyfunc.save_model(path, python_model=Constant(answer))
print(json.dumps({"saved": len(sys.argv) - 1}))
"""

LOAD = r"""
import json, sys, mlflow.pyfunc, pandas
out = {}
for uri in sys.argv[1:]:
    out[uri] = mlflow.pyfunc.load_model(uri).predict(pandas.DataFrame({"x": [0]}))[0]
print(json.dumps(out))
"""

# The model's name and what each URI must load (the constant its model answers).
NAME = "power-forecast"
EXPECTED = {
    f"models:/{NAME}/1": 1,
    f"models:/{NAME}/Production": 1,
    f"models:/{NAME}/Staging": 2,
    f"models:/{NAME}/latest": 3,
    f"models:/{NAME}@champion": 2,
}


def main(major):
    env = require_mlflow(major)[major]
    with Folder() as folder:
        dirs = [os.path.join(folder, f"model-{n}") for n in (1, 2, 3)]
        run_client(env, SAVE, *dirs)
        repo = new_registry(folder)
        for d in dirs:
            mreg(repo, "register", NAME, "--model-dir", d, "--create-model")
        mreg(repo, "stage", NAME, "1", "Production")
        mreg(repo, "stage", NAME, "2", "Staging")
        mreg(repo, "alias", "set", NAME, "champion", "2")
        with mreg_serve(repo) as server:
            loaded = run_client({**env, "MLFLOW_TRACKING_URI": server.url}, LOAD, *EXPECTED)
        check(loaded == EXPECTED, f"loaded {loaded}, expected {EXPECTED}")
    print(f"MLflow {major}.x client: loaded {len(EXPECTED)} URIs through mreg serve")


if __name__ == "__main__":
    main(sys.argv[1])
