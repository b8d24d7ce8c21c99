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
