#!/usr/bin/env python3
# find_python_package.py - Defender for Endpoint software inventory helper.
# Finds installed Python distributions (*.dist-info and *.egg-info folders) in
# virtual environments and in global library folders, and reports their name,
# version and location.
#
# usage: find_python_package.py [--search-dirs DIR[,DIR...]] [--global-dirs DIR[,DIR...]]
#                               [--max-depth N]
# defaults: --search-dirs /home/user/envs,/opt/venvs --global-dirs /usr/local/lib,/tmp/venv/lib

import argparse
import json
import os
import sys

DEFAULT_SEARCH_DIRS = "/home/user/envs,/opt/venvs"
DEFAULT_GLOBAL_DIRS = "/usr/local/lib,/tmp/venv/lib"
METADATA_FILES = ("METADATA", "PKG-INFO")


def read_metadata(dist_dir):
    for name in METADATA_FILES:
        path = os.path.join(dist_dir, name)
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                meta = {}
                for line in handle:
                    if not line.strip():
                        break  # headers end at the first blank line
                    key, sep, value = line.partition(":")
                    if sep and key in ("Name", "Version"):
                        meta[key.lower()] = value.strip()
                return meta
        except OSError:
            continue
    return {}


def walk(root, max_depth, scope):
    found = []
    if not os.path.isdir(root):
        return found
    base_depth = root.rstrip(os.sep).count(os.sep)
    for current, dirs, _files in os.walk(root, followlinks=False):
        if current.count(os.sep) - base_depth >= max_depth:
            dirs[:] = []
        for name in list(dirs):
            if name.endswith((".dist-info", ".egg-info")):
                dist_dir = os.path.join(current, name)
                meta = read_metadata(dist_dir)
                found.append({
                    "name": meta.get("name", name.split("-")[0]),
                    "version": meta.get("version", ""),
                    "location": current,
                    "scope": scope,
                })
                dirs.remove(name)
    return found


def split_dirs(value):
    return [d.strip() for d in value.split(",") if d.strip()]


def main():
    parser = argparse.ArgumentParser(description="installed python packages")
    parser.add_argument("--search-dirs", default=DEFAULT_SEARCH_DIRS,
                        help="folders holding virtual environments")
    parser.add_argument("--global-dirs", default=DEFAULT_GLOBAL_DIRS,
                        help="global library folders")
    parser.add_argument("--max-depth", type=int, default=6)
    args = parser.parse_args()

    packages = []
    for root in split_dirs(args.search_dirs):
        packages.extend(walk(root, args.max_depth, "venv"))
    for root in split_dirs(args.global_dirs):
        packages.extend(walk(root, args.max_depth, "global"))

    json.dump({"packages": packages, "count": len(packages)}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
