package io.github.etcdbackup.internal.restore;

import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.internal.archive.EncryptedArchiveReader;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.RestoreFailedException;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreStep;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.HostOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

/**
 * Runs the SSH-path steps of a restore plan on the hosts. Like the Juju steps, each first looks whether its effect is
 * already there (the archive with the right SHA-256, the service already stopped or started) and is checked after it
 * ran. A member restore cannot tell its own earlier result from the old data, so it runs again on a resume; that is
 * safe because it never deletes: each run moves the current {@code member} directory aside.
 */
final class HostStepRunner {
    private static final Logger LOG = LoggerFactory.getLogger(HostStepRunner.class);

    private final HostOperations host;
    private final BiFunction<String, Deadline, HealthReport> health;
    private final Duration callTimeout;

    HostStepRunner(HostOperations host, BiFunction<String, Deadline, HealthReport> health, Duration callTimeout) {
        this.host = host;
        this.health = health;
        this.callTimeout = callTimeout;
    }

    static boolean handles(RestoreStep step) {
        return step instanceof RestoreStep.UploadArchive || step instanceof RestoreStep.StopService
                || step instanceof RestoreStep.RestoreMember || step instanceof RestoreStep.StartService
                || step instanceof RestoreStep.AwaitHealthy;
    }

    private Deadline call() {
        return Deadline.after(callTimeout);
    }

    /** Runs one step; returns false when its effect was already there. */
    boolean execute(RestorePlan plan, RestoreStep step) {
        if (step instanceof RestoreStep.UploadArchive upload) {
            return upload(plan, upload);
        }
        if (step instanceof RestoreStep.StopService stop) {
            return service(plan, step, stop.unit(), false);
        }
        if (step instanceof RestoreStep.StartService start) {
            return service(plan, step, start.unit(), true);
        }
        if (step instanceof RestoreStep.RestoreMember restore) {
            if (host.serviceActive(restore.unit(), call())) {
                throw new RestoreFailedException(step.title(), "etcd runs on " + restore.unit()
                        + "; its data is not replaced under a live member (resume from its stop step)");
            }
            String aside = host.restoreDataDir(restore.unit(), restore.remoteArchive(), restore.member(),
                    Deadline.after(plan.settleTimeout()));
            LOG.info("Restored {} on {}; the old member directory is at {}", restore.member().name(), restore.unit(),
                    aside.isEmpty() ? "(none: the data dir was empty)" : aside);
            return true;
        }
        if (step instanceof RestoreStep.AwaitHealthy await) {
            AtomicReference<String> last = new AtomicReference<>("no answer yet");
            try {
                RestoreExecutor.await(plan, step, () -> await.units().stream()
                        .allMatch(unit -> healthy(unit, await.members(), last)), RestoreExecutor.SETTLED_POLLS);
            } catch (OperationTimeoutException e) {
                throw new RestoreFailedException(step.title(), "not settled within " + plan.settleTimeout()
                        + "; last answer: " + last.get());
            }
            return true;
        }
        throw new IllegalStateException("not a host step: " + step);
    }

    private boolean upload(RestorePlan plan, RestoreStep.UploadArchive upload) {
        Optional<String> there = host.sha256(upload.unit(), upload.remotePath(), call());
        if (there.equals(Optional.of(upload.sha256()))) {
            // A resumed step whose upload landed before a crash: its plaintext may still be there.
            upload.decryptedFrom().ifPresent(encrypted -> DecryptedArchive.remove(upload.file()));
            return false;
        }
        if (there.isPresent()) {
            throw new RestoreFailedException(upload.title(), "another file is already at " + upload.remotePath()
                    + " (SHA-256 " + there.get() + "); move it away or choose SshRestoreOptions.remoteDir");
        }
        if (upload.decryptedFrom().isPresent()) {
            AgeIdentities identities = EncryptedArchiveReader.requireIdentities(plan.snapshot(), plan.identities(),
                    "give the plan (RestorePlan.withIdentities)");
            // write() cleans up after its own failures, and never touches a directory it did not make.
            DecryptedArchive.write(plan.snapshot(), identities, upload.file(), "SHA-256", upload.sha256(),
                    upload.title());
            try {
                host.upload(upload.unit(), upload.file(), upload.remotePath(), call());
            } finally {
                DecryptedArchive.remove(upload.file());
            }
        } else {
            host.upload(upload.unit(), upload.file(), upload.remotePath(), call());
        }
        Optional<String> landed = host.sha256(upload.unit(), upload.remotePath(), call());
        if (!landed.equals(Optional.of(upload.sha256()))) {
            throw new RestoreFailedException(upload.title(), "the copy on " + upload.unit() + " has SHA-256 "
                    + landed.orElse("(missing)") + ", not the archive's " + upload.sha256());
        }
        return true;
    }

    private boolean service(RestorePlan plan, RestoreStep step, String unit, boolean start) {
        if (host.serviceActive(unit, call()) == start) {
            return false;
        }
        if (start) {
            host.startService(unit, call());
        } else {
            host.stopService(unit, call());
        }
        // systemctl returns when the job is queued or done; the state is read back until it holds.
        RestoreExecutor.await(plan, step, () -> host.serviceActive(unit, call()) == start, 1);
        return true;
    }

    /** Whether {@code unit} sees {@code members} members, all healthy; a failed check counts as not yet. */
    private boolean healthy(String unit, int members, AtomicReference<String> last) {
        try {
            HealthReport report = health.apply(unit, call());
            last.set(unit + ": " + report.rawOutput().strip());
            return report.allMembersHealthy() && report.members().size() == members;
        } catch (EtcdBackupException e) {
            last.set(unit + ": " + e.getMessage());
            return false;
        }
    }
}
