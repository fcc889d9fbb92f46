"""Rebuild a report's charts from its CSVs alone.

    python scripts/repro/charts.py reports/2025-11            # writes reports/2025-11/charts/*.svg
    python scripts/repro/charts.py reports/2025-11 --out /tmp/charts

The drawing code is `report/charts.py`, the very module the monthly flow uses, so a rebuilt
chart is byte-identical to the published one. It reads nothing but the CSVs under `data/`.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from report.charts import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
