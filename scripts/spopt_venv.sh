# Sourced by the spopt comparison scripts: makes target/spopt-venv (PySAL spopt from PyPI, with PuLP) on
# first use and sets $venv to it. Run from the repository root.
venv=target/spopt-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import spopt, pulp" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet spopt
fi
