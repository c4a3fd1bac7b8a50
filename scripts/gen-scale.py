#!/usr/bin/env python3
"""Generate the root filesystems of the scale benchmark (scripts/bench.sh scale).

    scripts/gen-scale.py KIND COUNT DIR

KIND and what COUNT counts:
  root             files (regular files and symlinks) of a Debian-like root:
                   packages that install under /usr/share, /usr/lib, /usr/bin,
                   /usr/include, /etc, /opt, /var/lib/dpkg, /var/log, with a
                   dpkg status, systemd units and a kernel modules tree
  accounts         accounts in /etc/passwd, shadow, group, gshadow, every one
                   locked (`!`, `*`, `!<hash>`), login accounts with a home
  accounts-hashed  the same, with a real hash of a strong random password on
                   one account in 100: yescrypt ($y$j9T$, Debian's default)
                   and SHA-512 crypt ($6$) in turn
  nginx            nginx server blocks: sites-available/siteNNNN.conf (8
                   servers, 4 domains, port 80 redirect + 443 ssl) enabled by
                   symlinks in sites-enabled, each ssl server including
                   snippets/ssl-params.conf and snippets/security-headers.conf,
                   a Let's Encrypt-style certificate per site file
  nginx-inline     the same servers with the TLS settings written inline (no
                   per-server include)
  home             files under /home/*: 100 users of about 1000 files each at
                   full size (dotfiles, histories, .ssh, .config, .cache,
                   projects with .git, node_modules, .env files, documents)

Every kind writes the same small base (os-release, Debian system accounts,
sshd_config, login.defs, fstab, /tmp, dpkg status), so COUNT 0 is the
baseline. Generation is deterministic: element i is the same at every COUNT,
so a smaller tree is a subset of a bigger one. Files that no check reads
(libraries, images, man pages, locale catalogues) are sparse (their size
without data blocks). Ownership (chown) is set only when run as root.
Prints `elements=N files=N dirs=N` when done.
"""

import base64
import hashlib
import os
import random
import subprocess
import sys

