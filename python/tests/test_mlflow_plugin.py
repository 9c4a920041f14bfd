"""MLflow's own registry calls, through the mreg registry store plugin (mreg:// registry URI),
with a file-store tracking URI: run with MLflow 2.17.2 and with MLflow 3.6 (python/tests/run)."""

import re

import pytest

mlflow = pytest.importorskip("mlflow", reason="MLflow is not importable (MREG_MLFLOW_PYTHONPATH)")
from mlflow import MlflowClient  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

import mreg  # noqa: E402
from conftest import commits, git, mreg_json, run_mreg  # noqa: E402

MLFLOW3 = int(mlflow.__version__.split(".")[0]) >= 3


class Doubler(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input * 2


@pytest.fixture
def client(tmp_path, registry_path):
    mlflow.set_tracking_uri((tmp_path / "mlruns").as_uri())
    mlflow.set_registry_uri(f"mreg://{registry_path}")
    yield MlflowClient()
    mlflow.set_registry_uri(None)


def log_doubler(registered_model_name):
    with mlflow.start_run() as run:
        if MLFLOW3:
            info = mlflow.pyfunc.log_model(name="model", python_model=Doubler(),
                                           registered_model_name=registered_model_name)
        else:
            info = mlflow.pyfunc.log_model("model", python_model=Doubler(),
                                           registered_model_name=registered_model_name)
    return run, info


def trailers(registry_path, rev):
    body = git(registry_path, "log", "-1", "--format=%B", rev)
    return dict(re.findall(r"^(Mreg-[A-Za-z-]+): (.*)$", body, re.M))


def test_log_model_registers_into_git_and_loads_by_alias(client, registry_path):
    import pandas as pd

    before = commits(registry_path)
    run, info = log_doubler("doubler")
    # mlflow.register_model: create_registered_model, then create_model_version: two commits
    assert commits(registry_path) == before + 2
    assert trailers(registry_path, "HEAD")["Mreg-Op"] == "register"
    assert trailers(registry_path, "HEAD")["Mreg-Model"] == "doubler"

    mv = client.get_model_version("doubler", "1")
    assert mv.run_id == run.info.run_id
    assert mv.current_stage == "None"
    assert mv.source

    client.transition_model_version_stage("doubler", "1", "Staging")
    assert trailers(registry_path, "HEAD")["Mreg-Op"] == "transition"
    client.set_registered_model_alias("doubler", "champion", "1")
    assert trailers(registry_path, "HEAD")["Mreg-Op"] == "set-alias"
    assert commits(registry_path) == before + 4
    assert client.get_model_version_by_alias("doubler", "champion").version == "1"

    found = client.search_registered_models(filter_string="name LIKE 'doub%'")
    assert [m.name for m in found] == ["doubler"]
    assert [v.version for v in client.search_model_versions(f"run_id = '{run.info.run_id}'")] == ["1"]

    model = mlflow.pyfunc.load_model("models:/doubler@champion")
    out = model.predict(pd.DataFrame({"x": [1, 2]}))
    assert list(out["x"]) == [2, 4]

    run_mreg(registry_path, "check")
    shown = mreg_json(registry_path, "version", "show", "doubler", "1")["model_version"]
    assert shown["run_id"] == run.info.run_id and shown["current_stage"] == "Staging"
    # The client gets the registry's milliseconds.
    assert client.get_model_version("doubler", "1").creation_timestamp == shown["creation_timestamp"]
    if MLFLOW3:
        # A version of a logged model (source models:/m-<id>) records model_id and, as MLflow 3's
        # stores do, where the logged model's files are; the client reads both from the registry.
        files = client.get_logged_model(info.model_id).artifact_location
        assert shown["source"] == f"models:/{info.model_id}"
        assert (shown["model_id"], shown["storage_location"]) == (info.model_id, files)
        assert mv.model_id == info.model_id
        assert client.get_model_version_download_uri("doubler", "1") == files
        v = mreg.Registry.open(str(registry_path)).at().get_model_version("doubler", 1)
        assert (v.model_id, v.storage_location) == (info.model_id, files)


def test_every_registry_call_of_the_client(client, registry_path):
    c = client
    c.create_registered_model("m", tags={"team": "grid"}, description="first")
    c.update_registered_model("m", description="second")
    c.set_registered_model_tag("m", "k", "v")
    c.delete_registered_model_tag("m", "team")
    v1 = c.create_model_version("m", "s3://bucket/m/1", run_id=None, tags={"t": "1"}, description="v1")
    v2 = c.create_model_version("m", "s3://bucket/m/2", run_link="http://tracking/run", description="v2")
    assert (v1.version, v2.version) == ("1", "2")
    c.update_model_version("m", "1", description="v1!")
    c.set_model_version_tag("m", "1", "t", "2")
    c.set_model_version_tag("m", "1", "gone", "soon")
    c.delete_model_version_tag("m", "1", "gone")
    assert c.get_model_version("m", "1").tags == {"t": "2"}
    c.transition_model_version_stage("m", "1", "Production")
    c.transition_model_version_stage("m", "2", "Production", archive_existing_versions=True)
    c.set_registered_model_alias("m", "champion", "2")
    assert c.get_model_version("m", "1").current_stage == "Archived"
    assert [v.version for v in c.get_latest_versions("m", stages=["Production"])] == ["2"]
    assert c.get_model_version_download_uri("m", "2") == "s3://bucket/m/2"
    assert c.get_model_version_by_alias("m", "champion").version == "2"
    rm = c.get_registered_model("m")
    assert rm.description == "second" and rm.tags == {"k": "v"} and rm.aliases == {"champion": 2}

    copy = c.copy_model_version("models:/m/2", "m-copy")
    assert (copy.name, copy.version) == ("m-copy", "1")
    c.rename_registered_model("m-copy", "m-renamed")
    c.delete_registered_model_alias("m", "champion")
    c.delete_model_version("m", "1")
    c.delete_registered_model("m-renamed")
    assert [m.name for m in c.search_registered_models()] == ["m"]
    assert run_mreg(registry_path, "check").returncode == 0

    with pytest.raises(MlflowException) as e:
        c.get_registered_model("m-renamed")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    before = commits(registry_path)
    with pytest.raises(MlflowException) as e:
        c.create_registered_model("m")
    assert e.value.error_code == "RESOURCE_ALREADY_EXISTS"
    with pytest.raises(MlflowException) as e:
        c.search_model_versions("name LIKE")
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    assert commits(registry_path) == before


def test_what_the_cli_writes_the_client_reads(client, registry_path):
    run_mreg(registry_path, "model", "create", "cli-model")
    run_mreg(registry_path, "register", "cli-model", "--source", "s3://cli/1", "--run-id", "r1")
    run_mreg(registry_path, "alias", "set", "cli-model", "prod", "1")
    mv = client.get_model_version_by_alias("cli-model", "prod")
    assert (mv.version, mv.source, mv.run_id) == ("1", "s3://cli/1", "r1")


def test_a_protected_move_is_refused_naming_the_request_to_make(client, registry_path, tmp_path):
    import subprocess

    key = tmp_path / "admin"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    run_mreg(registry_path, "policy", "init", "--admin", "admin@example.com", "--key", f"{key}.pub")
    client.create_registered_model("guarded")
    client.create_model_version("guarded", "s3://g/1")
    before = commits(registry_path)
    with pytest.raises(MlflowException) as e:
        client.transition_model_version_stage("guarded", "1", "Production")
    assert e.value.error_code == "PERMISSION_DENIED"
    assert "mreg request guarded 1" in e.value.message
    assert commits(registry_path) == before
    assert client.get_model_version("guarded", "1").current_stage == "None"


def _v(v):
    return (v.name, str(v.version), v.current_stage, v.description or "", v.source, v.run_id or "",
            v.status, dict(v.tags), sorted(v.aliases))


def _m(m):
    return (m.name, m.description or "", dict(m.tags), dict(m.aliases),
            sorted((str(v.version), v.current_stage) for v in m.latest_versions))


def _battery(c):
    """The registry calls of an MLflow user, each result (or error code) made comparable:
    without times and users, which differ by nature, and searches' order where only the
    times' resolution would decide it."""
    results = []

    def step(label, fn, shape=lambda x: x):
        try:
            results.append((label, shape(fn())))
        except MlflowException as e:
            results.append((label, "error", e.error_code))

    step("create a", lambda: c.create_registered_model("a", tags={"t": "1"}, description="A"), _m)
    step("create b", lambda: c.create_registered_model("b"), _m)
    step("create a again", lambda: c.create_registered_model("a"), _m)
    step("a v1", lambda: c.create_model_version("a", "s3://a/1", run_id="r1", tags={"x": "y"}, description="d"), _v)
    step("a v2", lambda: c.create_model_version("a", "s3://a/2", run_id="r2"), _v)
    step("b v1", lambda: c.create_model_version("b", "s3://b/1"), _v)
    step("version of no model", lambda: c.create_model_version("nope", "s3://n"), _v)
    step("get a v1", lambda: c.get_model_version("a", "1"), _v)
    step("get a v9", lambda: c.get_model_version("a", "9"), _v)
    step("update a v1", lambda: c.update_model_version("a", "1", "new"), _v)
    step("a v1 Staging", lambda: c.transition_model_version_stage("a", "1", "Staging"), _v)
    step("a v2 Staging, archive", lambda: c.transition_model_version_stage("a", "2", "staging", True), _v)
    step("unknown stage", lambda: c.transition_model_version_stage("a", "2", "Nowhere"), _v)
    step("latest a", lambda: c.get_latest_versions("a"), lambda vs: sorted(_v(v) for v in vs))
    step("latest a Staging", lambda: c.get_latest_versions("a", ["Staging"]), lambda vs: [_v(v) for v in vs])
    step("alias", lambda: c.set_registered_model_alias("a", "champion", "2"))
    step("by alias", lambda: c.get_model_version_by_alias("a", "champion"), _v)
    step("by unknown alias", lambda: c.get_model_version_by_alias("a", "nobody"), _v)
    step("version tag", lambda: c.set_model_version_tag("a", "2", "k", "v"))
    step("version untag", lambda: c.delete_model_version_tag("a", "1", "x"))
    step("model tag", lambda: c.set_registered_model_tag("b", "k", "v"))
    step("model untag", lambda: c.delete_registered_model_tag("a", "t"))
    step("get a", lambda: c.get_registered_model("a"), _m)
    step("search a%", lambda: c.search_registered_models("name LIKE 'a%'"), lambda ms: [_m(m) for m in ms])
    step("search page", lambda: c.search_registered_models(max_results=1),
         lambda ms: ([m.name for m in ms], bool(ms.token)))
    # MLflow's SQLite store leaves aliases out of version searches; mreg fills them in.
    step("search versions of a", lambda: c.search_model_versions("name = 'a'"),
         lambda vs: sorted(_v(v)[:-1] for v in vs))
    step("search versions by run", lambda: c.search_model_versions("run_id = 'r2'"),
         lambda vs: [_v(v)[:-1] for v in vs])
    step("rename b", lambda: c.rename_registered_model("b", "c"), lambda _: None)
    step("get c", lambda: c.get_registered_model("c"), _m)
    step("delete a v1", lambda: c.delete_model_version("a", "1"))
    step("get deleted a v1", lambda: c.get_model_version("a", "1"), _v)
    step("delete alias", lambda: c.delete_registered_model_alias("a", "champion"))
    step("delete c", lambda: c.delete_registered_model("c"))
    step("search all", lambda: c.search_registered_models(), lambda ms: [_m(m) for m in ms])
    return results


def test_the_same_calls_answer_as_mlflows_sqlite_store(tmp_path, registry_path):
    sqlite = MlflowClient(tracking_uri=(tmp_path / "mlruns").as_uri(),
                          registry_uri=f"sqlite:///{tmp_path / 'registry.db'}")
    through_mreg = MlflowClient(tracking_uri=(tmp_path / "mlruns").as_uri(), registry_uri=f"mreg://{registry_path}")
    expected, got = _battery(sqlite), _battery(through_mreg)
    for want, have in zip(expected, got):
        assert have == want
    assert len(got) == len(expected)
    run_mreg(registry_path, "check")


def test_a_remote_registry_through_mregs_cache(tmp_path, registry_path):
    import subprocess

    mreg.Registry.open(str(registry_path)).create_registered_model("shared")
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(registry_path), str(bare)], check=True)
    c = MlflowClient(tracking_uri=(tmp_path / "mlruns").as_uri(), registry_uri=f"mreg+{bare.as_uri()}")
    assert c.get_registered_model("shared").name == "shared"
    assert c.create_model_version("shared", "s3://shared/1").version == "1"
    # the write was pushed: the remote itself has it, in one commit with mreg's trailers
    assert mreg.Registry.open(str(bare)).get_model_version("shared", 1).source == "s3://shared/1"
    assert trailers(bare, "HEAD")["Mreg-Op"] == "register"


def test_a_registry_uri_that_names_no_registry_is_refused(tmp_path):
    from mreg.mlflow_store import registry_location

    assert registry_location("mreg:///srv/registry") == "/srv/registry"
    assert registry_location("mreg+https://git.example.com/r.git") == "https://git.example.com/r.git"
    with pytest.raises(MlflowException) as e:
        registry_location("mreg://host/path")
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as e:
        MlflowClient(registry_uri=f"mreg://{tmp_path / 'nothing-here'}").get_registered_model("m")
    assert e.value.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_STATE")
    assert str(tmp_path / "nothing-here") in e.value.message
