package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.internal.common.Shell;
import io.github.etcdbackup.transport.ssh.UnitLayout;

import static io.github.etcdbackup.internal.common.Shell.quoteAlways;

/**
 * The POSIX sh scripts run on a unit. Each operation is one script in one exec channel (one round trip). Values
 * enter only as single-quoted shell variables set at the top, and were validated before; the script body is
 * constant text. Failures the user can fix print an {@code etcd-backup:} line on stderr and exit with a code of
 * their own, which {@link CommandFailures} turns into a message.
 */
final class Scripts {
    static final int EXIT_ETCDCTL_MISSING = 127;
    static final int EXIT_CERT_UNREADABLE = 77;
    static final int EXIT_NO_DATA_DIR = 66;
    static final int EXIT_NO_BUMP = 64;
    static final int EXIT_ETCDUTL_MISSING = 69;

    static final String PATH_KEY = "etcd-backup-path=";
    static final String SHA256_KEY = "etcd-backup-sha256=";
    static final String SIZE_KEY = "etcd-backup-size=";
    static final String ASIDE_KEY = "etcd-backup-aside=";

    private Scripts() {
    }

    /**
     * Shared by every script: a guard that stops the script when the client gives up, a cleanup on exit, and the
     * checks that etcdctl is there and the TLS files can be read (root-only on the charm).
     *
     * <p>Why the guard: closing an exec channel does not stop the command (OpenSSH waits for it, and refuses
     * "signal" requests in some set-ups), but it does close the command's stdin. A background {@code cat} waits
     * for that end of input and then signals the script's whole process group (sudo passes stdin on through a
     * pipe, so this works through sudo too).
     */
    private static String prelude(UnitLayout layout) {
        return "set -u\n"
                + "work=\n"
                // sh gives background jobs /dev/null as stdin, so the guard reads a saved copy of ours.
                + "exec 3<&0\n"
                + "( cat <&3 >/dev/null; kill -TERM 0 ) >/dev/null 2>&1 &\n"
                + "guard=$!\n"
                + "cleanup() { kill \"$guard\" 2>/dev/null; if [ -n \"$work\" ]; then rm -rf \"$work\"; fi; }\n"
                + "trap cleanup EXIT\n"
                + "trap 'exit 143' TERM INT HUP\n"
                + "unset ETCDCTL_API\n"
                + "etcdctl=" + quoteAlways(layout.etcdctl()) + "\n"
                + "certs=" + quoteAlways(layout.certDir()) + "\n"
                + "endpoint=" + quoteAlways(layout.endpoint()) + "\n"
                + "fail() { code=$1; shift; printf 'etcd-backup: %s\\n' \"$*\" >&2; exit \"$code\"; }\n"
                + "[ -x \"$etcdctl\" ] || fail " + EXIT_ETCDCTL_MISSING
                + " \"etcdctl not found or not executable: $etcdctl\"\n"
                + "for f in ca.crt client.crt client.key; do\n"
                + "  [ -r \"$certs/$f\" ] || fail " + EXIT_CERT_UNREADABLE + " \"cannot read $certs/$f\"\n"
                + "done\n";
    }

    private static final String V3_TLS = "--endpoints=\"$endpoint\" --cacert=\"$certs/ca.crt\""
            + " --cert=\"$certs/client.crt\" --key=\"$certs/client.key\"";
    private static final String V2_TLS = "--endpoints \"$endpoint\" --ca-file \"$certs/ca.crt\""
            + " --cert-file \"$certs/client.crt\" --key-file \"$certs/client.key\"";

