"""Writes bench/serve's URL lists, shuffled with a fixed seed, from the registry's versions
(JSON of `mreg search versions` on stdin) and its request ids (JSON of `mreg status`, argv[2]):

  OUT/mixed.txt   every kind of URL the server answers, each once: model pages, version pages,
                  request pages and MLflow API gets (registered-models/get, model-versions/get,
                  registered-models/get-latest-versions)
  OUT/api.txt     model-versions/get of every version, each once
  OUT/static.txt  the same versions as paths of the files that nginx serves (OUT/static/...)
"""
import json
import random
import sys
from urllib.parse import quote

out = sys.argv[1]
versions = [(v["name"], v["version"]) for v in json.load(sys.stdin)["model_versions"]]
with open(sys.argv[2]) as f:
    requests = [(r["model"], r["id"]) for r in json.load(f)["requests"]]
models = sorted({name for name, _ in versions})

api = [f"/api/2.0/mlflow/model-versions/get?name={quote(n)}&version={v}" for n, v in versions]
mixed = ([f"/models/{quote(n)}" for n in models] +
         [f"/models/{quote(n)}/versions/{v}" for n, v in versions] +
         [f"/models/{quote(n)}/requests/{quote(i)}" for n, i in requests] +
         [f"/api/2.0/mlflow/registered-models/get?name={quote(n)}" for n in models] +
         [f"/api/2.0/mlflow/registered-models/get-latest-versions?name={quote(n)}" for n in models] +
         api)
rng = random.Random(1)
order = list(range(len(versions)))
rng.shuffle(order)
rng.shuffle(mixed)
with open(f"{out}/mixed.txt", "w") as f:
    f.write("\n".join(mixed) + "\n")
with open(f"{out}/api.txt", "w") as f:
    f.write("\n".join(api[i] for i in order) + "\n")
with open(f"{out}/static.txt", "w") as f:
    f.write("\n".join(f"/{quote(versions[i][0])}/{versions[i][1]}.json" for i in order) + "\n")
