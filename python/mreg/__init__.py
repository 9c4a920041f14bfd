"""mreg in Python: a model registry in a git repository, read and written in-process
through mreg's C++ core (no server, no `mreg` process).

    import mreg
    registry = mreg.Registry.open("/path/to/registry")    # or a remote URL
    registry.create_registered_model("power-forecast", description="Hourly load")
    v = registry.create_model_version("power-forecast", source="s3://bucket/model")
    registry.transition_model_version_stage("power-forecast", v.version, "Staging")
    registry.at("HEAD~1").get_registered_model("power-forecast")   # any revision

Every write is one commit, as the `mreg` command makes it. Every failure raises
MregError, with MLflow's error code and the exit code `mreg` would give.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Tuple

from . import _core
from ._errors import EXIT_CODES, MregError
from ._values import (
    CopiedFrom,
    Finding,
    ModelVersion,
    Problem,
    RegisteredModel,
    Request,
    SearchPage,
    VerifyReport,
)

__version__: str = _core.__version__

__all__ = [
    "Registry",
    "Snapshot",
    "MregError",
    "EXIT_CODES",
    "RegisteredModel",
    "ModelVersion",
    "CopiedFrom",
    "Problem",
    "Request",
    "Finding",
    "VerifyReport",
    "SearchPage",
    "is_remote_url",
    "model_dir_digest",
]

# git's remote URLs: scheme://... or scp-like user@host:path.
_REMOTE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^[^/@:]+@[^/:]+:")
_AUTHOR = re.compile(r"^\s*(.*?)\s*<([^<>]+)>\s*$")


def is_remote_url(location: str) -> bool:
    """Whether `location` is a git remote URL (scheme:// or user@host:path) rather than a path."""
    return bool(_REMOTE_URL.match(location))


def model_dir_digest(path: str, algorithm: str = "sha256") -> str:
    """The model digest of a model folder, as `mreg register --model-dir` records it and `mreg
    download` checks it: "sha256:<hex>" or, with algorithm="blake3", "blake3:<hex>" (docs/cli.md,
    "The model digest"). Pass it as create_model_version's digest."""
    return _core.model_dir_digest(path, algorithm)


def _author(author: Optional[str]) -> Optional[Tuple[str, str]]:
    if author is None:
        return None
    m = _AUTHOR.match(author)
    if not m or not m.group(1):
        raise MregError("INVALID_PARAMETER_VALUE", f"author: expected \"Name <email>\", got '{author}'")
    return (m.group(1), m.group(2))


def _version(version) -> int:
    try:
        return int(version)
    except (TypeError, ValueError):
        raise MregError("INVALID_PARAMETER_VALUE", f"version: expected a whole number, got '{version}'") from None


class Snapshot:
    """The registry as it is in one commit. Reads only; cheap to make."""

    def __init__(self, core: "_core.Snapshot"):
        self._core = core

    @property
    def commit_id(self) -> str:
        """The commit read, as hex."""
        return self._core.commit_id

    @property
    def commit_time(self) -> int:
        """The commit's time, seconds since the epoch."""
        return self._core.commit_time

    @property
    def stages(self) -> List[str]:
        """The registry's stages (mreg.yaml), the first being new versions' stage."""
        return self._core.stages

    @property
    def registry_id(self) -> str:
        """The registry's id (mreg.yaml), to which approvals are bound."""
        return self._core.registry_id

    def model_names(self) -> List[str]:
        """Every model's name, sorted bytewise."""
        return self._core.model_names()

    def has_model(self, name: str) -> bool:
        return self._core.has_model(name)

    def get_registered_model(self, name: str) -> RegisteredModel:
        """A model with its latest version per stage; RESOURCE_DOES_NOT_EXIST when there is none."""
        return RegisteredModel._from_core(self._core.get_registered_model(name))

    def list_registered_models(self) -> List[RegisteredModel]:
        """Every model, sorted by name; a model whose files do not all read has `problems`."""
        return [RegisteredModel._from_core(d) for d in self._core.list_registered_models()]

    def get_model_version(self, name: str, version: int) -> ModelVersion:
        return ModelVersion._from_core(self._core.get_model_version(name, _version(version)))

    def get_model_versions(self, name: str) -> List[ModelVersion]:
        """Every version of a model, ascending."""
        return [ModelVersion._from_core(d) for d in self._core.get_model_versions(name)]

    def get_latest_versions(self, name: str, stages: Optional[Iterable[str]] = None) -> List[ModelVersion]:
        """The highest version in each stage asked for (all when None), in stage order."""
        return [ModelVersion._from_core(d) for d in self._core.get_latest_versions(name, list(stages or []))]

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return ModelVersion._from_core(self._core.get_model_version_by_alias(name, alias))

    def resolve_model_uri(self, uri: str) -> ModelVersion:
        """The version a models:/ URI names (models:/NAME/N, /STAGE, /latest, models:/NAME@ALIAS)."""
        return ModelVersion._from_core(self._core.resolve_model_uri(uri))

    def get_requests(self, name: str) -> List[Request]:
        """A model's requests, oldest first."""
        return [Request(**d) for d in self._core.get_requests(name)]

    def get_request(self, name: str, request_id: str) -> Request:
        return Request(**self._core.get_request(name, request_id))

    def canonical_stage(self, stage: str) -> str:
        """The stage as mreg.yaml spells it (case ignored); INVALID_PARAMETER_VALUE when unknown."""
        return self._core.canonical_stage(stage)

    def read_file(self, path: str) -> Optional[bytes]:
        """A file of the commit, or None."""
        return self._core.read_file(path)

    def search_registered_models(
        self,
        filter_string: str = "",
        order_by: Optional[List[str]] = None,
        max_results: int = 100,
        page_token: str = "",
    ) -> SearchPage:
        """Models matching a filter in MLflow's grammar (`name LIKE 'power%' AND tags.team = 'grid'`)."""
        items, token, broken = self._core.search_registered_models(
            filter_string or "", list(order_by or []), max_results, page_token or ""
        )
        return SearchPage([RegisteredModel._from_core(d) for d in items], token, broken)

    def search_model_versions(
        self,
        filter_string: str = "",
        order_by: Optional[List[str]] = None,
        max_results: int = 10000,
        page_token: str = "",
    ) -> SearchPage:
        """Versions matching a filter in MLflow's grammar (`name = 'm' AND run_id = '...'`)."""
        items, token, broken = self._core.search_model_versions(
            filter_string or "", list(order_by or []), max_results, page_token or ""
        )
        return SearchPage([ModelVersion._from_core(d) for d in items], token, broken)


class Registry:
    """A registry to write to (each write one commit) and read from (`at`, or the
    read methods here, which read HEAD).

    Open with `Registry.open(path_or_url)`; make one with `Registry.init(path)`.
    `author` ("Name <email>") is who writes are recorded as; by default git's
    GIT_AUTHOR_* or user.name/user.email. `create_tags`: annotated tags for
    registrations and transitions, as the CLI makes them.
    """

    def __init__(self, core: "_core.Registry", author: Optional[str] = None, create_tags: bool = True):
        self._core = core
        self._author = _author(author)
        self._tags = create_tags

    @classmethod
    def open(cls, location: str, author: Optional[str] = None, create_tags: bool = True) -> "Registry":
        """The registry at or above a local path, or at a remote URL (read through
        mreg's cache of the remote, as `mreg --remote`; writes are pushed to it)."""
        if is_remote_url(location):
            return cls(_core.Registry.open_remote(location), author, create_tags)
        return cls(_core.Registry.open(location), author, create_tags)

    @classmethod
    def init(
        cls,
        path: str,
        registry_id: str = "",
        stages: Optional[List[str]] = None,
        bare: bool = False,
        author: Optional[str] = None,
    ) -> "Registry":
        """Makes `path` a registry (a new repository when needed): mreg.yaml, one commit."""
        return cls(_core.Registry.init(path, registry_id, list(stages or []), bare, _author(author)), author)

    @property
    def path(self) -> str:
        return self._core.path

    @property
    def is_bare(self) -> bool:
        return self._core.is_bare

    @property
    def last_commit(self) -> str:
        """The commit the last write made, as hex ("" before any)."""
        return self._core.last_commit

    def at(self, rev: str = "") -> Snapshot:
        """The registry at a revision: a branch, tag, commit, or REV@{DATE}; "" is HEAD."""
        return Snapshot(self._core.at(rev))

    def _w(self) -> Tuple[Optional[Tuple[str, str]], bool]:
        return self._author, self._tags

    # Reads of HEAD.
    def get_registered_model(self, name: str) -> RegisteredModel:
        return self.at().get_registered_model(name)

    def get_model_version(self, name: str, version: int) -> ModelVersion:
        return self.at().get_model_version(name, version)

    def get_latest_versions(self, name: str, stages: Optional[Iterable[str]] = None) -> List[ModelVersion]:
        return self.at().get_latest_versions(name, stages)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return self.at().get_model_version_by_alias(name, alias)

    def search_registered_models(self, filter_string: str = "", order_by: Optional[List[str]] = None,
                                 max_results: int = 100, page_token: str = "") -> SearchPage:
        return self.at().search_registered_models(filter_string, order_by, max_results, page_token)

    def search_model_versions(self, filter_string: str = "", order_by: Optional[List[str]] = None,
                              max_results: int = 10000, page_token: str = "") -> SearchPage:
        return self.at().search_model_versions(filter_string, order_by, max_results, page_token)

    # Writes: each one commit.
    def create_registered_model(self, name: str, description: str = "",
                                tags: Optional[Dict[str, str]] = None) -> RegisteredModel:
        return RegisteredModel._from_core(self._core.create_registered_model(name, description, tags, *self._w()))

    def update_registered_model(self, name: str, description: str) -> RegisteredModel:
        return RegisteredModel._from_core(self._core.update_registered_model(name, description, *self._w()))

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        return RegisteredModel._from_core(self._core.rename_registered_model(name, new_name, *self._w()))

    def delete_registered_model(self, name: str) -> None:
        self._core.delete_registered_model(name, *self._w())

    def set_registered_model_tag(self, name: str, key: str, value: str) -> RegisteredModel:
        return RegisteredModel._from_core(self._core.set_registered_model_tag(name, key, value, *self._w()))

    def delete_registered_model_tag(self, name: str, key: str) -> RegisteredModel:
        return RegisteredModel._from_core(self._core.delete_registered_model_tag(name, key, *self._w()))

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str = "",
        run_link: str = "",
        description: str = "",
        tags: Optional[Dict[str, str]] = None,
        experiment_id: str = "",
        digest: str = "",
        flavors: Optional[List[str]] = None,
        signature: Optional[dict] = None,
        create_model: bool = False,
        model_id: str = "",
        storage_location: str = "",
    ) -> ModelVersion:
        """A new version numbered last_version + 1, in the first stage. With
        create_model, a missing model is created in the same commit. model_id and
        storage_location are MLflow 3's: the logged model it was made from, and where
        its files are when source (models:/<model_id>) does not say."""
        return ModelVersion._from_core(self._core.create_model_version(
            name, source, run_id or "", run_link or "", experiment_id or "", model_id or "", storage_location or "",
            description or "", digest or "", list(flavors or []), signature, tags, create_model, *self._w()))

    def copy_model_version(self, src_name: str, src_version: int, dst_name: str,
                           source: Optional[Snapshot] = None, create_model: bool = True) -> ModelVersion:
        """A new version of dst_name copied from a version of src_name in `source` (a snapshot
        of this registry, HEAD by default, or of another), recording where it came from."""
        snap = (source or self.at())._core
        return ModelVersion._from_core(self._core.copy_model_version(
            snap, src_name, _version(src_version), dst_name, create_model, *self._w()))

    def update_model_version(self, name: str, version: int, description: str) -> ModelVersion:
        return ModelVersion._from_core(self._core.update_model_version(name, _version(version), description,
                                                                       *self._w()))

    def delete_model_version(self, name: str, version: int) -> None:
        self._core.delete_model_version(name, _version(version), *self._w())

    def set_model_version_tag(self, name: str, version: int, key: str, value: str) -> ModelVersion:
        return ModelVersion._from_core(self._core.set_model_version_tag(name, _version(version), key, value,
                                                                        *self._w()))

    def delete_model_version_tag(self, name: str, version: int, key: str) -> ModelVersion:
        return ModelVersion._from_core(self._core.delete_model_version_tag(name, _version(version), key,
                                                                           *self._w()))

    def transition_model_version_stage(self, name: str, version: int, stage: str,
                                       archive_existing_versions: bool = False, comment: str = "") -> ModelVersion:
        """Moves a version into a stage (with archive_existing_versions, the others in it to
        the archive stage, in the same commit). A protected stage raises PERMISSION_DENIED
        naming the request to make."""
        return ModelVersion._from_core(self._core.transition_stage(
            name, _version(version), stage, archive_existing_versions, comment, *self._w()))

    def set_registered_model_alias(self, name: str, alias: str, version: int) -> ModelVersion:
        return ModelVersion._from_core(self._core.set_alias(name, alias, _version(version), *self._w()))

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        self._core.delete_alias(name, alias, *self._w())

    def comment(self, name: str, version: int, text: str) -> None:
        """A comment on a version: an empty commit whose body is the text."""
        self._core.comment(name, _version(version), text, *self._w())

    def create_request(self, name: str, version: int, to_stage: str = "", alias: str = "",
                       remove_alias: str = "", delete_version: bool = False,
                       archive_existing_versions: bool = False, comment: str = "") -> Request:
        """A request (unsigned) for a protected move, for review: exactly one of to_stage,
        alias, remove_alias and delete_version."""
        return Request(**self._core.create_request(name, _version(version), to_stage, alias, remove_alias,
                                                   delete_version, archive_existing_versions, comment,
                                                   *self._w()))

    def apply_request(self, name: str, request_id: str, comment: str = "") -> ModelVersion:
        """Performs the move an approved request asks for."""
        return ModelVersion._from_core(self._core.apply_request(name, request_id, comment, *self._w()))

    def close_request(self, name: str, request_id: str, outcome: str, comment: str = "") -> None:
        """Closes an open request: outcome "reject" (a reviewer) or "cancel" (the requester or an
        admin). Requests that a rule governs are closed by a signed file (`mreg reject`/`cancel`)."""
        self._core.close_request(name, request_id, outcome, comment, *self._w())

    def add_approval(self, name: str, request_id: str, principal: str, payload: str, signature: str,
                     comment: str = "") -> None:
        """Adds a reviewer's approval: the exact payload bytes and their SSH signature (checked first)."""
        self._core.add_approval(name, request_id, principal, payload, signature, comment, *self._w())

    def init_policy(self, policy_text: str) -> None:
        """Writes policy version 1 (docs/approvals.md) and .mreg/allowed_signers."""
        self._core.init_policy(policy_text, *self._w())

    def propose_policy(self, policy_text: str) -> int:
        """Writes the next policy version from edited text; returns its number."""
        return self._core.propose_policy(policy_text, *self._w())

    def add_policy_signature(self, version: int, principal: str, signature: str) -> None:
        """Adds an admin's signature over a policy version (checked before it is written)."""
        self._core.add_policy_signature(_version(version), principal, signature, *self._w())

    def sync_tags(self) -> List[str]:
        """Creates the annotated tags missing for the history of HEAD's branch; returns their names."""
        return self._core.sync_tags()

    def pull(self) -> Tuple[str, str]:
        """Fast-forwards the branch to the remote branch it follows; returns (before, after) commits."""
        return self._core.pull()

    def push(self) -> Tuple[str, List[str]]:
        """Sends the branch and mreg's tags to the remote branch it follows; returns (commit, tags)."""
        return self._core.push()

    def check(self, rev: str = "") -> List[Problem]:
        """`mreg check`: every problem of the registry at a revision (empty: none)."""
        return [Problem(**p) for p in self._core.check(rev)]

    def verify(self, rev: str = "", base: str = "", since: str = "", trusted_root: str = "") -> VerifyReport:
        """`mreg verify`: whether every protected move is justified by approvals."""
        return VerifyReport._from_core(self._core.verify(rev, base, since, trusted_root))
