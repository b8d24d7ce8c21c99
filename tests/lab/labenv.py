"""labenv.py - shared helpers for the lab's Python tests: the running lab's settings."""
import os
import sys


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


def system_python_modules(*modules):
    """Import modules that come from Debian packages (python3-spf, python3-yaml), which only the
    system interpreter sees; a python3 earlier on PATH (a virtualenv, pyenv) may not have them, so
    re-run this script under /usr/bin/python3 once."""
    try:
        for module in modules:
            __import__(module)
    except ImportError:
        system = "/usr/bin/python3"
        if (os.path.exists(system) and not os.environ.get("MAILCHECK_LAB_REEXEC")
                and os.path.realpath(sys.executable) != os.path.realpath(system)):
            os.environ["MAILCHECK_LAB_REEXEC"] = "1"
            os.execv(system, [system, *sys.argv])
        raise


def pyspf_use_resolver(spf, address):
    """pyspf asks its DNS library's default resolver, configured from /etc/resolv.conf; point it
    at ADDRESS, with no search list."""
    if getattr(spf, "DNSLookup", None) is getattr(spf, "DNSLookup_dnspython", None):
        import dns.resolver
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [address]
        dns.resolver.default_resolver = resolver
    else:
        import DNS
        DNS.defaults["server"] = [address]
