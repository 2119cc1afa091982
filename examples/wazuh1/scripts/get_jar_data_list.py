#!/usr/bin/env python3
# get_jar_data_list.py - Defender for Endpoint software inventory helper.
# Lists the jar files that match one or more path patterns and reports selected
# attributes from each jar's META-INF/MANIFEST.MF.
#
# usage: get_jar_data_list.py --jar-path PATTERN [--jar-path PATTERN ...]
#                             [--manifest-keys KEY[,KEY...]] [--max-results N]
# example:
#   python3 get_jar_data_list.py --jar-path /usr/sap/*/*/j2ee/cluster/apps/sap.com/devserver_metadataupload_ear/servlet_jsp/developmentserver/root/WEB-INF/lib/devserver_metadataupload_war.jar --manifest-keys implementation-version,implementation-vendor

import argparse
import glob
import json
import os
import sys
import zipfile

MANIFEST_ENTRY = "META-INF/MANIFEST.MF"
DEFAULT_KEYS = "implementation-version,implementation-vendor"


def manifest_attributes(jar_path, wanted):
    """Return the wanted manifest attributes (lower-cased names) of one jar."""
    try:
        with zipfile.ZipFile(jar_path) as jar:
            raw = jar.read(MANIFEST_ENTRY)
    except KeyError:
        return {"error": "no manifest"}
    except (OSError, zipfile.BadZipFile) as err:
        return {"error": type(err).__name__}

    # A manifest line longer than 72 bytes continues on the next line,
    # which then starts with a single space.
    lines = []
    for line in raw.decode("utf-8", "replace").splitlines():
        if line.startswith(" ") and lines:
            lines[-1] += line[1:]
        else:
            lines.append(line)

    found = {}
    for line in lines:
        name, sep, value = line.partition(":")
        key = name.strip().lower()
        if sep and key in wanted and key not in found:
            found[key] = value.strip()
    return found


def main():
    parser = argparse.ArgumentParser(description="jar files and manifest attributes")
    parser.add_argument("--jar-path", action="append", required=True,
                        help="glob pattern of the jar files to inspect (repeatable)")
    parser.add_argument("--manifest-keys", default=DEFAULT_KEYS,
                        help="comma separated manifest attribute names")
    parser.add_argument("--max-results", type=int, default=500)
    args = parser.parse_args()

    wanted = {k.strip().lower() for k in args.manifest_keys.split(",") if k.strip()}
    jars = []
    for pattern in args.jar_path:
        for path in sorted(glob.glob(pattern)):
            if len(jars) >= args.max_results:
                break
            if not os.path.isfile(path):
                continue
            info = os.stat(path)
            jars.append({
                "path": path,
                "size": info.st_size,
                "modified": int(info.st_mtime),
                "manifest": manifest_attributes(path, wanted),
            })

    json.dump({"jars": jars, "count": len(jars), "keys": sorted(wanted)}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