SYLLABLES = ["ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "ve", "xa", "zo", "bre", "dun", "fal", "gor", "hin"]
LANGS = [
    "ar", "bg", "ca", "cs", "da", "de", "el", "en_GB", "eo", "es", "et", "eu", "fa", "fi", "fr", "gl", "he",
    "hr", "hu", "id", "it", "ja", "kk", "ko", "lt", "lv", "nb", "nl", "pl", "pt", "pt_BR", "ro", "ru", "sk",
    "sl", "sr", "sv", "th", "tr", "uk", "vi", "zh_CN", "zh_TW",
]
FIRST = ["anna", "ben", "carla", "dan", "eva", "finn", "greta", "hugo", "ines", "jan", "kim", "lea", "max",
         "nina", "otto", "paula", "quinn", "rosa", "sam", "tina", "uwe", "vera", "will", "xenia", "yan", "zoe"]
LAST = ["adler", "bauer", "costa", "dietz", "engel", "fuchs", "graf", "haas", "ito", "jung", "kraus", "lang",
        "meyer", "noor", "otto", "park", "quist", "roth", "stein", "tran", "ueda", "vogel", "wolf", "young"]
MODULE_DIRS = ["drivers/net/ethernet", "drivers/gpu/drm", "drivers/usb/storage", "drivers/scsi", "drivers/md",
               "fs/ext4", "fs/xfs", "fs/nfs", "net/netfilter", "net/ipv6", "sound/pci/hda", "crypto", "lib"]
SYSTEM_ACCOUNTS = [
    ("root", 0, 0, "root", "/root", "/bin/bash"),
    ("daemon", 1, 1, "daemon", "/usr/sbin", "/usr/sbin/nologin"),
    ("bin", 2, 2, "bin", "/bin", "/usr/sbin/nologin"),
    ("sys", 3, 3, "sys", "/dev", "/usr/sbin/nologin"),
    ("sync", 4, 65534, "sync", "/bin", "/bin/sync"),
    ("games", 5, 60, "games", "/usr/games", "/usr/sbin/nologin"),
    ("man", 6, 12, "man", "/var/cache/man", "/usr/sbin/nologin"),
    ("lp", 7, 7, "lp", "/var/spool/lpd", "/usr/sbin/nologin"),
    ("mail", 8, 8, "mail", "/var/mail", "/usr/sbin/nologin"),
    ("news", 9, 9, "news", "/var/spool/news", "/usr/sbin/nologin"),
    ("uucp", 10, 10, "uucp", "/var/spool/uucp", "/usr/sbin/nologin"),
    ("proxy", 13, 13, "proxy", "/bin", "/usr/sbin/nologin"),
    ("www-data", 33, 33, "www-data", "/var/www", "/usr/sbin/nologin"),
    ("backup", 34, 34, "backup", "/var/backups", "/usr/sbin/nologin"),
    ("list", 38, 38, "Mailing List Manager", "/var/list", "/usr/sbin/nologin"),
    ("irc", 39, 39, "ircd", "/run/ircd", "/usr/sbin/nologin"),
    ("_apt", 42, 65534, "", "/nonexistent", "/usr/sbin/nologin"),
    ("nobody", 65534, 65534, "nobody", "/nonexistent", "/usr/sbin/nologin"),
    ("systemd-network", 998, 998, "systemd Network Management", "/", "/usr/sbin/nologin"),
    ("messagebus", 100, 107, "", "/nonexistent", "/usr/sbin/nologin"),
    ("sshd", 101, 65534, "", "/run/sshd", "/usr/sbin/nologin"),
]
SYSTEM_GROUPS = [
    ("root", 0), ("daemon", 1), ("bin", 2), ("sys", 3), ("adm", 4), ("tty", 5), ("disk", 6), ("lp", 7),
    ("mail", 8), ("news", 9), ("uucp", 10), ("man", 12), ("proxy", 13), ("kmem", 15), ("dialout", 20),
    ("cdrom", 24), ("sudo", 27), ("audio", 29), ("www-data", 33), ("backup", 34), ("list", 38), ("irc", 39), ("shadow", 42),
    ("utmp", 43), ("video", 44), ("staff", 50), ("games", 60), ("users", 100), ("messagebus", 107),
    ("systemd-network", 998), ("nogroup", 65534),
]
SUID = ["/usr/bin/passwd", "/usr/bin/su", "/usr/bin/mount", "/usr/bin/umount", "/usr/bin/chsh",
        "/usr/bin/chfn", "/usr/bin/newgrp", "/usr/bin/gpasswd", "/usr/lib/openssh/ssh-keysign"]
SSHD_CONFIG = """\
Include /etc/ssh/sshd_config.d/*.conf
KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding yes
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
"""
AS_ROOT = os.geteuid() == 0


def word(i, minimum=2):
    """A pronounceable name, one per integer (base-16 syllables)."""
    parts = []
    while True:
        parts.append(SYLLABLES[i % 16])
        i //= 16
        if i == 0 and len(parts) >= minimum:
            return "".join(reversed(parts))


def config_text(rng, name, lines=None):
    out = [f"# {name}: configuration", "# See the manual page for the options.", ""]
    for k in range(lines or rng.randint(6, 40)):
        if rng.random() < 0.25:
            out.append(f"# {word(rng.randrange(4096))}_{k} = {rng.randint(0, 999)}")
        else:
            out.append(f"{word(rng.randrange(4096))}_{k} = {word(rng.randrange(65536), 3)}")
    return "\n".join(out) + "\n"


def python_text(rng, name):
    out = [f'"""{name}."""', "", "import os", ""]
    for k in range(rng.randint(3, 25)):
        out += [f"def {word(rng.randrange(4096))}_{k}(value):", f"    return os.path.join(value, '{k}')", ""]
    return "\n".join(out)


class Tree:
    """Writes files under a root directory and counts them."""

    def __init__(self, root):
        self.root = root
        self.files = 0
        self.dirs = set()
        self.users = []
        self.groups = []
        self.members = {}
        self.packages = []

    def host(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def mkdir(self, path, mode=None, owner=None):
        """A directory (and its parents, mode 0755 from the umask)."""
        h = self.host(path)
        if path not in self.dirs:
            os.makedirs(h, exist_ok=True)
            parent = os.path.dirname(path)
            while parent not in self.dirs and parent != "/":
                self.dirs.add(parent)
                parent = os.path.dirname(parent)
            self.dirs.add(path)
        if mode is not None:
            os.chmod(h, mode)
        if owner is not None and AS_ROOT:
            os.chown(h, *owner)

    def write(self, path, text="", mode=0o644, owner=None, size=None):
        """A text file, or with `size` a sparse file of that size."""
        self.mkdir(os.path.dirname(path))
        h = self.host(path)
        fd = os.open(h, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            if size is not None:
                os.ftruncate(fd, size)
            else:
                os.write(fd, text.encode() if isinstance(text, str) else text)
        finally:
            os.close(fd)
        os.chmod(h, mode)
        if owner is not None and AS_ROOT:
            os.chown(h, *owner)
        self.files += 1

    def symlink(self, target, path):
        self.mkdir(os.path.dirname(path))
        os.symlink(target, self.host(path))
        self.files += 1

    def user(self, name, uid, gid, gecos, home, shell, shadow):
        self.users.append((name, uid, gid, gecos, home, shell, shadow))

    def finish(self):
        """The account database, the dpkg status and the counts."""
        self.users = [entry + ("*",) for entry in SYSTEM_ACCOUNTS] + self.users
        passwd = "".join(f"{n}:x:{u}:{g}:{c}:{h}:{s}\n" for n, u, g, c, h, s, _ in self.users)
        shadow = "".join(f"{n}:{p}:19700:0:99999:7:::\n" for n, _, _, _, _, _, p in self.users)
        groups = SYSTEM_GROUPS + self.groups
        group = "".join(f"{n}:x:{g}:{','.join(self.members.get(n, []))}\n" for n, g in groups)
        gshadow = "".join(f"{n}:*::{','.join(self.members.get(n, []))}\n" for n, _ in groups)
        self.write("/etc/passwd", passwd)
        self.write("/etc/group", group)
        self.write("/etc/shadow", shadow, 0o640, (0, 42))
        self.write("/etc/gshadow", gshadow, 0o640, (0, 42))
        status = []
        for name, version, files in BASE_PACKAGES + self.packages:
            status.append(f"Package: {name}\nStatus: install ok installed\nPriority: optional\n"
                          f"Section: misc\nInstalled-Size: {len(files) * 12 + 40}\n"
                          f"Maintainer: Debian <debian@lists.debian.org>\nArchitecture: amd64\n"
                          f"Version: {version}\nDescription: {name}\n {name} package\n")
        self.write("/var/lib/dpkg/status", "\n".join(status))
        print(f"elements={self.elements} files={self.files} dirs={len(self.dirs)}")


BASE_PACKAGES = [("base-files", "12.4+deb12u8", []), ("openssh-server", "1:9.2p1-2+deb12u3", []),
                 ("libc6", "2.36-9+deb12u9", []), ("passwd", "1:4.13+dfsg1-1+b1", []),
                 ("login", "1:4.13+dfsg1-1+b1", []), ("sudo", "1.9.13p3-1+deb12u1", [])]


def base(t):
    t.mkdir("/")
    for link, target in [("/bin", "usr/bin"), ("/sbin", "usr/sbin"), ("/lib", "usr/lib"), ("/lib64", "usr/lib64")]:
        t.mkdir("/usr/" + target[4:])
        t.symlink(target, link)
    for d in ["/tmp", "/var/tmp"]:
        t.mkdir(d, 0o1777)
    t.mkdir("/root", 0o700)
    t.mkdir("/home")
    for d in ["/proc", "/sys", "/dev", "/run", "/srv", "/mnt", "/media", "/var/cache", "/var/spool"]:
        t.mkdir(d)
    t.write("/etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
            'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n')
    t.write("/etc/debian_version", "12.8\n")
    t.write("/etc/hostname", "scale\n")
    t.write("/etc/hosts", "127.0.0.1 localhost\n127.0.1.1 scale\n::1 localhost ip6-localhost\n")
    t.write("/etc/fstab", "UUID=0f4d3e1c-1111-4c3b-9d2a-5e6f7a8b9c0d / ext4 errors=remount-ro 0 1\n")
    t.write("/etc/login.defs", "MAIL_DIR /var/mail\nPASS_MAX_DAYS 99999\nPASS_MIN_DAYS 0\nPASS_WARN_AGE 7\n"
            "UID_MIN 1000\nUID_MAX 60000\nUMASK 022\nENCRYPT_METHOD YESCRYPT\n")
    t.write("/etc/ssh/sshd_config", SSHD_CONFIG)
    t.mkdir("/etc/ssh/sshd_config.d")
    t.write("/etc/sudoers", "Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n"
            "@includedir /etc/sudoers.d\n", 0o440)
    t.mkdir("/etc/sudoers.d", 0o755)
    t.write("/etc/sysctl.conf", "# /etc/sysctl.conf\n")
    for p in SUID:
        t.write(p, size=60_000, mode=0o4755)
    t.mkdir("/var/log")
    t.write("/var/log/syslog", "", 0o640, (0, 4))


# --- root ---------------------------------------------------------------

def package(t, i):
    """Install package i; returns its files."""
    rng = random.Random(f"pkg{i}")
    kind = rng.choices(["lib", "python", "app", "dev", "data", "opt"], [40, 18, 28, 7, 3, 4])[0]
    name = {"lib": "lib", "python": "python3-", "dev": "lib", "data": "", "opt": "", "app": ""}[kind] + word(i)
    name += "-dev" if kind == "dev" else ("-data" if kind == "data" else "")
    files = [f"/usr/share/doc/{name}/copyright", f"/usr/share/doc/{name}/changelog.Debian.gz"]
    text = {f"/usr/share/doc/{name}/copyright"}
    if kind == "lib":
        so = f"/usr/lib/x86_64-linux-gnu/lib{word(i)}.so.{rng.randint(0, 9)}"
        files.append(so + ".0.0")
        t.symlink(os.path.basename(so) + ".0.0", so)
        files += [f"/usr/lib/x86_64-linux-gnu/{word(i)}/plugins/{word(k)}.so" for k in range(rng.choice([0, 0, 5, 30]))]
        files += [f"/usr/share/locale/{lang}/LC_MESSAGES/{word(i)}.mo" for lang in LANGS[:rng.choice([0, 0, 20])]]
    elif kind == "python":
        pkg = f"/usr/lib/python3/dist-packages/{word(i)}"
        for k in range(rng.randint(10, 150)):
            sub = "" if k < 10 else "/" + "/".join(word(rng.randrange(8)) for _ in range(rng.randint(1, 3)))
            files.append(f"{pkg}{sub}/{word(k)}.py")
            text.add(files[-1])
    elif kind in ("app", "opt"):
        prefix = f"/opt/{name}" if kind == "opt" else "/usr"
        files.append(f"{prefix}/bin/{name}")
        files.append(f"/usr/share/man/man1/{name}.1.gz")
        files += [f"/usr/share/locale/{lang}/LC_MESSAGES/{name}.mo" for lang in LANGS[:rng.choice([0, 10, 43])]]
        files += [f"/usr/share/icons/hicolor/{s}/apps/{name}.png" for s in ["16x16", "32x32", "48x48", "256x256"]
                  if rng.random() < 0.5]
        data = f"/opt/{name}/share" if kind == "opt" else f"/usr/share/{name}"
        files += [f"{data}/{word(k % 6)}/{word(k, 3)}.{rng.choice(['xml', 'json', 'svg', 'txt', 'dat'])}"
                  for k in range(rng.randint(5, 1200 if kind == "opt" else 250))]
        if kind == "opt":
            text.update(f for f in files if f.endswith((".xml", ".json", ".txt")))
            files.append(f"/opt/{name}/etc/{name}.conf")
            text.add(files[-1])
        if rng.random() < 0.5:
            files.append(f"/etc/{name}/{name}.conf")
            files += [f"/etc/{name}/conf.d/{k:02d}-{word(k)}.conf" for k in range(rng.choice([0, 0, 2, 6]))]
            text.update(f for f in files if f.startswith("/etc/"))
        if rng.random() < 0.2:
            unit = f"/usr/lib/systemd/system/{name}.service"
            files.append(unit)
            text.add(unit)
            if rng.random() < 0.5:
                t.symlink(unit, f"/etc/systemd/system/multi-user.target.wants/{name}.service")
            if rng.random() < 0.5:
                files.append(f"/var/log/{name}.log")
    elif kind == "dev":
        files += [f"/usr/include/{word(i)}/{word(k)}.h" for k in range(rng.randint(10, 200))]
        files.append(f"/usr/lib/x86_64-linux-gnu/pkgconfig/{word(i)}.pc")
    else:
        files += [f"/usr/share/{name}/{word(k % 20)}/{word(k, 3)}.dat" for k in range(rng.randint(200, 1500))]
    for f in files:
        if f in text:
            if f.endswith(".py"):
                body = python_text(rng, f)
            elif f.endswith(".service"):
                body = f"[Unit]\nDescription={name}\n\n[Service]\nExecStart=/usr/bin/{name}\n\n[Install]\n" \
                       "WantedBy=multi-user.target\n"
            else:
                body = config_text(rng, f)
            t.write(f, body)
        else:
            mode = 0o755 if "/bin/" in f or f.endswith(".so") or ".so." in f else 0o644
            t.write(f, size=rng.randint(200, 400_000), mode=mode)
    listing = "\n".join(files) + "\n"
    t.write(f"/var/lib/dpkg/info/{name}.list", listing)
    t.write(f"/var/lib/dpkg/info/{name}.md5sums",
            "".join(f"{hashlib.md5(f.encode()).hexdigest()}  {f[1:]}\n" for f in files))
    return name, files


def gen_root(t, count):
    kver = "6.1.0-28-amd64"
    modules = count * 3 // 200
    count -= modules
    for k in range(modules):
        t.write(f"/usr/lib/modules/{kver}/kernel/{MODULE_DIRS[k % len(MODULE_DIRS)]}/{word(k, 3)}.ko",
                size=20_000 + k % 50_000)
    t.packages.append(("linux-image-" + kver, "6.1.119-1", [None] * modules))
    before, i = t.files, 0
    while t.files - before < count:
        name, files = package(t, i)
        t.packages.append((name, f"{1 + i % 7}.{i % 13}-{1 + i % 3}", files))
        i += 1
    t.elements = t.files - before + modules


# --- accounts -------------------------------------------------------------

def real_hash(rng, method="yescrypt"):
    """A hash of a strong random password: yescrypt ($y$j9T$) or sha512 ($6$)."""
    password = base64.b64encode(rng.randbytes(18)).decode().rstrip("=")
    salt = base64.b64encode(rng.randbytes(12)).decode().translate(str.maketrans("+", ".", "="))[:16]
    try:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import crypt
        return crypt.crypt(password, ("$y$j9T$" if method == "yescrypt" else "$6$") + salt)
    except ImportError:
        out = subprocess.run(["mkpasswd", "-m", method, "--stdin"], input=password, text=True,
                             capture_output=True, check=True)
        return out.stdout.strip()


def fake_hash(rng):
    alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return "$y$j9T$" + "".join(rng.choice(alphabet) for _ in range(22)) + "$" + \
        "".join(rng.choice(alphabet) for _ in range(43))


def gen_accounts(t, count, hashed):
    shared = [f"project-{k:02d}" for k in range(50)]
    t.groups += [(g, 5000 + k) for k, g in enumerate(shared)]
    for i in range(count):
        rng = random.Random(f"account{i}")
        name = f"{FIRST[i % 26]}.{LAST[(i // 26) % 24]}{i // 624 or ''}"
        uid = 10000 + i
        login = rng.random() < 0.8
        if hashed and i % 100 == 0:
            secret = real_hash(rng, "yescrypt" if i % 200 == 0 else "sha512")
        else:
            secret = rng.choices(["!", "*", "!" + fake_hash(rng)], [5, 3, 2])[0]
        home = f"/home/{name}" if login else f"/var/lib/svc-{i}"
        shell = "/bin/bash" if login else "/usr/sbin/nologin"
        t.user(name, uid, uid, f"{name.title()},,,", home, shell, secret)
        t.groups.append((name, uid))
        for g in rng.sample(shared, 2):
            t.members.setdefault(g, []).append(name)
        if login:
            t.mkdir(home, 0o755 if i % 100 == 7 else 0o750, (uid, uid))
    t.elements = count


# --- nginx ----------------------------------------------------------------

NGINX_CONF = """\
user www-data;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;
include /etc/nginx/modules-enabled/*.conf;

events {
\tworker_connections 768;
}

http {
\tsendfile on;
\ttcp_nopush on;
\ttypes_hash_max_size 2048;
\tserver_tokens off;
\tinclude /etc/nginx/mime.types;
\tdefault_type application/octet-stream;
\tssl_protocols TLSv1.2 TLSv1.3;
\tssl_prefer_server_ciphers on;
\taccess_log /var/log/nginx/access.log;
\tgzip on;
\tinclude /etc/nginx/conf.d/*.conf;
\tinclude /etc/nginx/sites-enabled/*;
}
"""
SSL_PARAMS = """\
ssl_protocols TLSv1.2 TLSv1.3;
ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384;
ssl_prefer_server_ciphers off;
ssl_session_timeout 1d;
ssl_session_cache shared:MozSSL:10m;
ssl_session_tickets off;
ssl_stapling on;
ssl_stapling_verify on;
"""
HEADERS = """\
add_header Strict-Transport-Security "max-age=63072000" always;
add_header X-Frame-Options SAMEORIGIN always;
add_header X-Content-Type-Options nosniff always;
add_header Referrer-Policy strict-origin-when-cross-origin always;
"""
MIME = "".join(f"    {t} {' '.join(e)};\n" for t, e in [
    ("text/html", ["html", "htm", "shtml"]), ("text/css", ["css"]), ("text/xml", ["xml"]),
    ("image/gif", ["gif"]), ("image/jpeg", ["jpeg", "jpg"]), ("application/javascript", ["js"]),
    ("text/plain", ["txt"]), ("image/png", ["png"]), ("image/svg+xml", ["svg", "svgz"]),
    ("image/webp", ["webp"]), ("font/woff2", ["woff2"]), ("application/json", ["json"]),
    ("application/pdf", ["pdf"]), ("application/zip", ["zip"]), ("video/mp4", ["mp4"])])
SERVERS_PER_SITE = 8


def certificate(t, site, domains):
    live, archive = f"/etc/letsencrypt/live/{site}", f"/etc/letsencrypt/archive/{site}"
    t.mkdir(archive, 0o700)
    t.mkdir(live, 0o700)
    cert, key = t.host(f"{archive}/cert1.pem"), t.host(f"{archive}/privkey1.pem")
    san = ",".join(f"DNS:{d},DNS:www.{d}" for d in domains)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "90", "-subj", f"/CN={domains[0]}",
                    "-addext", f"subjectAltName={san}"], check=True, capture_output=True)
    os.chmod(key, 0o600)
    with open(cert, encoding="ascii") as f:
        pem = f.read()
    t.files += 2
    t.write(f"{archive}/chain1.pem", pem)
    t.write(f"{archive}/fullchain1.pem", pem + pem)
    for f in ["cert", "chain", "fullchain", "privkey"]:
        t.symlink(f"../../archive/{site}/{f}1.pem", f"{live}/{f}.pem")


def server_pair(site, d, inline):
    tls = ("".join(f"\t{line}\n" for line in (SSL_PARAMS + HEADERS).splitlines()) if inline else
           "\tinclude snippets/ssl-params.conf;\n\tinclude snippets/security-headers.conf;\n")
    return (
        f"server {{\n\tlisten 80;\n\tlisten [::]:80;\n\tserver_name {d} www.{d};\n"
        f"\tlocation /.well-known/acme-challenge/ {{\n\t\troot /var/www/letsencrypt;\n\t}}\n"
        f"\tlocation / {{\n\t\treturn 301 https://$host$request_uri;\n\t}}\n}}\n\n"
        f"server {{\n\tlisten 443 ssl http2;\n\tlisten [::]:443 ssl http2;\n\tserver_name {d} www.{d};\n"
        f"\tssl_certificate /etc/letsencrypt/live/{site}/fullchain.pem;\n"
        f"\tssl_certificate_key /etc/letsencrypt/live/{site}/privkey.pem;\n{tls}"
        f"\troot /var/www/{site}/{d};\n\tindex index.html index.php;\n"
        f"\taccess_log /var/log/nginx/{d}.access.log;\n\terror_log /var/log/nginx/{d}.error.log;\n"
        f"\tlocation / {{\n\t\ttry_files $uri $uri/ /index.php?$args;\n\t}}\n"
        f"\tlocation ~ \\.php$ {{\n\t\tinclude snippets/fastcgi-php.conf;\n"
        f"\t\tfastcgi_pass unix:/run/php/php8.2-fpm.sock;\n\t}}\n"
        f"\tlocation ~ /\\.ht {{\n\t\tdeny all;\n\t}}\n}}\n\n")


def gen_nginx(t, count, inline):
    t.write("/etc/nginx/nginx.conf", NGINX_CONF)
    t.write("/etc/nginx/mime.types", "types {\n" + MIME + "}\n")
    t.write("/etc/nginx/snippets/ssl-params.conf", SSL_PARAMS)
    t.write("/etc/nginx/snippets/security-headers.conf", HEADERS)
    t.write("/etc/nginx/snippets/fastcgi-php.conf",
            "fastcgi_split_path_info ^(.+?\\.php)(/.*)$;\ntry_files $fastcgi_script_name =404;\n"
            "fastcgi_index index.php;\ninclude fastcgi_params;\n")
    t.write("/etc/nginx/fastcgi_params", "fastcgi_param QUERY_STRING $query_string;\n"
            "fastcgi_param REQUEST_METHOD $request_method;\nfastcgi_param SCRIPT_FILENAME $request_filename;\n")
    t.write("/etc/nginx/conf.d/upstreams.conf", "upstream php {\n\tserver unix:/run/php/php8.2-fpm.sock;\n}\n")
    t.mkdir("/etc/nginx/modules-enabled")
    t.mkdir("/var/log/nginx", 0o755, (33, 4))
    t.packages += [("nginx", "1.22.1-9", []), ("nginx-common", "1.22.1-9", [])]
    servers, s = 0, 0
    while servers < count:
        site = f"site{s:04d}"
        n = min(SERVERS_PER_SITE, count - servers) // 2 or 1
        domains = [f"{site}-d{k}.example.test" for k in range(n)]
        text = f"# {site}: managed by config management\n\n"
        for d in domains:
            text += server_pair(site, d, inline)
            t.write(f"/var/www/{site}/{d}/index.html", f"<!doctype html><title>{d}</title>\n")
        servers += 2 * n
        t.write(f"/etc/nginx/sites-available/{site}.conf", text)
        t.symlink(f"../sites-available/{site}.conf", f"/etc/nginx/sites-enabled/{site}.conf")
        certificate(t, site, domains)
        s += 1
    t.elements = servers


# --- home -----------------------------------------------------------------

FILES_PER_HOME = 1000


def home_user(t, i, rng):
    name = f"{FIRST[i % 26]}{LAST[(i // 26) % 24]}{i // 624 or ''}"
    uid = 1000 + i
    own = (uid, uid)
    h = f"/home/{name}"
    t.user(name, uid, uid, f"{name},,,", h, "/bin/bash", "!")
    t.groups.append((name, uid))
    t.members.setdefault("users", []).append(name)
    t.mkdir(h, 0o750, own)
    start = t.files

    def put(path, text="", mode=0o644, size=None):
        t.write(f"{h}/{path}", text, mode, own, size)

    put(".bashrc", "# ~/.bashrc\n[ -z \"$PS1\" ] && return\nHISTCONTROL=ignoreboth\nalias ll='ls -l'\n")
    put(".profile", "# ~/.profile\nif [ -n \"$BASH_VERSION\" ]; then . \"$HOME/.bashrc\"; fi\n")
    put(".bash_logout", "# ~/.bash_logout\n")
    history = [rng.choice(["ls -la", "cd ~/projects", "git status", "git pull", "make test", "vim notes.md",
                           "ssh build01", "docker ps", "sudo systemctl restart nginx", "htop"])
               for _ in range(rng.randint(50, 500))]
    if i % 10 == 3:
        history.insert(len(history) // 2, f"mysql -u app -p{word(rng.randrange(65536), 4)}X9 appdb")
    put(".bash_history", "\n".join(history) + "\n", 0o600)
    t.mkdir(f"{h}/.ssh", 0o700, own)
    key = base64.b64encode(rng.randbytes(300)).decode()
    blob = b"openssh-key-v1\0" + b"".join(len(f).to_bytes(4, "big") + f for f in [b"none", b"none", b""])
    blob += (1).to_bytes(4, "big") + rng.randbytes(260)
    body = base64.b64encode(blob).decode()
    body = "\n".join(body[k:k + 70] for k in range(0, len(body), 70))
    put(".ssh/authorized_keys", f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{key[:43]} {name}@laptop\n", 0o600)
    put(".ssh/id_ed25519", f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----\n",
        0o600 if i % 25 else 0o644)
    put(".ssh/id_ed25519.pub", f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{key[50:93]} {name}@scale\n")
    put(".ssh/config", "Host build01\n  User deploy\n  IdentityFile ~/.ssh/id_ed25519\n", 0o600)
    put(".gitconfig", f"[user]\n\tname = {name}\n\temail = {name}@example.test\n")
    for k in range(20):
        put(f".config/{word(k % 7)}/{word(k, 3)}.json", '{"theme": "dark", "recent": []}\n')
    for k in range(60):
        put(f".local/share/{word(k % 5)}/{word(k, 3)}.db", size=rng.randint(1000, 200_000))
    for k in range(250):
        put(f".cache/{word(k % 9)}/{hashlib.sha1(f'{i}-{k}'.encode()).hexdigest()}", size=rng.randint(100, 90_000))
    for p in range(3):
        proj = f"projects/{word(rng.randrange(256))}-{p}"
        for k in range(110):
            sub = "/".join(word(rng.randrange(6)) for _ in range(rng.randint(0, 3)))
            put(f"{proj}/src/{sub}/{word(k, 3)}.{rng.choice(['py', 'js', 'rs', 'go'])}".replace("//", "/"),
                python_text(rng, f"module {k}"))
        for k in range(40):
            put(f"{proj}/.git/objects/{k:02x}/{hashlib.sha1(f'{i}{p}{k}'.encode()).hexdigest()[2:]}",
                size=rng.randint(100, 8000))
        if p == 1:
            for k in range(60):
                put(f"{proj}/node_modules/{word(k % 12)}/lib/{word(k, 3)}.js", "module.exports = {};\n")
        weak = "changeme" if i % 7 == 0 else base64.b64encode(rng.randbytes(15)).decode()
        put(f"{proj}/.env", f"DB_HOST=localhost\nDB_USER=app\nDB_PASSWORD={weak}\n", 0o600)
        put(f"{proj}/docker-compose.yml", "services:\n  db:\n    image: postgres:16\n    env_file: .env\n")
        put(f"{proj}/README.md", f"# project {p}\n\nBuild with `make`.\n")
    for k in range(FILES_PER_HOME - (t.files - start) - 30):
        ext = rng.choice(["md", "txt", "odt", "pdf", "jpg", "png"])
        if ext in ("md", "txt"):
            put(f"Documents/{word(k % 8)}/{word(k, 3)}.{ext}", config_text(rng, "notes", 8))
        else:
            put(f"{'Pictures' if ext in ('jpg', 'png') else 'Documents'}/{word(k, 3)}.{ext}",
                size=rng.randint(10_000, 3_000_000))
    for k in range(30):
        put(f"Downloads/{word(k, 3)}.{rng.choice(['deb', 'tar.gz', 'zip', 'iso'])}", size=rng.randint(10_000, 9_000_000))


def gen_home(t, count):
    users = count // FILES_PER_HOME
    before = t.files
    for i in range(users):
        home_user(t, i, random.Random(f"home{i}"))
    t.elements = t.files - before


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    kind, count, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if os.path.exists(root) and os.listdir(root):
        sys.exit(f"{root} exists and is not empty")
    os.umask(0o022)
    t = Tree(root)
    base(t)
    if kind == "root":
        gen_root(t, count)
    elif kind in ("accounts", "accounts-hashed"):
        gen_accounts(t, count, kind == "accounts-hashed")
    elif kind in ("nginx", "nginx-inline"):
        gen_nginx(t, count, kind == "nginx-inline")
    elif kind == "home":
        gen_home(t, count)
    else:
        sys.exit(f"unknown kind {kind}\n{__doc__}")
    t.finish()


if __name__ == "__main__":
    main()
