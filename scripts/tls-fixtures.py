#!/usr/bin/env python3
"""Regenerate the committed certificate fixtures of tests/fixtures/tls/.

Only dates that cannot rot are committed: expired in 2001 (forever expired)
or valid until 2099/2100. Certificates whose verdict depends on today's date
(expiring soon) are generated at test time by tests/tls_certs.rs.
Needs python3-cryptography. Run from the repository root; arguments name
the check directories to write (e.g. `cert-hostname-mismatch`), none: all.
"""
import datetime as dt
import os
import subprocess
import sys
import tempfile
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

BASE = "tests/fixtures/tls"
PAST = (dt.datetime(2000, 1, 1), dt.datetime(2001, 1, 1))
FUTURE = (dt.datetime(2020, 1, 1), dt.datetime(2099, 12, 31))


def key(kind):
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(65537, int(kind.split("-")[1]))


def cert(cn, k, dates, issuer=None, ca=False, h=hashes.SHA256(), sans=None):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    iname, ikey = (issuer[0].subject, issuer[1]) if issuer else (name, k)
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(iname).public_key(k.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(dates[0]).not_valid_after(dates[1])
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca and sans != []:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in (sans or [cn])]), critical=False)
    return b.sign(ikey, h)


def pem(*certs):
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def write(path, data):
    if sys.argv[1:] and path.split("/")[0] not in sys.argv[1:]:
        return
    path = os.path.join(BASE, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


ca_key = key("ec")
ca = cert("Fixture Root CA", ca_key, FUTURE, ca=True)
old_ca = cert("Expired Root CA", ca_key, PAST, ca=True)
leaf_key = key("ec")
expired = cert("old.example.com", leaf_key, PAST, issuer=(ca, ca_key))
valid = cert("www.example.com", leaf_key, FUTURE, issuer=(ca, ca_key))
selfsigned = cert("www.example.com", leaf_key, FUTURE)
snakeoil = cert("debian", leaf_key, PAST)

# tls.cert-expired
write("cert-expired/fail/letsencrypt-fullchain-leaf-expired/etc/letsencrypt/live/example.com/fullchain.pem", pem(expired, ca))
write("cert-expired/fail/local-file-expired/etc/ssl/local/old.pem", pem(expired))
write("cert-expired/pass/valid-until-2099/etc/ssl/local/site.pem", pem(valid))
write("cert-expired/pass/trust-store-ignored/etc/ssl/certs/ca-certificates.crt", pem(old_ca, ca))
write("cert-expired/pass/trust-store-ignored/etc/ssl/certs/ssl-cert-snakeoil.pem", pem(snakeoil))
write("cert-expired/pass/trust-store-ignored/etc/ssl/certs/old-root.pem", pem(old_ca))
write("cert-expired/pass/trust-store-ignored/etc/pki/ca-trust/source/anchors/old.pem", pem(expired))
# tls.cert-expiring
write("cert-expiring/fail/already-expired/etc/ssl/local/old.pem", pem(expired))
write("cert-expiring/pass/valid-until-2099/etc/letsencrypt/live/example.com/fullchain.pem", pem(valid, ca))
# tls.cert-weak-key
k1024 = key("rsa-1024")
write("cert-weak-key/fail/rsa-1024/etc/ssl/local/rsa1024.pem", pem(cert("rsa1024.example.com", k1024, FUTURE, issuer=(ca, ca_key))))
k2048 = key("rsa-2048")
write("cert-weak-key/pass/ec-p256-and-rsa-2048/etc/ssl/local/ec.pem", pem(valid))
write("cert-weak-key/pass/ec-p256-and-rsa-2048/etc/ssl/local/rsa2048.pem", pem(cert("rsa2048.example.com", k2048, FUTURE, issuer=(ca, ca_key))))
# tls.cert-weak-signature (the cryptography package no longer signs with
# SHA-1: the openssl CLI does)
tmp = tempfile.mkdtemp()


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tmp)


def read(name):
    with open(os.path.join(tmp, name), "rb") as f:
        return f.read()


