package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.transport.jujucli.ActionResult;

import java.util.ArrayList;
import java.util.List;

/** The checks the SPI applies to the tasks Juju answered with. */
public final class Tasks {
    private Tasks() {
    }

    /**
     * The one task of a single-unit run, which must have run on the unit asked for: a result from another unit
     * would be recorded as this one's. Asked for {@code app/leader}, Juju names the leader itself (say
     * {@code etcd/3}), which must be a unit of that application.
     *
     * @throws OutputParseException if juju printed no or several tasks, or one of another unit
     */
    public static ActionResult single(ActionRun run, String unit) {
        if (run.tasks().size() != 1) {
            throw new OutputParseException("expected one task for " + unit + ", juju printed " + run.tasks().size(),
                    run.rawOutput(), null);
        }
        ActionResult task = run.tasks().get(0);
        task.unit().filter(answered -> !answersFor(unit, answered)).ifPresent(answered -> {
            throw new OutputParseException("asked " + unit + ", juju printed the task of " + answered
                    + ": refusing to take another unit's result as " + unit + "'s", run.rawOutput(), null);
        });
        return task;
    }

    /**
     * The tasks of a several-unit run, one per unit asked for, in the order asked: each unit (or, for
     * {@code app/leader}, a unit of {@code app}) must have exactly one task, and every task must name its unit.
     *
     * @throws OutputParseException if a unit has no task, a task no unit, or there are tasks no unit asked for
     */
    public static List<ActionResult> perUnit(ActionRun run, List<String> units) {
        if (units.size() == 1) {
            ActionResult task = single(run, units.get(0));
            if (task.unit().isEmpty()) {
                throw new OutputParseException("the task for " + units.get(0) + " names no unit", run.rawOutput(),
                        null);
            }
            return List.of(task);
        }
        if (run.tasks().size() != units.size()) {
            throw new OutputParseException("expected one task for each of " + units + ", juju printed "
                    + run.tasks().size(), run.rawOutput(), null);
        }
        List<ActionResult> left = new ArrayList<>(run.tasks());
        ActionResult[] ordered = new ActionResult[units.size()];
        // Units named by number first: APP/leader takes the task of a unit nobody asked for by name.
        for (boolean leaders : new boolean[] {false, true}) {
            for (int i = 0; i < units.size(); i++) {
                String unit = units.get(i);
                if (unit.endsWith("/leader") != leaders) {
                    continue;
                }
                ActionResult task = left.stream().filter(t -> t.unit().filter(u -> answersFor(unit, u)).isPresent())
                        .findFirst().orElseThrow(() -> new OutputParseException("juju printed no task of " + unit,
                                run.rawOutput(), null));
                left.remove(task);
                ordered[i] = task;
            }
        }
        return List.of(ordered);
    }

    /** The unit itself, or for {@code app/leader} a unit of {@code app} named by its number. */
    private static boolean answersFor(String asked, String answered) {
        if (!asked.endsWith("/leader")) {
            return answered.equals(asked);
        }
        String application = asked.substring(0, asked.indexOf('/') + 1);
        return answered.startsWith(application) && !answered.equals(asked);
    }

    /**
     * Success is the task's status {@code completed} with no or a zero return code, never the CLI's exit code.
     *
     * @throws ActionFailedException otherwise, with the task's data
     */
    public static void requireSucceeded(ActionResult task, String requestedUnit) {
        if (!task.succeeded()) {
            throw new ActionFailedException(task.unit().orElse(requestedUnit), task.id().orElse(null), task.status(),
                    task.message().orElse(""), task.returnCode().isPresent() ? task.returnCode().getAsInt() : null,
                    task.stderr());
        }
    }
}
