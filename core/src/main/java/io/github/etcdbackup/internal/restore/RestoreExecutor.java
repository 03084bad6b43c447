package io.github.etcdbackup.internal.restore;

import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.internal.archive.ArchiveInspector;
import io.github.etcdbackup.internal.archive.EncryptedArchiveReader;
import io.github.etcdbackup.internal.common.RemoteSha256;

import io.github.etcdbackup.status.ApplicationStatus;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.RestoreFailedException;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.restore.RestoreStep;
import io.github.etcdbackup.status.UnitStatus;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.HostOperations;
import io.github.etcdbackup.spi.ModelOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Runs a {@link RestorePlan} step by step. Each step first looks whether its effect is already there (so that a
 * resumed or repeated restore does not deploy twice), then runs, then is checked before the next one starts. The
 * first failure ends the run with a report that says where it stopped.
 */
public final class RestoreExecutor {
    /** Observes steps as they start and end, for progress events. */
    public interface StepListener {
        /** Step {@code index} of the plan is about to run. */
        void started(int index, RestoreStep step);

        /** A step ended. */
        void ended(RestoreReport.StepOutcome outcome);
    }

    /** A waited-for condition must hold on this many polls in a row: one good poll proves nothing. */
    static final int SETTLED_POLLS = 3;
    /** The etcd charm's resource that its {@code restore} action reads the archive from. */
    static final String SNAPSHOT_RESOURCE = "snapshot";
    private static final Logger LOG = LoggerFactory.getLogger(RestoreExecutor.class);

    private final ModelOperations model;
    private final BiFunction<String, Deadline, HealthReport> health;
    private final Duration callTimeout;
    private final HostStepRunner hostSteps;

    /**
     * Runs the Juju path.
     *
     * @param model       the transport's model operations
     * @param health      runs the health check on a unit
     * @param callTimeout the deadline of each single model call
     */
    public RestoreExecutor(ModelOperations model, BiFunction<String, Deadline, HealthReport> health,
                           Duration callTimeout) {
        this(model, null, health, callTimeout);
    }

    /**
     * Runs the SSH path.
     *
     * @param host        the transport's host operations
     * @param health      runs the health check on a unit
     * @param callTimeout the deadline of each single host call
     */
    public RestoreExecutor(HostOperations host, BiFunction<String, Deadline, HealthReport> health,
                           Duration callTimeout) {
        this(null, new HostStepRunner(host, health, callTimeout), health, callTimeout);
    }

    private RestoreExecutor(ModelOperations model, HostStepRunner hostSteps,
                            BiFunction<String, Deadline, HealthReport> health, Duration callTimeout) {
        this.model = model;
        this.hostSteps = hostSteps;
        this.health = health;
        this.callTimeout = callTimeout;
    }

    /** Runs the plan from step {@code from}, after the {@code earlier} outcomes. */
    public RestoreReport run(RestorePlan plan, int from, List<RestoreReport.StepOutcome> earlier,
                             StepListener listener) {
        List<RestoreReport.StepOutcome> outcomes = new ArrayList<>(earlier.subList(0, Math.min(from, earlier.size())));
        for (int i = from; i < plan.steps().size(); i++) {
            RestoreStep step = plan.steps().get(i);
            listener.started(i, step);
            long start = System.nanoTime();
            RestoreReport.StepOutcome outcome;
            Map<String, String> results = new LinkedHashMap<>();
            try {
                boolean ran = execute(plan, step, results);
                outcome = new RestoreReport.StepOutcome(i, step, ran ? RestoreReport.Result.DONE
                        : RestoreReport.Result.ALREADY_DONE, elapsedSince(start), Optional.empty(), results);
            } catch (EtcdBackupException e) {
                LOG.warn("Restore step {} ({}) failed: {}", i + 1, step.title(), e.getMessage());
                outcome = new RestoreReport.StepOutcome(i, step, RestoreReport.Result.FAILED, elapsedSince(start),
                        Optional.of(e));
            }
            outcomes.add(outcome);
            listener.ended(outcome);
            if (outcome.result() == RestoreReport.Result.FAILED) {
                break;
            }
        }
        return new RestoreReport(plan, outcomes);
    }

