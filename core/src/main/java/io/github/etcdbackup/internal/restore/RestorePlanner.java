package io.github.etcdbackup.internal.restore;

import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.exception.LocalStorageException;
import io.github.etcdbackup.internal.archive.ArchiveInspector;
import io.github.etcdbackup.internal.archive.EncryptedArchiveReader;
import io.github.etcdbackup.internal.files.Sha256;
import io.github.etcdbackup.internal.common.Shell;

import io.github.etcdbackup.status.ApplicationStatus;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.status.UnitStatus;
import io.github.etcdbackup.restore.JujuRestoreOptions;
import io.github.etcdbackup.restore.RestorePath;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.exception.RestoreRefusedException;
import io.github.etcdbackup.restore.RestoreStep;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.ModelCommands;
import io.github.etcdbackup.spi.ModelOperations;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a snapshot and {@link JujuRestoreOptions} into a {@link RestorePlan}, reading the model but changing nothing,
 * and refuses what the charm and the docs warn against.
 */
public final class RestorePlanner {
    /** Charms whose applications are a Kubernetes control plane (the old name survives in upgraded models). */
    public static final Set<String> CONTROL_PLANE_CHARMS = Set.of("kubernetes-control-plane", "kubernetes-master");
    /** The etcd charm's endpoint its clients (control plane, CNIs) relate to, over the {@code etcd} interface. */
    static final String CLIENT_ENDPOINT = "db";
    /** CNI charms that keep state in etcd. */
    public static final Set<String> CNI_CHARMS = Set.of("flannel", "calico", "canal");
    private static final Pattern MAJOR_MINOR = Pattern.compile("^(\\d+)\\.(\\d+)");

    private final ModelOperations model;
    private final Duration callTimeout;

    /**
     * @param model       the model operations of the transport; they also say how each step's command is spelled
     * @param callTimeout the deadline of each single call when the plan runs (the health check's among them)
     */
    public RestorePlanner(ModelOperations model, Duration callTimeout) {
        this.model = model;
        this.callTimeout = callTimeout;
    }

