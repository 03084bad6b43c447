package io.github.etcdbackup.examples;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's main job, on both Juju dialects: backup, health, restore, keys back. */
@Timeout(600)
class DemoTest {
    @TempDir
    Path work;

    @ParameterizedTest
    @ValueSource(strings = {"3.4.2", "2.9.45"})
    void theDemoRestoresEveryKeyItBackedUp(String jujuVersion) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        boolean restored = Demo.run(jujuVersion, work, new PrintStream(captured, true, StandardCharsets.UTF_8),
                Duration.ofMillis(200));
        String output = captured.toString(StandardCharsets.UTF_8);
        assertThat(restored).as(output).isTrue();
        assertThat(output).contains("new-etcd/0 holds " + Demo.KEYS + " keys", "all members healthy: true",
                jujuVersion.startsWith("2.") ? "juju add-relation new-etcd easyrsa" : "juju integrate new-etcd easyrsa");
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("").endsWith("/etcd")
                && p.info().commandLine().orElse("").contains(work.toString()))).isEmpty();
    }
}
