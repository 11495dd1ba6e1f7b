#!/usr/bin/env python3
"""check_layers.py - the include and call rules of docs/architecture.md.

Reads every .c/.h under lib/, cli/ and include/wattnet/ and fails (exit 1)
on a break of the layering

    core -> energy -> data -> nn / meter -> store -> model -> report
    glue: run, sweep (may use every module)          cli: public API only

Rules, per file of folder F (include/wattnet/X.h counts as folder X):
  include  a leaf (core .. report) includes only the public headers of its
           own module and of the modules in ALLOWED below (store, model
           and report also run.h, for the plain run record); never the
           umbrella <wattnet/wattnet.h>.  Private headers ("dir/x.h") only
           of its own folder or of lib/core.
  call     a leaf calls only functions declared in the public headers it
           may include (so lib/store/* calls no wn_meter_*, lib/model/*
           no wn_store_*, lib/report/* no wn_model_fit*); glue functions
           (run.h, sweep.h) are for glue and the CLI only.
  cli      cli/ includes only <wattnet/...>, system headers and its own
           "cli*.h": no private lib/ header.

Known violations on main are listed in tests/layers/allowlist.txt, one
"path: rule detail" line each, exactly as this script prints them.  The
lead empties that file after merging the issue-8 branches of the meter+store
(A1) and model+report (A2) helpers, which remove those violations; an
allowlist line that no longer matches a violation is itself an error, so
the list can only shrink.

Usage:  check_layers.py [--root DIR] [--allowlist FILE] [--self-test]
--self-test plants violations in a scratch copy of the tree and checks that
each is reported (the check can fail), then checks the real tree.
Standard library only.
"""
import argparse
import os
import re
import shutil
import sys
import tempfile

# The modules each leaf may use (include the public header, call its
# functions); a leaf always may use its own.  Glue (run, sweep) and the CLI
# may use every module.
LOW = {"core", "energy"}
ALLOWED = {"core": {"core"},
           "energy": LOW,
           "data": LOW | {"data"},
           "nn": LOW | {"data", "nn"},
           "readings": LOW,
           "meter": LOW | {"readings"},
           "probe": LOW,
           "study": LOW | {"data", "nn", "readings"},
           "store": LOW | {"data", "nn", "readings"},
           "model": LOW | {"data", "nn"},
           "advise": LOW | {"data", "nn", "model"},
           "report": LOW | {"data", "nn", "model", "study", "advise"}}
GLUE = {"run", "sweep", "import"}
# Glue folders that implement a leaf's outside I/O may use that leaf's
# private header: the BUTTER-E import (lib/import) reads CSVs with the
# study's parser (lib/study/study_internal.h).
GLUE_PRIVATE = {("import", "study")}
# Calls a leaf may not make although it may include the header.
FORBIDDEN_CALLS = {"report": re.compile(r"^wn_model_fit")}
# Public header -> the module that owns it.
HEADER_MODULE = {"core.h": "core", "host.h": "core", "energy.h": "energy",
                 "data.h": "data", "shape.h": "nn", "train.h": "nn",
                 "meter.h": "meter", "store.h": "store", "model.h": "model",
                 "report.h": "report", "run.h": "run", "sweep.h": "sweep",
                 "cpus.h": "core", "redact.h": "core", "probe.h": "probe",
                 "probe_profile.h": "run",
                 "readings.h": "readings", "meter_store.h": "run",
                 "analysis.h": "run", "study.h": "study", "gpu.h": "nn", "advise.h": "advise", "data_origin.h": "data",
                 "data_use.h": "report", "study_import.h": "run", "wattnet.h": "umbrella"}
# Headers of plain value records (wn_run_record) that store, model and
# report may include for the types; their functions are glue only.
VALUE_HEADERS = {"run.h"}
VALUE_USERS = {"store", "model", "report", "study", "advise"}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
CALL_RE = re.compile(r'\b(wn_[A-Za-z0-9_]+)\s*\(')
COMMENT_RE = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)
STRING_RE = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'')


def strip_code(text):
    """Text without comments and string literals (newlines kept)."""
    text = COMMENT_RE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return STRING_RE.sub('""', text)


def header_allowed(folder, header):
    """May a file of FOLDER include public header HEADER?"""
    mod = HEADER_MODULE.get(header)
    if folder in GLUE or folder == "cli":
        return True
    if mod is None or mod == "umbrella":
        return False
    if header in VALUE_HEADERS:
        return folder in VALUE_USERS
    return mod == folder or mod in ALLOWED.get(folder, set())


def declared_functions(root):
    """Function name -> public header that declares it."""
    out = {}
    inc = os.path.join(root, "include", "wattnet")
    for name in sorted(os.listdir(inc)):
        if not name.endswith(".h"):
            continue
        with open(os.path.join(inc, name), encoding="utf-8") as f:
            code = strip_code(f.read())
        for m in CALL_RE.finditer(code):
            out.setdefault(m.group(1), name)
    return out


def source_files(root):
    """(relative path, folder) of every file the rules cover."""
    for top in ("lib", "cli", os.path.join("include", "wattnet")):
        base = os.path.join(root, top)
        for dirpath, _, names in os.walk(base):
            for name in sorted(names):
                if not name.endswith((".c", ".h")):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), root)
                parts = rel.split(os.sep)
                if parts[0] == "cli":
                    folder = "cli"
                elif parts[0] == "include":
                    folder = HEADER_MODULE.get(name, "umbrella")
                else:
                    folder = parts[1]
                yield rel.replace(os.sep, "/"), folder