with open(os.path.join(tmp, "ca.key"), "wb") as f:
    f.write(k2048.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
with open(os.path.join(tmp, "leaf.csr.key"), "wb") as f:
    f.write(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
with open(os.path.join(tmp, "ext.cnf"), "w") as f:
    f.write("[leaf]\nbasicConstraints=critical,CA:FALSE\n[ca]\nbasicConstraints=critical,CA:TRUE\n")
openssl("req", "-x509", "-sha1", "-key", "ca.key", "-days", "27000", "-subj", "/CN=SHA-1 Root CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-out", "root.pem")
openssl("req", "-new", "-key", "leaf.csr.key", "-subj", "/CN=legacy.example.com", "-out", "leaf.csr")
openssl("x509", "-req", "-sha1", "-in", "leaf.csr", "-CA", "root.pem", "-CAkey", "ca.key", "-days", "27000",
        "-extfile", "ext.cnf", "-extensions", "leaf", "-out", "sha1-leaf.pem")
openssl("x509", "-req", "-sha256", "-in", "leaf.csr", "-CA", "root.pem", "-CAkey", "ca.key", "-days", "27000",
        "-extfile", "ext.cnf", "-extensions", "leaf", "-out", "sha256-leaf.pem")
openssl("req", "-new", "-key", "leaf.csr.key", "-subj", "/CN=SHA-1 Intermediate", "-out", "int.csr")
openssl("x509", "-req", "-sha1", "-in", "int.csr", "-CA", "root.pem", "-CAkey", "ca.key", "-days", "27000",
        "-extfile", "ext.cnf", "-extensions", "ca", "-out", "sha1-int.pem")
write("cert-weak-signature/fail/sha1-leaf/etc/pki/tls/certs/legacy.crt", read("sha1-leaf.pem"))
write("cert-weak-signature/fail/sha1-intermediate-in-chain/etc/ssl/local/chain.pem",
      pem(valid) + read("sha1-int.pem"))
write("cert-weak-signature/pass/sha1-self-signed-root-in-chain/etc/ssl/local/chain.pem",
      read("sha256-leaf.pem") + read("root.pem"))
write("cert-weak-signature/pass/sha256-leaf/etc/ssl/local/site.pem", pem(valid))
# tls.cert-self-signed
write("cert-self-signed/fail/letsencrypt-live-self-signed/etc/letsencrypt/live/example.com/cert.pem", pem(selfsigned))
write("cert-self-signed/pass/ca-issued-leaf/etc/letsencrypt/live/example.com/fullchain.pem", pem(valid, ca))
write("cert-self-signed/pass/unserved-self-signed-ignored/etc/ssl/certs/ssl-cert-snakeoil.pem", pem(selfsigned))
write("cert-self-signed/pass/unserved-self-signed-ignored/etc/ssl/local/test.pem", pem(selfsigned))

# Certificates that service configurations name (tls.cert-expired,
# tls.cert-self-signed, tls.cert-hostname-mismatch).
write("cert-expired/fail/nginx-relative-to-prefix/etc/nginx/certs/old.pem", pem(expired))
write("cert-expired/fail/postgresql-relative-to-data-directory/var/lib/postgresql/15/main/server.crt", pem(expired))
write("cert-expired/fail/redis-tls-cert-file/etc/redis/tls/redis.crt", pem(expired))
write("cert-expired/fail/mysql-ssl-cert/etc/mysql/certs/server-cert.pem", pem(expired))
write("cert-expired/pass/nginx-referenced-valid/srv/tls/site.pem", pem(valid, ca))
write("cert-self-signed/fail/nginx-public-server/etc/nginx/ssl/site.pem", pem(selfsigned))
write("cert-self-signed/fail/apache-vhost-snakeoil/etc/ssl/certs/ssl-cert-snakeoil.pem", pem(selfsigned))
write("cert-self-signed/pass/nginx-loopback-server/etc/nginx/ssl/site.pem", pem(selfsigned))
write("cert-self-signed/pass/postgresql-self-signed-not-public-web/etc/postgresql/15/main/server.crt", pem(selfsigned))
wild = cert("example.com", leaf_key, FUTURE, issuer=(ca, ca_key), sans=["example.com", "*.example.com"])
cn_only = cert("www.example.com", leaf_key, FUTURE, issuer=(ca, ca_key), sans=[])
ip_san = x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "192.0.2.10")])) \
    .issuer_name(ca.subject).public_key(leaf_key.public_key()).serial_number(x509.random_serial_number()) \
    .not_valid_before(FUTURE[0]).not_valid_after(FUTURE[1]) \
    .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True) \
    .add_extension(x509.SubjectAlternativeName([x509.DNSName("www.example.com")]), critical=False).sign(ca_key, hashes.SHA256())
H = "cert-hostname-mismatch"
write(f"{H}/fail/nginx-name-not-in-san/etc/nginx/ssl/www.pem", pem(valid, ca))
write(f"{H}/fail/apache-serveralias-not-covered/etc/ssl/local/www.pem", pem(valid, ca))
write(f"{H}/fail/wildcard-server-name-needs-wildcard-cert/etc/nginx/ssl/www.pem", pem(valid, ca))
write(f"{H}/fail/ip-address-only-in-cn/etc/nginx/ssl/ip.pem", pem(ip_san, ca))
write(f"{H}/fail/http-level-certificate-inherited/etc/nginx/ssl/www.pem", pem(valid, ca))
write(f"{H}/pass/wildcard-cert-covers-one-label/etc/nginx/ssl/wild.pem", pem(wild, ca))
write(f"{H}/pass/catch-all-and-localhost-not-judged/etc/nginx/ssl/www.pem", pem(valid, ca))
write(f"{H}/pass/plain-http-server-not-judged/etc/nginx/ssl/www.pem", pem(valid, ca))
write(f"{H}/pass/cn-only-certificate/etc/nginx/ssl/cn.pem", pem(cn_only, ca))
write(f"{H}/pass/apache-servername-with-port/etc/ssl/local/www.pem", pem(valid, ca))
