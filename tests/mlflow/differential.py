"""The differential test: the same registry made in `mlflow server` (SQLite, through the MLflow
client) and in mreg (through the CLI), then the same battery of MLflow client calls against
`mlflow server` and `mreg serve`, compared field by field. The argument is the MLflow major
version (2 or 3) of the client and of the server.

The only differences allowed are in ALLOWED below, each with its reason."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Folder, check, mlflow_server, mreg, mreg_serve, new_registry,  # noqa: E402
                     require_mlflow, run_client)

# field name -> why its value may differ between the two.
ALLOWED = {
    "creation_timestamp": "times: each registry was made at its own moment",
    "last_updated_timestamp": "times: each registry was made at its own moment",
    "user_id": "mreg records the git author (name <email>); MLflow's open-source server records none",
    "message": "error messages are worded by each server; error codes must match",
}

# The MLflow major version whose server the answers are compared with.
MAJOR = []

# Documented extensions of mreg (docs/http.md): each a test on a difference's text and the
# reason. Any other difference fails the test.
KNOWN = [
    (lambda d: MAJOR == ["2"] and d.startswith(".get_latest_versions") and d.split(":")[0].endswith(".aliases"),
     "get-latest-versions carries aliases as MLflow 3.6's server sends them; 2.17.2's sends none"),
    (lambda d: d.startswith(".search_registered_models") and "latest_versions" in d and ": order: " in d,
     "in registered-model search results latest versions stay in the registry's stage order "
     "(MLflow's order needs every version of every model listed)"),
]

# The registry, as steps each side performs: MLflow through its client, mreg through the CLI.
STEPS = [
    ("create_model", "power-forecast", {"team": "energy"}, "Day-ahead load"),
    ("create_model", "churn", {}, ""),
    ("create_model", "old-name", {}, "before the rename"),
    ("create_model", "empty-model", {}, ""),
    *[("register", "power-forecast", n) for n in range(1, 6)],
    ("register", "churn", 1), ("register", "churn", 2),
    ("register", "old-name", 1),
    ("stage", "power-forecast", 1, "Archived"),
    ("stage", "power-forecast", 2, "Production"),
    ("stage", "power-forecast", 3, "Staging"),
    ("stage", "churn", 1, "Production"),
    ("stage", "old-name", 1, "Staging"),
    ("alias", "power-forecast", "champion", 2),
    ("alias", "power-forecast", "challenger", 3),
    ("alias", "old-name", "prod", 1),
    ("version_tag", "power-forecast", 2, "validated", "yes"),
    ("model_tag", "churn", "owner", "growth"),
    ("delete_version", "power-forecast", 4),
    ("rename", "old-name", "renamed-model"),
    # Names MLflow takes that need an encoded folder and tags in mreg.
    ("create_model", "modèle ü 50%", {"team": "energy"}, "accents, a space and a percent sign"),
    ("register", "modèle ü 50%", 1),
    ("alias", "modèle ü 50%", "champion", 1),
    ("create_model", "catalog.schema.a/b+c", {}, ""),
    ("register", "catalog.schema.a/b+c", 1),
    ("stage", "catalog.schema.a/b+c", 1, "Production"),
]

MAKE_IN_MLFLOW = r"""
import json, sys, mlflow
from mlflow import MlflowClient
c = MlflowClient(tracking_uri=sys.argv[1], registry_uri=sys.argv[1])
# Versions name real runs: MLflow checks that a run exists.
runs = {n: c.create_run("0").info.run_id for n in range(1, 6)}
for step in json.loads(sys.argv[2]):
    op, *a = step
    if op == "create_model": c.create_registered_model(a[0], tags=a[1] or None, description=a[2] or None)
    elif op == "register": c.create_model_version(a[0], source=f"s3://models/{a[0]}/{a[1]}", run_id=runs[a[1]], tags={"n": str(a[1])})
    elif op == "stage": c.transition_model_version_stage(a[0], str(a[1]), a[2])
    elif op == "alias": c.set_registered_model_alias(a[0], a[1], str(a[2]))
    elif op == "version_tag": c.set_model_version_tag(a[0], str(a[1]), a[2], a[3])
    elif op == "model_tag": c.set_registered_model_tag(a[0], a[1], a[2])
    elif op == "delete_version": c.delete_model_version(a[0], str(a[1]))
    elif op == "rename": c.rename_registered_model(a[0], a[1])