    /**
     * Takes a snapshot and packs it like the charm's action ({@code ./} and {@code ./db}, or the {@code ./member}
     * tree for v2, in {@code etcd-snapshot-YYYY-MM-DD-HH.MM.SS.tar.gz}), then prints path, SHA-256, {@code du -h}
     * size and {@code etcdctl version}. The archive appears under its final name only when complete, and the
     * scratch directory is removed whatever happens.
     */
    static String snapshot(UnitLayout layout, KeysVersion keys, String target) {
        String scratch = keys == KeysVersion.V3
                // A consistent snapshot through the API (the charm copies the live bbolt file instead).
                ? "work=$(mktemp -d \"$target/.etcd-backup.XXXXXXXX\")\n"
                + "ETCDCTL_API=3 \"$etcdctl\" " + V3_TLS + " snapshot save \"$work/db\" >&2\n"
                // The charm dumps v2 inside the data dir too: a strictly confined etcdctl may write nowhere else.
                : "data=" + quoteAlways(layout.dataDir()) + "\n"
                + "[ -d \"$data/member\" ] || fail " + EXIT_NO_DATA_DIR + " \"no etcd data in $data/member\"\n"
                + "mkdir -p \"$data/v2-snapshots\"\n"
                + "work=$(mktemp -d \"$data/v2-snapshots/etcd-backup.XXXXXXXX\")\n"
                + "ETCDCTL_API=2 \"$etcdctl\" backup --data-dir \"$data\" --backup-dir \"$work\" >&2\n";
        return prelude(layout)
                + "set -e\n"
                + "umask 022\n"
                + "target=" + quoteAlways(target) + "\n"
                + "mkdir -p \"$target\"\n"
                + scratch
                + "stamp=$(date +%Y-%m-%d-%H.%M.%S)\n"
                // Two snapshots in one second must not overwrite each other.
                + "while [ -e \"$target/etcd-snapshot-$stamp.tar.gz\" ]; do sleep 1; stamp=$(date +%Y-%m-%d-%H.%M.%S);"
                + " done\n"
                + "archive=\"$target/etcd-snapshot-$stamp.tar.gz\"\n"
                + "(cd \"$work\" && tar czf \"$archive.part\" .)\n"
                + "mv \"$archive.part\" \"$archive\"\n"
                + "sum=$(sha256sum \"$archive\")\n"
                + "size=$(du -h \"$archive\")\n"
                + "printf '" + PATH_KEY + "%s\\n' \"$archive\"\n"
                + "printf '" + SHA256_KEY + "%s\\n' \"${sum%% *}\"\n"
                + "printf '" + SIZE_KEY + "%s\\n' \"$(printf '%s' \"$size\" | cut -f1)\"\n"
                + "\"$etcdctl\" version\n";
    }

    /**
     * The charm's health check ({@code cluster-health}, API v2) where the server still answers it, else
     * {@code endpoint health --cluster} (API v3; etcd 3.6 dropped v2, and servers without --enable-v2 refuse it).
     * Prints the raw text for the core's parser; exit codes 0 and 5 of cluster-health both carry member lines.
     */
    static String health(UnitLayout layout) {
        return prelude(layout)
                + "v2=$(ETCDCTL_API=2 \"$etcdctl\" " + V2_TLS + " cluster-health 2>/dev/null) && rc=0 || rc=$?\n"
                + "if [ \"$rc\" -eq 0 ] || [ \"$rc\" -eq 5 ]; then printf '%s\\n' \"$v2\"; exit 0; fi\n"
                + "ETCDCTL_API=3 \"$etcdctl\" " + V3_TLS + " endpoint health --cluster 2>&1 || true\n";
    }

