"""labenv.py - shared helpers for the lab's Python tests: the running lab's settings."""
import os


def lab_env(lab_dir):
    """The KEY=VALUE pairs lab/lab.sh start wrote to $MAILCHECK_LAB_DIR/env."""
    env = {}
    with open(os.path.join(lab_dir, "env")) as f:
        for line in f:
            line = line.strip()
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                env[k] = v.strip("'\"")
    return env


def main(module_globals, extra_args=()):
    """Parse --mailcheck, --lab-dir (and extra_args) into the test module's ARGS, run unittest."""
    import argparse
    import sys
    import unittest

    parser = argparse.ArgumentParser()
    for name in ("--mailcheck", "--lab-dir", *extra_args):
        parser.add_argument(name, required=True)
    args, rest = parser.parse_known_args()
    module_globals["ARGS"] = args
    unittest.main(argv=[sys.argv[0], "-v", *rest])
