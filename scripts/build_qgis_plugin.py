#!/usr/bin/env python3
"""Build the QGIS plugin zip that QGIS's "Install from ZIP" takes: `make qgis-plugin`.

    python3 scripts/build_qgis_plugin.py [--out target/lifecircle-qgis.zip]

The zip holds one top-level folder `lifecircle/`: the plugin's Python modules, icon and metadata.txt from
`qgis/lifecircle/`, and the embedded rule profile `data/profiles/gb50180.toml` as `profiles/gb50180.toml`
(the plugin copies it when a planner changes a life-circle threshold). metadata.txt gets the crate's
version (and its `repository` / `homepage` URL when Cargo.toml has one) from Cargo.toml, so the plugin
and the engine it was built with carry one version. Entries have a fixed date, so the same sources give
the same zip. Needs nothing but Python 3.
"""

import argparse
import os
import re
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUGIN = os.path.join(ROOT, "qgis", "lifecircle")
PROFILE = os.path.join(ROOT, "data", "profiles", "gb50180.toml")
FIXED_DATE = (2020, 1, 1, 0, 0, 0)


def cargo_package(path):
    """The [package] keys of Cargo.toml this build reads: version, license, repository, homepage."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    section = re.search(r"^\[package\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    if not section:
        sys.exit(f"{path}: no [package] section")
    keys = dict(re.findall(r'^(\w+)\s*=\s*"([^"]*)"', section.group(1), re.M))
    if "version" not in keys:
        sys.exit(f"{path}: no package version")
    return keys


def metadata_text(source, package):
    """metadata.txt with the crate's version, licence and (when Cargo.toml has one) homepage."""
    lines = []
    for line in source.splitlines():
        key = line.split("=", 1)[0].strip()
        if key == "version":
            line = f"version={package['version']}"
        elif key == "license" and package.get("license"):
            line = f"license={package['license']}"
        elif key in ("homepage", "repository", "tracker"):
            continue  # written from Cargo.toml below
        lines.append(line)
    url = package.get("repository") or package.get("homepage")
    if url:
        lines += [f"homepage={package.get('homepage') or url}", f"repository={url}"]
        if "github.com" in url or "gitlab" in url:
            lines.append(f"tracker={url.rstrip('/')}/issues")
    else:
        print("build_qgis_plugin: Cargo.toml has no `repository` or `homepage`; metadata.txt has no homepage", file=sys.stderr)
    return "\n".join(lines) + "\n"


def plugin_files():
    """(path on disk, name in the zip) of every file the plugin needs."""
    files = []
    for name in sorted(os.listdir(PLUGIN)):
        path = os.path.join(PLUGIN, name)
        if os.path.isfile(path) and (name.endswith(".py") or name in ("icon.svg", "LICENSE")):
            files.append((path, f"lifecircle/{name}"))
    files.append((PROFILE, "lifecircle/profiles/gb50180.toml"))
    return files


def add(zf, name, data):
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "target", "lifecircle-qgis.zip"))
    args = parser.parse_args()
    package = cargo_package(os.path.join(ROOT, "Cargo.toml"))
    with open(os.path.join(PLUGIN, "metadata.txt"), encoding="utf-8") as f:
        metadata = metadata_text(f.read(), package)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    partial = args.out + ".partial"
    with zipfile.ZipFile(partial, "w") as zf:
        add(zf, "lifecircle/metadata.txt", metadata.encode("utf-8"))
        for path, name in plugin_files():
            with open(path, "rb") as f:
                add(zf, name, f.read())
    os.replace(partial, args.out)
    with zipfile.ZipFile(args.out) as zf:
        count = len(zf.namelist())
    print(f"{args.out}: lifecircle QGIS plugin {package['version']}, {count} files")


if __name__ == "__main__":
    main()
