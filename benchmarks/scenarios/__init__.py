"""One module per benchmark scenario; each exposes ``scenario_<name>(sizes) -> Result``."""
