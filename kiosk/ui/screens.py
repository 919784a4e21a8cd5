"""Every screen of the kiosk by name, and the .kv files that lay them out (one per screen group).

Importing this module imports Kivy; the runner and the tests import it only after `env.prepare`.
"""

from __future__ import annotations

from kiosk.ui import keyboard, shaping, widgets  # noqa: F401  register widgets for the .kv rules
from kiosk.ui.agreement import AgreementScreen
from kiosk.ui.approval import ApprovalScreen
from kiosk.ui.device_out import DeviceOutScreen, ReturnTimeScreen
from kiosk.ui.equipment import EquipmentScreen
from kiosk.ui.evacuation import EvacuationScreen, EvacuationStartScreen
from kiosk.ui.export import ManagerExportScreen
from kiosk.ui.home import HomeScreen
from kiosk.ui.manager import ManagerListScreen, ManagerMenuScreen, ManagerPickScreen
from kiosk.ui.message import DoneScreen, ProblemScreen
from kiosk.ui.root import KioskScreen
from kiosk.ui.staff import LockerDoorScreen, OnShiftScreen, ShiftStartScreen
from kiosk.ui.visitor import (
    LanguageScreen,
    LoneWorkingScreen,
    QuietSpaceScreen,
    VisitorAgreeScreen,
    VisitorDetailsScreen,
    VisitorNoticeScreen,
)
from kiosk.ui.visitor_search import ReturningVisitorScreen, SignOutScreen

SCREENS: dict[str, type[KioskScreen]] = {
    "home": HomeScreen,
    "done": DoneScreen,
    "problem": ProblemScreen,
    "shift_start": ShiftStartScreen,
    "agreement": AgreementScreen,
    "locker_door": LockerDoorScreen,
    "on_shift": OnShiftScreen,
    "device_out": DeviceOutScreen,
    "return_time": ReturnTimeScreen,
    "equipment": EquipmentScreen,
    "approval": ApprovalScreen,
    "visitor_notice": VisitorNoticeScreen,
    "lone_working": LoneWorkingScreen,
    "quiet_space": QuietSpaceScreen,
    "visitor_details": VisitorDetailsScreen,
    "visitor_agree": VisitorAgreeScreen,
    "sign_out": SignOutScreen,
    "returning": ReturningVisitorScreen,
    "language": LanguageScreen,
    "manager_menu": ManagerMenuScreen,
    "manager_list": ManagerListScreen,
    "manager_pick": ManagerPickScreen,
    "manager_export": ManagerExportScreen,
    "evacuation_start": EvacuationStartScreen,
    "evacuation": EvacuationScreen,
}

shaping.install()  # before the screens make their first label


def kv_files() -> list[str]:
    return [
        "home.kv", "message.kv", "shift_start.kv", "locker_door.kv", "on_shift.kv",
        "device_out.kv", "equipment.kv", "agreement.kv", "approval.kv", "visitor.kv",
        "visitor_search.kv", "manager.kv", "evacuation.kv",
    ]  # fmt: skip
