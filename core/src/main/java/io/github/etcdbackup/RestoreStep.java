package io.github.etcdbackup;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * One step of a {@link RestorePlan}. Each step knows the exact command it stands for, so that a person can read the
 * plan at 3 a.m. and run it by hand, and each is checked after it runs before the next one starts.
 */
public sealed interface RestoreStep
        permits RestoreStep.VerifyArchive, RestoreStep.Deploy, RestoreStep.Integrate, RestoreStep.AttachSnapshot,
                RestoreStep.AwaitUnits, RestoreStep.RunRestore, RestoreStep.AddUnits, RestoreStep.CheckHealth {

    /** What the step does, in a few words. */
    String title();

    /** The command it stands for, as a person would type it. */
    String command();

    /** {@code title: command}. */
    default String describe() {
        return title() + "\n      $ " + command();
    }

    /**
     * Re-hash the archive and check it is a restorable tar.
     *
     * @param file    the local archive
     * @param sha256  its expected SHA-256
     * @param command the equivalent shell command
     */
    record VerifyArchive(Path file, String sha256, String command) implements RestoreStep {
        /** Validates every field. */
        public VerifyArchive {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "verify the archive " + file.getFileName();
        }
    }

    /**
     * Deploy the new etcd application on the same charm channel, base and etcd snap channel as the old one.
     *
     * @param charm       the charm
     * @param application the new application
     * @param channel     the charm channel
     * @param base        the base or series
     * @param config      charm config, e.g. {@code channel=3.4/stable}
     * @param command     the juju command
     */
    record Deploy(String charm, String application, String channel, String base, Map<String, String> config,
                  String command) implements RestoreStep {
        /** Validates and copies every field. */
        public Deploy {
            Objects.requireNonNull(charm, "charm");
            Objects.requireNonNull(application, "application");
            Objects.requireNonNull(channel, "channel");
            Objects.requireNonNull(base, "base");
            config = Map.copyOf(config);
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "deploy " + application;
        }
    }

    /**
     * Relate two applications.
     *
     * @param first   one side
     * @param second  the other side
     * @param command the juju command
     */
    record Integrate(String first, String second, String command) implements RestoreStep {
        /** Validates every field. */
        public Integrate {
            Objects.requireNonNull(first, "first");
            Objects.requireNonNull(second, "second");
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "relate " + first + " and " + second;
        }
    }

    /**
     * Upload the verified archive as the charm's {@code snapshot} resource.
     *
     * @param application the application
     * @param file        the archive
     * @param sha384      its SHA-384, the fingerprint Juju reports for an upload
     * @param command     the juju command
     */
    record AttachSnapshot(String application, Path file, String sha384, String command) implements RestoreStep {
        /** Validates every field. */
        public AttachSnapshot {
            Objects.requireNonNull(application, "application");
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(sha384, "sha384");
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "attach " + file.getFileName() + " as the snapshot resource of " + application;
        }
    }

    /**
     * Wait until the application has this many units and every one says {@code Healthy with N known peers}, on
     * several polls in a row.
     *
     * @param application the application
     * @param units       the unit count to wait for
     * @param command     the juju command to watch
     */
    record AwaitUnits(String application, int units, String command) implements RestoreStep {
        /** Validates every field. */
        public AwaitUnits {
            Objects.requireNonNull(application, "application");
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "wait until " + application + " has " + units + " healthy unit" + (units == 1 ? "" : "s");
        }
    }

    /**
     * Run the charm's {@code restore} action on the leader.
     *
     * @param unit    the unit, {@code APP/leader}
     * @param command the juju command
     */
    record RunRestore(String unit, String command) implements RestoreStep {
        /** Validates every field. */
        public RunRestore {
            Objects.requireNonNull(unit, "unit");
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "run restore on " + unit;
        }
    }

    /**
     * Add units up to the old count.
     *
     * @param application the application
     * @param count       how many to add
     * @param command     the juju command
     */
    record AddUnits(String application, int count, String command) implements RestoreStep {
        /** Validates every field. */
        public AddUnits {
            Objects.requireNonNull(application, "application");
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "add " + count + " unit" + (count == 1 ? "" : "s") + " to " + application;
        }
    }

    /**
     * Check etcd's health member by member.
     *
     * @param unit    where to run the check
     * @param members how many healthy members are expected
     * @param command the juju command
     */
    record CheckHealth(String unit, int members, String command) implements RestoreStep {
        /** Validates every field. */
        public CheckHealth {
            Objects.requireNonNull(unit, "unit");
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "check that all " + members + " members are healthy, from " + unit;
        }
    }
}
