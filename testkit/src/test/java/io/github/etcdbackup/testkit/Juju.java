package io.github.etcdbackup.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs the simulator's {@code juju} executable the way the juju-cli transport will: a real child process. */
final class Juju {
    private Juju() {
    }

    static CommandResult run(JujuSimulator sim, String... args) {
        return run(sim, null, null, args);
    }

    static CommandResult run(JujuSimulator sim, Path cwd, byte[] stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(sim.jujuExecutable().toString());
        command.addAll(List.of(args));
        return Commands.run(command, Map.of(), cwd, stdin, Duration.ofMinutes(3));
    }
}
