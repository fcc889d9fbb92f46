"""Prefect flows (thin) over plain functions, and the `panorama` CLI.

Importing this package fixes the environment Prefect and the model loader read at import
time: Prefect's home inside the project's working data, telemetry off, Hugging Face offline.
Explicit environment settings win over these defaults.

The top of the dependency graph: may import every other package; nothing imports `flows`.
"""

from core.settings import configure_environment

configure_environment()
