package io.github.etcdbackup.restore;

import io.github.etcdbackup.exception.EtcdBackupException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a restore did, step by step. When a step failed, the report says which and why;
 * {@link io.github.etcdbackup.client.EtcdBackupClient#resume(RestoreReport)} continues from there.
 *
 * @param plan     the plan that ran
 * @param outcomes one outcome per step that ran, in order; the last is the failed one if any
 */
public record RestoreReport(RestorePlan plan, List<StepOutcome> outcomes) {
    /** Validates and copies every field. */
    public RestoreReport {
        Objects.requireNonNull(plan, "plan");
        outcomes = List.copyOf(outcomes);
    }

    /** How one step ended. */
    public enum Result {
        /** It ran and its check passed. */
        DONE,
        /** Its effect was already there (an earlier, interrupted run did it), so it was not run again. */
        ALREADY_DONE,
        /** It failed, or its check did not pass. */
        FAILED
    }

    /**
     * One step's outcome.
     *
     * @param index   the step's position in the plan, from 0
     * @param step    the step
     * @param result  how it ended
     * @param elapsed how long it took
     * @param error   why it failed
     * @param results the results of the charm action the step ran ({@code backup.path} of {@code restore}, with
     *                dotted keys); empty for other steps, and for steps recovered from a journal
     */
    public record StepOutcome(int index, RestoreStep step, Result result, Duration elapsed,
                              Optional<EtcdBackupException> error, Map<String, String> results) {
        /** Validates and copies every field. */
        public StepOutcome {
            Objects.requireNonNull(step, "step");
            Objects.requireNonNull(result, "result");
            Objects.requireNonNull(elapsed, "elapsed");
            Objects.requireNonNull(error, "error");
            results = Map.copyOf(results);
        }

        /** An outcome without action results. */
        public StepOutcome(int index, RestoreStep step, Result result, Duration elapsed,
                           Optional<EtcdBackupException> error) {
            this(index, step, result, elapsed, error, Map.of());
        }
    }

    /**
     * The copy the etcd charm made of the data directory it restored over ({@code skip-backup=false}): an
     * uncompressed tar despite its {@code .tar.gz} name, on the unit.
     *
     * @param unit   the unit that ran the restore, as the plan named it
     * @param path   the tar on that unit
     * @param sha256 its SHA-256, as the charm computed it
     */
    public record CharmBackup(String unit, String path, String sha256) {
        /** The restore action's result key for the path (layer-etcd src/actions/restore.py render_backup). */
        public static final String PATH_KEY = "backup.path";
        /** Its result key for the checksum: {@code sha256sum}, unlike the snapshot action's {@code sha256}. */
        public static final String SHA256_KEY = "backup.sha256sum";

        /** Validates every field. */
        public CharmBackup {
            Objects.requireNonNull(unit, "unit");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(sha256, "sha256");
        }
    }

    /** Where the charm kept the data the restored application had, when the restore ran with a backup. */
    public Optional<CharmBackup> charmBackup() {
        return outcomes.stream().filter(o -> o.step() instanceof RestoreStep.RunRestore)
                .filter(o -> o.results().containsKey(CharmBackup.PATH_KEY))
                .map(o -> new CharmBackup(((RestoreStep.RunRestore) o.step()).unit(),
                        o.results().get(CharmBackup.PATH_KEY), o.results().getOrDefault(CharmBackup.SHA256_KEY, "")))
                .findFirst();
    }

    /** True when every step of the plan is done. */
    public boolean completed() {
        return outcomes.size() == plan.steps().size()
                && outcomes.stream().noneMatch(o -> o.result() == Result.FAILED);
    }

    /** The step that failed, if one did. */
    public Optional<StepOutcome> failedStep() {
        return outcomes.stream().filter(o -> o.result() == Result.FAILED).findFirst();
    }

    /** The index of the step a resume starts from: the failed one, or the first that did not run. */
    public int resumeIndex() {
        return failedStep().map(StepOutcome::index).orElse(outcomes.size());
    }

    /** One line per step: what happened and, for the failed one, why and how to go on. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        for (StepOutcome o : outcomes) {
            text.append(String.format("%2d. %-12s %s (%d ms)%n", o.index() + 1, o.result(), o.step().title(),
                    o.elapsed().toMillis()));
            o.error().ifPresent(e -> text.append("      ").append(e.getMessage().replace("\n", "\n      "))
                    .append("\n      Fix the cause, then call client.resume(report) to continue from this step.\n"));
        }
        for (int i = outcomes.size(); i < plan.steps().size(); i++) {
            text.append(String.format("%2d. %-12s %s%n", i + 1, "NOT RUN", plan.steps().get(i).title()));
        }
        charmBackup().ifPresent(b -> text.append("The data ").append(b.unit()).append(" had before the restore is "
                + "kept on it in ").append(b.path()).append(" (an uncompressed tar, SHA-256 ").append(b.sha256())
                .append(")\n"));
        return text.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
