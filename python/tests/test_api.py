"""The Python API of mreg: reads, writes, snapshots, search, errors, and the CLI alongside."""

import re
import subprocess
import time

import pytest

import mreg
from conftest import commits, git, mreg_binary, mreg_json, run_mreg


def test_a_write_is_one_commit_and_reads_have_mlflow_field_names(registry, registry_path):
    before = commits(registry_path)
    model = registry.create_registered_model("power-forecast", description="Hourly load", tags={"team": "grid"})
    assert commits(registry_path) == before + 1
    assert model.name == "power-forecast"
    assert model.tags == {"team": "grid"}
    assert model.user_id.startswith("Ada Lovelace")

    v = registry.create_model_version("power-forecast", "s3://bucket/forecast/1", run_id="r1",
                                      run_link="http://tracking/r1", tags={"k": "v"})
    assert commits(registry_path) == before + 2
    assert (v.name, v.version, v.current_stage, v.source, v.run_id, v.run_link, v.tags) == (
        "power-forecast", 1, "None", "s3://bucket/forecast/1", "r1", "http://tracking/r1", {"k": "v"})
    # MLflow's milliseconds since the epoch, to the millisecond: those the file holds
    assert abs(v.creation_timestamp - time.time() * 1000) < 60_000
    assert v.last_updated_timestamp == v.creation_timestamp
    assert v.creation_timestamp > model.creation_timestamp  # two writes, two times, though in one second
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(v.creation_timestamp // 1000))
    millis = v.creation_timestamp % 1000
    written = f"{stamp}.{millis:03d}Z" if millis else f"{stamp}Z"
    assert f"\ncreated_at: {written}\n" in git(registry_path, "show", "HEAD:models/power-forecast/versions/1.yaml")
    assert (v.model_id, v.storage_location) == ("", "")

    read = registry.get_model_version("power-forecast", "1")
    assert read == v
    got = registry.get_registered_model("power-forecast")
    assert got.description == "Hourly load"
    assert [x.version for x in got.latest_versions] == [1]


def test_snapshots_read_any_revision(registry, registry_path):
    registry.create_registered_model("m")
    first = registry.last_commit
    registry.create_model_version("m", "s3://a")
    registry.create_model_version("m", "s3://b")
    assert [v.version for v in registry.at().get_model_versions("m")] == [1, 2]
    assert registry.at(first).get_model_versions("m") == []
    assert [v.source for v in registry.at("HEAD~1").get_model_versions("m")] == ["s3://a"]
    assert registry.at().commit_id == git(registry_path, "rev-parse", "HEAD").strip()


def test_stages_aliases_and_latest_versions(registry):
    registry.create_registered_model("m")
    for i in range(3):
        registry.create_model_version("m", f"s3://m/{i}")
    registry.transition_model_version_stage("m", 1, "Production")
    registry.transition_model_version_stage("m", 2, "production", archive_existing_versions=True)
    snap = registry.at()
    assert snap.get_model_version("m", 1).current_stage == "Archived"
    assert snap.get_model_version("m", 2).current_stage == "Production"
    assert [(v.version, v.current_stage) for v in snap.get_latest_versions("m")] == [
        (3, "None"), (2, "Production"), (1, "Archived")]
    assert [v.version for v in snap.get_latest_versions("m", ["Production"])] == [2]

    registry.set_registered_model_alias("m", "champion", 1)
    assert registry.get_model_version_by_alias("m", "champion").version == 1
    assert registry.get_model_version("m", 1).aliases == ["champion"]
    assert registry.at().resolve_model_uri("models:/m@champion").source == "s3://m/0"
    registry.delete_registered_model_alias("m", "champion")
    with pytest.raises(mreg.MregError) as e:
        registry.get_model_version_by_alias("m", "champion")
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"  # as MLflow's stores say it


def test_search_in_mlflows_filter_grammar(registry):
    registry.create_registered_model("power-forecast", tags={"team": "grid"})
    registry.create_registered_model("power-demand", tags={"team": "sales"})
    registry.create_registered_model("churn")
    registry.create_model_version("power-forecast", "s3://x", run_id="run-1")
    registry.create_model_version("churn", "s3://y", run_id="run-2")

    page = registry.search_registered_models("name LIKE 'power%' AND tags.team = 'grid'")
    assert [m.name for m in page.items] == ["power-forecast"]
    page = registry.search_registered_models("", max_results=2)
    assert [m.name for m in page.items] == ["churn", "power-demand"]
    assert page.next_page_token
    rest = registry.search_registered_models("", max_results=2, page_token=page.next_page_token)
    assert [m.name for m in rest.items] == ["power-forecast"] and rest.next_page_token == ""

    versions = registry.search_model_versions("run_id = 'run-2'")
    assert [(v.name, v.version) for v in versions.items] == [("churn", 1)]

    with pytest.raises(mreg.MregError) as e:
        registry.search_registered_models("name LIKE")
    assert e.value.error_code == "INVALID_PARAMETER_VALUE" and e.value.exit_code == 3
    assert "position" in e.value.message


def test_errors_carry_the_mlflow_code_and_the_clis_exit_code(registry, registry_path):
    with pytest.raises(mreg.MregError) as e:
        registry.get_registered_model("nope")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert "nope" in e.value.message
    cli = run_mreg(registry_path, "model", "show", "nope", check=False)
    assert e.value.exit_code == cli.returncode == 4

    registry.create_registered_model("m")
    before = commits(registry_path)
    with pytest.raises(mreg.MregError) as e:
        registry.create_registered_model("m")
    assert (e.value.error_code, e.value.exit_code) == ("RESOURCE_ALREADY_EXISTS", 5)
    with pytest.raises(mreg.MregError) as e:
        registry.transition_model_version_stage("m", 1, "Production")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(mreg.MregError) as e:
        registry.create_model_version("m", "s3://x", tags={"": "empty key"})
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    assert commits(registry_path) == before  # nothing written

    with pytest.raises(mreg.MregError) as e:
        mreg.Registry.open(str(registry_path), author="no email")
    assert e.value.error_code == "INVALID_PARAMETER_VALUE" and "author" in e.value.message
    with pytest.raises(mreg.MregError) as e:
        mreg.Registry.open(str(registry_path / "does-not-exist"))
    assert e.value.exit_code != 0


def test_every_write_of_the_core(registry, registry_path):
    registry.create_registered_model("m", description="d0")
    registry.update_registered_model("m", "d1")
    registry.set_registered_model_tag("m", "a", "1")
    registry.set_registered_model_tag("m", "b", "2")
    registry.delete_registered_model_tag("m", "a")
    registry.create_model_version("m", "s3://1")
    registry.update_model_version("m", 1, "first")
    registry.set_model_version_tag("m", 1, "x", "y")
    registry.delete_model_version_tag("m", 1, "x")
    registry.comment("m", 1, "looks good")
    registry.rename_registered_model("m", "n")
    copy = registry.copy_model_version("n", 1, "n-copy")
    assert copy.copied_from is not None and copy.copied_from.name == "n" and copy.copied_from.version == 1
    registry.create_model_version("n", "s3://2")
    registry.delete_model_version("n", 2)

    snap = registry.at()
    model = snap.get_registered_model("n")
    assert (model.description, model.tags, model.last_version) == ("d1", {"b": "2"}, 2)
    v = snap.get_model_version("n", 1)
    assert (v.description, v.tags) == ("first", {})
    assert snap.model_names() == ["n", "n-copy"]
    assert "looks good" in git(registry_path, "log", "--format=%B", "--grep=Mreg-Op: comment")
    registry.delete_registered_model("n-copy")
    assert not registry.at().has_model("n-copy")
    assert registry.check() == []
    assert registry.verify().ok


def test_the_cli_reads_what_python_wrote_and_back(registry, registry_path):
    registry.create_registered_model("m", description="from python")
    registry.create_model_version("m", "s3://py", run_id="r-py")
    shown = mreg_json(registry_path, "version", "show", "m", "1")["model_version"]
    assert (shown["version"], shown["source"], shown["run_id"]) == ("1", "s3://py", "r-py")

    run_mreg(registry_path, "register", "m", "--source", "s3://cli", "--run-id", "r-cli")
    run_mreg(registry_path, "stage", "m", "2", "Staging")
    v = registry.get_model_version("m", 2)
    assert (v.source, v.run_id, v.current_stage) == ("s3://cli", "r-cli", "Staging")
    run_mreg(registry_path, "check")


def test_a_remote_registry_is_read_and_written_through_mreg_s_cache(tmp_path, registry):
    registry.create_registered_model("m")
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", registry.path, str(bare)], check=True)
    remote = mreg.Registry.open(bare.as_uri())
    assert remote.get_registered_model("m").name == "m"
    v = remote.create_model_version("m", "s3://remote")
    assert v.version == 1
    # the write went to the remote
    assert mreg.Registry.open(str(bare)).get_model_version("m", 1).source == "s3://remote"


def test_the_version_is_the_clis():
    out = subprocess.run([mreg_binary(), "--version"], capture_output=True, text=True, check=True).stdout
    assert re.search(r"\b" + re.escape(mreg.__version__) + r"\b", out)


def test_requests_are_made_applied_and_closed(registry):
    registry.create_registered_model("m")
    registry.create_model_version("m", "s3://1")
    request = registry.create_request("m", 1, to_stage="Production", comment="ready")
    assert (request.name, request.version, request.target, request.comment) == ("m", 1, "Production", "ready")
    assert registry.at().get_request("m", request.id) == request
    assert registry.apply_request("m", request.id).current_stage == "Production"
    with pytest.raises(mreg.MregError) as e:
        registry.apply_request("m", request.id)
    assert e.value.error_code == "INVALID_STATE"  # a request is used once

    other = registry.create_request("m", 1, alias="champion")
    registry.close_request("m", other.id, "cancel", "not now")
    assert sorted(r.id for r in registry.at().get_requests("m")) == sorted([request.id, other.id])
    assert registry.get_model_version("m", 1).aliases == []


def test_pull_and_push_follow_the_branchs_upstream(tmp_path, registry):
    registry.create_registered_model("m")
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", registry.path, str(bare)], check=True)
    clone_path = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(bare), str(clone_path)], check=True)
    clone = mreg.Registry.open(str(clone_path))
    clone.create_model_version("m", "s3://from-clone")
    commit, _tags = clone.push()
    assert commit == clone.last_commit
    assert mreg.Registry.open(str(bare)).get_model_version("m", 1).source == "s3://from-clone"

    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(bare), str(other)], check=True)
    mreg.Registry.open(str(other)).create_model_version("m", "s3://2")
    subprocess.run(["git", "-C", str(other), "push", "-q", "origin", "HEAD"], check=True)
    before, after = clone.pull()
    assert before != after and clone.get_model_version("m", 2).source == "s3://2"


