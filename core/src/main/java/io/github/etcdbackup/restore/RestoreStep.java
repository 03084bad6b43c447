package io.github.etcdbackup.restore;

import io.github.etcdbackup.spi.HostOperations;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One step of a {@link RestorePlan}. Each step knows the exact command it stands for, so that a person can read the
 * plan at 3 a.m. and run it by hand, and each is checked after it runs before the next one starts.
 */
public sealed interface RestoreStep
        permits RestoreStep.VerifyArchive, RestoreStep.Deploy, RestoreStep.Integrate, RestoreStep.RemoveRelation,
                RestoreStep.AttachSnapshot,
                RestoreStep.AwaitUnits, RestoreStep.RunRestore, RestoreStep.CopyToLeader, RestoreStep.ReplayV2Keys,
                RestoreStep.AddUnits, RestoreStep.CheckHealth, RestoreStep.RestartControlPlane,
                RestoreStep.UploadArchive, RestoreStep.StopService, RestoreStep.RestoreMember,
                RestoreStep.StartService, RestoreStep.AwaitHealthy {

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
     * Remove the relation between the old etcd application's endpoint and a client of it (the control plane, a CNI),
     * so that the client can be related to the restored application: the control plane and CNI charms read their
     * etcd relation as a single one and fail their hooks while related to two etcd applications. The old
     * application, its units and its data stay as they are.
     *
     * @param application the old etcd application
     * @param endpoint    its endpoint, {@code db}
     * @param other       the client application
     * @param command     the juju command
     */
    record RemoveRelation(String application, String endpoint, String other, String command) implements RestoreStep {
        /** Validates every field. */
        public RemoveRelation {
            Objects.requireNonNull(application, "application");
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(other, "other");
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "unrelate " + other + " from " + application + " (the old etcd stays as it is)";
        }
    }

    /**
     * Upload the verified archive as the charm's {@code snapshot} resource. For an encrypted archive, the step
     * first decrypts it into {@code file}, a private temp file (0600 in a new 0700 directory), checks its SHA-384,
     * uploads it and deletes it, whatever the outcome: the plaintext exists only while this step runs.
     *
     * @param application   the application
     * @param file          the archive to upload (for an encrypted one: where its plaintext is put for the upload)
     * @param sha384        the plaintext's SHA-384, the fingerprint Juju reports for an upload
     * @param command       the commands, decryption and removal included
     * @param decryptedFrom the encrypted archive, when there is one
     */
    record AttachSnapshot(String application, Path file, String sha384, String command,
                          Optional<Path> decryptedFrom) implements RestoreStep {
        /** Validates every field. */
        public AttachSnapshot {
            Objects.requireNonNull(application, "application");
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(sha384, "sha384");
            Objects.requireNonNull(command, "command");
            Objects.requireNonNull(decryptedFrom, "decryptedFrom");
        }

        /** The step for a plain archive. */
        public AttachSnapshot(String application, Path file, String sha384, String command) {
            this(application, file, sha384, command, Optional.empty());
        }

        @Override
        public String title() {
            return "attach " + decryptedFrom.orElse(file).getFileName()
                    + (decryptedFrom.isPresent() ? " (decrypted for this step only)" : "")
                    + " as the snapshot resource of " + application;
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
     * Run the charm's {@code restore} action on the leader. The action completes as soon as etcd was started again,
     * before it serves: the plan waits for the units afterwards.
     *
     * @param unit    the unit, {@code APP/leader}
     * @param params  the action's parameters: {@code skip-backup=false} when restoring into an application that has
     *                data, so that the charm keeps a copy of its data directory (its default deletes it)
     * @param command the juju command
     */
    record RunRestore(String unit, Map<String, String> params, String command) implements RestoreStep {
        /** Validates and copies every field. */
        public RunRestore {
            Objects.requireNonNull(unit, "unit");
            params = Map.copyOf(params);
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "run restore on " + unit;
        }
    }

    /**
     * Copy a verified local archive to the application's leader ({@code juju scp}), into the {@code ubuntu} user's
     * home, where scp may write. Used for the v2 archive, which the charm's {@code restore} cannot take together with
     * the v3 one.
     *
     * @param application the application; its leader is looked up when the step runs
     * @param file        the local archive
     * @param sha256      its SHA-256, checked on the unit after the copy
     * @param remotePath  where it goes on the leader
     * @param command     the juju command
     */
    record CopyToLeader(String application, Path file, String sha256, String remotePath, String command)
            implements RestoreStep {
        /** Validates every field. */
        public CopyToLeader {
            Objects.requireNonNull(application, "application");
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(remotePath, "remotePath");
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "copy " + file.getFileName() + " to the leader of " + application;
        }
    }

    /**
     * Write the v2 keys of a {@code keys-version=v2} archive (flannel, older calico) into the restored cluster,
     * after the charm restored the v3 archive: on the leader, a throwaway etcd is started from the v2 archive on
     * loopback (as the charm's own v2 restore does, with {@code --force-new-cluster}), and every v2 key is copied
     * with its value and remaining TTL into the live cluster through the v2 API, then the throwaway etcd and its
     * files are removed. Keys already there are overwritten with the archive's value, so running it twice is harmless.
     *
     * <p>The script run is made again from {@code remoteArchive} when the step runs, never taken from a stored plan:
     * a journal edited by hand cannot make it run something else as root.
     *
     * @param application   the application; its leader is looked up when the step runs
     * @param remoteArchive the v2 archive on the leader
     * @param command       the juju command, with the script
     */
    record ReplayV2Keys(String application, String remoteArchive, String command) implements RestoreStep {
        /** Validates every field. */
        public ReplayV2Keys {
            Objects.requireNonNull(application, "application");
            Objects.requireNonNull(remoteArchive, "remoteArchive");
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "replay the v2 keys of " + remoteArchive + " into " + application;
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

    /**
     * Restart the Kubernetes API servers (and controller managers and schedulers) with the control plane charm's
     * {@code restart} action on each of its units: their watch caches still hold the old cluster's state, and the
     * Kubernetes docs advise restarting them after an etcd restore.
     *
     * @param application the control plane application
     * @param units       its units, as the plan found them
     * @param command     the juju command
     */
    record RestartControlPlane(String application, List<String> units, String command) implements RestoreStep {
        /** Validates and copies every field. */
        public RestartControlPlane {
            Objects.requireNonNull(application, "application");
            units = List.copyOf(units);
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "restart the API servers of " + application + " (" + String.join(", ", units) + ")";
        }
    }

    /** {@code etcd/0 (10.0.0.5)}: the unit and, when the transport knows it, its address. */
    private static String where(String unit, Optional<String> address) {
        return unit + address.map(a -> " (" + a + ")").orElse("");
    }

    /**
     * SSH path: copy the verified archive to a host (never over an existing file).
     *
     * @param unit       the unit
     * @param address    its host, when known
     * @param file       the local archive
     * @param remotePath where it goes on the host
     * @param sha256     its SHA-256, checked on the host afterwards
     * @param command    the equivalent shell command
     * @param decryptedFrom the encrypted archive, when there is one: the step then decrypts it into {@code file}, a
     *                   private temp file (0600 in a new 0700 directory), uploads it and deletes it
     */
    record UploadArchive(String unit, Optional<String> address, Path file, String remotePath, String sha256,
                         String command, Optional<Path> decryptedFrom) implements RestoreStep {
        /** Validates every field. */
        public UploadArchive {
            Objects.requireNonNull(unit, "unit");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(remotePath, "remotePath");
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(command, "command");
            Objects.requireNonNull(decryptedFrom, "decryptedFrom");
        }

        /** The step for a plain archive. */
        public UploadArchive(String unit, Optional<String> address, Path file, String remotePath, String sha256,
                             String command) {
            this(unit, address, file, remotePath, sha256, command, Optional.empty());
        }

        @Override
        public String title() {
            return "upload " + decryptedFrom.orElse(file).getFileName()
                    + (decryptedFrom.isPresent() ? " (decrypted for this step only)" : "") + " to "
                    + where(unit, address) + ":" + remotePath;
        }
    }

    /**
     * SSH path: stop etcd on a host.
     *
     * @param unit    the unit
     * @param address its host, when known
     * @param command the shell command
     */
    record StopService(String unit, Optional<String> address, String command) implements RestoreStep {
        /** Validates every field. */
        public StopService {
            Objects.requireNonNull(unit, "unit");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "stop etcd on " + where(unit, address);
        }
    }

    /**
     * SSH path: restore the uploaded archive as the member's data, the old {@code member} directory moved aside.
     *
     * @param unit          the unit
     * @param address       its host, when known
     * @param remoteArchive the uploaded archive
     * @param member        who the member is in the new cluster
     * @param command       the shell commands
     */
    record RestoreMember(String unit, Optional<String> address, String remoteArchive, HostOperations.Member member,
                         String command) implements RestoreStep {
        /** Validates every field. */
        public RestoreMember {
            Objects.requireNonNull(unit, "unit");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(remoteArchive, "remoteArchive");
            Objects.requireNonNull(member, "member");
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "restore member " + member.name() + " on " + where(unit, address)
                    + " (the old member directory is moved aside)";
        }
    }

    /**
     * SSH path: start etcd on a host.
     *
     * @param unit    the unit
     * @param address its host, when known
     * @param command the shell command
     */
    record StartService(String unit, Optional<String> address, String command) implements RestoreStep {
        /** Validates every field. */
        public StartService {
            Objects.requireNonNull(unit, "unit");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "start etcd on " + where(unit, address);
        }
    }

    /**
     * SSH path: wait until, seen from every unit, all members are healthy, on several polls in a row.
     *
     * @param units   the units to ask
     * @param members how many healthy members each must see
     * @param command the health command, as run on the first unit (the others run the same on their own)
     */
    record AwaitHealthy(List<String> units, int members, String command) implements RestoreStep {
        /** Validates and copies every field. */
        public AwaitHealthy {
            units = List.copyOf(units);
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String title() {
            return "wait until " + String.join(", ", units) + " each see " + members + " healthy member"
                    + (members == 1 ? "" : "s");
        }
    }
}
