package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.exception.RestoreRefusedException;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.HostOperations;
import io.github.etcdbackup.testkit.EtcdUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which tool restores a member over SSH (#6): etcdutl where the unit has one, with {@code --bump-revision} and
 * {@code --mark-compacted} when asked; etcdctl otherwise, and a clear refusal of a bump without etcdutl.
 *
 * <p>etcd 3.5, the first release with etcdutl, is not packaged for Debian 12: only etcd 3.4.23 installs here. So an
 * {@code etcdutl} stand-in sits beside the layout's etcdctl. It records its arguments, then does the restore with etcd
 * 3.4's own command, {@code ETCDCTL_API=3 etcdctl snapshot restore}, leaving out the two flags that only etcdutl
 * 3.5.8+ knows. What this proves is the transport's choice of tool, the exact arguments it passes, and that the
 * member then serves the backup's keys; not etcdutl's own behaviour.
 */
@Timeout(180)
class SshEtcdutlRestoreTest {
    private static final long BUMP = 1_000_000;

    @TempDir
    static Path shared;
    private static Testbed testbed;
    private static EtcdUnit unit;
    private static LocalSnapshot backup;

    @BeforeAll
    static void backUp() {
        testbed = Testbed.start(shared, 1);
        unit = testbed.cluster.unit("etcd/0");
        unit.put("/etcdutl-test/in-backup", "1");
        try (EtcdBackupClient client = EtcdBackupClient.create(testbed.direct().build())) {
            backup = client.backup("etcd/0", shared.resolve("backups"));
        }
    }

    @AfterAll
    static void stop() {
        testbed.close();
    }

    @Test
    void aUnitWithEtcdutlRestoresWithItAndBumpsTheRevisionWhenAsked() throws IOException {
        Path argv = shared.resolve("etcdutl-bump.argv");
        UnitLayout layout = Testbed.layoutOf(unit).withEtcdctl(etcdctlWithEtcdutlBeside("bump", argv).toString());

        restore(layout, "bump", BUMP);

        assertThat(Files.readAllLines(argv)).as("what etcdutl was called with")
                .startsWith("snapshot", "restore")
                .containsSubsequence("--skip-hash-check", "--data-dir", "--name", unit.memberName(),
                        "--initial-cluster", unit.memberName() + "=" + unit.peerUrl(),
                        "--initial-cluster-token", "cluster-bump", "--initial-advertise-peer-urls", unit.peerUrl(),
                        "--bump-revision", String.valueOf(BUMP), "--mark-compacted");
        assertThat(unit.get("/etcdutl-test/in-backup")).contains("1");
        assertThat(unit.get("/etcdutl-test/after-backup")).isEmpty();
    }

    @Test
    void aUnitWithEtcdutlRestoresWithItWithoutBumpFlagsByDefault() throws IOException {
        Path argv = shared.resolve("etcdutl-plain.argv");
        UnitLayout layout = Testbed.layoutOf(unit).withEtcdctl(etcdctlWithEtcdutlBeside("plain", argv).toString());

        restore(layout, "plain", 0);

        assertThat(Files.readAllLines(argv)).startsWith("snapshot", "restore")
                .contains("--initial-cluster-token", "cluster-plain")
                .doesNotContain("--bump-revision", "--mark-compacted");
        assertThat(unit.get("/etcdutl-test/in-backup")).contains("1");
        assertThat(unit.get("/etcdutl-test/after-backup")).isEmpty();
    }

    @Test
    void aBumpOnAUnitWithoutEtcdutlIsRefusedBeforeAnythingChanges() throws IOException {
        // The plain layout: Debian's etcd 3.4 has /usr/bin/etcdctl and no etcdutl, like a charm unit on 3.4/stable.
        assertThat(Path.of("/usr/bin/etcdutl")).doesNotExist();
        Deadline deadline = Deadline.after(Duration.ofMinutes(1));
        unit.put("/etcdutl-test/live", "kept");
        List<String> before = dataDirEntries();
        try (SshTransport transport = testbed.direct().build()) {
            HostOperations host = transport.host().orElseThrow();
            String uploaded = upload(host, "refused", deadline);

            assertThatThrownBy(() -> host.restoreDataDir("etcd/0", uploaded, member("refused", BUMP), deadline))
                    .isInstanceOfSatisfying(RestoreRefusedException.class, e -> {
                        assertThat(e.reason()).contains("etcd/0 has no etcdutl", "/usr/bin/etcdutl",
                                "nothing was changed");
                        assertThat(e.whatToDoInstead()).contains("SshRestoreOptions.bumpRevision",
                                "restart the Kubernetes API servers", "etcd 3.5.8+");
                    });
        }
        assertThat(dataDirEntries()).as("no scratch dir, nothing moved aside").isEqualTo(before);
        assertThat(unit.get("/etcdutl-test/live")).contains("kept");
    }

    /** Uploads the backup, writes a key that the restore must drop, and restores the member with {@code layout}. */
    private static void restore(UnitLayout layout, String name, long bumpRevision) {
        Deadline deadline = Deadline.after(Duration.ofMinutes(1));
        try (SshTransport transport = testbed.direct().unitLayout("etcd/0", layout).build()) {
            HostOperations host = transport.host().orElseThrow();
            String uploaded = upload(host, name, deadline);
            unit.put("/etcdutl-test/after-backup", "gone after the restore");
            unit.stop();
            try {
                String aside = host.restoreDataDir("etcd/0", uploaded, member(name, bumpRevision), deadline);
                assertThat(Path.of(aside)).isDirectory().hasParent(unit.dataDir());
            } finally {
                unit.start();
            }
            testbed.cluster.awaitHealthy(Duration.ofSeconds(60));
        }
    }

    private static String upload(HostOperations host, String name, Deadline deadline) {
        String uploaded = shared.resolve("uploaded-" + name + "-" + backup.file().getFileName()).toString();
        host.upload("etcd/0", backup.file(), uploaded, deadline);
        return uploaded;
    }

    private static HostOperations.Member member(String name, long bumpRevision) {
        return new HostOperations.Member(unit.memberName(), unit.peerUrl(), unit.memberName() + "=" + unit.peerUrl(),
                "cluster-" + name, bumpRevision);
    }

    /**
     * A directory with {@code etcdctl} (running the real one) and the {@code etcdutl} stand-in beside it, which
     * writes its arguments to {@code argv}, one per line.
     */
    private static Path etcdctlWithEtcdutlBeside(String name, Path argv) throws IOException {
        Path tools = Files.createDirectories(shared.resolve("tools-" + name));
        Path etcdctl = executable(tools.resolve("etcdctl"), "#!/bin/sh\nexec /usr/bin/etcdctl \"$@\"\n");
        executable(tools.resolve("etcdutl"), "#!/bin/sh\n"
                + "printf '%s\\n' \"$@\" > '" + argv + "'\n"
                // etcd 3.4's etcdctl refuses flags it does not know: drop the etcdutl-only ones.
                + "skip=\n"
                + "for arg do\n"
                + "  shift\n"
                + "  if [ -n \"$skip\" ]; then skip=; continue; fi\n"
                + "  case \"$arg\" in\n"
                + "    --bump-revision) skip=1 ;;\n"
                + "    --mark-compacted) ;;\n"
                + "    *) set -- \"$@\" \"$arg\" ;;\n"
                + "  esac\n"
                + "done\n"
                + "exec env ETCDCTL_API=3 /usr/bin/etcdctl \"$@\"\n");
        return etcdctl;
    }

    private static Path executable(Path file, String script) throws IOException {
        Files.writeString(file, script);
        return Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static List<String> dataDirEntries() throws IOException {
        try (Stream<Path> files = Files.list(unit.dataDir())) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }
}