    /** Builds the plan; see the class comment. */
    public RestorePlan plan(LocalSnapshot snapshot, JujuRestoreOptions options, Deadline deadline) {
        refuseV2Only(snapshot);
        Optional<String> plaintextSha384 = snapshot.encrypted()
                ? Optional.of(checkEncrypted(snapshot, options.identities())) : Optional.empty();
        if (!snapshot.encrypted()) {
            checkArchive(snapshot);
        }
        options.v2Snapshot().ifPresent(RestorePlanner::checkV2);
        ModelStatus status = model.status(deadline);
        Optional<ApplicationStatus> source = status.application(options.sourceApplication());
        Optional<ApplicationStatus> target = status.application(options.targetApplication());
        ModelCommands juju = model.commands(deadline);
        String app = options.targetApplication();

        String etcdChannel = etcdChannel(options, source, deadline);
        checkVersions(snapshot, etcdChannel);
        options.v2Snapshot().ifPresent(v2 -> checkVersions(v2, etcdChannel));
        int existingUnits = target.map(t -> t.units().size()).orElse(0);
        checkTarget(options, target);
        int units = options.units().orElse(source.map(s -> s.units().size()).filter(n -> n > 0).orElse(1));
        String certificates = options.certificates().orElseGet(() -> certificatesOf(source, options));
        requireExists(status, certificates, "certificate provider");
        List<String> related = new ArrayList<>();
        Optional<String> controlPlane = controlPlane(status, options);
        controlPlane.ifPresent(related::add);
        related.addAll(cnis(status, source, options));

        List<RestoreStep> steps = new ArrayList<>();
        // Absolute: a journaled plan may be resumed from another working directory.
        Path file = snapshot.file().toAbsolutePath();
        steps.add(verifyStep(snapshot, options.identities()));
        if (target.isEmpty()) {
            String channel = options.channel().orElseGet(() -> source.map(ApplicationStatus::charmChannel)
                    .filter(c -> !c.isEmpty()).orElseThrow(() -> missing("charm channel", "channel")));
            String base = options.base().orElseGet(() -> source.map(ApplicationStatus::base)
                    .filter(b -> !b.isEmpty()).orElseThrow(() -> missing("base", "base")));
            String charm = source.map(ApplicationStatus::charmName).filter(c -> !c.isEmpty()).orElse("etcd");
            Map<String, String> config = Map.of("channel", etcdChannel);
            steps.add(new RestoreStep.Deploy(charm, app, channel, base, config,
                    juju.deploy(charm, app, channel, base, config)));
        }
        steps.add(new RestoreStep.Integrate(app, certificates, juju.integrate(app, certificates)));
        if (plaintextSha384.isPresent()) {
            Path plaintext = DecryptedArchive.privatePath(file);
            steps.add(new RestoreStep.AttachSnapshot(app, plaintext, plaintextSha384.get(),
                    DecryptedArchive.commandWithPlaintext(file, plaintext, options.identities(),
                            juju.attachResource(app, RestoreExecutor.SNAPSHOT_RESOURCE, plaintext)),
                    Optional.of(file)));
        } else {
            steps.add(new RestoreStep.AttachSnapshot(app, file, sha384(file),
                    juju.attachResource(app, RestoreExecutor.SNAPSHOT_RESOURCE, file)));
        }
        int unitsBeforeRestore = Math.max(existingUnits, 1);
        steps.add(new RestoreStep.AwaitUnits(app, unitsBeforeRestore, juju.status()));
        String leader = app + "/leader";
        // The charm's skip-backup defaults to true: restore.py then deletes the member directory without a copy.
        // Into an existing application, the data there is kept (as an uncompressed tar under /home/ubuntu).
        Map<String, String> restoreParams = target.isPresent() ? Map.of("skip-backup", "false") : Map.of();
        steps.add(new RestoreStep.RunRestore(leader, restoreParams,
                juju.runRestore(leader, restoreParams, options.settleTimeout())));
        // restore.py completes right after service_start, before etcd serves and before the followers rejoined.
        steps.add(new RestoreStep.AwaitUnits(app, unitsBeforeRestore, juju.status()));
        options.v2Snapshot().ifPresent(v2 -> {
            // Before the CNIs are related: flannel reads its network config from the v2 keys when it connects.
            // Named from the checksum: a plain name that means the same to scp's SFTP and legacy modes.
            String remote = "/home/ubuntu/etcd-backup-v2-" + v2.sha256().substring(0, 16) + ".tar.gz";
            Path local = v2.file().toAbsolutePath();
            steps.add(new RestoreStep.CopyToLeader(app, local, v2.sha256(), remote,
                    juju.copyToUnit(leader, local, remote)));
            steps.add(new RestoreStep.ReplayV2Keys(app, remote,
                    juju.runAsRoot(leader, V2KeyReplay.script(remote))));
        });
        // Every client of the old etcd moves to the new one: the control plane and CNIs found above, and anything
        // else related to its db endpoint. Each is unrelated from the old etcd first, since the control plane and
        // CNI charms fail their hooks while related to two etcd applications (ops' get_relation("etcd")).
        String old = options.sourceApplication();
        List<String> clients = source.map(s -> s.relations().getOrDefault(CLIENT_ENDPOINT, List.of()))
                .orElse(List.of());
        clients.stream().filter(c -> !related.contains(c) && !c.equals(app)).forEach(related::add);
        for (String other : related) {
            if (clients.contains(other)) {
                steps.add(new RestoreStep.RemoveRelation(old, CLIENT_ENDPOINT, other,
                        juju.removeRelation(old + ":" + CLIENT_ENDPOINT, other)));
            }
            steps.add(new RestoreStep.Integrate(app, other, juju.integrate(app, other)));
        }
        if (units > unitsBeforeRestore) {
            int add = units - unitsBeforeRestore;
            steps.add(new RestoreStep.AddUnits(app, add, juju.addUnit(app, add)));
        }
        int finalUnits = Math.max(units, unitsBeforeRestore);
        steps.add(new RestoreStep.AwaitUnits(app, finalUnits, juju.status()));
        steps.add(new RestoreStep.CheckHealth(leader, finalUnits, juju.health(leader, callTimeout)));
        if (options.restartControlPlane() && controlPlane.isPresent()) {
            List<String> cpUnits = status.application(controlPlane.get()).map(a -> a.units().stream()
                    .map(UnitStatus::name).toList()).orElse(List.of());
            if (!cpUnits.isEmpty()) {
                steps.add(new RestoreStep.RestartControlPlane(controlPlane.get(), cpUnits,
                        juju.restartControlPlane(cpUnits, options.settleTimeout())));
            }
        }
        return new RestorePlan(snapshot, app, RestorePath.JUJU, status.jujuVersion(), steps, options.settleTimeout(),
                options.pollInterval(), options.identities());
    }