    private static Duration elapsedSince(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private Deadline call() {
        return Deadline.after(callTimeout);
    }

    /**
     * Runs one step; returns false when its effect was already there.
     *
     * @param results receives the results of the charm action the step ran, if any
     */
    private boolean execute(RestorePlan plan, RestoreStep step, Map<String, String> results) {
        if (step instanceof RestoreStep.VerifyArchive && plan.snapshot().encrypted()) {
            RestorePlanner.checkEncrypted(plan.snapshot(), plan.identities());
            return true;
        }
        if (step instanceof RestoreStep.VerifyArchive) {
            plan.snapshot().verify();
            List<String> problems = ArchiveInspector.problems(plan.snapshot().file(),
                    plan.snapshot().source().keysVersion());
            if (!problems.isEmpty()) {
                throw new RestoreFailedException(step.title(), String.join("; ", problems));
            }
            return true;
        }
        if (hostSteps != null && HostStepRunner.handles(step)) {
            return hostSteps.execute(plan, step);
        }
        if (step instanceof RestoreStep.Deploy deploy) {
            if (application(deploy.application()).isPresent()) {
                return false;
            }
            model.deploy(deploy.charm(), deploy.application(), deploy.channel(), deploy.base(), deploy.config(),
                    call());
            await(plan, step, s -> s.application(deploy.application()).isPresent(), 1);
            return true;
        }
        if (step instanceof RestoreStep.Integrate integrate) {
            Predicate<ModelStatus> related = s -> s.application(integrate.first())
                    .map(a -> a.relatedApplications().contains(integrate.second())).orElse(false);
            if (related.test(model.status(call()))) {
                return false;
            }
            model.integrate(integrate.first(), integrate.second(), call());
            // Related, and the other side took it: its hooks run after the relation exists, and a charm that cannot
            // use it (the control plane with two etcd relations) shows its units in error.
            await(plan, step, s -> related.test(s) && noUnitInError(s, integrate.second(), step), SETTLED_POLLS);
            return true;
        }
        if (step instanceof RestoreStep.RemoveRelation remove) {
            Predicate<ModelStatus> gone = s -> s.application(remove.application())
                    .map(a -> !a.relations().getOrDefault(remove.endpoint(), List.of()).contains(remove.other()))
                    .orElse(true);
            if (gone.test(model.status(call()))) {
                return false;
            }
            model.removeRelation(remove.application() + ":" + remove.endpoint(), remove.other(), call());
            await(plan, step, gone, 1);
            return true;
        }
        if (step instanceof RestoreStep.AttachSnapshot attach) {
            if (uploaded(attach).equals(Optional.of(attach.sha384()))) {
                // A resumed step whose upload landed before a crash: its plaintext may still be there.
                attach.decryptedFrom().ifPresent(encrypted -> DecryptedArchive.remove(attach.file()));
                return false;
            }
            if (attach.decryptedFrom().isPresent()) {
                AgeIdentities identities = EncryptedArchiveReader.requireIdentities(plan.snapshot(),
                        plan.identities(), "give the plan (RestorePlan.withIdentities)");
                // write() cleans up after its own failures, and never touches a directory it did not make.
                DecryptedArchive.write(plan.snapshot(), identities, attach.file(), "SHA-384", attach.sha384(),
                        step.title());
                try {
                    model.attachResource(attach.application(), SNAPSHOT_RESOURCE, attach.file(), call());
                } finally {
                    DecryptedArchive.remove(attach.file());
                }
            } else {
                model.attachResource(attach.application(), SNAPSHOT_RESOURCE, attach.file(), call());
            }
            Optional<String> fingerprint = uploaded(attach);
            if (!fingerprint.equals(Optional.of(attach.sha384()))) {
                throw new RestoreFailedException(step.title(), fingerprint.isEmpty()
                        ? "the snapshot resource is still the store's placeholder, not the uploaded archive; the "
                        + "charm would dismantle the cluster and then fail"
                        : "Juju reports fingerprint " + fingerprint.get() + " for the resource, not the archive's "
                        + attach.sha384());
            }
            return true;
        }
        if (step instanceof RestoreStep.AwaitUnits awaitUnits) {
            await(plan, step, s -> settled(s, awaitUnits.application(), awaitUnits.units()), SETTLED_POLLS);
            return true;
        }
        if (step instanceof RestoreStep.RunRestore restore) {
            results.putAll(model.runRestore(restore.unit(), restore.params(), Deadline.after(plan.settleTimeout())));
            if (results.containsKey(RestoreReport.CharmBackup.PATH_KEY)) {
                LOG.info("The charm kept the data {} had before the restore in {} (SHA-256 {})", restore.unit(),
                        results.get(RestoreReport.CharmBackup.PATH_KEY),
                        results.get(RestoreReport.CharmBackup.SHA256_KEY));
            }
            return true;
        }
        if (step instanceof RestoreStep.CopyToLeader copy) {
            String leader = leaderOf(copy.application(), step);
            if (remoteSha256(leader, copy.remotePath()).equals(Optional.of(copy.sha256()))) {
                return false;
            }
            model.copyToUnit(leader, copy.file(), copy.remotePath(), call());
            Optional<String> copied = remoteSha256(leader, copy.remotePath());
            if (!copied.equals(Optional.of(copy.sha256()))) {
                throw new RestoreFailedException(step.title(), "the copy on " + leader + " has SHA-256 "
                        + copied.orElse("(none)") + ", not the archive's " + copy.sha256());
            }
            return true;
        }
        if (step instanceof RestoreStep.ReplayV2Keys replay) {
            String leader = leaderOf(replay.application(), step);
            String output = model.runAsRoot(leader, V2KeyReplay.script(replay.remoteArchive()),
                    Deadline.after(plan.settleTimeout()));
            int keys = V2KeyReplay.replayed(output).orElseThrow(() -> new RestoreFailedException(step.title(),
                    "the replay on " + leader + " ended without saying how many keys it wrote:\n" + output.strip()));
            LOG.info("Replayed {} v2 keys into {}", keys, replay.application());
            return true;
        }
        if (step instanceof RestoreStep.AddUnits add) {
            int wanted = finalUnits(plan);
            int have = application(add.application()).map(a -> a.units().size()).orElse(0);
            if (have >= wanted) {
                return false;
            }
            model.addUnit(add.application(), wanted - have, call());
            await(plan, step, s -> s.application(add.application()).map(a -> a.units().size() >= wanted)
                    .orElse(false), 1);
            return true;
        }
        if (step instanceof RestoreStep.CheckHealth check) {
            HealthReport report = health.apply(check.unit(), call());
            if (!report.allMembersHealthy() || report.members().size() != check.members()) {
                throw new RestoreFailedException(step.title(), "expected " + check.members()
                        + " healthy members, etcdctl reported:\n" + report.rawOutput().strip());
            }
            return true;
        }
        if (step instanceof RestoreStep.RestartControlPlane restart) {
            model.restartControlPlane(restart.units(), Deadline.after(plan.settleTimeout()));
            return true;
        }
        throw new IllegalStateException("unknown restore step " + step);
    }

    private static int finalUnits(RestorePlan plan) {
        return plan.steps().stream().filter(RestoreStep.CheckHealth.class::isInstance)
                .map(step -> ((RestoreStep.CheckHealth) step).members()).reduce((a, b) -> b).orElse(1);
    }

    /**
     * {@code APP/leader}, as the plan printed it and as Juju resolves it, once status shows a leader: without one,
     * Juju's own error would say less.
     */
    private String leaderOf(String application, RestoreStep step) {
        application(application).flatMap(a -> a.units().stream().filter(UnitStatus::leader).findFirst())
                .orElseThrow(() -> new RestoreFailedException(step.title(),
                        "juju status shows no leader for " + application));
        return application + "/leader";
    }

    /** The SHA-256 of a file on a unit, or empty when it is not there; any other failure is thrown. */
    private Optional<String> remoteSha256(String unit, String path) {
        return RemoteSha256.parse(model.runAsRoot(unit, RemoteSha256.script(path), call()),
                "sha256sum on " + unit);
    }

    private Optional<ApplicationStatus> application(String name) {
        return model.status(call()).application(name);
    }

    private Optional<String> uploaded(RestoreStep.AttachSnapshot attach) {
        return model.uploadedResourceFingerprint(attach.application(), SNAPSHOT_RESOURCE, call());
    }

    /** True unless a unit of the application is in error, which fails the step at once with the unit's message. */
    private static boolean noUnitInError(ModelStatus status, String application, RestoreStep step) {
        status.application(application).flatMap(a -> a.units().stream()
                .filter(u -> u.workload().equals("error")).findFirst()).ifPresent(unit -> {
                    throw new RestoreFailedException(step.title(), unit.name() + " is in error ("
                            + unit.workloadMessage() + "); a control plane or CNI related to two etcd applications "
                            + "fails its hooks: remove its relation to the old etcd, then resume");
                });
        return true;
    }

    /** Every unit of the application says {@code Healthy with N known peer(s)} with N = the unit count. */
    static boolean settled(ModelStatus status, String application, int units) {
        Optional<ApplicationStatus> app = status.application(application);
        if (app.isEmpty() || app.get().units().size() != units) {
            return false;
        }
        String healthy = "Healthy with " + units + " known peer" + (units == 1 ? "" : "s");
        for (UnitStatus unit : app.get().units()) {
            if (!unit.workload().equals("active") || !unit.workloadMessage().equals(healthy)) {
                return false;
            }
        }
        return true;
    }

    /** Polls status until the condition held on {@code polls} polls in a row, within the plan's settle timeout. */
    private void await(RestorePlan plan, RestoreStep step, Predicate<ModelStatus> condition, int polls) {
        await(plan, step, () -> condition.test(model.status(call())), polls);
    }

    /** Polls until the condition held on {@code polls} polls in a row, within the plan's settle timeout. */
    static void await(RestorePlan plan, RestoreStep step, BooleanSupplier condition, int polls) {
        Deadline deadline = Deadline.after(plan.settleTimeout());
        int inARow = 0;
        while (true) {
            inARow = condition.getAsBoolean() ? inARow + 1 : 0;
            if (inARow >= polls) {
                return;
            }
            if (deadline.remaining().compareTo(plan.pollInterval()) < 0) {
                throw new OperationTimeoutException(step.title(), plan.settleTimeout(), null);
            }
            try {
                Thread.sleep(plan.pollInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OperationInterruptedException(step.title(), e);
            }
        }
    }
}
