package io.github.etcdbackup.transport.jujucli.internal;

import java.util.List;

/**
 * What a finished {@code juju} process left: its exit code and both outputs, decoded as UTF-8.
 *
 * @param argv     the arguments given after the executable, for messages
 * @param exitCode the real exit code
 * @param stdout   everything it printed on stdout
 * @param stderr   everything it printed on stderr
 */
public record CommandResult(List<String> argv, int exitCode, String stdout, String stderr) {
    /** Copies the argument list. */
    public CommandResult {
        argv = List.copyOf(argv);
    }

    /** The juju sub-command, e.g. {@code run-action}, for messages. */
    public String command() {
        return argv.isEmpty() ? "" : argv.get(0);
    }
}
