"""The parts of the HTTP contract both ends must agree on: paths, headers and limits.

Kept free of any web framework so the kiosk's pusher can import it on a Pi that does not carry the
records service. The full contract, with every field, is `openapi.json` beside this file.
"""

from __future__ import annotations

from pathlib import Path

API_PREFIX = "/api/v1"
EVENTS_PATH = API_PREFIX + "/kiosks/{kiosk_id}/events"
STATUS_PATH = API_PREFIX + "/kiosks/{kiosk_id}/status"
HEALTH_PATH = API_PREFIX + "/health"
OPENAPI_FILE = Path(__file__).parent / "openapi.json"

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

# A batch beyond either limit is refused whole with 413; the pusher then splits it in two.
MAX_BATCH_EVENTS = 1000
MAX_BODY_BYTES = 2 * 1024 * 1024
# The longest id a kiosk or an idempotency key may have (both are path or header text).
MAX_KIOSK_ID = 64
MAX_IDEMPOTENCY_KEY = 128
KIOSK_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
