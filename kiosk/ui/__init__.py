"""The Kivy screens at the entrance (built by the touchscreen issue).

The only package that imports kivy."""
