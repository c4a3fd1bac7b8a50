//! Certificates on disk: generated at test time into a scratch root
//! (expired, expiring in 10 days, RSA-1024, SHA-1, valid EC), scanned with
//! the real binary.

mod common;
mod tls_support;

use common::*;
use std::os::unix::fs::PermissionsExt;
use tls_support::*;

const CHECKS: &[&str] = &[
    "tls.cert-expired",
    "tls.cert-expiring",
    "tls.cert-weak-key",
    "tls.cert-weak-signature",
    "tls.cert-self-signed",
    "tls.private-key-permissions",
];

fn scan(root: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args: Vec<&str> = Vec::new();
    for c in CHECKS {
        args.extend(["--check", c]);
    }
    args.extend(extra);
    scan_json(root, &args).1
}

#[test]
fn generated_certificates_get_their_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let expired = ec_cert("expired.example.com", -400, -5);
    let soon = ec_cert("soon.example.com", -80, 10);
    let valid = ec_cert("valid.example.com", -1, 365);
    put(&root, "/etc/ssl/local/expired.pem", &expired.cert_pem);
    put(&root, "/etc/letsencrypt/live/soon.example.com/fullchain.pem", &soon.cert_pem);
    put(&root, "/etc/ssl/local/valid.pem", &valid.cert_pem);
    put(&root, "/etc/ssl/local/rsa1024.pem", &openssl_cert(&work, "rsa1024.example.com", &["-newkey", "rsa:1024"]));
    put(&root, "/etc/ssl/local/sha1.pem", &openssl_cert(&work, "sha1.example.com", &["-newkey", "rsa:2048", "-sha1"]));
    // The trust store is not judged, even when expired.
    put(&root, "/etc/ssl/certs/ssl-cert-snakeoil.pem", &expired.cert_pem);
    put(&root, "/etc/ssl/private/valid.key", &valid.key_pem);
    std::fs::set_permissions(root.join("etc/ssl/private/valid.key"), std::fs::Permissions::from_mode(0o644)).unwrap();

    let report = scan(&root, &[]);
    let r = result(&report, "tls.cert-expired");
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(evidence(r), vec!["/etc/ssl/local/expired.pem"], "{r}");
    let d = details(r);
    assert!(d[0].starts_with(&format!("CN=expired.example.com expired {} (", date_in(-5))), "{d:?}");
    assert!(d[0].contains("days ago)"), "{d:?}");

    let r = result(&report, "tls.cert-expiring");
    assert_eq!(r["status"], "fail", "{r}");
    // Expired counts too (its remaining validity is below the threshold).
    assert_eq!(
        evidence(r),
        vec!["/etc/ssl/local/expired.pem", "/etc/letsencrypt/live/soon.example.com/fullchain.pem"],
        "{r}"
    );
    let d = details(r);
    assert!(d[1].contains(&format!("expires {} (in ", date_in(10))), "{d:?}");

    let r = result(&report, "tls.cert-weak-key");
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(evidence(r), vec!["/etc/ssl/local/rsa1024.pem"]);
    assert!(details(r)[0].contains("RSA 1024"), "{r}");

    let r = result(&report, "tls.cert-weak-signature");
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(evidence(r), vec!["/etc/ssl/local/sha1.pem"]);
    assert!(details(r)[0].contains("sha1WithRSAEncryption"), "{r}");

    // Self-signed leaves lying in /etc/ssl are not served certificates; the
    // one in /etc/letsencrypt/live is.
    let r = result(&report, "tls.cert-self-signed");
    assert_eq!(evidence(r), vec!["/etc/letsencrypt/live/soon.example.com/fullchain.pem"], "{r}");

    let r = result(&report, "tls.private-key-permissions");
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(evidence(r), vec!["/etc/ssl/private/valid.key"]);
    assert!(!r.to_string().contains("PRIVATE KEY"), "key material in the report: {r}");

    // A profile moves the expiry threshold and names served certificates.
    let profile = dir.path().join("p.toml");
    std::fs::write(
        &profile,
        "name = \"t\"\nextends = \"baseline\"\n[params]\ncert_expiry_days = 5\n\
         cert_paths = [\"/etc/ssl/local/valid.pem\", \"/etc/nginx/missing.pem\"]\n",
    )
    .unwrap();
    let report = scan(&root, &["--profile", profile.to_str().unwrap()]);
    let r = result(&report, "tls.cert-expiring");
    assert_eq!(evidence(r), vec!["/etc/ssl/local/expired.pem"], "{r}");
    let r = result(&report, "tls.cert-self-signed");
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(
        evidence(r),
        vec!["/etc/letsencrypt/live/soon.example.com/fullchain.pem", "/etc/ssl/local/valid.pem"],
        "{r}"
    );
}

