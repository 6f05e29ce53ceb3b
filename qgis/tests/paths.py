"""Paths the tests read: the repository root, the embedded profile, Cargo.toml, the plugin folder."""

import os

TESTS = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.path.join(os.path.dirname(TESTS), "lifecircle")
REPO = os.path.dirname(os.path.dirname(TESTS))
PROFILE = os.path.join(REPO, "data", "profiles", "gb50180.toml")
CARGO_TOML = os.path.join(REPO, "Cargo.toml")
SRC = os.path.join(REPO, "src")
