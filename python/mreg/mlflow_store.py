"""MLflow's model registry on a git registry: a registry store plugin.

    mlflow.set_registry_uri("mreg:///path/to/registry")           # a local registry
    mlflow.set_registry_uri("mreg+https://git.example.com/r.git")  # a remote, through mreg's cache

MLflow finds this store through the `mlflow.model_registry_store` entry point of the
installed package (schemes mreg, mreg+file, mreg+http, mreg+https, mreg+ssh). Every
MlflowClient registry call then goes to mreg's core in-process; each write is one commit,
as the `mreg` command makes it. A move that the registry's policy protects raises an
MlflowException with PERMISSION_DENIED that says which request to make. Tracking (runs,
artifacts) stays wherever the tracking URI points.
"""

from __future__ import annotations

from typing import List, Optional
from urllib.parse import unquote

from mlflow.entities.model_registry import (
    ModelVersion as MlflowModelVersion,
    ModelVersionTag,
    RegisteredModel as MlflowRegisteredModel,
    RegisteredModelAlias,
    RegisteredModelTag,
)
from mlflow.exceptions import MlflowException
from mlflow.protos import databricks_pb2
from mlflow.store.entities.paged_list import PagedList
from mlflow.store.model_registry.abstract_store import AbstractStore

from . import MregError, Registry, _values

try:  # MLflow 3: a version's source may be a logged model, models:/<model_id>
    from mlflow.store.artifact.utils.models import _parse_model_id_if_present
except ImportError:  # MLflow 2
    def _parse_model_id_if_present(uri):
        return None

_MLFLOW3 = "model_id" in MlflowModelVersion.__init__.__code__.co_varnames

SCHEMES = ("mreg", "mreg+file", "mreg+http", "mreg+https", "mreg+ssh")


def registry_location(store_uri: str) -> str:
    """The path or remote URL a store URI names: mreg:///abs/path (or mreg:relative/path),
    mreg+<git URL> for a remote."""
    scheme, sep, rest = store_uri.partition(":")
    if not sep or scheme not in SCHEMES:
        raise MlflowException(
            f"not an mreg registry URI: '{store_uri}' (expected mreg:///PATH or mreg+https://HOST/REPO)",
            databricks_pb2.INVALID_PARAMETER_VALUE,
        )
    if scheme != "mreg":
        return store_uri[len("mreg+"):]
    if rest.startswith("//"):
        host, _, path = rest[2:].partition("/")
        if host not in ("", "localhost"):
            raise MlflowException(
                f"'{store_uri}': a mreg:// URI names a local path (mreg:///PATH); for a remote use mreg+https://...",
                databricks_pb2.INVALID_PARAMETER_VALUE,
            )
        return unquote("/" + path)
    return unquote(rest)


def _mlflow_error(e: MregError) -> MlflowException:
    code = getattr(databricks_pb2, e.error_code, databricks_pb2.INTERNAL_ERROR)
    return MlflowException(e.message, code)


def _mv(v: _values.ModelVersion) -> MlflowModelVersion:
    extra = {"model_id": v.model_id or _parse_model_id_if_present(v.source)} if _MLFLOW3 else {}
    return MlflowModelVersion(
        **extra,
        name=v.name,
        version=str(v.version),
        creation_timestamp=v.creation_timestamp,
        last_updated_timestamp=v.last_updated_timestamp,
        description=v.description,
        user_id=v.user_id,
        current_stage=v.current_stage,
        source=v.source,
        run_id=v.run_id or None,
        status=v.status,
        status_message=v.status_message or None,
        tags=[ModelVersionTag(k, val) for k, val in v.tags.items()],
        run_link=v.run_link or None,
        aliases=list(v.aliases),
    )


def _rm(m: _values.RegisteredModel) -> MlflowRegisteredModel:
    return MlflowRegisteredModel(
        name=m.name,
        creation_timestamp=m.creation_timestamp,
        last_updated_timestamp=m.last_updated_timestamp,
        description=m.description,
        latest_versions=[_mv(v) for v in m.latest_versions],
        tags=[RegisteredModelTag(k, v) for k, v in m.tags.items()],
        aliases=[RegisteredModelAlias(a, n) for a, n in m.aliases.items()],
    )


def _tags(tags) -> dict:
    return {t.key: t.value for t in (tags or [])}


