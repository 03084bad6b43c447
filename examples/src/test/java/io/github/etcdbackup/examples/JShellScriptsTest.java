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
        Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
        Path log = work.resolve(script + ".log");
        Process process = new ProcessBuilder(List.of(jshell.toString(), "--class-path",
                System.getProperty("java.class.path"), "-R-Djuju=" + sim.jujuExecutable(),
                "-R-Dbackups=" + work.resolve("backups"), Path.of("jshell", script).toAbsolutePath().toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = process.waitFor(240, TimeUnit.SECONDS);
        if (!ended) {
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(ended).as(output).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
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
