"""Services join the rules and the store: one transaction per action, nothing shown as done before
its commit returns. The UI and the CLI talk to these, never to the store directly."""

from kiosk.errors import NotRecorded
from kiosk.services.context import Recorded, ServiceContext
from kiosk.services.kiosk import KioskService

__all__ = ["KioskService", "NotRecorded", "Recorded", "ServiceContext"]
