"""The parts of the HTTP contract both ends must agree on: paths, headers and limits.

Kept free of any web framework so the kiosk's pusher can import it on a Pi that does not carry the
records service. The full contract, with every field, is `openapi.json` beside this file.
"""

from __future__ import annotations

from pathlib import Path

API_PREFIX = "/api/v1"
EVENTS_PATH = API_PREFIX + "/kiosks/{kiosk_id}/events"
STATUS_PATH = API_PREFIX + "/kiosks/{kiosk_id}/status"
# The setting's roster and values, fetched down by each of its kiosks (issue 11).
SETTING_PATH = API_PREFIX + "/kiosks/{kiosk_id}/setting"
HEALTH_PATH = API_PREFIX + "/health"
# The other kiosks' events of the kiosk's setting, after a receipt number (issue 11).
FEED_PATH = API_PREFIX + "/kiosks/{kiosk_id}/feed"
OPENAPI_FILE = Path(__file__).parent / "openapi.json"

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

# A batch beyond either limit is refused whole with 413; the pusher then splits it in two.
MAX_BATCH_EVENTS = 1000
MAX_BODY_BYTES = 2 * 1024 * 1024
# The setting's snapshot: its shape's version (a kiosk refuses a format it does not know), and the
# largest a kiosk accepts (a setting of 200 staff is ~40 KiB). The kiosk's checks
# (kiosk.store.roster_check, FORMAT and MAX_BYTES) hold the same figures; a test keeps them equal.
SNAPSHOT_FORMAT = 1
MAX_SNAPSHOT_BYTES = 1024 * 1024

# The longest id a kiosk or an idempotency key may have (both are path or header text).
MAX_KIOSK_ID = 64
MAX_IDEMPOTENCY_KEY = 128
KIOSK_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

# An event's time as written: RFC 3339 text with a zone (never a number: no guessing at epoch
# seconds), years 1970 (a Pi that booted without the time) to 2999. Later is no clock at all, and
# the bound keeps every move to UTC or local time, and a day's arithmetic, inside what Python's
# datetime holds: 9999-12-31T23:59:59-05:00 overflowed in the service (a 500, retried for ever).
FIRST_YEAR, LAST_YEAR = 1970, 2999
DATE_TIME_PATTERN = (
    r"^(19[7-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)

# The feed: at most FEED_MAX_EVENTS events a page; a request waits at most FEED_MAX_WAIT_S for
# something new (long-poll). A kiosk refuses a feed answer over FEED_MAX_BYTES whole.
FEED_MAX_EVENTS = 500
FEED_MAX_WAIT_S = 25.0
FEED_MAX_BYTES = 4 * 1024 * 1024
