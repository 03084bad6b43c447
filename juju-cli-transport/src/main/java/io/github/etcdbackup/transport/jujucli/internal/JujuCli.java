package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.internal.common.Shell;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.transport.jujucli.ActionResult;
import io.github.etcdbackup.transport.jujucli.JujuVersion;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The {@code juju} command vocabulary of both dialects: which sub-command and flags to use for the detected client
 * version, {@code -m MODEL} on every model command, and how a run's output and exit code become tasks or typed
 * exceptions. Thread-safe; the client version is detected once.
 */
public final class JujuCli {
    private static final Pattern ACTION_NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");
    private static final Pattern PARAM_KEY = Pattern.compile("[a-z][a-z0-9_-]{0,63}(?:\\.[a-z][a-z0-9_-]{0,63}){0,7}");
    private static final Pattern ACTION_ID = Pattern.compile("[0-9A-Za-z][0-9A-Za-z-]{0,63}");
    private static final Pattern MODEL_NAME =
            Pattern.compile("(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}:)?(?:[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}/)?[a-z0-9][a-z0-9-]{0,63}");

    /** The key of the one-unit 2.9 {@code run-action} output. */
    private static final String QUEUED = "Action queued with id";
    /** Between two commands of one step, as {@code RestoreStep.describe()} lays out a command. */
    public static final String FOLLOWED_BY = "\n      $ ";
    /** Where a printed 2.9 command names the action id that is known only when it runs. */
    public static final String ID_PLACEHOLDER = "ACTION_ID";

    private final ProcessRunner runner;
    private final String model;
    private final Object versionLock = new Object();
    private volatile JujuVersion version;

    /**
     * @param runner runs the processes
     * @param model  the {@code -m} value, or {@code null} for Juju's current model
     */
    public JujuCli(ProcessRunner runner, String model) {
        this.runner = runner;
        this.model = model == null ? null : validModel(model);
    }

    /** Checks a model name ({@code [controller:][user/]model}) before it reaches an argv. */
    public static String validModel(String model) {
        if (model == null || !MODEL_NAME.matcher(model).matches()) {
            throw new InvalidInputException("model", model, "expected [controller:][owner/]model, e.g. k8s or prod:k8s");
        }
        return model;
    }

    /** The process runner. */
    public ProcessRunner runner() {
        return runner;
    }

    /** The client version, from {@code juju version} on first use, then cached. */
    public JujuVersion version(Deadline deadline) {
        JujuVersion known = version;
        if (known != null) {
            return known;
        }
        synchronized (versionLock) {
            if (version == null) {
                CommandResult result = runner.run(List.of("version"), deadline, "juju version");
                if (result.exitCode() != 0) {
                    throw JujuErrors.failure(result);
                }
                version = JujuVersion.parse(result.stdout());
            }
            return version;
        }
    }

    /** {@code COMMAND [-m MODEL] ARGS...}. */
    public List<String> argv(String command, String... arguments) {
        List<String> argv = new ArrayList<>();
        argv.add(command);
        if (model != null) {
            argv.add("-m");
            argv.add(model);
        }
        argv.addAll(Arrays.asList(arguments));
        return argv;
    }

    /** Runs a command whose only result is its exit code; a non-zero exit is a {@code TransportException}. */
    public CommandResult runOrFail(List<String> argv, Deadline deadline, String operation) {
        CommandResult result = runner.run(argv, deadline, operation);
        if (result.exitCode() != 0) {
            throw JujuErrors.failure(result);
        }
        return result;
    }

    /**
     * The Juju {@code --wait} for a call bounded by {@code deadline}: a little shorter, so that Juju reports its own
     * timeout (with the task id) before the library kills the process.
     */
    public static Duration waitWithin(Deadline deadline) {
        return waitWithin(deadline.remaining());
    }

    /** {@link #waitWithin(Deadline)} for a deadline {@code remaining} from now. */
    public static Duration waitWithin(Duration remaining) {
        Duration margin = remaining.dividedBy(10);
        if (margin.compareTo(Duration.ofSeconds(5)) > 0) {
            margin = Duration.ofSeconds(5);
        }
        return remaining.minus(margin);
    }

    /** Go's duration syntax, whole seconds rounded up, at least 1 s. */
    static String goDuration(Duration wait) {
        long seconds = wait.getSeconds() + (wait.getNano() > 0 ? 1 : 0);
        return Math.max(1, seconds) + "s";
    }

