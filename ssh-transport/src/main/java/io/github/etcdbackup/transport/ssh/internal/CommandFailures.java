package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.RestoreRefusedException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.transport.ssh.UnitLayout;

import java.util.Locale;

/**
 * Turns a failed remote script into a typed exception whose message says what to fix. Access problems (sudo) are
 * {@link TransportException}s: the unit was never asked. Problems of the unit itself (no etcdctl, unreadable
 * certificates, a failing etcdctl) are {@link ActionFailedException}s, as the charm's action would report them. A
 * restore the unit's etcd cannot do as asked (a revision bump without etcdutl) is a {@link RestoreRefusedException}:
 * the script stops before it changes anything.
 */
final class CommandFailures {
    private CommandFailures() {
    }

    static EtcdBackupException of(String unit, String what, ExecResult result, UnitLayout layout, String user,
                                  boolean sudo) {
        String stderr = result.stderr();
        String lower = stderr.toLowerCase(Locale.ROOT);
        int exit = result.exitCode();
        if (sudo && exit == 1 && (lower.contains("a password is required") || lower.contains("a terminal is required"))) {
            return new TransportException(TransportName.SSH, "sudo on " + unit + " asks user '" + user
                    + "' for a password: allow it to run sh as root without one (a sudoers line such as '" + user
                    + " ALL=(ALL) NOPASSWD: ALL', as Juju sets up for ubuntu), or use useSudo(false) with a user that"
                    + " can read " + layout.certDir(), exit, stderr, null);
        }
        if (sudo && exit == 127 && !stderr.contains("etcd-backup:") && lower.contains("sudo")) {
            return new TransportException(TransportName.SSH, "sudo is not installed on " + unit
                    + ": install it, or use useSudo(false) with a user that can read " + layout.certDir(), exit,
                    stderr, null);
        }
        if (exit == Scripts.EXIT_NO_BUMP && stderr.contains("etcd-backup: --bump-revision")) {
            return new RestoreRefusedException(unit + " has no etcdutl, which --bump-revision/--mark-compacted need"
                    + " (etcdutl 3.5.8+; looked for " + Scripts.etcdutlBeside(layout.etcdctl()) + ", and on the PATH"
                    + " for etcd 3.5+); nothing was changed",
                    "restore without the revision bump (SshRestoreOptions.bumpRevision) and restart the Kubernetes API"
                            + " servers afterwards so that their watch caches start over, or first upgrade the unit to"
                            + " etcd 3.5.8+ with etcdutl beside its etcdctl (UnitLayout.withEtcdctl(...) says where)");
        }
        if (exit == Scripts.EXIT_ETCDUTL_MISSING && stderr.contains("etcd-backup:")) {
            return failed(unit, what + ": etcdctl of this etcd version has no 'snapshot restore' and etcdutl is"
                    + " not at " + Scripts.etcdutlBeside(layout.etcdctl()) + " nor on the PATH: install etcdutl"
                    + " there, or point UnitLayout.withEtcdctl(...) at an etcdctl with etcdutl beside it", result);
        }
        if (exit == Scripts.EXIT_ETCDCTL_MISSING && stderr.contains("etcd-backup:")) {
            return failed(unit, what + ": etcdctl is missing or not executable at " + layout.etcdctl()
                    + ": install the etcd snap, or point UnitLayout.withEtcdctl(...) at etcdctl", result);
        }
        if (exit == Scripts.EXIT_CERT_UNREADABLE && stderr.contains("etcd-backup: cannot read")) {
            return failed(unit, what + ": cannot read the etcd client certificates in " + layout.certDir()
                    + (sudo ? ": check that they exist (UnitLayout.withCertDir(...))"
                    : " as '" + user + "': the charm's cert dir is root-only, keep useSudo(true) (the default)"
                    + " or give that user read access"), result);
        }
        if (exit == Scripts.EXIT_NO_DATA_DIR && stderr.contains("etcd-backup: no etcd data")) {
            return failed(unit, what + ": no etcd data dir at " + layout.dataDir()
                    + "/member: point UnitLayout.withDataDir(...) at etcd's data dir", result);
        }
        return failed(unit, what + " failed on the unit (exit " + exit + "); see stderr", result);
    }

    private static ActionFailedException failed(String unit, String message, ExecResult result) {
        return new ActionFailedException(unit, null, "failed", message, result.exitCode(),
                result.stderr());
    }
}
