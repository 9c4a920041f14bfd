"""The registry's values as plain dataclasses, with MLflow's field names.

Timestamps are milliseconds since the Unix epoch, as in MLflow; ``user_id`` is
who created the model or version ("Name <email>" as git records it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class CopiedFrom:
    """Where a copied version came from: registry id, model, version and commit."""

    registry: str
    name: str
    version: int
    commit: str


@dataclass
class ModelVersion:
    """One version of a registered model (MLflow's ModelVersion, plus mreg's lineage)."""

    name: str
    version: int
    creation_timestamp: int
    last_updated_timestamp: int
    user_id: str
    current_stage: str
    description: str = ""
    source: str = ""
    run_id: str = ""
    run_link: str = ""
    status: str = "READY"
    status_message: str = ""
    tags: Dict[str, str] = field(default_factory=dict)
    aliases: List[str] = field(default_factory=list)
    experiment_id: str = ""
    model_id: str = ""  # MLflow 3: the logged model it was made from (m-<id>)
    storage_location: str = ""  # MLflow 3: where its files are, when source does not say
    digest: str = ""
    flavors: List[str] = field(default_factory=list)
    signature: Optional[Any] = None
    stage_request: str = ""
    copied_from: Optional[CopiedFrom] = None

    @classmethod
    def _from_core(cls, d: dict) -> "ModelVersion":
        origin = d.pop("copied_from")
        v = cls(**d)
        if origin is not None:
            v.copied_from = CopiedFrom(**origin)
        return v


@dataclass
class Problem:
    """A file of the registry that does not read, and why (line 0: the whole file)."""

    path: str
    line: int
    message: str


@dataclass
class RegisteredModel:
    """A registered model (MLflow's RegisteredModel) with its latest version per stage."""

    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    user_id: str
    description: str = ""
    last_version: int = 0
    tags: Dict[str, str] = field(default_factory=dict)
    aliases: Dict[str, int] = field(default_factory=dict)
    latest_versions: List[ModelVersion] = field(default_factory=list)
    problems: List[Problem] = field(default_factory=list)

    @classmethod
    def _from_core(cls, d: dict) -> "RegisteredModel":
        d["latest_versions"] = [ModelVersion._from_core(v) for v in d["latest_versions"]]
        d["problems"] = [Problem(**p) for p in d.get("problems", [])]
        return cls(**d)


@dataclass
class Request:
    """A request to move a version into a stage, set or remove an alias, or delete it."""

    id: str
    name: str
    version: int
    from_stage: str
    to_stage: str
    alias: str
    remove_alias: str
    delete_version: bool
    archive_existing_versions: bool
    version_sha256: str
    user_id: str
    creation_timestamp: int
    comment: str
    target: str


@dataclass
class Finding:
    """One thing `verify` found: an E_* code, the file, who, which key, and a message."""

    code: str
    path: str
    principal: str
    key: str
    message: str


@dataclass
class VerifyReport:
    """What `mreg verify` reports: ok when every protected move is justified."""

    ok: bool
    mode: str
    commit: str
    base_commit: str
    policy_version: int
    root_pinned: bool
    problems: List[Finding]
    warnings: List[Finding]
    states: List[dict]
    requests: List[dict]
    checkpoint: str

    @classmethod
    def _from_core(cls, d: dict) -> "VerifyReport":
        d["problems"] = [Finding(**f) for f in d["problems"]]
        d["warnings"] = [Finding(**f) for f in d["warnings"]]
        return cls(**d)


@dataclass
class SearchPage:
    """One page of a search: the items, the token of the next page ("" on the last),
    and the models left out because a file of theirs does not read."""

    items: list
    next_page_token: str
    broken_models: List[str]
