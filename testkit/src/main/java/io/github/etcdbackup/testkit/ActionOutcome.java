package io.github.etcdbackup.testkit;

/**
 * How a charm action ended, in the terms of the Juju uniter: the results it set with {@code action-set}, the
 * message of {@code action-fail} (or {@code exit status N}), the hook process's exit code and its output.
 *
 * @param results  the charm's results, nested by the dots of their keys
 * @param failed   true when the action called {@code action-fail} or exited non-zero
 * @param message  the failure message, or {@code null}
 * @param code     the process exit code
 * @param stdout   captured standard output
 * @param stderr   captured standard error
 */
record ActionOutcome(GoMap results, boolean failed, String message, int code, String stdout, String stderr) {

    /** The charm called {@code action-fail "message"} and then exited 0. */
    static ActionOutcome actionFail(GoMap results, String message, String stdout, String stderr) {
        return new ActionOutcome(results, true, message, 0, stdout, stderr);
    }

    /** The script crashed (set -e, an uncaught exception): Juju reports {@code exit status N}. */
    static ActionOutcome crashed(GoMap results, int code, String stdout, String stderr) {
        return new ActionOutcome(results, true, "exit status " + code, code, stdout, stderr);
    }

    static ActionOutcome completed(GoMap results, String stdout, String stderr) {
        return new ActionOutcome(results, false, null, 0, stdout, stderr);
    }
}
