package io.github.etcdbackup.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code etcd-backup} command: the SDK for cron, systemd timers and CronJobs. Each subcommand maps to one SDK
 * call; errors print the library's message on stderr and end with the exit code of their kind ({@link ExitCode}).
 */
@Command(name = "etcd-backup", mixinStandardHelpOptions = true, versionProvider = EtcdBackupCli.Version.class,
        // --help, --version and the exit code table on every subcommand too.
        scope = CommandLine.ScopeType.INHERIT,
        description = "Back up, verify and restore the etcd of Charmed Kubernetes, through Juju or over SSH.",
        footer = {"", ExitCode.TABLE},
        subcommands = {BackupCommand.class, ListCommand.class, VerifyCommand.class, PruneCommand.class,
                DrillCommand.class, HealthCommand.class, StatusCommand.class, RestoreCommand.class,
                CommandLine.HelpCommand.class})
public final class EtcdBackupCli {
    private EtcdBackupCli() {
    }

    /**
     * Runs the command and exits with its code. The library's own log lines go to stderr at WARN and up (cron mails
     * what a job prints; the command prints its results itself); {@code -Dorg.slf4j.simpleLogger.defaultLogLevel=info}
     * shows more.
     */
    public static void main(String[] args) {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command with these streams; returns its exit code (for tests and embedding). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine line = new CommandLine(new EtcdBackupCli())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(out)
                .setErr(err)
                .setExecutionExceptionHandler((error, command, parsed) -> {
                    command.getErr().println(command.getCommandSpec().qualifiedName() + ": "
                            + error.getClass().getSimpleName() + ": " + error.getMessage());
                    command.getErr().flush();
                    return ExitCode.of(error);
                });
        return line.execute(args);
    }

    /** The version of the jar, as its manifest says. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = EtcdBackupCli.class.getPackage().getImplementationVersion();
            return new String[] {"etcd-backup " + (version == null ? "(development build)" : version)};
        }
    }
}
