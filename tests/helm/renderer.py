"""Render the chart with Helm's own engine, one JSON request per stdin line (tests/helm/chart.py).

Request: {"values": {...} | null, "name", "namespace", "upgrade": bool} -> {"files": {path: text}}
or {"error": message}; {"lint": true, "values": ...} -> helm lint's report. Runs in its own
process because libhelm_c starts a Go runtime.
"""

from __future__ import annotations

import json
import sys


def main(chart_dir: str) -> int:
    import helm_python
    from helm_python import Chart, HelmError

    helm_python.disable_logging()
    with Chart.load(chart_dir) as chart:
        for line in sys.stdin:
            request = json.loads(line)
            try:
                if request.get("lint"):
                    answer = helm_python.lint(chart_dir, request["values"], strict=True)
                else:
                    files = chart.render(
                        values=request["values"],
                        name=request["name"],
                        namespace=request["namespace"],
                        is_install=not request["upgrade"],
                        is_upgrade=request["upgrade"],
                    )
                    answer = {"files": files}
            except HelmError as exc:
                answer = {"error": str(exc)}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