def check_include(rel, folder, kind, target):
    """A violation string for one include line, or None."""
    if kind == "<":
        if not target.startswith("wattnet/"):
            return None                     # system header
        header = target[len("wattnet/"):]
        if folder == "umbrella" or header_allowed(folder, header):
            return None
        return "include <%s>" % target
    if folder == "cli":
        if "/" in target or not target.startswith("cli"):
            return 'include "%s" (private lib/ header in cli/)' % target
        return None
    if "/" not in target:
        return None                         # same-folder header
    owner = target.split("/")[0]
    if owner in (folder, "core") or (folder in GLUE and owner in GLUE):
        return None
    if (folder, owner) in GLUE_PRIVATE:
        return None
    return 'include "%s" (private header of lib/%s)' % (target, owner)


def check_calls(rel, folder, code, decls):
    """Violation strings for calls to functions a leaf may not use."""
    if folder in GLUE or folder in ("cli", "umbrella") or rel.startswith("include/"):
        return []
    found = []
    for name in sorted(set(m.group(1) for m in CALL_RE.finditer(code))):
        header = decls.get(name)
        if header is None:
            continue
        if HEADER_MODULE.get(header) in GLUE:
            found.append("calls %s() (%s: glue only)" % (name, header))
        elif not header_allowed(folder, header) or \
                (folder in FORBIDDEN_CALLS and FORBIDDEN_CALLS[folder].match(name)):
            found.append("calls %s() (%s)" % (name, header))
    return found


def violations(root):
    decls = declared_functions(root)
    out = []
    for rel, folder in source_files(root):
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            text = f.read()
        code = strip_code(text)
        for m in INCLUDE_RE.finditer(COMMENT_RE.sub("", text)):
            v = check_include(rel, folder, m.group(1), m.group(2))
            if v:
                out.append("%s: %s" % (rel, v))
        out.extend("%s: %s" % (rel, v)
                   for v in check_calls(rel, folder, code, decls))
    return out


def read_allowlist(path):
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [ln.strip() for ln in f
                if ln.strip() and not ln.lstrip().startswith("#")]


def run_check(root, allowlist_path, quiet=False):
    """0 when every violation is allowlisted and no allowlist line is stale."""
    found = violations(root)
    allowed = read_allowlist(allowlist_path)
    new = [v for v in found if v not in allowed]
    stale = [a for a in allowed if a not in found]
    if not quiet:
        for v in new:
            print("layer violation: %s" % v)
        for a in stale:
            print("stale allowlist line (no longer a violation, remove it): %s" % a)
        print("check_layers: %d violation(s), %d allowlisted, %d new, %d stale"
              % (len(found), len(found) - len(new), len(new), len(stale)))
    return 1 if new or stale else 0


# Planted violations: (file to create, content, what must be reported).
PLANTS = [
    ("lib/store/planted_store.c", '#include <wattnet/meter.h>\n',
     "lib/store/planted_store.c: include <wattnet/meter.h>"),
    ("lib/model/planted_model.c",
     "void f(void *s) { wn_store_close(s); }\n",
     "lib/model/planted_model.c: calls wn_store_close() (store.h)"),
    ("lib/report/planted_report.c",
     "int g(void) { return wn_model_fit_runs(0, 0, 0, 0); }\n",
     "lib/report/planted_report.c: calls wn_model_fit_runs() (model.h)"),
    ("lib/data/planted_data.c", '#include <wattnet/wattnet.h>\n',
     "lib/data/planted_data.c: include <wattnet/wattnet.h>"),
    ("cli/planted_cli.c", '#include "store/store_impl.h"\n',
     'cli/planted_cli.c: include "store/store_impl.h" (private lib/ header in cli/)'),
    ("lib/meter/planted_meter.c", '#include "report/sbuf.h"\n',
     'lib/meter/planted_meter.c: include "report/sbuf.h" (private header of lib/report)'),
]


def self_test(root):
    """Plant each violation in a scratch copy; each must be reported."""
    scratch = tempfile.mkdtemp(prefix="check_layers.")
    try:
        for top in ("lib", "cli", "include"):
            shutil.copytree(os.path.join(root, top), os.path.join(scratch, top))
        decls = declared_functions(scratch)
        if "wn_model_fit_runs" not in decls or "wn_store_close" not in decls:
            print("self-test: the planted calls name functions no header "
                  "declares any more; update PLANTS")
            return 1
        base = set(violations(scratch))
        for path, content, expect in PLANTS:
            full = os.path.join(scratch, path)
            with open(full, "w", encoding="utf-8") as f:
                f.write(content)
            got = set(violations(scratch)) - base
            os.remove(full)
            if expect not in got:
                print("self-test FAILED: planted %s was not reported as '%s' "
                      "(got %s)" % (path, expect, sorted(got)))
                return 1
        bogus = os.path.join(scratch, "allowlist.txt")
        with open(bogus, "w", encoding="utf-8") as f:
            f.write("lib/none.c: include <wattnet/none.h>\n")
        if run_check(scratch, bogus, quiet=True) != 1:
            print("self-test FAILED: a stale allowlist line was accepted")
            return 1
        print("self-test: all %d planted violations and a stale allowlist "
              "line reported" % len(PLANTS))
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(here))
    ap.add_argument("--allowlist",
                    default=os.path.join(here, "layers", "allowlist.txt"))
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test and self_test(args.root):
        return 1
    return run_check(args.root, args.allowlist)


if __name__ == "__main__":
    sys.exit(main())