def test_a_versions_lineage_is_kept(registry):
    signature = {"inputs": '[{"type": "double", "name": "x"}]', "outputs": '[{"type": "double"}]'}
    registry.create_model_version("lineage", "s3://l/1", run_id="r", experiment_id="7", digest="sha256:" + "ab" * 32,
                                  flavors=["python_function"], signature=signature, create_model=True)
    v = registry.get_model_version("lineage", 1)
    assert (v.experiment_id, v.digest, v.flavors, v.signature) == ("7", "sha256:" + "ab" * 32,
                                                                  ["python_function"], signature)


def test_model_dir_digest_is_what_the_tools_compute_and_download_checks(registry, registry_path, tmp_path):
    model = tmp_path / "model"
    (model / "data").mkdir(parents=True)
    (model / "MLmodel").write_text("flavors:\n  python_function: {}\n")
    (model / "data" / "weights.bin").write_bytes(bytes(range(256)) * 20000)
    (model / "registered_model_meta").write_text("left out of the digest\n")
    pipeline = ("find -L . -type f ! -path ./registered_model_meta -printf '%P\\n' | LC_ALL=C sort "
                "| xargs -d '\\n' {tool} | {tool}")
    for algorithm, tool in (("sha256", "sha256sum"), ("blake3", "b3sum")):
        expected = subprocess.run(["bash", "-c", pipeline.format(tool=tool)], cwd=model, check=True,
                                  capture_output=True, text=True).stdout[:64]
        assert mreg.model_dir_digest(str(model), algorithm) == f"{algorithm}:{expected}"
    assert mreg.model_dir_digest(str(model)).startswith("sha256:")

    with pytest.raises(mreg.MregError) as e:
        mreg.model_dir_digest(str(model), "md5")
    assert e.value.error_code == "INVALID_PARAMETER_VALUE" and "md5" in e.value.message
    with pytest.raises(mreg.MregError) as e:
        mreg.model_dir_digest(str(tmp_path / "missing"), "blake3")
    assert "missing" in e.value.message

    # Registered from Python, checked by `mreg download`: a changed byte is refused.
    digest = mreg.model_dir_digest(str(model), "blake3")
    registry.create_model_version("m", str(model), digest=digest, create_model=True)
    run_mreg(registry_path, "download", "models:/m/1", str(tmp_path / "deployed"))
    assert (tmp_path / "deployed" / "data" / "weights.bin").read_bytes() == (model / "data" / "weights.bin").read_bytes()
    (model / "MLmodel").write_text("flavors: {}\n")
    refused = run_mreg(registry_path, "download", "models:/m/1", str(tmp_path / "tampered"), check=False)
    assert refused.returncode == 7 and digest in refused.stderr
    assert not (tmp_path / "tampered").exists()
