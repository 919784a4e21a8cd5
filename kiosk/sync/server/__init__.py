"""The records service: the manager's side of the sync contract (HTTP API, web page, database).

Everything under this package may import FastAPI, uvicorn and pydantic (the `records` extra); the
kiosk never imports it, and the CLI only does so lazily for `kiosk records …`.
"""
