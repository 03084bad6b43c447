package io.github.etcdbackup.examples;

import io.github.etcdbackup.testkit.JujuSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The JShell scripts run non-interactively against the simulator, as the README starts them. */
@Timeout(300)
class JShellScriptsTest {
    @TempDir
    static Path work;
    private static JujuSimulator sim;

    @BeforeAll
    static void startModel() {
        sim = JujuSimulator.builder().jujuVersion("3.4.2").workDir(work.resolve("model")).build();
        sim.deploy("etcd", 1);
        sim.deploy("easyrsa", 1);
        sim.integrate("etcd", "easyrsa");
    }

    @AfterAll
    static void stopModel() {
        sim.close();
    }

    private static String jshell(String script) throws IOException, InterruptedException {
        return jshell(script, sim.jujuExecutable(), work.resolve("backups"), 0);
    }

    /** Runs a script as the README does; its exit status must be {@code expectedExit}. */
    private static String jshell(String script, Path juju, Path backups, int expectedExit)
            throws IOException, InterruptedException {
        Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
        Path log = work.resolve(script + "-" + System.nanoTime() + ".log");
        Process process = new ProcessBuilder(List.of(jshell.toString(), "--class-path",
                System.getProperty("java.class.path"), "-R-Djuju=" + juju,
                "-R-Dbackups=" + backups, Path.of("jshell", script).toAbsolutePath().toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = process.waitFor(240, TimeUnit.SECONDS);
        if (!ended) {
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(ended).as(output).isTrue();
        assertThat(process.exitValue()).as(output).isEqualTo(expectedExit);
        return output;
    }

    @Test
    void aFailedBackupEndsWithTheLibrarysMessageAndExitStatusOne() throws Exception {
        String output = jshell("backup.jsh", Path.of("/nonexistent/juju"), work.resolve("failed-backups"), 1);
        assertThat(output).contains("FAILED (TransportException): Cannot run '/nonexistent/juju'");
        assertThat(output).doesNotContain("NullPointerException");
    }

    @Test
    void aDryRunWithoutBackupsSaysSoAndExitsOne() throws Exception {
        String missing = jshell("restore-dry-run.jsh", sim.jujuExecutable(), work.resolve("no-such-dir"), 1);
        assertThat(missing).contains("FAILED (LocalStorageException)", "no such directory");
        Path empty = Files.createDirectories(work.resolve("empty-store"));
        String none = jshell("restore-dry-run.jsh", sim.jujuExecutable(), empty, 1);
        assertThat(none).contains("no verified backup in " + empty).doesNotContain("ArrayIndexOutOfBounds");
    }

    @Test
    void backupScriptPrintsTheVerifiedSnapshotAndEveryMember() throws Exception {
        String output = jshell("backup.jsh");
        assertThat(output).contains("LocalSnapshot[file=" + work.resolve("backups"), "sha256=", "etcdctlVersion=3.4",
                "MemberHealth[id=", "state=HEALTHY", "all members healthy: true");
        assertThat(output).doesNotContain("Exception");

        String plan = jshell("restore-dry-run.jsh");
        // Local names lead with the unit (the script's transport names no model): etcd-0_etcd-snapshot-...
        assertThat(plan).contains("Restore etcd-0_etcd-snapshot-", "into new-etcd", "$ juju deploy etcd new-etcd",
                "$ juju attach-resource new-etcd snapshot=");
        assertThat(plan).doesNotContain("Exception");
    }
}
