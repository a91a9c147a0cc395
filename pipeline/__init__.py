"""Budget-performance self-evaluation reports → verified structured records."""

import os

# onnxruntime (used by RapidOCR and imported by pymupdf) sends a telemetry DNS lookup after
# creating a session; this environment has no network and documents must not leak anywhere.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"
