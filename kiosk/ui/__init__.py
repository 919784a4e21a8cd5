"""The Kivy screens at the entrance, their composition root (`runner`) and the control channel.

The only package that imports kivy, and only from the modules that draw: `env`, `ports`,
`drives` and `control` stay Kivy-free so `kiosk screenshot` and the CLI never load it.
"""
