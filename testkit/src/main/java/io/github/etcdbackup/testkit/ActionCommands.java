package io.github.etcdbackup.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Running charm actions: Juju 2.9's {@code run-action} / {@code show-action-output} and Juju 3's {@code run} /
 * {@code show-task}, with their output shapes, waits and exit codes (a failed action exits 0; a crashed one exits 1
 * on 3.x only; an expired wait prints nothing on 3.x).
 */
final class ActionCommands {
    /** A well-formed unit ({@code etcd/7}) or leader ({@code etcd/leader}) name, as names.IsValidUnit accepts. */
    private static final Pattern UNIT_OR_LEADER = Pattern.compile("[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*"
            + "/(?:0|[1-9][0-9]*|leader)");
    private final SimModel model;
    private final Duration defaultRunWait;

    ActionCommands(SimModel model, Duration defaultRunWait) {
        this.model = model;
        this.defaultRunWait = defaultRunWait;
    }

    /** Resolves unit arguments; on an unknown unit prints Juju's error and returns empty. */
    private Optional<List<ModelUnit>> actionTargets(Call call, List<String> unitNames) {
        List<ModelUnit> units = new ArrayList<>();
        for (int index = 0; index < unitNames.size(); index++) {
            String name = unitNames.get(index);
            Optional<ModelUnit> unit = model.unit(name);
            if (unit.isEmpty()) {
                if (model.isJuju2() && !UNIT_OR_LEADER.matcher(name).matches()) {
                    // runaction.go's Init refuses a word that is neither a unit nor an action name, before any call.
                    call.error("invalid unit or action name \"" + name + "\"");
                } else if (model.isJuju2()) {
                    // 2.9.31+ (cmd/juju/action/runaction.go) prints what it could not queue as an errors map on
                    // stdout, keyed by the unit argument's index, the unit as its tag, and exits 0
                    // (fixture 2.9-run-action-errors-unit-not-found.txt).
                    printJuju2EnqueueErrors(call, Map.of(index, "\"unit-" + name.replace('/', '-') + "\" not found"));
                } else {
                    // Juju 3 reports a missing unit on stderr and still exits 0 (jubilant test_not_found_juju3).
                    call.err("ERROR unit \"" + name + "\" not found\n");
                }
                return Optional.empty();
            }
            units.add(unit.get());
        }
        return Optional.of(units);
    }

    /**
     * Why the controller would not queue {@code action} on {@code unit} with {@code params}, if it would not:
     * state/unit.go PrepareActionPayload (action not defined, then the schema check of {@link ActionSpec}).
     */
    private static Optional<String> enqueueError(ModelUnit unit, String action, Map<String, Object> params) {
        Optional<ActionSpec> spec = SimModel.actionSpec(unit, action);
        if (spec.isEmpty()) {
            return Optional.of("action \"" + action + "\" not defined on unit \"" + unit.name() + "\"");
        }
        return spec.get().validationError(params);
    }

    /** 2.9.31+'s map of what it could not queue, keyed by the unit argument's index; exit 0. */
    private static void printJuju2EnqueueErrors(Call call, Map<Integer, String> errors) {
        call.out(GoYaml.emit(new GoMap().with("errors", new TreeMap<>(errors))));
    }

    /** Splits {@code UNIT... ACTION key=value...}: units contain a slash, the first word without one is the action. */
    private static int actionIndex(List<String> positionals) {
        for (int i = 0; i < positionals.size(); i++) {
            if (!positionals.get(i).contains("/")) {
                return i;
            }
        }
        throw new CliArgs.UsageException("no action specified");
    }

