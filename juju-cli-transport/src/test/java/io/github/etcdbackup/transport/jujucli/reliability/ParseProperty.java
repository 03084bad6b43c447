package io.github.etcdbackup.transport.jujucli.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.etcdbackup.status.ApplicationStatus;
import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.status.UnitStatus;
import io.github.etcdbackup.testkit.ReliabilitySeeds;
import io.github.etcdbackup.transport.jujucli.ActionResult;
import io.github.etcdbackup.transport.jujucli.JujuVersion;
import io.github.etcdbackup.transport.jujucli.internal.ActionOutputParser;
import io.github.etcdbackup.transport.jujucli.internal.JujuDocuments;
import io.github.etcdbackup.transport.jujucli.internal.JujuErrors;
import io.github.etcdbackup.transport.jujucli.internal.StatusParser;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The property every Juju output parser must hold on any text: it returns a well-formed result or throws
 * {@link OutputParseException}; nothing else (no NPE, ClassCast, IllegalArgument, NumberFormat, StackOverflowError,
 * OutOfMemoryError), within {@link #TIME_LIMIT} of the parsing thread's own CPU time and {@link #allocationLimit(String)}.
 * CPU time, not wall time: the bound is there to catch a parse that blows up (an alias bomb, quadratic work), and a
 * loaded 2-core CI machine stretches the wall time of a sound parse past any fixed bound.
 */
final class ParseProperty {
    /** Far above any real parse (well under 100 ms of CPU); a per-try bound checked after each parse. */
    static final Duration TIME_LIMIT = Duration.ofSeconds(3);
    /** {@code com.sun.management.ThreadMXBean}, by reflection: the test code is compiled inside the module. */
    private static final Object THREADS;
    private static final Method ALLOCATED_BYTES;
    private static final Method CPU_NANOS;

    static {
        try {
            THREADS = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                    .invoke(null);
            ALLOCATED_BYTES = Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getCurrentThreadAllocatedBytes");
            CPU_NANOS = Class.forName("java.lang.management.ThreadMXBean").getMethod("getCurrentThreadCpuTime");
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static long allocatedBytes() {
        return threadFigure(ALLOCATED_BYTES);
    }

    private static long cpuNanos() {
        return threadFigure(CPU_NANOS);
    }

    private static long threadFigure(Method getter) {
        try {
            return (long) getter.invoke(THREADS);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The parsers reachable from juju's output, with the checks a result of each must pass. */
    enum Parser {
        ACTION(text -> checkTasks(ActionOutputParser.parse(text))),
        STATUS(text -> checkStatus(StatusParser.parse(text))),
        VERSION(text -> checkVersion(JujuVersion.parse(text))),
        DOCUMENT(text -> checkDocument(JujuDocuments.parse(text, "a fuzz case"))),
        /** The stderr readers: they must never throw at all. */
        STDERR(ParseProperty::readStderr);

        private final Function<String, Object> parse;

        Parser(Function<String, Object> parse) {
            this.parse = parse;
        }
    }

    /** How one case ended. */
    enum Outcome { PARSED, PARSE_ERROR }

    private ParseProperty() {
    }

    /** Heap a parse may allocate (not retain): generous, but far from the OOM an alias bomb would cause. */
    static long allocationLimit(String text) {
        return 256L * 1024 * 1024 + 48L * text.length();
    }

    /**
     * Runs one case, records it in the {@link Ledger} and throws an {@link AssertionError} naming the case if the
     * property does not hold.
     */
    static Outcome check(Parser parser, String text, String caseName) {
        Ledger.FAULTS_INJECTED.incrementAndGet();
        long allocatedBefore = allocatedBytes();
        long start = cpuNanos();
        Outcome outcome;
        Throwable thrown = null;
        try {
            parser.parse.apply(text);
            outcome = Outcome.PARSED;
        } catch (OutputParseException e) {
            outcome = Outcome.PARSE_ERROR;
            if (parser == Parser.STDERR) {
                thrown = e;
            } else if (!text.equals(e.rawOutput()) && !e.getMessage().contains("printed more than")) {
                throw failure(parser, caseName, text, new AssertionError("rawOutput() is not the parsed text", e));
            }
        } catch (Throwable e) {
            outcome = null;
            thrown = e;
        }
        long millis = Duration.ofNanos(cpuNanos() - start).toMillis();
        long allocated = allocatedBytes() - allocatedBefore;
        Ledger.slowestParse(millis);
        Ledger.parseAllocation(allocated);
        if (thrown != null) {
            Ledger.UNTYPED_ERRORS.incrementAndGet();
            throw failure(parser, caseName, text, thrown);
        }
        if (millis > TIME_LIMIT.toMillis()) {
            throw failure(parser, caseName, text, new AssertionError("took " + millis + " ms of CPU"));
        }
        if (allocated > allocationLimit(text)) {
            throw failure(parser, caseName, text, new AssertionError("allocated " + allocated + " bytes"));
        }
        if (outcome == Outcome.PARSE_ERROR) {
            Ledger.TYPED_ERRORS.incrementAndGet();
        } else {
            Ledger.RECOVERIES.incrementAndGet();
        }
        return outcome;
    }

    private static AssertionError failure(Parser parser, String caseName, String text, Throwable cause) {
        String shown = text.length() > 600 ? text.substring(0, 600) + "…(" + text.length() + " chars)" : text;
        return new AssertionError(parser + " broke the property on case '" + caseName + "' (reproduce with"
                + " -Dreliability.seed=" + ReliabilitySeeds.BASE + "): " + cause + "\n--- input ---\n" + shown, cause);
    }

    private static Object checkTasks(List<ActionResult> tasks) {
        for (ActionResult task : tasks) {
            require(!task.status().isEmpty(), "empty status");
            require(task.unit().map(u -> !u.isEmpty()).orElse(true), "empty unit");
            require(task.id().map(u -> !u.isEmpty()).orElse(true), "empty id");
            checkValues(task.results());
            task.finished();
            task.succeeded();
            ActionOutputParser.flatten(task.results());
            ActionOutputParser.result(task.results(), "snapshot.path");
            ActionOutputParser.result(task.results(), "output");
        }
        return tasks;
    }

    /** Charm results are strings, maps of them, or lists kept as read: nothing else, never null. */
    private static void checkValues(Object value) {
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                require(k instanceof String, "non-string key " + k);
                checkValues(v);
            });
        } else if (value instanceof List<?> list) {
            list.forEach(ParseProperty::checkValues);
        } else {
            require(value instanceof String, "result value of type " + (value == null ? null : value.getClass()));
        }
    }

    private static Object checkStatus(ModelStatus status) {
        for (ApplicationStatus app : status.applications()) {
            require(app.name() != null, "application without name");
            app.leader();
            for (UnitStatus unit : app.units()) {
                require(unit.name() != null && unit.openPorts() != null, "unit without name");
            }
            app.relations().values().forEach(list -> list.forEach(r -> require(r != null, "null relation")));
        }
        status.applicationsOfCharm("etcd");
        return status;
    }

    private static Object checkVersion(JujuVersion version) {
        require(version.major() >= 0 && version.minor() >= 0, "negative version");
        version.runsActionsWithRun();
        return version;
    }

    private static Object checkDocument(JsonNode node) {
        require(node != null && !node.isMissingNode() && !node.isNull(), "no document");
        return node;
    }

    private static Object readStderr(String stderr) {
        JujuErrors.waitExpired(stderr);
        JujuErrors.runningTaskId(stderr);
        JujuErrors.taskFailed(stderr);
        return JujuErrors.failedTask(stderr);
    }

    private static void require(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalStateException("malformed result: " + problem);
        }
    }
}