#[test]
fn no_tls_directories_is_not_applicable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    let report = scan(dir.path(), &[]);
    for c in CHECKS {
        let r = result(&report, c);
        assert_eq!(r["status"], "skip", "{c}: {r}");
    }
}

#[test]
fn judge_api_checks_hostnames() {
    use hardcheck::checks::probes::tls::judge as cert;
    let m = ec_cert("www.example.com", -1, 100);
    let c = hardcheck::sources::x509::parse_der(&m.cert_der, 0, None).unwrap();
    assert_eq!((c.key_type.as_str(), c.key_bits, c.curve.as_deref()), ("EC", 256, Some("P-256")));
    assert_eq!(c.signature, "ecdsa-with-SHA256");
    assert!(c.self_signed && !c.ca);
    let mut policy = cert::Policy::new(30);
    policy.hostnames = vec!["www.example.com".into(), "api.example.com".into()];
    let f = cert::judge(&c, &policy);
    let mismatch: Vec<_> = f.iter().filter(|f| f.problem == cert::Problem::HostnameMismatch).collect();
    assert_eq!(mismatch.len(), 1, "{f:?}");
    assert!(mismatch[0].detail.contains("does not cover api.example.com"), "{f:?}");
}

/// Certificates and keys that an nginx configuration names, wherever they
/// are: judged with the naming line in the detail; host names checked
/// against the certificate; a symlink out of the root is never followed.
#[test]
fn certificates_named_by_web_server_configs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let www = ec_cert("www.example.com", -1, 365);
    let old = ec_cert("old.example.com", -400, -2);
    put(&root, "/srv/tls/www.pem", &www.cert_pem);
    put(&root, "/srv/tls/www.key", &www.key_pem);
    std::fs::set_permissions(root.join("srv/tls/www.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    // Outside the root: reached only by a symlink that would escape it.
    std::fs::write(dir.path().join("outside.pem"), &old.cert_pem).unwrap();
    std::fs::create_dir_all(root.join("etc/nginx/ssl")).unwrap();
    std::os::unix::fs::symlink("../../../../outside.pem", root.join("etc/nginx/ssl/escape.pem")).unwrap();
    put(
        &root,
        "/etc/nginx/nginx.conf",
        "events {}\nhttp {\n  server {\n    listen 443 ssl;\n    server_name www.example.com\n      api.example.com _;\n\
         ssl_certificate /srv/tls/www.pem;\n    ssl_certificate_key /srv/tls/www.key;\n  }\n\
         server {\n    listen 127.0.0.1:8443 ssl;\n    server_name localhost;\n    ssl_certificate ssl/escape.pem;\n  }\n}\n",
    );
    let (_, report, _) = scan_json(
        &root,
        &[
            "--check",
            "tls.cert-hostname-mismatch",
            "--check",
            "tls.cert-self-signed",
            "--check",
            "tls.cert-expired",
            "--check",
            "tls.private-key-permissions",
        ],
    );
    let r = result(&report, "tls.cert-hostname-mismatch");
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(evidence(r), vec!["/etc/nginx/nginx.conf:5"], "{r}");
    let d = details(r);
    assert!(d[0].contains("CN=www.example.com does not cover api.example.com"), "{d:?}");
    assert!(d[0].contains("has SANs www.example.com"), "{d:?}");

    // rcgen's leaf is self-signed and served on every address.
    let r = result(&report, "tls.cert-self-signed");
    assert_eq!(evidence(r), vec!["/srv/tls/www.pem"], "{r}");
    assert!(details(r)[0].ends_with("(named by ssl_certificate in /etc/nginx/nginx.conf:7)"), "{r}");

    // The escaping link is refused (the check says so instead of passing):
    // the expired certificate outside the root is never read.
    let r = result(&report, "tls.cert-expired");
    assert_eq!(r["status"], "skip", "{r}");
    assert!(
        r["message"].as_str().unwrap().contains("/etc/nginx/ssl/escape.pem: symlink escapes the target root"),
        "{r}"
    );
    assert!(!r.to_string().contains("old.example.com"), "{r}");

    let r = result(&report, "tls.private-key-permissions");
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(evidence(r), vec!["/srv/tls/www.key"], "{r}");
    assert!(details(r)[0].contains("named by ssl_certificate_key in /etc/nginx/nginx.conf:8"), "{r}");
}