    /**
     * Queues {@code UNIT... ACTION k=v...} on each unit, as both dialects' run commands do; empty (with Juju's
     * words printed) when the arguments are not YAML, a unit is unknown, or the controller queues nothing. A task
     * the controller refuses (undefined action, parameters its schema rejects) is reported like Juju does and
     * never runs. The operation id is taken only once the units are known, like Juju.
     */
    private Optional<List<Task>> enqueue(Call call, CliArgs args, Supplier<String> operation) {
        List<String> words = args.positionals();
        int actionAt = actionIndex(words);
        if (actionAt == 0) {
            throw new CliArgs.UsageException("no unit specified");
        }
        String action = words.get(actionAt);
        if (!model.isJuju2() && words.subList(0, actionAt).stream().map(u -> u.substring(0, u.indexOf('/')))
                .distinct().count() > 1) {
            throw new CliArgs.UsageException("all units must be of the same application");
        }
        Map<String, Object> params;
        try {
            params = ActionArguments.parse(words.subList(actionAt + 1, words.size()), args.has("string-args"));
        } catch (GoYamlValue.InvalidYaml e) {
            // run.go returns yaml.Unmarshal's error before calling the controller.
            call.error("yaml: " + e.getMessage());
            return Optional.empty();
        }
        Optional<List<ModelUnit>> units = actionTargets(call, words.subList(0, actionAt));
        if (units.isEmpty()) {
            return Optional.empty();
        }
        // The charm decides, so units of one application are refused all or none; a 2.9 call mixing applications
        // is modelled as queuing nothing when any unit refuses.
        Map<Integer, String> refused = new TreeMap<>();
        for (int index = 0; index < units.get().size(); index++) {
            Optional<String> error = enqueueError(units.get().get(index), action, params);
            if (error.isPresent()) {
                refused.put(index, error.get());
            }
        }
        String operationId = operation.get();
        if (!refused.isEmpty()) {
            if (model.isJuju2()) {
                printJuju2EnqueueErrors(call, refused);
            } else {
                // cmd/juju/action/common.go processOperationResults: ctx.Infof on stderr, then return nil (exit 0).
                call.err("Operation " + operationId + " failed to schedule any tasks:\n"
                        + String.join("\n", refused.values()) + "\n");
            }
            return Optional.empty();
        }
        List<Task> tasks = new ArrayList<>();
        for (ModelUnit unit : units.get()) {
            tasks.add(model.enqueue(unit, action, params, operationId));
        }
        return Optional.of(tasks);
    }

    void runAction(Call call, CliArgs args) {
        Optional<List<Task>> queued = enqueue(call, args, () -> null);
        if (queued.isEmpty()) {
            return;
        }
        List<Task> tasks = queued.get();
        Optional<String> wait = args.flag("wait");
        String format = args.flag("format").orElse("yaml");
        if (wait.isEmpty()) {
            // cmd/juju/action/runaction.go (2.9): one unit keeps the "legacy Juju 1.25" one-key map, several units
            // get a map keyed by unit tag with the id and the unit; both through the --format writer (yaml default).
            GoMap queuedOut = new GoMap();
            if (tasks.size() == 1) {
                queuedOut.put("Action queued with id", tasks.get(0).id());
            } else {
                for (Task task : tasks) {
                    queuedOut.put(task.unit().tag(), new GoMap().with("id", task.id())
                            .with("unit", task.unit().name()));
                }
            }
            JujuCli.print(call, queuedOut, format);
            return;
        }
        Duration timeout = wait.get().isEmpty() ? null : GoDuration.parse(wait.get());
        GoMap out = new GoMap();
        boolean timedOut = false;
        for (Task task : tasks) {
            if (await(task, timeout)) {
                out.put(task.unit().tag(), TaskView.juju29(task));
            } else {
                timedOut = true;
            }
        }
        if (timedOut) {
            JujuCli.print(call, out, format);
            call.error("timeout reached");
            return;
        }
        JujuCli.print(call, out, format);
    }

    void showActionOutput(Call call, CliArgs args) {
        Optional<Task> task = shownTask(call, args, "no action ID specified",
                id -> "actions for identifier \"" + id + "\" not found");
        task.ifPresent(t -> JujuCli.print(call, TaskView.juju29(t), args.flag("format").orElse("yaml")));
    }