    /**
     * Restores a v3 archive as the data dir's {@code member} directory: extracts {@code ./db}, runs
     * {@code snapshot restore} into a scratch dir inside the data dir (same file system, so the final move is a
     * rename), moves the old {@code member} aside and the restored one in, and prints where the old one went.
     * {@code --skip-hash-check} as in the charm: the charm's archives hold a raw copy of the live db without the hash,
     * and ours was verified end to end with SHA-256.
     *
     * <p>The restore tool: etcdutl where the unit has it, else etcdctl (which has {@code snapshot restore} up to
     * 3.5 and lost it in 3.6). etcdutl is looked for next to etcdctl under the matching name ({@link #etcdutlBeside}),
     * then, from etcd 3.5 on, on the PATH; an etcdutl on the PATH of an etcd 3.4 unit belongs to another install.
     * A positive {@code bumpRevision} adds {@code --bump-revision N --mark-compacted}, which only etcdutl (3.5.8+)
     * has; without one the script fails with {@link #EXIT_NO_BUMP} before anything moved.
     */
    static String restore(UnitLayout layout, String archive, String name, String peerUrl, String initialCluster,
                          String token, long bumpRevision) {
        return prelude(layout)
                + "set -e\n"
                + "umask 077\n"
                + "data=" + quoteAlways(layout.dataDir()) + "\n"
                + "archive=" + quoteAlways(archive) + "\n"
                + "[ -f \"$archive\" ] || fail " + EXIT_NO_DATA_DIR + " \"no archive at $archive\"\n"
                + "version=$(\"$etcdctl\" version | sed -n 's/^etcdctl version: *//p')\n"
                + "beside=" + quoteAlways(etcdutlBeside(layout.etcdctl())) + "\n"
                + "etcdutl=$beside\n"
                + "if [ ! -x \"$etcdutl\" ]; then\n"
                + "  case \"$version\" in\n"
                + "    3.[0-4].*) etcdutl= ;;\n"
                + "    *) etcdutl=$(command -v etcdutl) || etcdutl= ;;\n"
                + "  esac\n"
                + "fi\n"
                + (bumpRevision > 0
                ? "[ -n \"$etcdutl\" ] || fail " + EXIT_NO_BUMP + " \"--bump-revision needs etcdutl (etcd 3.5.8+):"
                + " etcd $version has none at $beside nor on the PATH\"\n"
                + "restore=$etcdutl\n"
                : "if [ -z \"$etcdutl\" ]; then\n"
                + "  case \"$version\" in\n"
                + "    3.[0-5].*) ;;\n"
                + "    *) fail " + EXIT_ETCDUTL_MISSING + " \"etcd $version restores with etcdutl: none at $beside nor"
                + " on the PATH\" ;;\n"
                + "  esac\n"
                + "fi\n"
                + "restore=${etcdutl:-$etcdctl}\n")
                + "mkdir -p \"$data\"\n"
                + "work=$(mktemp -d \"$data/.etcd-restore.XXXXXXXX\")\n"
                + "tar xzf \"$archive\" -C \"$work\" ./db\n"
                + "ETCDCTL_API=3 \"$restore\" snapshot restore \"$work/db\" --skip-hash-check"
                + " --data-dir \"$work/restored\" --name " + quoteAlways(name)
                + " --initial-cluster " + quoteAlways(initialCluster)
                + " --initial-cluster-token " + quoteAlways(token)
                + " --initial-advertise-peer-urls " + quoteAlways(peerUrl)
                + bump(bumpRevision) + " >&2\n"
                + "aside=\n"
                + "if [ -e \"$data/member\" ]; then\n"
                + "  aside=\"$data/member.before-restore-$(date +%Y%m%d-%H%M%S)\"\n"
                // A second restore in the same second (a resume) must not move member into the first one's copy.
                + "  while [ -e \"$aside\" ]; do sleep 1; aside=\"$data/member.before-restore-$(date +%Y%m%d-%H%M%S)\";"
                + " done\n"
                + "  mv \"$data/member\" \"$aside\"\n"
                + "fi\n"
                + "mv \"$work/restored/member\" \"$data/member\"\n"
                + "printf '" + ASIDE_KEY + "%s\\n' \"$aside\"\n";
    }

    /**
     * Where etcdutl sits beside {@code etcdctl}: the same name with etcdutl for etcdctl ({@code /usr/bin/etcdutl},
     * the snap's {@code /snap/bin/etcd.etcdutl}), or {@code etcdutl} in its directory.
     */
    static String etcdutlBeside(String etcdctl) {
        return etcdctl.endsWith("etcdctl") ? etcdctl.substring(0, etcdctl.length() - "etcdctl".length()) + "etcdutl"
                : etcdctl.substring(0, etcdctl.lastIndexOf('/') + 1) + "etcdutl";
    }