print(json.dumps(runs))
"""


def make_in_mreg(repo, runs):
    for op, *a in STEPS:
        if op == "create_model":
            tags = [f"--tag={k}={v}" for k, v in a[1].items()]
            mreg(repo, "model", "create", a[0], *tags, *(["--description", a[2]] if a[2] else []))
        elif op == "register":
            mreg(repo, "register", a[0], "--source", f"s3://models/{a[0]}/{a[1]}", "--run-id", runs[str(a[1])], f"--tag=n={a[1]}")
        elif op == "stage":
            mreg(repo, "stage", a[0], str(a[1]), a[2])
        elif op == "alias":
            mreg(repo, "alias", "set", a[0], a[1], str(a[2]))
        elif op == "version_tag":
            mreg(repo, "version", "tag", "set", a[0], str(a[1]), a[2], a[3])
        elif op == "model_tag":
            mreg(repo, "model", "tag", "set", a[0], a[1], a[2])
        elif op == "delete_version":
            mreg(repo, "version", "delete", a[0], str(a[1]), "--yes")
        elif op == "rename":
            mreg(repo, "model", "rename", a[0], a[1])


# The battery: each call's answer as plain data (entities as dicts of their properties),
# or the error code it raised. Searches in the default order (by time) are compared as sets.
BATTERY = r"""
import json, sys, mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
c = MlflowClient(tracking_uri=sys.argv[1], registry_uri=sys.argv[1])

def plain(x):
    if isinstance(x, (str, int, float, bool)) or x is None: return x
    if isinstance(x, dict): return {str(k): plain(v) for k, v in x.items()}
    if hasattr(x, "token") and hasattr(x, "__iter__"):  # PagedList
        return {"items": [plain(v) for v in x], "token": bool(x.token)}
    if isinstance(x, (list, tuple)) or type(x).__name__.startswith("Repeated"): return [plain(v) for v in x]
    if hasattr(type(x), "_properties"):  # an MLflow entity
        return {k: plain(getattr(x, k)) for k in type(x)._properties()}
    return str(x)

def pages(fn, **kw):
    out, token = [], None
    while True:
        page = fn(max_results=2, page_token=token, **kw)
        out.append([plain(v) for v in page])
        token = page.token
        if not token: return out

def as_set(page):
    return {"unordered": sorted((json.dumps(v, sort_keys=True) for v in page["items"]))}

calls = {}
def call(name, fn):
    try: calls[name] = fn()
    except MlflowException as e: calls[name] = {"error_code": e.error_code, "message": str(e)}

names = ["power-forecast", "churn", "renamed-model", "empty-model", "modèle ü 50%", "catalog.schema.a/b+c"]
for n in names:
    call(f"get_registered_model {n}", lambda: plain(c.get_registered_model(n)))
    call(f"get_latest_versions {n}", lambda: plain(c.get_latest_versions(n)))
    call(f"get_latest_versions {n} Production", lambda: plain(c.get_latest_versions(n, stages=["Production"])))
for n, v in [("power-forecast", 1), ("power-forecast", 2), ("power-forecast", 3), ("power-forecast", 5),
             ("churn", 2), ("renamed-model", 1), ("modèle ü 50%", 1), ("catalog.schema.a/b+c", 1)]:
    call(f"get_model_version {n} {v}", lambda: plain(c.get_model_version(n, str(v))))
    call(f"get_model_version_download_uri {n} {v}", lambda: c.get_model_version_download_uri(n, str(v)))
