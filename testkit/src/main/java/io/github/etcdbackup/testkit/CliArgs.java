package io.github.etcdbackup.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@code juju} command line split into flags and positional arguments, the way Juju's gnuflag parser does:
 * {@code --flag=value}, {@code --flag value}, {@code -n 2}, boolean flags without a value, {@code --} ends flags.
 * {@code ssh} stops parsing flags at its first positional argument (the target), so
 * {@code juju ssh etcd/0 tail -c +5 f} keeps {@code -c} for the remote command.
 */
final class CliArgs {
    /** Flags that never take a value. */
    private static final Set<String> BOOLEAN_FLAGS = Set.of("utc", "background", "no-prompt", "force", "no-wait",
            "destroy-storage", "proxy", "no-host-key-checks", "relations", "string-args", "all", "trust",
            "q", "quiet", "debug", "verbose", "show-log", "B", "no-browser-login", "storage", "color", "no-color",
            "keep-disks", "dry-run", "integer", "r", "recursive");
    private static final Map<String, String> SHORT_TO_LONG = Map.of("m", "model", "n", "num-units", "o", "output",
            "u", "unit");

    private final String command;
    private final Map<String, List<String>> flags = new LinkedHashMap<>();
    private final List<String> positionals = new ArrayList<>();

    private CliArgs(String command) {
        this.command = command;
    }

    static CliArgs parse(List<String> argv) {
        if (argv.isEmpty()) {
            return new CliArgs("help");
        }
        List<String> globalFlagsFirst = new ArrayList<>(argv);
        // Global flags may precede the command name (juju --debug status).
        while (!globalFlagsFirst.isEmpty() && globalFlagsFirst.get(0).startsWith("-")) {
            globalFlagsFirst.remove(0);
        }
        if (globalFlagsFirst.isEmpty()) {
            return new CliArgs("help");
        }
        CliArgs args = new CliArgs(globalFlagsFirst.get(0));
        boolean stopAtFirstPositional = args.command.equals("ssh");
        List<String> rest = globalFlagsFirst.subList(1, globalFlagsFirst.size());
        for (int i = 0; i < rest.size(); i++) {
            String arg = rest.get(i);
            if (arg.equals("--")) {
                args.positionals.addAll(rest.subList(i + 1, rest.size()));
                break;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                args.positionals.add(arg);
                if (stopAtFirstPositional) {
                    args.positionals.addAll(rest.subList(i + 1, rest.size()));
                    break;
                }
                continue;
            }
            String body = arg.replaceFirst("^--?", "");
            String name = body;
            String value = null;
            int eq = body.indexOf('=');
            if (eq >= 0) {
                name = body.substring(0, eq);
                value = body.substring(eq + 1);
            }
            name = SHORT_TO_LONG.getOrDefault(name, name);
            if (value == null && name.equals("wait")) {
                // 2.9: a bare --wait waits forever; --wait 10m (separate word) is a duration too.
                if (i + 1 < rest.size() && GoDuration.isDuration(rest.get(i + 1))) {
                    value = rest.get(++i);
                } else {
                    value = "";
                }
            } else if (value == null && name.equals("pty")) {
                value = "true";
            } else if (value == null && !BOOLEAN_FLAGS.contains(name)) {
                if (i + 1 >= rest.size()) {
                    throw new UsageException("option needs an argument: " + arg);
                }
                value = rest.get(++i);
            }
            args.flags.computeIfAbsent(name, k -> new ArrayList<>()).add(value == null ? "true" : value);
        }
        return args;
    }

    String command() {
        return command;
    }

    List<String> positionals() {
        return List.copyOf(positionals);
    }

    boolean has(String flag) {
        return flags.containsKey(flag);
    }

    Optional<String> flag(String name) {
        List<String> values = flags.get(name);
        return values == null ? Optional.empty() : Optional.of(values.get(values.size() - 1));
    }

    List<String> flagValues(String name) {
        return flags.getOrDefault(name, List.of());
    }

    /** A wrong flag or argument count; Juju prints the message and exits 2. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
