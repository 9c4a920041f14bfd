"""Round trips with stores the real MLflow writes: `mreg import mlflow` of an MLflow 2.x file
store and `mreg export mlflow` back, read again by MLflow 2.x; `mreg import mlflow --from-server`
of an MLflow 3.x server (SQLite) holding a version registered from a logged model
(models:/m-<id>), whose model_id and storage_location mreg keeps, so that MLflow 3 loads
models:/NAME/1 through `mreg serve`; and its export, read back by MLflow 3.x."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Folder, check, mlflow_server, mreg, mreg_serve, new_registry,  # noqa: E402
                     require_mlflow, run_client)

# A registry made by MLflow 2's own client in its file store: stages, aliases, tags, a
# description and a deleted version. Prints the registry as READ below sees it.
MAKE_FILE_STORE = r"""
import sys, mlflow
from mlflow import MlflowClient
c = MlflowClient(registry_uri="file:" + sys.argv[1])
c.create_registered_model("churn", tags={"team": "growth"}, description="Who leaves")
for n in range(1, 5):
    c.create_model_version("churn", source=f"/models/churn/{n}", run_id=f"run{n}", tags={"n": str(n)})
c.transition_model_version_stage("churn", "1", "Archived")
c.transition_model_version_stage("churn", "2", "Production")
c.transition_model_version_stage("churn", "3", "Staging")
c.delete_model_version("churn", "4")
c.set_registered_model_alias("churn", "champion", "2")
c.update_model_version("churn", "2", description="the good one")
c.create_registered_model("empty-model")
"""

READ = r"""
import json, sys, mlflow
from mlflow import MlflowClient
c = MlflowClient(registry_uri=sys.argv[1])
out = {}
for m in sorted(c.search_registered_models(), key=lambda m: m.name):
    out[m.name] = {"description": m.description or "", "tags": m.tags, "aliases": m.aliases,
                   "creation_timestamp": m.creation_timestamp,
                   "versions": {v.version: {"stage": v.current_stage, "source": v.source, "run_id": v.run_id or "",
                                            "tags": v.tags, "description": v.description or "",
                                            "model_id": getattr(v, "model_id", None) or "",
                                            "creation_timestamp": v.creation_timestamp,
                                            "last_updated_timestamp": v.last_updated_timestamp}
                                for v in c.search_model_versions(f"name='{m.name}'")}}
print(json.dumps(out, sort_keys=True))
"""

# MLflow 3's way: a model logged in a run (a logged model, m-<id>), registered by its URI.
MAKE_SERVER = r"""
import json, sys, mlflow, mlflow.pyfunc
class Constant(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None): return [42] * len(model_input)
mlflow.set_tracking_uri(sys.argv[1])
with mlflow.start_run():
    info = mlflow.pyfunc.log_model(name="model", python_model=Constant())
mv = mlflow.register_model(f"models:/{info.model_id}", "forecast3")
c = mlflow.MlflowClient()
c.set_registered_model_alias("forecast3", "champion", mv.version)
print(json.dumps({"model_id": info.model_id, "version": mv.version,
                  "creation_timestamp": mv.creation_timestamp,
                  "download_uri": c.get_model_version_download_uri("forecast3", mv.version)}))
"""

LOAD = r"""
import json, sys, mlflow.pyfunc, pandas
print(json.dumps({u: int(mlflow.pyfunc.load_model(u).predict(pandas.DataFrame({"x": [0]}))[0]) for u in sys.argv[1:]}))
"""


def version_json(repo, name, version):
    return json.loads(mreg(repo, "-o", "json", "version", "show", name, version).stdout)["model_version"]


def file_store_round_trip(env2, folder):
    store = os.path.join(folder, "mlruns")
    run_client(env2, MAKE_FILE_STORE + "\nprint('{}')", store)
    original = run_client(env2, READ, "file:" + store)
    check(sorted(original["churn"]["versions"]) == ["1", "2", "3"], f"MLflow's own store: {original}")
    repo = new_registry(folder)
    mreg(repo, "import", "mlflow", store)
    # MLflow's milliseconds, kept to the millisecond (the export below writes them back).
    v2 = version_json(repo, "churn", "2")
    check(v2["creation_timestamp"] == original["churn"]["versions"]["2"]["creation_timestamp"], f"imported {v2}")
    check(version_json(repo, "churn", "2")["description"] == "the good one", "imported version 2")
    check(mreg(repo, "version", "show", "churn", "4", check=False).returncode != 0, "deleted version 4 imported")
    export = os.path.join(folder, "export")
    mreg(repo, "export", "mlflow", export)
    again = run_client(env2, READ, "file:" + export)
    check(again == original, f"MLflow 2 reads the export as\n{again}\nnot as the original\n{original}")
    # The number of the deleted version stays taken.
    registered = mreg(repo, "register", "churn", "--source", "/models/churn/5")
    check("version 5" in registered.stdout, registered.stdout)


def server_round_trip(env3, folder):
    with mlflow_server(env3, folder) as server:
        made = run_client(env3, MAKE_SERVER, server.url)
        repo = new_registry(folder)
        mreg(repo, "import", "mlflow", "--from-server", server.url)
    v = version_json(repo, "forecast3", str(made["version"]))
    check(v.get("model_id") == made["model_id"], f"model_id: {v}")
    check(v["source"] == f"models:/{made['model_id']}", f"source: {v}")
    check(v.get("storage_location") == made["download_uri"], f"storage_location: {v} vs {made}")
    # MLflow's milliseconds, kept to the millisecond.
    check(v["creation_timestamp"] == made["creation_timestamp"], f"creation_timestamp: {v} vs {made}")
    with mreg_serve(repo) as served:
        loaded = run_client({**env3, "MLFLOW_TRACKING_URI": served.url}, LOAD,
                            "models:/forecast3/1", "models:/forecast3@champion")
    check(loaded == {"models:/forecast3/1": 42, "models:/forecast3@champion": 42}, f"loaded {loaded}")
    export = os.path.join(folder, "export3")
    mreg(repo, "export", "mlflow", export)
    again = run_client(env3, READ, "file:" + export)
    check(again["forecast3"]["versions"]["1"]["model_id"] == made["model_id"], f"MLflow 3 reads the export as {again}")


def main(part):
    """`file-store` (MLflow 2.x) or `server` (MLflow 3.x): two tests, which run side by side."""
    major, round_trip = {"file-store": ("2", file_store_round_trip), "server": ("3", server_round_trip)}[part]
    env = require_mlflow(major)[major]
    with Folder() as folder:
        round_trip(env, folder)
    print(f"import from MLflow {major}.x ({part}) and export back: the same registry")


if __name__ == "__main__":
    main(sys.argv[1])