    /**
     * An encrypted archive, read once (nothing written): ciphertext and plaintext hashes against the manifest and
     * the tar's contents, as {@link #checkArchive} does for a plain one.
     *
     * @return the plaintext's SHA-384, the fingerprint Juju will report for the upload
     */
    static String checkEncrypted(LocalSnapshot snapshot, Optional<AgeIdentities> identities) {
        AgeIdentities given = EncryptedArchiveReader.requireIdentities(snapshot, identities,
                "give the plan (JujuRestoreOptions.identities)");
        EncryptedArchiveReader.Result read;
        try (InputStream in = Files.newInputStream(snapshot.file())) {
            read = EncryptedArchiveReader.read(snapshot, in, given);
        } catch (IOException e) {
            throw new LocalStorageException(snapshot.file(), "Reading", e);
        }
        if (read.failure().isPresent()) {
            throw read.failure().get();
        }
        if (!read.problems().isEmpty()) {
            throw new RestoreRefusedException("the encrypted archive " + snapshot.file() + " does not verify: "
                    + String.join("; ", read.problems()), "use another verified archive, or take a new backup; "
                    + "never restore bytes that do not verify");
        }
        return read.plaintextSha384().orElseThrow();
    }

    /**
     * The first step of either path: the archive checked again when the restore runs, with the commands that do it
     * by hand ({@code sha256sum -c}, then the tar listed, after {@code age -d} for an encrypted archive).
     */
    static RestoreStep.VerifyArchive verifyStep(LocalSnapshot snapshot, Optional<AgeIdentities> identities) {
        // Absolute: a journaled plan may be resumed from another working directory.
        Path file = snapshot.file().toAbsolutePath();
        return new RestoreStep.VerifyArchive(file, snapshot.sha256(), "sha256sum -c " + Shell.quote(file + ".sha256")
                + " && " + (snapshot.encrypted()
                ? "age -d -i " + Shell.quote(DecryptedArchive.identityFile(identities)) + " "
                        + Shell.quote(file.toString()) + " | tar -tz >/dev/null"
                : "tar -tzf " + Shell.quote(file.toString())));
    }

    static void checkArchive(LocalSnapshot snapshot) {
        try {
            snapshot.verify();
        } catch (ChecksumMismatchException e) {
            throw new RestoreRefusedException("the archive " + snapshot.file() + " no longer matches its SHA-256 ("
                    + e.actual() + " instead of " + e.expected() + ")", "use another verified archive, or take a "
                    + "new backup; never restore bytes that do not verify");
        }
        List<String> problems = ArchiveInspector.problems(snapshot.file(), snapshot.source().keysVersion());
        if (!problems.isEmpty()) {
            throw new RestoreRefusedException("the archive is not one the charm can restore: "
                    + String.join("; ", problems), "use an archive made by the charm's snapshot action or by "
                    + "this library, with ./db at its root (v3) or a member/ tree (v2)");
        }
    }

    /**
     * The charm restores a v2 archive by another path (restore.py: untar over the data dir, a forked etcd with
     * {@code --force-new-cluster --enable-v2}, {@code member update} over the v2 API) that leaves the v3 keys of
     * Kubernetes behind and that this library does not check; the v3 archive with the v2 one beside it does both.
     */
    private static void refuseV2Only(LocalSnapshot snapshot) {
        if (snapshot.source().keysVersion() != KeysVersion.V3) {
            throw new RestoreRefusedException("the archive to restore is a keys-version v2 archive: it holds only "
                    + "the v2 keys (flannel, older calico), not Kubernetes' v3 data, and the charm's v2 restore "
                    + "path is not one this library runs", "restore a keys-version v3 snapshot of the same "
                    + "cluster and pass this archive as JujuRestoreOptions.v2Snapshot(...): the plan replays its "
                    + "v2 keys into the restored cluster");
        }
    }

    private static void checkV2(LocalSnapshot v2) {
        if (v2.encrypted()) {
            throw new RestoreRefusedException("the v2 archive " + v2.file() + " is encrypted, and the v2 key replay "
                    + "copies it to the leader as it is", "decrypt it first into a private directory "
                    + "(Age.decryptFile, or age -d -i key.txt -o FILE " + v2.file().getFileName() + "), and pass "
                    + "the plaintext archive with its manifest");
        }
        checkArchive(v2);
        if (v2.file().toAbsolutePath().toString().contains(":")) {
            throw new RestoreRefusedException("the v2 archive's path " + v2.file().toAbsolutePath() + " holds a ':',"
                    + " which juju scp would read as UNIT:PATH", "move the archive (with its .sha256 and .manifest) "
                    + "to a directory without ':' in its path");
        }
    }

    private String etcdChannel(JujuRestoreOptions options, Optional<ApplicationStatus> source, Deadline deadline) {
        if (options.etcdChannel().isPresent()) {
            return options.etcdChannel().get();
        }
        if (source.isEmpty()) {
            throw missing("etcd snap channel", "etcdChannel");
        }
        String configured = model.config(source.get().name(), "channel", deadline).strip();
        if (!configured.isEmpty() && !configured.equals("auto")) {
            return configured;
        }
        Matcher version = MAJOR_MINOR.matcher(source.get().workloadVersion());
        if (!version.find()) {
            throw missing("etcd snap channel (the source shows no etcd version)", "etcdChannel");
        }
        return version.group(1) + "." + version.group(2) + "/stable";
    }