    /**
     * Runs a charm action on units and waits: {@code run-action} (2.x) or {@code run} (3.x+), always with an explicit
     * {@code --wait} and {@code --format yaml}. Failed tasks are returned as data.
     *
     * @throws OperationTimeoutException if Juju's wait or the deadline expired (with the task id when Juju named it)
     * @throws ActionFailedException     if Juju 3 reported a crashed task and printed no result for it
     * @throws OutputParseException      if the output is not an action result
     */
    public ActionRun runAction(List<String> units, String action, Map<String, String> params, Duration wait,
                               Deadline deadline, String operation) {
        List<String> argv = actionArgv(units, action, params, wait, () -> version(deadline));
        CommandResult result = runner.run(argv, deadline, operation);
        if (version(deadline).runsActionsWithRun()) {
            return tasks(result, units, action, wait, operation);
        }
        return awaitQueued(queuedIds(result, units, action), wait, deadline, operation);
    }

    /**
     * Juju 2.9: the tasks {@code run-action} queued, each waited for with {@code show-action-output ID --wait}. A
     * {@code run-action --wait} that times out prints {@code ERROR timeout reached} and no id, so a long restore could
     * not be followed afterwards; queued first, every id is known and a timeout names it.
     */
    private ActionRun awaitQueued(List<String> ids, Duration wait, Deadline deadline, String operation) {
        List<ActionResult> tasks = new ArrayList<>();
        StringBuilder raw = new StringBuilder();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            Duration left = i == 0 ? wait : min(wait, waitWithin(deadline));
            CommandResult shown = runner.run(showArgv(id, left), deadline, operation + " (action " + id + ")");
            if (JujuErrors.waitExpired(shown.stderr())) {
                throw new OperationTimeoutException(operation, left, id);
            }
            if (shown.exitCode() != 0 || shown.stdout().isBlank()) {
                throw JujuErrors.failure(shown);
            }
            List<ActionResult> shownTasks = ActionOutputParser.parse(shown.stdout());
            if (shownTasks.size() != 1) {
                throw new OutputParseException("expected one task for action " + id + ", got " + shownTasks.size(),
                        shown.stdout(), null);
            }
            tasks.addAll(shownTasks);
            raw.append(shown.stdout());
        }
        return new ActionRun(tasks, raw.toString());
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** {@code show-action-output ID --wait=N --format yaml} (Juju 2.9). */
    private List<String> showArgv(String id, Duration wait) {
        return argv("show-action-output", id, "--wait=" + goDuration(wait), "--format", "yaml");
    }

    /**
     * The ids Juju 2.9's {@code run-action} (without {@code --wait}) printed, one per unit: {@code Action queued
     * with id: "14"} for one unit, a map {@code unit-etcd-0: {id: "14", unit: etcd/0}} for several
     * (cmd/juju/action/runaction.go), or the {@code errors} map of what it could not queue.
     */
    private static List<String> queuedIds(CommandResult result, List<String> units, String action) {
        String stdout = result.stdout();
        if (result.exitCode() != 0) {
            throw JujuErrors.failure(result);
        }
        if (stdout.isBlank() || stdout.strip().equals("{}")) {
            throw JujuErrors.notQueued(result, units, action, Map.of());
        }
        Map<Integer, String> queueErrors = JujuErrors.queueErrors(stdout);
        if (!queueErrors.isEmpty()) {
            throw JujuErrors.notQueued(result, units, action, queueErrors);
        }
        JsonNode root = JujuDocuments.parse(stdout, "the queued actions");
        List<String> ids = new ArrayList<>();
        JsonNode single = root.path(QUEUED);
        if (single.isValueNode()) {
            ids.add(single.asText());
        } else {
            root.fields().forEachRemaining(entry -> ids.add(entry.getValue().path("id").asText("")));
        }
        if (ids.size() != units.size() || ids.stream().anyMatch(id -> !ACTION_ID.matcher(id).matches())) {
            throw new OutputParseException("expected one queued action id per unit (" + units.size() + ") from "
                    + "'juju run-action'", stdout, null);
        }
        return ids;
    }

    /**
     * The argv of {@link #runAction} on a client of {@code version}, its arguments checked before the version is
     * asked for: hostile input never reaches any juju process, not even {@code juju version}.
     */
    public List<String> actionArgv(List<String> units, String action, Map<String, String> params, Duration wait,
                                   Supplier<JujuVersion> version) {
        if (units.isEmpty()) {
            throw new InvalidInputException("units", "", "at least one unit is required");
        }
        units.forEach(InputValidation::unitOrLeader);
        validAction(action);
        List<String> parameters = new ArrayList<>();
        // Sorted: the same parameters always make the same argv, as a plan printed it.
        new TreeMap<>(params).forEach((key, value) -> parameters.add(validParamKey(key) + "="
                + validParamValue(key, value)));

        boolean run = version.get().runsActionsWithRun();
        List<String> argv = argv(run ? "run" : "run-action");
        argv.addAll(units);
        argv.add(action);
        argv.addAll(parameters);
        if (run) {
            // 2.9 queues without waiting and waits with show-action-output, which names the id on a timeout.
            argv.add("--wait=" + goDuration(wait));
        }
        argv.add("--format");
        argv.add("yaml");
        return argv;
    }

