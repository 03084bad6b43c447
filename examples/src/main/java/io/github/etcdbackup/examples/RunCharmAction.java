package io.github.etcdbackup.examples;

import io.github.etcdbackup.transport.jujucli.ActionResult;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs any other etcd charm action through the escape hatch, here {@code defrag} on every unit. Failed tasks come
 * back as data, with their status, message and return code.
 *
 * <p>Usage: {@code RunCharmAction [path-to-juju] [action] [unit...]}.
 */
public final class RunCharmAction {
    private RunCharmAction() {
    }

    /** Runs the example. */
    public static void main(String[] args) {
        Path juju = Path.of(args.length > 0 ? args[0] : "juju");
        String action = args.length > 1 ? args[1] : "defrag";
        List<String> units = args.length > 2 ? List.of(args).subList(2, args.length)
                : List.of("etcd/0", "etcd/1", "etcd/2");
        boolean allSucceeded = run(juju, action, units).stream().allMatch(ActionResult::succeeded);
        System.exit(allSucceeded ? 0 : 1);
    }

    /** The example's work. */
    public static List<ActionResult> run(Path juju, String action, List<String> units) {
        // tag::action[]
        try (JujuCliTransport transport = JujuCliTransport.builder().executable(juju).build()) {
            List<ActionResult> results = transport.runAction(units, action, Map.of(), Duration.ofMinutes(5));
            for (ActionResult result : results) {
                System.out.printf("%-10s %-10s %s%n", result.unit().orElse("?"), result.status(),
                        result.succeeded() ? result.results() : result.message().orElse("") + " " + result.stderr());
            }
            return results;
        }
        // end::action[]
    }
}
