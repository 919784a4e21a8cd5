"""The setting's phone policy as pure rules: no I/O, no database, no Kivy, no GPIO.

Everything here takes plain values and returns decisions or raises `PolicyError` with words a
person at the kiosk can act on. The store records what these rules decide; the state of the site
(who is on shift, which devices are out) is always a fold over the event log (`state.fold`).
"""
