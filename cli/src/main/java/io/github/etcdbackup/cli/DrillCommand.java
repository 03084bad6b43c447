package io.github.etcdbackup.cli;

import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.store.DrillOptions;
import io.github.etcdbackup.store.DrillReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code etcd-backup drill}: restores an archive into a throwaway local etcd and counts its keys. */
@Command(name = "drill", description = "Prove an archive restores: etcdctl snapshot restore into a temp directory, "
        + "a throwaway etcd on loopback, a key count; the cluster is never touched. Exit 4 if it fails.")
final class DrillCommand extends StoreCommand implements Callable<Integer> {
    @Mixin
    IdentityOption identity;

    @Option(names = "--archive", paramLabel = "FILE_NAME", description = "The archive (a name from list); default: "
            + "the newest.")
    String archive;

    @Option(names = "--require-prefix", paramLabel = "PREFIX", description = "A key prefix that must hold keys, "
            + "e.g. /registry/ (repeatable).")
    List<String> prefixes = new ArrayList<>();

    @Option(names = "--etcd", paramLabel = "PATH", defaultValue = "etcd", description = "default: ${DEFAULT-VALUE}")
    String etcd;

    @Option(names = "--etcdctl", paramLabel = "PATH", defaultValue = "etcdctl",
            description = "default: ${DEFAULT-VALUE}")
    String etcdctl;

    @Option(names = "--drill-timeout", paramLabel = "DURATION", defaultValue = "2m",
            converter = DurationConverter.class, description = "default: ${DEFAULT-VALUE}")
    java.time.Duration timeout;

    /**
     * A drill whose etcd cannot start would report a sound archive as failed (exit 4); a missing program is the
     * command line's problem (exit 2).
     */
    private static void requireProgram(String option, String program) {
        boolean found = program.contains("/") ? Files.isExecutable(Path.of(program))
                : Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, program)));
        if (!found) {
            throw new InvalidInputException(option, program, "not found or not executable (install etcd-server and "
                    + "etcd-client, or give the path)");
        }
    }

    @Override
    public Integer call() {
        requireProgram("--etcd", etcd);
        requireProgram("--etcdctl", etcdctl);
        DrillOptions options = new DrillOptions(etcd, etcdctl, prefixes, timeout);
        DrillOptions withIdentities = identity.identities().map(options::withIdentities).orElse(options);
        DrillReport report = store.with(opened -> opened.drill(StoreOption.archive(opened, archive),
                withIdentities));
        StoredSnapshot snapshot = report.snapshot();
        PrintWriter out = out();
        if (output.json()) {
            Output.printJson(out, Output.drill(report));
        } else if (report.passed()) {
            out.println("restored " + snapshot.name() + ": " + report.keyCount() + " keys"
                    + (report.prefixCounts().isEmpty() ? "" : " " + report.prefixCounts()));
        } else {
            out.println("DRILL FAILED  " + snapshot.name() + "  " + String.join("; ",
                    report.problems()));
        }
        return switch (report.failure()) {
            case NONE -> ExitCode.OK;
            case ARCHIVE -> ExitCode.VERIFICATION_FAILED;
            case TIMEOUT -> ExitCode.TIMEOUT;
            case INTERRUPTED -> ExitCode.INTERRUPTED;
            case UNSUPPORTED -> ExitCode.USAGE;
            case LOCAL -> ExitCode.FAILURE;
        };
    }
}
