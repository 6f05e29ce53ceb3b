#!/usr/bin/env bash
# Install the Debian packages lifecircle needs to build and test, when they are missing.
#   libgdal-dev libproj-dev pkg-config libclang-dev : build (gdal-sys, proj-sys; proj-sys runs bindgen)
#   gdal-bin osmium-tool proj-bin                    : test fixtures and independent checks (ogr2ogr, osmium, cs2cs)
set -euo pipefail
#   fonts-noto-cjk (with `demo`)                    : Chinese text in the printable map
#   chromium python3-qgis (with `clients`)          : make check-clients (headless browser, QGIS; python3-qgis also
#                                                     brings the Processing framework and the plugin installer
#                                                     that scripts/check_qgis_plugin.py uses)
packages=(libgdal-dev libproj-dev pkg-config libclang-dev gdal-bin osmium-tool proj-bin)
case "${1:-}" in
  demo) packages+=(fonts-noto-cjk) ;;
  clients) packages+=(fonts-noto-cjk chromium python3-qgis) ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v cargo >/dev/null 2>&1; then
  echo "bootstrap: cargo is not on PATH. Install the Rust toolchain (stable, 1.88 or newer) with rustup, then run this again." >&2
  exit 1
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "bootstrap: installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "bootstrap: these packages are missing and this user is not root: ${missing[*]}" >&2
    echo "bootstrap: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}"