    /**
     * The task {@code show-action-output} / {@code show-task} names, after its optional {@code --wait}; empty (with
     * the error printed) when it is unknown or the wait expired.
     */
    private Optional<Task> shownTask(Call call, CliArgs args, String usage,
                                     Function<String, String> notFound) {
        if (args.positionals().size() != 1) {
            throw new CliArgs.UsageException(usage);
        }
        String id = args.positionals().get(0);
        Optional<Task> task = model.task(id);
        if (task.isEmpty()) {
            call.error(notFound.apply(id));
            return Optional.empty();
        }
        Optional<String> wait = args.flag("wait");
        if (wait.isPresent() && !await(task.get(), wait.get().isEmpty() ? null : GoDuration.parse(wait.get()))) {
            // 2.9 showoutput.go: errors.NewTimeout(err, "timeout reached"); 3.x action/common.go GetActionResult:
            // errors.NewTimeout(err, "maximum wait time reached"). Nothing on stdout, exit 1.
            call.error(model.isJuju2() ? "timeout reached" : "maximum wait time reached");
            return Optional.empty();
        }
        return task;
    }

    void run(Call call, CliArgs args) {
        Optional<List<Task>> queued = enqueue(call, args, model::nextId);
        if (queued.isEmpty()) {
            return;
        }
        List<Task> tasks = queued.get();
        String operation = tasks.get(0).operationId();
        if (args.has("background")) {
            call.err("Scheduled operation " + operation + " with task"
                    + (tasks.size() == 1 ? " " : "s ") + String.join(",", tasks.stream().map(Task::id).toList())
                    + "\nCheck operation status with 'juju show-operation " + operation + "'\n"
                    + "Check task status with 'juju show-task " + tasks.get(0).id() + "'\n");
            return;
        }
        StringBuilder progress = new StringBuilder("Running operation " + operation + " with " + tasks.size()
                + " task" + (tasks.size() == 1 ? "" : "s") + "\n");
        tasks.forEach(t -> progress.append("  - task ").append(t.id()).append(" on ").append(t.unit().tag())
                .append('\n'));
        progress.append('\n');
        call.err(progress.toString());
        Duration timeout = args.flag("wait").filter(w -> !w.isEmpty()).map(GoDuration::parse).orElse(defaultRunWait);
        boolean utc = args.has("utc");
        GoMap out = new GoMap();
        List<Task> crashed = new ArrayList<>();
        for (Task task : tasks) {
            call.err("Waiting for task " + task.id() + "...\n");
            if (!await(task, timeout)) {
                call.error("timed out waiting for results from: unit " + task.unit().name());
                return;
            }
            out.put(task.unit().name(), TaskView.juju3(task, utc));
            if (task.outcome().code() != 0) {
                crashed.add(task);
            }
        }
        String format = args.flag("format").orElse("plain");
        if (format.equals("plain")) {
            call.out(tasks.size() == 1 ? TaskView.juju3Plain(tasks.get(0)) : GoYaml.emit(plainSummary(tasks)));
        } else {
            JujuCli.print(call, out, format);
        }
        if (!crashed.isEmpty()) {
            StringBuilder error = new StringBuilder("ERROR the following task")
                    .append(crashed.size() == 1 ? " failed:\n" : "s failed:\n");
            crashed.forEach(t -> error.append(" - id \"").append(t.id()).append("\" with return code ")
                    .append(t.outcome().code()).append('\n'));
            error.append("\nuse 'juju show-task' to inspect the failure").append(crashed.size() == 1 ? "" : "s")
                    .append("\n\n");
            call.err(error.toString());
            call.exit(1);
        }
    }

    private static GoMap plainSummary(List<Task> tasks) {
        GoMap summary = new GoMap();
        for (Task task : tasks) {
            GoMap entry = new GoMap().with("id", task.id()).with("output", task.outcome().stdout())
                    .with("status", task.status());
            if (task.outcome().message() != null) {
                entry.put("message", task.outcome().message());
            }
            summary.put(task.unit().name(), entry);
        }
        return summary;
    }

    void showTask(Call call, CliArgs args) {
        Optional<Task> task = shownTask(call, args, "no task ID specified", id -> "task " + id + " not found");
        if (task.isEmpty()) {
            return;
        }
        String format = args.flag("format").orElse("plain");
        if (format.equals("plain")) {
            call.out(TaskView.juju3Plain(task.get()));
        } else {
            JujuCli.print(call, TaskView.juju3(task.get(), args.has("utc")), format);
        }
    }

    /** Waits for a task; {@code null} waits forever. */
    private static boolean await(Task task, Duration timeout) {
        try {
            if (timeout == null) {
                task.done().get();
            } else {
                task.done().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
