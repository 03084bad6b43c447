package io.github.etcdbackup.internal.restore;


import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.restore.RestorePath;
import io.github.etcdbackup.restore.SshRestoreOptions;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.exception.RestoreRefusedException;
import io.github.etcdbackup.restore.RestoreStep;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.HostOperations;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Plans the SSH path of a restore (the controller is down): the members' data is replaced in place from a v3
 * archive. Reads each host (its address and etcd version) but changes nothing.
 *
 * <p>Order, and why: the archive goes to every host first (a copy changes nothing, and a host that cannot take it
 * stops the plan while the cluster still runs). Then ONE member is stopped and restored while the others keep
 * serving (a 3-member cluster keeps quorum): etcd will not let a member restored for an N-member cluster become
 * healthy alone, so "verify the first member" means its restore ran to the end; the host's restore runs
 * {@code snapshot restore} into a scratch directory and moves the old {@code member} aside only after it succeeded,
 * so an archive etcd cannot restore fails here, with the first member's data untouched (start it again) and the
 * others never stopped. Only then are the others stopped and restored, all started, and health awaited on every
 * member.
 */
public final class HostRestorePlanner {
    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?");
    private static final DateTimeFormatter TOKEN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final HostOperations host;

    /** @param host the transport's host operations */
    public HostRestorePlanner(HostOperations host) {
        this.host = host;
    }

