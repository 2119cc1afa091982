#!/usr/bin/env python3
# open_files.py - Defender for Endpoint open-files scan.
# Finds the files that selected processes hold open (or have mapped) whose
# path contains one of the filter names, and records for each process whether
# a given environment setting is present. Used for the log4j exposure check.
#
# usage: open_files.py --scan-id ID --filter-names N[,N...] [--marker-path PATH]
#                      [--process-filter NAME[,NAME...]] [--filter-env VAR=VALUE]
#                      [--collect-dirlist ITEM[,ITEM...]]
# example (log4j handlers scan):
#   python3 open_files.py --scan-id log4j_handlersV2 --filter-names log4j,LOG4J,spring-core --marker-path /var/opt/microsoft/mdatp/wdavedr/log4jMitigationApplied --process-filter java,javaw --filter-env LOG4J_FORMAT_MSG_NO_LOOKUPS=true --collect-dirlist /log4j/core/lookup/JndiLookup.class,log4j-,spring-core-

import argparse
import json
import os
import subprocess
import sys
import zipfile

PS_COMMAND = ["/bin/ps", "-A", "-o", "comm,pid,ppid,uid,args"]
LSOF_PASSES = ("-d mem", "-d 3-65535")  # mapped files first, then descriptors
TIMEOUT = 60


def split_list(value):
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def matching_processes(names):
    out = subprocess.run(PS_COMMAND, capture_output=True, text=True, timeout=TIMEOUT).stdout
    procs = []
    for line in out.splitlines()[1:]:
        parts = line.split(None, 4)
        if len(parts) >= 4 and parts[0] in names:
            procs.append({"comm": parts[0], "pid": int(parts[1]), "ppid": int(parts[2]),
                          "uid": int(parts[3]), "args": parts[4] if len(parts) > 4 else ""})
    return procs


def open_paths(names, selector):
    # lsof options: -a (AND the selections) -c NAME per process name, -F pn (pid + name records)
    command = "lsof -a " + " ".join("-c " + n for n in names) + " " + selector + " -F pn"
    out = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=TIMEOUT).stdout
    files, pid = {}, None
    for line in out.splitlines():
        if line.startswith("p"):
            pid = int(line[1:])
        elif line.startswith("n") and pid is not None:
            files.setdefault(pid, set()).add(line[1:])
    return files


def env_has(pid, setting):
    try:
        with open("/proc/%d/environ" % pid, "rb") as handle:
            entries = handle.read().split(b"\0")
    except OSError:
        return None
    return setting.encode() in entries


def dirlist(path, items):
    # Entries of a jar that match the collect list (class names or jar name prefixes)
    hits = [i for i in items if not i.startswith("/") and i in os.path.basename(path)]
    try:
        with zipfile.ZipFile(path) as jar:
            for entry in jar.namelist():
                hits.extend(i for i in items if i.startswith("/") and entry.endswith(i.lstrip("/")))
    except (OSError, zipfile.BadZipFile):
        pass
    return sorted(set(hits))


def main():
    parser = argparse.ArgumentParser(description="open files of selected processes")
    parser.add_argument("--scan-id", required=True)
    parser.add_argument("--filter-names", required=True)
    parser.add_argument("--marker-path")
    parser.add_argument("--process-filter", default="java,javaw")
    parser.add_argument("--filter-env")
    parser.add_argument("--collect-dirlist", default="")
    args = parser.parse_args()

    filters = split_list(args.filter_names)
    names = split_list(args.process_filter)
    collect = split_list(args.collect_dirlist)

    result = {
        "scan_id": args.scan_id,
        "mitigation_marker": bool(args.marker_path and os.path.exists(args.marker_path)),
        "processes": [],
    }
    procs = matching_processes(names)
    if procs:
        seen = {}
        for selector in LSOF_PASSES:
            for pid, paths in open_paths(names, selector).items():
                seen.setdefault(pid, set()).update(paths)
        for proc in procs:
            hits = sorted(p for p in seen.get(proc["pid"], ()) if any(f in p for f in filters))
            entry = dict(proc, files=[{"path": p, "dirlist": dirlist(p, collect)} for p in hits])
            if args.filter_env:
                entry["env_match"] = env_has(proc["pid"], args.filter_env)
            result["processes"].append(entry)

    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