    /**
     * {@link #runAction}'s commands as a person would type them: one on 3.x; on 2.9 the {@code run-action} and the
     * {@code show-action-output <id> --wait} that follows it, on two lines.
     */
    public String actionCommandLine(List<String> units, String action, Map<String, String> params, Duration wait,
                                    Supplier<JujuVersion> version) {
        String queue = commandLine(actionArgv(units, action, params, wait, version));
        return version.get().runsActionsWithRun() ? queue
                : queue + FOLLOWED_BY + commandLine(showArgv(ID_PLACEHOLDER, wait));
    }

    /** {@code juju ARGV...} as a shell line: every word quoted where a shell would split or expand it. */
    public static String commandLine(List<String> argv) {
        List<String> words = new ArrayList<>(List.of("juju"));
        argv.forEach(word -> words.add(Shell.quote(word)));
        return String.join(" ", words);
    }

    /** {@code show-action-output ID} (2.x) or {@code show-task ID} (3.x+), one task. */
    public ActionResult showAction(String actionId, Deadline deadline) {
        if (actionId == null || !ACTION_ID.matcher(actionId).matches()) {
            throw new InvalidInputException("action id", actionId, "expected a Juju action or task id such as 14");
        }
        String command = version(deadline).runsActionsWithRun() ? "show-task" : "show-action-output";
        CommandResult result = runner.run(argv(command, actionId, "--format", "yaml"), deadline,
                command + " " + actionId);
        if (result.exitCode() != 0 || result.stdout().isBlank()) {
            throw JujuErrors.failure(result);
        }
        List<ActionResult> tasks = ActionOutputParser.parse(result.stdout());
        if (tasks.size() != 1) {
            throw new OutputParseException("expected one task for id " + actionId + ", got " + tasks.size(),
                    result.stdout(), null);
        }
        return tasks.get(0);
    }

    private ActionRun tasks(CommandResult result, List<String> units, String action, Duration wait,
                            String operation) {
        String firstUnit = units.get(0);
        String stdout = result.stdout();
        String stderr = result.stderr();
        if (JujuErrors.waitExpired(stderr)) {
            throw new OperationTimeoutException(operation, wait, JujuErrors.runningTaskId(stderr).orElse(null));
        }
        boolean noResult = stdout.isBlank() || stdout.strip().equals("{}");
        if (noResult && JujuErrors.taskFailed(stderr)) {
            Optional<JujuErrors.FailedTask> failed = JujuErrors.failedTask(stderr);
            throw new ActionFailedException(firstUnit, failed.map(JujuErrors.FailedTask::id).orElse(null), "failed",
                    "", failed.map(JujuErrors.FailedTask::returnCode).orElse(null), stderr);
        }
        if (noResult && result.exitCode() == 0) {
            // Exit 0 and no result: Juju queued nothing (3.x says why on stderr, some 3.x say nothing).
            throw JujuErrors.notQueued(result, units, action, Map.of());
        }
        if (noResult) {
            throw JujuErrors.failure(result);
        }
        Map<Integer, String> queueErrors = JujuErrors.queueErrors(stdout);
        if (!queueErrors.isEmpty()) {
            throw JujuErrors.notQueued(result, units, action, queueErrors);
        }
        if (result.exitCode() != 0 && !JujuErrors.taskFailed(stderr)) {
            throw JujuErrors.failure(result);
        }
        return new ActionRun(ActionOutputParser.parse(stdout), stdout);
    }

    private static String validAction(String action) {
        if (action == null || !ACTION_NAME.matcher(action).matches()) {
            throw new InvalidInputException("action", action, "expected a charm action name such as snapshot");
        }
        return action;
    }

    private static String validParamKey(String key) {
        if (key == null || !PARAM_KEY.matcher(key).matches()) {
            throw new InvalidInputException("action parameter name", key,
                    "expected lowercase letters, digits, '-', '_' and '.' between nested names");
        }
        return key;
    }

    private static String validParamValue(String key, String value) {
        if (value == null || value.length() > 4096 || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new InvalidInputException("value of action parameter " + key, value,
                    "expected at most 4096 characters without control characters");
        }
        return ActionParams.checked(key, value);
    }
}
