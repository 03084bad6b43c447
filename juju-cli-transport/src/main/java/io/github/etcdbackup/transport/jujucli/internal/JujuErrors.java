package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.exception.TransportException;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what a failing {@code juju} printed on stderr into an exception whose message says what to do. The stderr
 * texts are Juju's ({@code ERROR ...}, see charm-and-juju.md §2.4 and §2.9).
 */
public final class JujuErrors {
    private static final Pattern TASK_ON_UNIT = Pattern.compile("(?m)^\\s*-\\s*task\\s+\"?([0-9A-Za-z-]+)\"?\\s+on\\s");
    private static final Pattern WAITING_FOR_TASK = Pattern.compile("(?m)^Waiting for task\\s+\"?([0-9A-Za-z-]+)\"?");
    private static final Pattern FAILED_TASK_ID =
            Pattern.compile("(?m)^\\s*-\\s*id\\s+\"([0-9A-Za-z-]+)\"\\s+with return code\\s+(-?\\d+)");
    /** A return code that fits an {@code int}; a longer number (never printed by Juju) is not a return code. */
    private static final Pattern INT_CODE = Pattern.compile("-?\\d{1,9}");

    private JujuErrors() {
    }

    /** Whether Juju gave up waiting: 2.9 {@code ERROR timeout reached}, 3.x {@code ERROR timed out waiting for results}. */
    public static boolean waitExpired(String stderr) {
        return stderr.contains("ERROR timeout reached") || stderr.contains("ERROR timed out waiting for results");
    }

    /** The task or action id named by the progress lines on stderr ({@code - task 8 on unit-etcd-0}), if any. */
    public static Optional<String> runningTaskId(String stderr) {
        for (Pattern pattern : new Pattern[] {TASK_ON_UNIT, WAITING_FOR_TASK}) {
            Matcher m = pattern.matcher(stderr);
            if (m.find()) {
                return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }

    /** Juju 3's {@code ERROR the following task failed:} block, which follows a task that exited non-zero. */
    public static boolean taskFailed(String stderr) {
        return stderr.contains("ERROR the following task failed");
    }

    /** The id and return code from {@code - id "14" with return code 1}, if printed. */
    public static Optional<FailedTask> failedTask(String stderr) {
        Matcher m = FAILED_TASK_ID.matcher(stderr);
        // A hostile stderr must not escape as a NumberFormatException: an out-of-range code is no code.
        return m.find() && INT_CODE.matcher(m.group(2)).matches()
                ? Optional.of(new FailedTask(m.group(1), Integer.parseInt(m.group(2)))) : Optional.empty();
    }

    /**
     * A task named in Juju 3's failure block.
     *
     * @param id         the task id
     * @param returnCode its return code
     */
    public record FailedTask(String id, int returnCode) {
    }

    /** The exception for a {@code juju} command that failed or printed an error instead of a result. */
    public static TransportException failure(CommandResult result) {
        return new TransportException(ProcessRunner.TRANSPORT, advice(result), result.exitCode(), result.stderr(),
                null);
    }

    private static String advice(CommandResult result) {
        String stderr = result.stderr().toLowerCase(Locale.ROOT);
        String what = "'juju " + result.command() + "' failed (exit code " + result.exitCode() + ")";
        if (result.command().equals("scp") && stderr.contains("error exit status")) {
            // Juju reached the unit and ran the local scp, which failed: what Juju prints is scp's own error.
            return what + ": the local scp could not copy the file (its error follows Juju's 'exit status'). It runs"
                    + " as the unit's ubuntu user without sudo: the file must exist and be readable by that user.";
        }
        if (stderr.contains("not logged in") || stderr.contains("please enter password")
                || stderr.contains("cannot log into controller") || stderr.contains("no credentials provided")) {
            return what + ": Juju is not logged in to the controller. Run 'juju login' (or 'juju switch' to the right"
                    + " controller) as the user running this program, or point JUJU_DATA at its Juju client data"
                    + " with JujuCliTransport.builder().environment(...).";
        }
        if (stderr.contains("no controllers registered") || stderr.contains("no current controller")
                || stderr.contains("no selected controller")) {
            return what + ": no Juju controller is selected. Run 'juju switch CONTROLLER' (or 'juju register'), or"
                    + " set JUJU_DATA with JujuCliTransport.builder().environment(...).";
        }
        if (stderr.contains("connection refused") || stderr.contains("unable to connect")
                || stderr.contains("cannot connect") || stderr.contains("no route to host")
                || stderr.contains("i/o timeout")) {
            return what + ": the Juju controller is unreachable. Check the network path to it"
                    + " ('juju show-controller'); the SSH transport works while the controller is down.";
        }
        if (stderr.contains("model") && stderr.contains("not found")) {
            return what + ": the model was not found. Check the name given to JujuCliTransport.builder().model(...)"
                    + " against 'juju models'.";
        }
        if (stderr.contains("not found")) {
            return what + ": Juju says it does not exist. Check the unit, application and action names with"
                    + " 'juju status' and 'juju actions APPLICATION'.";
        }
        if (result.stdout().isBlank() && result.exitCode() == 0) {
            return "'juju " + result.command() + "' printed no result (Juju 3 does this for some 'not found' cases)."
                    + " Check the names with 'juju status'.";
        }
        return what + ".";
    }
}