    /** Builds the plan; see the class comment. */
    public RestorePlan plan(LocalSnapshot snapshot, SshRestoreOptions options, Deadline deadline) {
        if (snapshot.source().keysVersion() != KeysVersion.V3) {
            throw new RestoreRefusedException("the SSH restore takes a v3 archive (./db), this one holds v2 keys",
                    "restore a keys-version v3 snapshot of the same cluster; its v2 keys (flannel, older calico) come "
                            + "back through Juju with JujuRestoreOptions.v2Snapshot(...)");
        }
        if (snapshot.encrypted()) {
            RestorePlanner.checkEncrypted(snapshot, options.identities());
        } else {
            RestorePlanner.checkArchive(snapshot);
        }
        List<SshRestoreOptions.Member> members = options.members();
        checkMembers(members);
        List<Optional<String>> addresses = new ArrayList<>();
        List<String> versions = new ArrayList<>();
        for (SshRestoreOptions.Member member : members) {
            Optional<String> address = host.address(member.unit());
            if (address.isEmpty()) {
                throw new RestoreRefusedException("the transport cannot reach the member unit " + member.unit(),
                        "add unitAddress(\"" + member.unit() + "\", host) to the SshTransport builder, or fix the "
                                + "unit name in SshRestoreOptions.members");
            }
            addresses.add(address);
            String version = host.etcdVersion(member.unit(), deadline);
            checkVersion(snapshot, options, member.unit(), version);
            versions.add(version);
        }
        String token = options.clusterToken().orElseGet(
                () -> "etcd-restore-" + TOKEN_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)));
        String initialCluster = members.stream().map(m -> m.name() + "=" + m.peerUrl())
                .collect(Collectors.joining(","));
        // Absolute: a journaled plan may be resumed from another working directory.
        Path file = snapshot.file().toAbsolutePath();
        // The plaintext's name on the hosts: what etcd restores is the archive, never its ciphertext.
        String remoteArchive = options.remoteDir() + "/" + DecryptedArchive.plainName(file);

        List<RestoreStep> steps = new ArrayList<>();
        steps.add(RestorePlanner.verifyStep(snapshot, options.identities()));
        for (int i = 0; i < members.size(); i++) {
            String unit = members.get(i).unit();
            if (snapshot.encrypted()) {
                // Decrypted anew for each host, and deleted after each upload: no plaintext outlives its step.
                Path plaintext = DecryptedArchive.privatePath(file);
                steps.add(new RestoreStep.UploadArchive(unit, addresses.get(i), plaintext, remoteArchive,
                        snapshot.source().sha256(), DecryptedArchive.commandWithPlaintext(file, plaintext,
                        options.identities(), host.uploadCommand(unit, plaintext, remoteArchive)), Optional.of(file)));
            } else {
                steps.add(new RestoreStep.UploadArchive(unit, addresses.get(i), file, remoteArchive,
                        snapshot.sha256(), host.uploadCommand(unit, file, remoteArchive)));
            }
        }
        for (int i = 0; i < members.size(); i++) {
            SshRestoreOptions.Member m = members.get(i);
            HostOperations.Member member = new HostOperations.Member(m.name(), m.peerUrl(), initialCluster, token,
                    options.bumpRevision());
            steps.add(new RestoreStep.StopService(m.unit(), addresses.get(i), host.serviceCommand(m.unit(), "stop")));
            steps.add(new RestoreStep.RestoreMember(m.unit(), addresses.get(i), remoteArchive, member,
                    host.restoreCommand(m.unit(), versions.get(i), remoteArchive, member)));
        }
        for (int i = 0; i < members.size(); i++) {
            String unit = members.get(i).unit();
            steps.add(new RestoreStep.StartService(unit, addresses.get(i), host.serviceCommand(unit, "start")));
        }
        List<String> units = members.stream().map(SshRestoreOptions.Member::unit).toList();
        // Asks every member, several polls in a row: the member-by-member health check of the Juju path, settled.
        steps.add(new RestoreStep.AwaitHealthy(units, members.size(), host.healthCommand(units.get(0))));
        String application = units.get(0).substring(0, units.get(0).indexOf('/'));
        return new RestorePlan(snapshot, application, RestorePath.SSH, "", steps, options.settleTimeout(),
                options.pollInterval(), options.identities());
    }

    private static void checkMembers(List<SshRestoreOptions.Member> members) {
        if (members.isEmpty()) {
            throw new RestoreRefusedException("no members to restore were given",
                    "list every member with RestoreOptions.members(List.of(new SshRestoreOptions.Member(\"etcd/0\", "
                            + "\"etcd0\", \"https://10.0.0.5:2380\"), ...)); the names and peer URLs are in each "
                            + "unit's /var/snap/etcd/common/etcd.conf.yml");
        }
        for (String what : List.of("unit", "member name", "peer URL")) {
            List<String> values = members.stream().map(m -> what.equals("unit") ? m.unit()
                    : what.equals("member name") ? m.name() : m.peerUrl()).toList();
            if (new HashSet<>(values).size() != values.size()) {
                throw new RestoreRefusedException("a " + what + " appears twice in " + values,
                        "give each member once, with its own name and peer URL");
            }
        }
    }

    private static void checkVersion(LocalSnapshot snapshot, SshRestoreOptions options, String unit, String version) {
        Matcher wrote = VERSION.matcher(snapshot.source().etcdctlVersion());
        Matcher runs = VERSION.matcher(version);
        if (!runs.find()) {
            throw new RestoreRefusedException(unit + " reports no etcd version ('" + version + "')",
                    "check etcdctl on " + unit + " with 'etcdctl version'");
        }
        if (!wrote.find()) {
            throw new RestoreRefusedException("the etcd version that wrote the snapshot is unknown",
                    "use a snapshot taken by this library (it records the version), or build the Snapshot with "
                            + "Snapshot.builder().versionText(...) from the unit's 'etcdctl version'");
        }
        if (!(wrote.group(1) + "." + wrote.group(2)).equals(runs.group(1) + "." + runs.group(2))) {
            throw new RestoreRefusedException("the snapshot was written by etcd " + snapshot.source().etcdctlVersion()
                    + " but " + unit + " runs etcd " + version + " (restores across etcd versions fail)",
                    "restore on hosts with etcd " + wrote.group(1) + "." + wrote.group(2)
                            + ", then upgrade etcd afterwards");
        }
        if (options.bumpRevision() > 0 && !bumpSupported(runs)) {
            throw new RestoreRefusedException(unit + " runs etcd " + version + ", whose restore tool has no "
                    + "--bump-revision/--mark-compacted (etcdutl has them from 3.5.8)",
                    "restore without RestoreOptions.bumpRevision and restart the Kubernetes API servers afterwards "
                            + "so that their watch caches start over, or upgrade the hosts to etcd 3.5.8+ first");
        }
    }

    private static boolean bumpSupported(Matcher version) {
        int major = Integer.parseInt(version.group(1));
        int minor = Integer.parseInt(version.group(2));
        int patch = version.group(3) == null ? 0 : Integer.parseInt(version.group(3));
        return major > 3 || (major == 3 && (minor > 5 || (minor == 5 && patch >= 8)));
    }
}
