package io.github.etcdbackup.transport.jujucli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.etcdbackup.exception.TransportException;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
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
    private static final Pattern INDEX = Pattern.compile("\\d{1,4}");

    private JujuErrors() {
    }

    /** Whether Juju gave up waiting: 2.9 {@code ERROR timeout reached}, 3.x {@code ERROR timed out waiting for results}. */
    public static boolean waitExpired(String stderr) {
        // 2.9 run-action/show-action-output; 3.x run; 3.x show-task --wait (action/common.go GetActionResult).
        return stderr.contains("ERROR timeout reached") || stderr.contains("ERROR timed out waiting for results")
                || stderr.contains("ERROR maximum wait time reached");
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

    /**
     * The causes Juju 2.9 (since 2.9.31, cmd/juju/action/runaction.go) prints on stdout, with exit 0, for an action it
     * could not queue: an {@code errors} map keyed by the unit argument's index, e.g. {@code 0: '"unit-etcd-7" not
     * found'}. Empty when {@code stdout} is anything else (a task result is never a map with only {@code errors}).
     */
    public static Map<Integer, String> queueErrors(String stdout) {
        JsonNode root;
        try {
            root = JujuDocuments.parse(stdout, "an action result");
        } catch (RuntimeException notADocument) {
            return Map.of();
        }
        JsonNode errors = root.path("errors");
        if (root.size() != 1 || !errors.isObject() || errors.isEmpty()) {
            return Map.of();
        }
        Map<Integer, String> byIndex = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = errors.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!INDEX.matcher(field.getKey()).matches() || !field.getValue().isValueNode()) {
                return Map.of();
            }
            byIndex.put(Integer.parseInt(field.getKey()), field.getValue().asText());
        }
        return byIndex;
    }

    /**
     * The exception for an action Juju did not queue and that therefore never ran, although {@code juju} exited 0:
     * 2.9's {@code errors} map on stdout ({@code causes}, by unit index), 3.x's {@code Operation N failed to
     * schedule any tasks:} and the cause on stderr (cmd/juju/action/run.go writes it with ctx.Infof and returns nil),
     * or nothing at all. Names the units and carries Juju's own words.
     */
    public static TransportException notQueued(CommandResult result, List<String> units, String action,
                                               Map<Integer, String> causes) {
        StringBuilder words = new StringBuilder();
        causes.forEach((index, cause) -> words.append(index < units.size() ? units.get(index) : "unit #" + index)
                .append(": ").append(cause).append("; "));
        String stderr = result.stderr().strip();
        if (words.length() == 0 && !stderr.isEmpty()) {
            words.append(stderr.length() > 1024 ? stderr.substring(0, 1024) + "…" : stderr).append("; ");
        }
        String said = words.length() == 0 ? "it printed nothing. " : "Juju said: " + words;
        return new TransportException(ProcessRunner.TRANSPORT, "Juju queued no '" + action + "' task on "
                + String.join(", ", units) + " and nothing ran ('juju " + result.command() + "' exited "
                + result.exitCode() + "); " + said + "Check that the unit exists and has a leader where one was "
                + "asked for: 'juju status'.", result.exitCode(), result.stderr(), null);
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
        if (result.exitCode() == 127 || result.exitCode() == 126) {
            // The shell's "command not found" (127) or "cannot execute" (126): from juju itself or a wrapper around it
            // (a snap, a script) on this machine, or passed on by 'juju ssh' from a command run on the unit.
            return what + ": a program could not be " + (result.exitCode() == 127 ? "found" : "executed")
                    + " (the shell's exit code " + result.exitCode() + "), not a unit or action Juju does not know. "
                    + "On this machine: check the juju executable (JujuCliTransport.builder().executable(...), "
                    + "'juju version' as this user); for a command run on a unit, that the unit has it. Its words: "
                    + firstLines(result.stderr());
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

    /** The start of stderr, where a shell names the program it could not run. */
    private static String firstLines(String stderr) {
        String text = stderr.strip();
        return text.length() <= 300 ? text : text.substring(0, 300) + "…";
    }
}
