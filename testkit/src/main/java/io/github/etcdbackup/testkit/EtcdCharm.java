package io.github.etcdbackup.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The etcd charm's {@code snapshot}, {@code health} and {@code restore} actions (layer-etcd @233f62a), done for
 * real against the unit's etcd process and files, reporting what the charm reports: the same results keys, the
 * {@code tar} listing on stdout, a {@code bash -x} trace or the tools' own stderr, the same failure messages.
 * Paths in every output are the unit's ({@code /var/snap/etcd/current}), never the host's.
 */
final class EtcdCharm {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdCharm.class);
    private static final String DATA = "/var/snap/etcd/current/";
    private static final DateTimeFormatter SNAPSHOT_STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH.mm.ss");
    private static final DateTimeFormatter BACKUP_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    static final String UNHEALTHY_OUTPUT = "{'status': 'cluster is unhealthy see log file for details.', 'units': []}";

    private final SimModel model;

    EtcdCharm(SimModel model) {
        this.model = model;
    }

    /** The actions the simulator runs, with the parameter types of layer-etcd's src/actions.yaml. */
    private static final Map<String, ActionSpec> ACTIONS = Map.of(
            "snapshot", new ActionSpec(Map.of("target", "string", "keys-version", "string")),
            "restore", new ActionSpec(Map.of("target", "string", "skip-backup", "boolean")),
            "health", ActionSpec.noParameters());

    static Optional<ActionSpec> actionSpec(String action) {
        return Optional.ofNullable(ACTIONS.get(action));
    }

    ActionOutcome run(Task task) {
        return switch (task.action()) {
            case "snapshot" -> snapshot(task);
            case "health" -> health(task.unit());
            case "restore" -> restore(task);
            default -> throw new IllegalArgumentException("no action " + task.action());
        };
    }

    // ---------------------------------------------------------------------------------------------- snapshot

    private ActionOutcome snapshot(Task task) {
        ModelUnit unit = task.unit();
        EtcdUnit etcd = unit.etcd();
        String target = task.stringParam("target", "/home/ubuntu/etcd-snapshots");
        String keysVersion = task.stringParam("keys-version", "v3");
        String app = unit.application().name();
        String dataDirOld = DATA + app + unit.number() + ".etcd/";
        String stamp = LocalDateTime.now(ZoneOffset.UTC).format(SNAPSHOT_STAMP);
        String archive = "etcd-snapshot-" + stamp + ".tar.gz";
        String id = task.id();
        GoMap results = new GoMap();
        BashTrace trace = new BashTrace()
                .substitution("action-get", "target").assign("ETCD_BACKUP_TARGET_DIR", target)
                .substitution("action-get", "keys-version").assign("ETCD_KEYS_VERSION", keysVersion)
                .assign("UNIT_NAME", app).assign("UNIT_NUM", String.valueOf(unit.number()))
                .assign("ETCD_DATA_DIR", dataDirOld)
                .command("[", "!", "-d", dataDirOld, "]")
                .assign("ETCD_DATA_DIR", DATA)
                .substitution("date", "+%Y-%m-%d-%H.%M.%S").assign("DATE_STAMP", stamp)
                .assign("ARCHIVE", archive)
                .command("mkdir", "-p", target + "/");
        if (!mkdirs(unit, target + "/", trace)) {
            return ActionOutcome.crashed(results, 1, "", trace.toString());
        }
        trace.command("[", keysVersion, "==", "v2", "]");
        String workDir = target + "/" + id;
        if (keysVersion.equals("v2")) {
            String v2Snapshot = DATA + "/v2-snapshots/" + id;
            trace.assign("V2_SNAPSHOT", v2Snapshot)
                    .command("ETCDCTL_API=2", "/snap/bin/etcd.etcdctl", "backup", "--data-dir", DATA,
                            "--backup-dir", v2Snapshot);
            CommandResult backup = Commands.run(List.of(EtcdUnit.ETCDCTL.toString(), "backup",
                    "--data-dir", etcd.dataDir().toString(),
                    "--backup-dir", etcd.hostPath(v2Snapshot).toString()), Map.of("ETCDCTL_API", "2"));
            trace.output(unitPaths(unit, backup.stderr()));
            if (!backup.succeeded()) {
                return ActionOutcome.crashed(results, backup.exitCode(), "", trace.toString());
            }
            trace.command("mv", v2Snapshot, target + "/");
            if (model.faults().readOnly(unit, target)) {
                trace.output("mv: cannot move '" + v2Snapshot + "' to '" + workDir + "': Read-only file system");
                return ActionOutcome.crashed(results, 1, "", trace.toString());
            }
            move(etcd.hostPath(v2Snapshot), etcd.hostPath(workDir));
        } else if (keysVersion.equals("v3")) {
            trace.command("[", keysVersion, "==", "v3", "]").command("mkdir", "-p", workDir);
            if (!mkdirs(unit, workDir, trace)) {
                return ActionOutcome.crashed(results, 1, "", trace.toString());
            }
            String db = DATA + "/member/snap/db";
            trace.command("cp", db, workDir);
            Path hostDb = etcd.dataDir().resolve("member/snap/db");
            if (model.faults().dataOnAttachedStorage(unit) || !Files.isRegularFile(hostDb)) {
                trace.output("cp: cannot stat '" + db + "': No such file or directory");
                return ActionOutcome.crashed(results, 1, "", trace.toString());
            }
            copy(hostDb, etcd.hostPath(workDir).resolve("db"));
        } else {
            trace.command("[", keysVersion, "==", "v3", "]")
                    .command("action-fail", "keys-version must be either v2 or v3")
                    .command("exit");
            return ActionOutcome.actionFail(results, "keys-version must be either v2 or v3", "", trace.toString());
        }
        trace.command("cd", workDir).command("tar", "cvfz", "../" + archive, ".");
        CommandResult tar = Commands.run(List.of("tar", "cvfz", "../" + archive, "."), Map.of(),
                etcd.hostPath(workDir), null, Duration.ofMinutes(5));
        if (!tar.succeeded()) {
            trace.output(tar.stderr());
            return ActionOutcome.crashed(results, tar.exitCode(), tar.stdoutText(), trace.toString());
        }
        trace.command("cd", "..").command("rm", "-rf", id);
        deleteTree(etcd.hostPath(workDir));

        String path = target + "/" + archive;
        Path hostArchive = etcd.hostPath(path);
        String size = Commands.run(List.of("du", "-h", hostArchive.toString())).orThrow().stdoutText().split("\t")[0];
        String sha256 = sha256(hostArchive);
        String copyCmd = "juju scp " + unit.name() + ":" + path + " .";
        String version = etcdctlVersion();
        trace.command("action-set", "snapshot.path=" + path)
                .substitution("du", "-h", path).substitution("cut", "-d\t", "-f1")
                .command("action-set", "snapshot.size=" + size)
                .substitution("sha256sum", path).substitution("cut", "-d ", "-f1")
                .command("action-set", "snapshot.sha256=" + sha256)
                .command("action-set", "copy.cmd=" + copyCmd)
                .substitution("/snap/bin/etcd.etcdctl", "version")
                .command("action-set", "snapshot.version=" + version);
        results.put("snapshot", new GoMap().with("path", path).with("size", size).with("sha256", sha256)
                .with("version", version));
        results.put("copy", new GoMap().with("cmd", copyCmd));
        return ActionOutcome.completed(results, tar.stdoutText(), trace.toString());
    }

    /** {@code mkdir -p} on the unit, failing like coreutils when the fault switch made the place read-only. */
    private boolean mkdirs(ModelUnit unit, String unitPath, BashTrace trace) {
        Path host = unit.etcd().hostPath(unitPath);
        if (Files.isDirectory(host)) {
            return true;
        }
        if (model.faults().readOnly(unit, unitPath)) {
            String shown = unitPath.endsWith("/") ? unitPath.substring(0, unitPath.length() - 1) : unitPath;
            trace.output("mkdir: cannot create directory '" + shown + "': Read-only file system");
            return false;
        }
        try {
            Files.createDirectories(host);
            return true;
        } catch (IOException e) {
            trace.output("mkdir: cannot create directory '" + unitPath + "': " + e.getMessage());
            return false;
        }
    }

    static String etcdctlVersion() {
        String out = Commands.run(List.of(EtcdUnit.ETCDCTL.toString(), "version"), Map.of("ETCDCTL_API", "3"))
                .orThrow().stdoutText();
        return out.endsWith("\n") ? out.substring(0, out.length() - 1) : out;
    }

    // ------------------------------------------------------------------------------------------------ health

    /** {@code ETCDCTL_API=2 etcdctl --endpoint https://127.0.0.1:2379 cluster-health} with the server cert. */
    ActionOutcome health(ModelUnit unit) {
        EtcdUnit etcd = unit.etcd();
        CommandResult result = Commands.run(
                List.of(EtcdUnit.ETCDCTL.toString(), "--endpoint", etcd.clientUrl(), "cluster-health"),
                Map.of("ETCDCTL_API", "2",
                        "ETCDCTL_CA_FILE", etcd.certDir().resolve("ca.crt").toString(),
                        "ETCDCTL_CERT_FILE", etcd.certDir().resolve("server.crt").toString(),
                        "ETCDCTL_KEY_FILE", etcd.certDir().resolve("server.key").toString()));
        // The charm catches etcdctl's failure and reports a Python dict instead of the text.
        String output = result.succeeded() ? result.stdoutText() : UNHEALTHY_OUTPUT;
        GoMap results = new GoMap();
        if (model.legacyHealthAction()) {
            String stripped = output.endsWith("\n") ? output.substring(0, output.length() - 1) : output;
            results.put("result-map", new GoMap().with("message", stripped));
        } else {
            results.put("output", output);
        }
        return ActionOutcome.completed(results, "", "");
    }

    // ----------------------------------------------------------------------------------------------- restore

    private ActionOutcome restore(Task task) {
        ModelUnit unit = task.unit();
        ModelApplication app = unit.application();
        GoMap results = new GoMap();
        if (!model.isLeader(unit)) {
            return ActionOutcome.actionFail(results, "This action can only be run on the leader unit", "", "");
        }
        ModelApplication.Resource resource = app.resources().get("snapshot");
        if (resource == null) {
            return ActionOutcome.actionFail(results, "Missing snapshot. See: README.md", "", "");
        }
        Path archive = resource.file();
        EtcdUnit leader = unit.etcd();
        StringBuilder stdout = new StringBuilder();
        StringBuilder stderr = new StringBuilder();
        try {
            if (!task.booleanParam("skip-backup", true)) {
                backupDataDir(unit, task.stringParam("target", "/home/ubuntu"), results, stdout);
            }
            List<ModelUnit> followers = dismantle(unit);
            leader.stop();
            CommandResult walProbe = Commands.run(List.of("tar", "-tvf", archive.toString(), "--wildcards", "*/wal"));
            stderr.append(walProbe.stderr());
            if (walProbe.succeeded()) {
                throw new RestoreCrash("NotImplementedError: the testkit simulates only v3 (db) snapshot restores");
            }
            restoreV3(unit, archive, stdout, stderr);
            leader.writeConfig(new MemberConfig(leader.memberName() + "=" + leader.peerUrl(),
                    app.cluster().clusterToken(), "new"));
            // service_start returns once systemd started the process, and the action completes right after
            // (restore.py __main__): etcd is not serving yet, and the followers rejoin later still.
            model.startAfterRestore(unit, followers);
        } catch (RestoreCrash crash) {
            stderr.append("Traceback (most recent call last):\n")
                    .append("  File \"/var/lib/juju/agents/").append(unit.tag())
                    .append("/charm/actions/restore\", line 352, in <module>\n")
                    .append("    main()\n")
                    .append(crash.getMessage()).append('\n');
            return ActionOutcome.crashed(results, 1, stdout.toString(), stderr.toString());
        }
        return ActionOutcome.completed(results, stdout.toString(), stderr.toString());
    }

    private void backupDataDir(ModelUnit unit, String target, GoMap results, StringBuilder stdout) {
        EtcdUnit etcd = unit.etcd();
        String name = "etcd-data-" + LocalDateTime.now(ZoneOffset.UTC).format(BACKUP_STAMP) + ".tar.gz";
        String path = target + "/" + name;
        Path host = etcd.hostPath(path);
        try {
            Files.createDirectories(host.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The charm's backup is an uncompressed tar despite its .tar.gz name.
        CommandResult tar = Commands.run(List.of("tar", "cvf", host.toString(), "."), Map.of(), etcd.dataDir(), null,
                Duration.ofMinutes(5));
        stdout.append(tar.stdoutText());
        if (!tar.succeeded()) {
            throw new RestoreCrash("subprocess.CalledProcessError: Command 'tar cvf " + path
                    + " .' returned non-zero exit status " + tar.exitCode() + ".");
        }
        results.put("backup", new GoMap().with("path", path).with("sha256sum", sha256(host)));
    }

    /** Removes every other member (the charm does it over API v2; the effect is the same) and returns them. */
    private List<ModelUnit> dismantle(ModelUnit leaderUnit) {
        EtcdUnit leader = leaderUnit.etcd();
        List<ModelUnit> followers = new ArrayList<>();
        for (ModelUnit other : leaderUnit.application().units()) {
            if (other == leaderUnit) {
                continue;
            }
            followers.add(other);
            String id = memberId(leader, other.etcd().memberName());
            if (id != null) {
                removeMember(leader, id);
            }
            other.rejoining(true);
            other.etcd().stop();
        }
        return followers;
    }

    /**
     * {@code member remove} with the charm's 10 tries a second apart: etcd refuses to remove a member until the
     * cluster has been fully connected for a few seconds ("unhealthy cluster"), which a fresh cluster is not.
     */
    private static void removeMember(EtcdUnit leader, String id) {
        for (int attempt = 1; attempt <= 10; attempt++) {
            if (leader.etcdctl("member", "remove", id).succeeded()) {
                return;
            }
            EtcdUnit.sleep(1000);
        }
        throw new RestoreCrash("Exception: Disconnecting a member from cluster failed");
    }

    private static String memberId(EtcdUnit through, String memberName) {
        CommandResult list = through.etcdctl("member", "list");
        if (!list.succeeded()) {
            throw new RestoreCrash("Exception: Disconnecting a member from cluster failed");
        }
        for (String line : list.stdoutText().split("\n")) {
            String[] fields = line.split(", ");
            if (fields.length >= 3 && fields[2].equals(memberName)) {
                return fields[0];
            }
        }
        return null;
    }

    private void restoreV3(ModelUnit unit, Path archive, StringBuilder stdout, StringBuilder stderr) {
        EtcdUnit etcd = unit.etcd();
        String tmp = "/root/tmp/restore-v3";
        Path hostTmp = etcd.hostPath(tmp);
        try {
            Files.createDirectories(hostTmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CommandResult untar = Commands.run(List.of("tar", "xvf", archive.toString(), "-C", hostTmp.toString()));
        stdout.append(untar.stdoutText());
        stderr.append(unitPaths(unit, untar.stderr()));
        if (!untar.succeeded()) {
            throw new RestoreCrash("subprocess.CalledProcessError: Command '['tar', 'xvf', "
                    + "'/var/lib/juju/agents/" + unit.tag() + "/resources/snapshot/snapshot.tar.gz', '-C', '" + tmp
                    + "']' returned non-zero exit status " + untar.exitCode() + ".");
        }
        CommandResult restore = Commands.run(List.of(EtcdUnit.ETCDCTL.toString(),
                "--endpoints=" + etcd.clientUrl(), "snapshot", "restore", hostTmp.resolve("db").toString(),
                "--skip-hash-check", "--data-dir=" + hostTmp.resolve("etcd"),
                "--initial-cluster=" + etcd.memberName() + "=" + etcd.peerUrl(),
                "--initial-cluster-token=" + unit.application().cluster().clusterToken(),
                "--initial-advertise-peer-urls=" + etcd.peerUrl(), "--name=" + etcd.memberName()),
                Map.of("ETCDCTL_API", "3"));
        stderr.append(unitPaths(unit, restore.stderr()));
        if (!restore.succeeded()) {
            throw new RestoreCrash("subprocess.CalledProcessError: Command 'ETCDCTL_API=3 /snap/bin/etcdctl "
                    + "snapshot restore " + tmp + "/db --skip-hash-check ...' returned non-zero exit status "
                    + restore.exitCode() + ".");
        }
        deleteTree(etcd.dataDir().resolve("member"));
        copyTree(hostTmp.resolve("etcd/member"), etcd.dataDir().resolve("member"));
        deleteTree(hostTmp);
    }

    /** An uncaught Python exception in the charm's restore: Juju reports {@code exit status 1}. */
    private static final class RestoreCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RestoreCrash(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------------------------------------- files

    /** Shows the unit's paths in tool output instead of the host directories that stand for them. */
    static String unitPaths(ModelUnit unit, String text) {
        return text.replace(unit.etcd().root().toString(), "");
    }

    static String sha256(Path file) {
        return Fingerprints.sha256(file);
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.createDirectories(to.getParent());
            Files.move(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void copyTree(Path from, Path to) {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            LOG.warn("could not delete {}", dir, e);
        }
    }
}
