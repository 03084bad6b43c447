package io.github.etcdbackup.restore;

import io.github.etcdbackup.exception.EtcdBackupException;

import java.time.Duration;
import java.util.List;
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
     */
    public record StepOutcome(int index, RestoreStep step, Result result, Duration elapsed,
                              Optional<EtcdBackupException> error) {
        /** Validates every field. */
        public StepOutcome {
            Objects.requireNonNull(step, "step");
            Objects.requireNonNull(result, "result");
            Objects.requireNonNull(elapsed, "elapsed");
            Objects.requireNonNull(error, "error");
        }
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
        return text.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
