"""Probes what a container's process can reach, from inside its mount namespace, with its
uid, gid, groups and capabilities (tests/e2e/suites/security.ts runs it as root on the host).

    python3 namespace_probe.py PID UID GID GROUPS CAPS WRITABLE [PTRACE_PIDS]

GROUPS, CAPS: comma-separated (capability names as Docker writes them, e.g. CAP_DAC_READ_SEARCH).
WRITABLE: comma-separated directories the process is meant to write (checked to be writable).
PTRACE_PIDS: comma-separated host pids whose /hostfs/proc/<pid>/root must stay closed.

It enters the mount namespace of PID as root (setns), lists every socket under /hostfs and every
directory of the container's own filesystem, then takes the process's credentials (setgroups,
setresgid, setresuid, capset) and tries connect() on each socket and creating a file in each
directory. Prints one JSON object; exits 0 (the test judges it).
"""
import ctypes
import errno
import json
import os
import socket
import stat
import sys

CLONE_NEWNS = 0x00020000
PR_SET_KEEPCAPS = 8
CAPS = {"CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3, "CAP_SYS_PTRACE": 19}

libc = ctypes.CDLL(None, use_errno=True)


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def check(ret, what):
    if ret != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{what}: {os.strerror(e)}")


def set_caps(names):
    mask = 0
    for n in names:
        mask |= 1 << CAPS[n]
    header = CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (CapData * 2)(CapData(mask, mask, 0), CapData(0, 0, 0))
    check(libc.capset(ctypes.byref(header), data), "capset")


def walk(root, prune, max_depth=None):
    """Every directory and socket under root (not following symlinks), as root sees them."""
    dirs, sockets = [], []
    base = root.rstrip("/").count("/")
    for top, subdirs, files in os.walk(root, followlinks=False):
        if any(top == p or top.startswith(p + "/") for p in prune):
            subdirs[:] = []
            continue
        dirs.append(top)
        if max_depth is not None and top.count("/") - base >= max_depth:
            subdirs[:] = []
        for f in files:
            path = os.path.join(top, f)
            try:
                if stat.S_ISSOCK(os.lstat(path).st_mode):
                    sockets.append(path)
            except OSError:
                pass
    return dirs, sockets


def main():
    pid, uid, gid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    groups = [int(g) for g in sys.argv[4].split(",") if g]
    caps = [c for c in sys.argv[5].split(",") if c]
    writable = [w for w in sys.argv[6].split(",") if w]
    ptrace_pids = [p for p in (sys.argv[7] if len(sys.argv) > 7 else "").split(",") if p]

    fd = os.open(f"/proc/{pid}/ns/mnt", os.O_RDONLY)
    check(libc.setns(fd, CLONE_NEWNS), "setns")
    os.chdir("/")

    own_prune = ["/proc", "/sys", "/dev", "/hostfs", "/var/lib/docker/containers"]
    own_dirs, own_sockets = walk("/", own_prune)
    host_dirs, host_sockets = ([], [])
    if os.path.isdir("/hostfs"):
        host_dirs, host_sockets = walk("/hostfs", ["/hostfs/proc", "/hostfs/sys"], max_depth=4)
    log_dirs = walk("/var/lib/docker/containers", [], max_depth=1)[0] if os.path.isdir("/var/lib/docker/containers") else []
    _, log_sockets = walk("/var/lib/docker/containers", []) if log_dirs else ([], [])

    check(libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl")
    os.setgroups(groups)
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    set_caps(caps)

    def connect(path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect(path)
            return "CONNECTED"
        except OSError as e:
            return errno.errorcode.get(e.errno, str(e.errno))
        finally:
            s.close()

    def create_in(d):
        probe = os.path.join(d, f".scaibu-probe-{os.getpid()}")
        try:
            fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except OSError as e:
            return errno.errorcode.get(e.errno, str(e.errno))
        os.close(fd)
        os.unlink(probe)
        return "WRITTEN"

    def listable(path):
        try:
            os.listdir(path)
            return "LISTED"
        except OSError as e:
            return errno.errorcode.get(e.errno, str(e.errno))

    sockets = sorted(set(host_sockets + own_sockets + log_sockets))
    checked = [d for d in own_dirs + host_dirs + log_dirs if d not in writable]
    print(
        json.dumps(
            {
                "sockets": {p: connect(p) for p in sockets},
                "written": [d for d in checked if create_in(d) == "WRITTEN"],
                "dirsChecked": len(checked),
                "writable": {w: create_in(w) for w in writable},
                "ptrace": {p: listable(f"/hostfs/proc/{p}/root/") for p in ptrace_pids},
                "masked": {m: sorted(os.listdir(m)) for m in ["/hostfs/run", "/hostfs/tmp"] if os.path.isdir(m)},
                "credentials": {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups()},
            }
        )
    )


main()
