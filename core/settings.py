"""The one module that reads the process environment.

Every setting an operator may change through the environment is read here, at call time (tests
and the CLI change the environment between calls), and nowhere else:

=============================  =========================================================
``PANORAMA_DATA_DIR``          working data (warehouse, index, archive, Prefect home);
                               default ``<project>/data``
``PANORAMA_DB``                the DuckDB file; default ``<data dir>/panorama.duckdb``
``PANORAMA_REPORTS_DIR``       where reports are written; default ``<project>/reports``
``PANORAMA_EMBED_MODEL``       sentence-transformers model name or folder; default
                               all-MiniLM-L6-v2 (from the offline package)
``PANORAMA_CLASSIFY_MODEL``    the classifier's encoder (a model name, a folder, or names
                               joined by ``+``: their vectors concatenated); default
                               DEFAULT_CLASSIFY_MODEL
``PANORAMA_MODEL_DIR``         where packaged models shipped in pieces are assembled;
                               default ``<venv>/share/panorama/models``
``PANORAMA_USER_AGENT``        User-Agent of every request (overrides the watchlist's)
``GITHUB_TOKEN``               optional GitHub token (GraphQL batches); never logged
``PANORAMA_DUMP_MEMORY_LIMIT`` DuckDB memory limit of `ingest-dump`; default 2GB
=============================  =========================================================

`configure_environment` sets the defaults Prefect and the model loader read at import time.
Standard library only (see `core`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_EMBED_MODEL = "all-MiniLM-L6-v2"
# The classifier's own encoder (search, topics and near-duplicates keep DEFAULT_EMBED_MODEL):
# MiniLM's vector beside all-mpnet-base-v2's (landscape.packaged_models). Cross-validation
# inside the training items of the dev tasks' draws rated it above MiniLM alone in 26 of 29
# (against mpnet alone: split, 15 of 29); it keeps MiniLM's half, which search computes
# anyway, and cosines on the scale the taxonomy's similarity settings were set on (the mean
# of the two models' cosines). Measured: README "Classification and review".
DEFAULT_CLASSIFY_MODEL = f"{DEFAULT_EMBED_MODEL}+all-mpnet-base-v2"
DEFAULT_DUMP_MEMORY_LIMIT = "2GB"
DEFAULT_USER_AGENT = (
    "panorama/0.1 (+https://github.com/panorama-landscape/panorama; panorama@example.org)"
)


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def data_dir() -> Path:
    """The working-data folder (created on first use)."""
    path = Path(_env("PANORAMA_DATA_DIR") or PROJECT_ROOT / "data")
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_path() -> Path:
    """The DuckDB warehouse file."""
    env = _env("PANORAMA_DB")
    return Path(env) if env else data_dir() / "panorama.duckdb"


def reports_dir() -> Path:
    """Where reports are written (created on first use)."""
    path = Path(_env("PANORAMA_REPORTS_DIR") or PROJECT_ROOT / "reports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def embed_model() -> str:
    """The embedding model name (or local folder)."""
    return _env("PANORAMA_EMBED_MODEL") or DEFAULT_EMBED_MODEL


def classify_model() -> str:
    """The encoder the classifier uses (landscape.classify, `panorama eval`)."""
    return _env("PANORAMA_CLASSIFY_MODEL") or DEFAULT_CLASSIFY_MODEL


def model_dir() -> Path:
    """Where packaged models are assembled: inside the environment they were installed in,
    so every data dir (and every test's) shares one copy instead of unpacking 419 MB each."""
    return Path(_env("PANORAMA_MODEL_DIR") or Path(sys.prefix) / "share" / "panorama" / "models")


def user_agent() -> str | None:
    """The operator's User-Agent override, or None (the watchlist's or the default applies)."""
    return _env("PANORAMA_USER_AGENT")


def github_token() -> str | None:
    """`GITHUB_TOKEN`, or None. Callers must never log, record or store it."""
    return _env("GITHUB_TOKEN")


def prefect_api_url() -> str | None:
    """`PREFECT_API_URL` when a Prefect server is configured (else Prefect is ephemeral)."""
    return _env("PREFECT_API_URL")


def dump_memory_limit() -> str:
    """DuckDB `memory_limit` for the registry dump ingest."""
    return _env("PANORAMA_DUMP_MEMORY_LIMIT") or DEFAULT_DUMP_MEMORY_LIMIT


def configure_environment() -> None:
    """Keep Prefect's home in the working data, telemetry off, model loading offline.

    Explicit environment settings win over these defaults. Call before Prefect or
    transformers are imported (they read these at import time).
    """
    home = data_dir() / "prefect"
    home.mkdir(parents=True, exist_ok=True)
    defaults = {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    configure_model_offline()


def configure_model_offline() -> None:
    """Hugging Face libraries never reach the network (the model ships as a package)."""
    for key, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                       ("TOKENIZERS_PARALLELISM", "false")):
        os.environ.setdefault(key, value)