    private static String bump(long bumpRevision) {
        return bumpRevision > 0 ? " --bump-revision " + bumpRevision + " --mark-compacted" : "";
    }

    /**
     * The restore as a person would type it (without the script's guards), for a plan that is read before it runs:
     * the same restore command, then the two moves. Quoted only where needed, to stay readable.
     */
    static String restoreSummary(UnitLayout layout, String etcdVersion, String archive, String name, String peerUrl,
                                 String initialCluster, String token, long bumpRevision) {
        String data = layout.dataDir();
        String work = data + "/.etcd-restore";
        // The script's choice on a unit as etcd releases ship: etcdctl up to 3.4, etcdutl beside it from 3.5.
        String etcdctl = layout.etcdctl();
        String tool = etcdVersion.matches("3\\.[0-4]\\..*") ? etcdctl : etcdutlBeside(etcdctl);
        return "mkdir " + Shell.quote(work)
                + " && tar xzf " + Shell.quote(archive) + " -C " + Shell.quote(work) + " ./db"
                + " && ETCDCTL_API=3 " + Shell.quote(tool) + " snapshot restore " + Shell.quote(work + "/db")
                + " --skip-hash-check --data-dir " + Shell.quote(work + "/restored") + " --name " + Shell.quote(name)
                + " --initial-cluster " + Shell.quote(initialCluster) + " --initial-cluster-token "
                + Shell.quote(token) + " --initial-advertise-peer-urls " + Shell.quote(peerUrl) + bump(bumpRevision)
                + " && mv " + Shell.quote(data + "/member") + " " + Shell.quote(data + "/member.before-restore-")
                + "$(date +%Y%m%d-%H%M%S) && mv " + Shell.quote(work + "/restored/member") + " "
                + Shell.quote(data + "/member");
    }

    /** {@code systemctl start|stop} as printed in a plan: the same words, quoted only where needed. */
    static String serviceSummary(String action, UnitLayout layout) {
        return Shell.quote(layout.systemctl()) + " " + action + " -- " + Shell.quote(layout.service());
    }

    /** The v3 health check as printed in a plan (the script tries the v2 cluster-health first). */
    static String healthSummary(UnitLayout layout) {
        String certs = layout.certDir();
        return "ETCDCTL_API=3 " + Shell.quote(layout.etcdctl()) + " --endpoints=" + Shell.quote(layout.endpoint())
                + " --cacert=" + Shell.quote(certs + "/ca.crt") + " --cert=" + Shell.quote(certs + "/client.crt")
                + " --key=" + Shell.quote(certs + "/client.key") + " endpoint health --cluster";
    }

    /** {@code etcdctl version}; its first line is {@code etcdctl version: 3.4.22}. */
    static String version(UnitLayout layout) {
        return quoteAlways(layout.etcdctl()) + " version";
    }

    /** Writes stdin to a new file only root can read; {@code set -C} makes an existing file an error. */
    static String upload(String path) {
        return "set -C; umask 077; cat > " + quoteAlways(path);
    }

    /** {@code systemctl start|stop} of the layout's service, with the layout's systemctl. */
    static String service(String action, UnitLayout layout) {
        return quoteAlways(layout.systemctl()) + " " + action + " -- " + quoteAlways(layout.service());
    }

    /** Exits 0 when the layout's service is active, 3 when it is not (systemctl's codes). */
    static String isActive(UnitLayout layout) {
        return quoteAlways(layout.systemctl()) + " is-active --quiet -- " + quoteAlways(layout.service());
    }

    /** Streams a file from a byte offset ({@code tail -c +N} counts from 1). */
    static String readFile(String path, long offset) {
        return offset == 0 ? "cat -- " + quoteAlways(path) : "tail -c +" + (offset + 1) + " -- " + quoteAlways(path);
    }
}