call("alias champion", lambda: plain(c.get_model_version_by_alias("power-forecast", "champion")))
call("alias of a hard name", lambda: plain(c.get_model_version_by_alias("modèle ü 50%", "champion")))
call("alias prod after rename", lambda: plain(c.get_model_version_by_alias("renamed-model", "prod")))
call("search_registered_models", lambda: plain(c.search_registered_models()))
call("search_registered_models name LIKE", lambda: plain(c.search_registered_models("name LIKE '%e%'")))
call("search_registered_models tag", lambda: plain(c.search_registered_models("tags.team = 'energy'")))
call("search_registered_models name DESC", lambda: plain(c.search_registered_models(order_by=["name DESC"])))
call("search_registered_models pages", lambda: pages(c.search_registered_models))
call("search_model_versions name", lambda: as_set(plain(c.search_model_versions("name='power-forecast'"))))
call("search_model_versions run_id", lambda: as_set(plain(c.search_model_versions(f"run_id='{sys.argv[2]}'"))))
call("search_model_versions name IN", lambda: as_set(plain(c.search_model_versions("name IN ('churn', 'renamed-model')"))))
call("search_model_versions ordered", lambda: plain(c.search_model_versions("name='power-forecast'", order_by=["version_number ASC"])))
call("search_model_versions pages", lambda: pages(c.search_model_versions, filter_string="name='power-forecast'", order_by=["version_number DESC"]))
# Errors.
call("error: missing model", lambda: plain(c.get_registered_model("no-such-model")))
call("error: deleted version", lambda: plain(c.get_model_version("power-forecast", "4")))
call("error: missing version", lambda: plain(c.get_model_version("power-forecast", "99")))
call("error: old name after rename", lambda: plain(c.get_registered_model("old-name")))
call("error: missing alias", lambda: plain(c.get_model_version_by_alias("power-forecast", "nope")))
call("error: bad filter", lambda: plain(c.search_model_versions("nonsense ~ 1")))
call("error: bad order_by", lambda: plain(c.search_registered_models(order_by=["no_such_key"])))
print(json.dumps(calls, sort_keys=True))
"""


def differences(a, b, path=""):
    """Where two answers differ, field by field, leaving out the ALLOWED fields."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k in ALLOWED:
                continue
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'mlflow' if k in a else 'mreg'}: {a.get(k, b.get(k))!r}")
            else:
                out += differences(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if a and b and all(isinstance(x, dict) and "version" in x and "name" in x for x in a + b):
            # Versions: their order once, then each version beside its namesake.
            key = lambda x: (x["name"], x["version"])  # noqa: E731
            out = []
            if [key(x) for x in a] != [key(x) for x in b]:
                out.append(f"{path}: order: mlflow {[key(x) for x in a]}, mreg {[key(x) for x in b]}")
            theirs = {key(x): x for x in b}
            for x in a:
                out += differences(x, theirs.get(key(x), {}), f"{path}[{key(x)}]")
            return out
        if len(a) != len(b):
            return [f"{path}: {len(a)} items in mlflow, {len(b)} in mreg:\n    {a!r}\n    {b!r}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    if isinstance(a, str) and isinstance(b, str) and a.startswith("{") and "unordered" in path:
        return differences(json.loads(a), json.loads(b), path)
    return [] if a == b else [f"{path}: mlflow {a!r}, mreg {b!r}"]


def main(major):
    MAJOR.append(major)
    env = require_mlflow(major)[major]
    with Folder() as folder:
        with mlflow_server(env, folder) as server:
            runs = run_client(env, MAKE_IN_MLFLOW, server.url, json.dumps(STEPS))
            from_mlflow = run_client(env, BATTERY, server.url, runs["2"])
        repo = new_registry(folder)
        make_in_mreg(repo, runs)
        with mreg_serve(repo) as served:
            from_mreg = run_client(env, BATTERY, served.url, runs["2"])
    # Sets of versions compare as JSON texts; make them comparable field by field.
    for answers in (from_mlflow, from_mreg):
        for k, v in answers.items():
            if isinstance(v, dict) and "unordered" in v:
                answers[k] = sorted((json.loads(t) for t in v["unordered"]), key=lambda x: (x["name"], x["version"]))
    found = []
    for d in differences(from_mlflow, from_mreg):
        reason = next((why for known, why in KNOWN if known(d)), None)
        if reason:
            print(f"known deviation ({reason}): {d}")
        else:
            print("DIFFERENCE", d)
            found.append(d)
    check(not found, f"{len(found)} differences between mlflow server and mreg serve (MLflow {major}.x client)")
    print(f"MLflow {major}.x client: {len(from_mlflow)} calls, no differences between mlflow server and mreg serve "
          "but the allowed fields and the known deviations above")


if __name__ == "__main__":
    main(sys.argv[1])