    private static void checkVersions(LocalSnapshot snapshot, String etcdChannel) {
        Matcher snapshotVersion = MAJOR_MINOR.matcher(snapshot.source().etcdctlVersion());
        Matcher channelVersion = MAJOR_MINOR.matcher(etcdChannel);
        if (!snapshotVersion.find()) {
            throw new RestoreRefusedException("the etcd version that wrote the snapshot is unknown",
                    "use a snapshot taken by this library (it records the version), or build the Snapshot with "
                            + "Snapshot.builder().versionText(...) from the unit's 'etcdctl version'");
        }
        if (!channelVersion.find()) {
            throw new RestoreRefusedException("the etcd channel '" + etcdChannel + "' names no version",
                    "pass JujuRestoreOptions.etcdChannel such as 3.4/stable");
        }
        String wrote = snapshotVersion.group(1) + "." + snapshotVersion.group(2);
        String target = channelVersion.group(1) + "." + channelVersion.group(2);
        if (!wrote.equals(target)) {
            throw new RestoreRefusedException("the snapshot was written by etcd " + snapshot.source().etcdctlVersion()
                    + " but the new application would run etcd " + etcdChannel + " (restores across etcd versions "
                    + "fail: kubernetes-docs #19)", "restore with JujuRestoreOptions.etcdChannel(\"" + wrote
                    + "/stable\"), then upgrade etcd afterwards if you need to");
        }
    }

    private static void checkTarget(JujuRestoreOptions options, Optional<ApplicationStatus> target) {
        if (target.isEmpty()) {
            return;
        }
        ApplicationStatus t = target.get();
        if (!t.charmName().equals("etcd")) {
            throw new RestoreRefusedException(t.name() + " exists and runs the charm '" + t.charmName() + "'",
                    "choose another targetApplication; the default new-etcd is deployed fresh");
        }
        if (t.units().size() > 1 && !options.restoreIntoExisting()) {
            throw new RestoreRefusedException(t.name() + " already has " + t.units().size() + " units; the docs "
                    + "advise against restoring into a multi-unit application",
                    "restore into a new application (remove " + t.name() + " or pick another targetApplication), "
                            + "or, knowing the charm restores on the leader and the followers rejoin, set "
                            + "JujuRestoreOptions.restoreIntoExisting(true)");
        }
    }

    private static String certificatesOf(Optional<ApplicationStatus> source, JujuRestoreOptions options) {
        return source.flatMap(s -> Optional.ofNullable(s.relations().get("certificates")))
                .flatMap(apps -> apps.stream().findFirst())
                .orElseThrow(() -> missing("certificate provider (" + options.sourceApplication()
                        + " has no certificates relation)", "certificates"));
    }

    private static Optional<String> controlPlane(ModelStatus status, JujuRestoreOptions options) {
        if (options.controlPlane().isPresent()) {
            requireExists(status, options.controlPlane().get(), "control plane");
            return options.controlPlane();
        }
        return status.applications().stream().filter(a -> CONTROL_PLANE_CHARMS.contains(a.charmName()))
                .map(ApplicationStatus::name).findFirst();
    }

    private static List<String> cnis(ModelStatus status, Optional<ApplicationStatus> source,
                                     JujuRestoreOptions options) {
        if (options.cniApplications().isPresent()) {
            options.cniApplications().get().forEach(cni -> requireExists(status, cni, "CNI"));
            return options.cniApplications().get();
        }
        List<String> related = source.map(ApplicationStatus::relatedApplications).orElse(List.of());
        return status.applications().stream()
                .filter(a -> CNI_CHARMS.contains(a.charmName()) && related.contains(a.name()))
                .map(ApplicationStatus::name).toList();
    }

    private static void requireExists(ModelStatus status, String application, String role) {
        if (status.application(application).isEmpty()) {
            throw new RestoreRefusedException("the " + role + " '" + application + "' is not in the model",
                    "check the name with 'juju status', or leave the option unset to find it from the old "
                            + "application's relations");
        }
    }

    private static RestoreRefusedException missing(String what, String option) {
        return new RestoreRefusedException("the " + what + " cannot be read from the model (is the source "
                + "application gone?)", "pass JujuRestoreOptions." + option + "(...) explicitly");
    }

    /** The fingerprint Juju shows for an uploaded resource. */
    public static String sha384(Path file) {
        MessageDigest digest = Sha256.newDigest("SHA-384");
        Sha256.updateFromFile(digest, file);
        return Sha256.hex(digest);
    }
}