def _translating(method):
    """MregError out of the core becomes MlflowException with the same error code."""

    def call(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except MregError as e:
            raise _mlflow_error(e) from None

    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    return call


class MregStore(AbstractStore):
    """MLflow's model registry store API over an mreg registry."""

    def __init__(self, store_uri: Optional[str] = None, tracking_uri: Optional[str] = None):
        super().__init__()
        self.store_uri = store_uri
        self.tracking_uri = tracking_uri
        try:
            self._registry = Registry.open(registry_location(store_uri or ""))
        except MregError as e:
            raise _mlflow_error(e) from None

    # Registered models.
    @_translating
    def create_registered_model(self, name, tags=None, description=None, deployment_job_id=None):
        return _rm(self._registry.create_registered_model(name, description or "", _tags(tags)))

    @_translating
    def update_registered_model(self, name, description, deployment_job_id=None):
        self._registry.update_registered_model(name, description or "")
        return _rm(self._registry.get_registered_model(name))

    @_translating
    def rename_registered_model(self, name, new_name):
        self._registry.rename_registered_model(name, new_name)
        return _rm(self._registry.get_registered_model(new_name))

    @_translating
    def delete_registered_model(self, name):
        self._registry.delete_registered_model(name)

    @_translating
    def get_registered_model(self, name):
        return _rm(self._registry.get_registered_model(name))

    @_translating
    def search_registered_models(self, filter_string=None, max_results=None, order_by=None, page_token=None):
        page = self._registry.search_registered_models(
            filter_string or "", order_by, 100 if max_results is None else max_results, page_token or "")
        return PagedList([_rm(m) for m in page.items], page.next_page_token or None)

    @_translating
    def get_latest_versions(self, name, stages=None):
        return [_mv(v) for v in self._registry.get_latest_versions(name, stages)]

    @_translating
    def set_registered_model_tag(self, name, tag):
        self._registry.set_registered_model_tag(name, tag.key, tag.value)

    @_translating
    def delete_registered_model_tag(self, name, key):
        self._registry.delete_registered_model_tag(name, key)

    # Model versions.
    def _logged_model(self, model_id):
        from mlflow.tracking import MlflowClient

        return MlflowClient(tracking_uri=self.tracking_uri).get_logged_model(model_id)

    @_translating
    def create_model_version(self, name, source, run_id=None, tags=None, run_link=None, description=None,
                             local_model_path=None, model_id=None):
        # As MLflow 3's own stores do: a logged model (models:/<model_id>, or model_id) gives
        # the run that made it when the caller gives none (log_model(registered_model_name=...)),
        # and a models:/<model_id> source the place of its files, kept as storage_location.
        experiment_id = storage_location = ""
        source_model_id = _parse_model_id_if_present(source)
        model_id = source_model_id or model_id
        if model_id and (source_model_id or not run_id):
            logged = self._logged_model(model_id)
            if source_model_id:
                storage_location = logged.artifact_location
            if not run_id:
                run_id, experiment_id = logged.source_run_id, logged.experiment_id
        return _mv(self._registry.create_model_version(
            name, source, run_id=run_id or "", run_link=run_link or "", description=description or "",
            tags=_tags(tags), experiment_id=experiment_id or "", model_id=model_id or "",
            storage_location=storage_location or ""))

    @_translating
    def update_model_version(self, name, version, description):
        return _mv(self._registry.update_model_version(name, version, description or ""))

    @_translating
    def transition_model_version_stage(self, name, version, stage, archive_existing_versions):
        return _mv(self._registry.transition_model_version_stage(name, version, stage, archive_existing_versions))

    @_translating
    def delete_model_version(self, name, version):
        self._registry.delete_model_version(name, version)

    @_translating
    def get_model_version(self, name, version):
        return _mv(self._registry.get_model_version(name, version))

    @_translating
    def get_model_version_download_uri(self, name, version):
        """Where the version's files are: storage_location, else source, as MLflow 3's stores
        answer. A models:/<model_id> source recorded without a storage_location (an older
        registry) is looked up in the tracking server."""
        v = self._registry.get_model_version(name, version)
        if v.storage_location:
            return v.storage_location
        model_id = _parse_model_id_if_present(v.source)
        return self._logged_model(model_id).artifact_location if model_id else v.source

    @_translating
    def search_model_versions(self, filter_string=None, max_results=None, order_by=None, page_token=None):
        page = self._registry.search_model_versions(
            filter_string or "", order_by, 10000 if max_results is None else max_results, page_token or "")
        return PagedList([_mv(v) for v in page.items], page.next_page_token or None)

    @_translating
    def set_model_version_tag(self, name, version, tag):
        self._registry.set_model_version_tag(name, version, tag.key, tag.value)

    @_translating
    def delete_model_version_tag(self, name, version, key):
        self._registry.delete_model_version_tag(name, version, key)

    @_translating
    def set_registered_model_alias(self, name, alias, version):
        self._registry.set_registered_model_alias(name, alias, version)

    @_translating
    def delete_registered_model_alias(self, name, alias):
        self._registry.delete_registered_model_alias(name, alias)

    @_translating
    def get_model_version_by_alias(self, name, alias):
        return _mv(self._registry.get_model_version_by_alias(name, alias))

    @_translating
    def copy_model_version(self, src_mv, dst_name):
        """A copy of a version of this registry, as `mreg copy` makes it (one commit, recording
        where it came from; a missing dst_name is created in the same commit)."""
        return _mv(self._registry.copy_model_version(src_mv.name, src_mv.version, dst_name))
