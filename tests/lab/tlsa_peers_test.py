#!/usr/bin/env python3
"""tlsa_peers_test.py - `mailcheck tlsa` against hash-slinger's `tlsa --create` and ldns-dane's
`create`, for every usage x selector x matching type, on the lab's certificates; and `--host`
(the chain a live lab server presents) against the same records made from the served files.

Formatting differences each tool documents are normalised away: ldns-dane separates fields with
tabs; hash-slinger prints no TTL and announces the certificate on extra lines. Everything else
(owner, class, type, parameters, hex data) must be byte-for-byte equal.

Chain position for usages 0 and 2 (a CA certificate): mailcheck's default is the leaf's issuer
(position 1). hash-slinger asks about each certificate in turn (answered "n", then "y");
ldns-dane counts from the end of the chain (-o 1 on leaf + issuer + root). For PKIX-TA(0)
hash-slinger starts its questions at the issuer ("y"), for DANE-TA(2) at the leaf ("n", "y")."""
import os
import subprocess
import tempfile
import unittest

import labenv

ARGS = None
HOST = "mx.dane-ta.co.nz"


def lab_env():
    return labenv.lab_env(ARGS.lab_dir)


def record(text):
    """The single 'owner [ttl] IN TLSA u s m hex' line of a tool's output, TTL dropped.
    hash-slinger's question about the chain ends without a newline, so the record starts at the
    owner name ('_25.') wherever it is on the line."""
    lines = [l[l.index("_25."):] for l in text.splitlines()
             if " TLSA " in l.replace("\t", " ") and "_25." in l]
    if len(lines) != 1:
        raise AssertionError(f"expected one TLSA line, got:\n{text}")
    f = lines[0].split()
    if f[1].isdigit():
        del f[1]
    return " ".join(f)


class TlsaPeers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        env = lab_env()
        pki = os.path.join(ARGS.lab_dir, "pki")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.full = os.path.join(cls.tmp.name, "full.pem")  # leaf + issuer + root
        with open(cls.full, "w") as out:
            for part in (os.path.join(pki, f"{HOST}.chain.pem"), env["LAB_CA"]):
                out.write(open(part).read())
        cls.leaf = os.path.join(pki, f"{HOST}.pem")
        cls.chain = os.path.join(pki, f"{HOST}.chain.pem")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def ours(self, path, u, s, m):
        p = subprocess.run([ARGS.mailcheck, "tlsa", path, "--name", HOST, "--params", f"{u} {s} {m}"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return record(p.stdout)

    def hash_slinger(self, u, s, m):
        # For PKIX-TA(0) hash-slinger offers the CA certificates from the issuer on; for
        # DANE-TA(2) it offers the leaf first. Either way: take the leaf's issuer.
        answers = {0: "y\n", 2: "n\ny\n"}.get(u, "")
        p = subprocess.run(["tlsa", "--create", "--certificate", self.full, "--usage", str(u),
                            "--selector", str(s), "--mtype", str(m), "--port", "25", HOST],
                           input=answers, capture_output=True, text=True, timeout=60)
        return record(p.stdout + p.stderr)

    def ldns_dane(self, u, s, m):
        args = ["ldns-dane", "-s", "-c", self.full]
        if u in (0, 2):
            args += ["-o", "1"]
        p = subprocess.run(args + ["create", HOST, "25", str(u), str(s), str(m)],
                           capture_output=True, text=True, timeout=60)
        return record(p.stdout + p.stderr)

    def test_every_combination_matches_both_peers(self):
        count = 0
        for u in range(4):
            for s in range(2):
                for m in range(3):
                    with self.subTest(params=f"{u} {s} {m}"):
                        ours = self.ours(self.full, u, s, m)
                        self.assertEqual(ours, self.hash_slinger(u, s, m), "hash-slinger")
                        self.assertEqual(ours, self.ldns_dane(u, s, m), "ldns-dane")
                        count += 1
        print(f"{count} combinations equal across mailcheck, hash-slinger and ldns-dane")
        self.assertEqual(count, 24)

    def test_rfc7218_names_give_the_same_record(self):
        p = subprocess.run([ARGS.mailcheck, "tlsa", self.full, "--name", HOST, "--params",
                            "DANE-TA SPKI SHA2-256"], capture_output=True, text=True)
        self.assertEqual(record(p.stdout), self.ours(self.full, 2, 1, 1))

    def test_live_server_gives_the_served_chain(self):
        env = lab_env()
        live = subprocess.run([ARGS.mailcheck, "tlsa", "--host", HOST, "--all", "--resolver",
                               env["LAB_RESOLVER"], "--trust-anchor", env["LAB_TRUST_ANCHOR"]],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(live.returncode, 0, live.stderr)
        served = subprocess.run([ARGS.mailcheck, "tlsa", self.chain, "--name", HOST, "--all"],
                                capture_output=True, text=True)
        self.assertEqual(live.stdout, served.stdout)
        self.assertEqual(len(live.stdout.splitlines()), 2)  # 3 1 1 and 2 1 1

    def test_bad_inputs_exit_two_with_one_line(self):
        env = lab_env()
        with tempfile.NamedTemporaryFile("w", suffix=".pem") as junk:
            junk.write("not a certificate\n")
            junk.flush()
            cases = [
                ([junk.name, "--name", HOST], "no certificate and no key"),
                (["/nonexistent.pem", "--name", HOST], "cannot read"),
                ([self.leaf, "--name", HOST, "--params", "2 1 1"], "no position 1"),
                ([self.leaf, "--name", HOST, "--params", "9 1 1"], "not a TLSA usage"),
                (["--host", "mx.smtp-no-starttls.co.nz", "--resolver", env["LAB_RESOLVER"],
                  "--trust-anchor", env["LAB_TRUST_ANCHOR"]],
                 "does not offer STARTTLS"),
            ]
            self_signed = os.path.join(ARGS.lab_dir, "pki", "mx.smtp-self-signed.co.nz.pem")
            cases.append(([self_signed, "--name", HOST, "--params", "2 1 1"], "self-signed"))
            key = subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                                  "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:x"],
                                 capture_output=True, text=True, check=True).stdout
            enc = os.path.join(self.tmp.name, "enc.key")
            open(enc, "w").write(key)
            cases.append(([enc, "--name", HOST], "encrypted private key"))
            for args, needle in cases:
                with self.subTest(args=args):
                    p = subprocess.run([ARGS.mailcheck, "tlsa", *args], capture_output=True,
                                       text=True, timeout=60)
                    self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                    self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
                    self.assertIn(needle, p.stderr)


if __name__ == "__main__":
    labenv.main(globals())
