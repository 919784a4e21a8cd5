"""Device check-in kiosk for early-years settings: staff store personal devices at shift start,
exceptions are approved and recorded, visitors acknowledge the phone notice, and every event is kept
in a durable, append-only log for the manager."""

__version__ = "0.1.0"
