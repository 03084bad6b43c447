package io.github.etcdbackup.metrics;

import io.github.etcdbackup.ProgressListener;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.testing.FakeTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the core logs through a real SLF4J binding (slf4j-simple, INFO, on stderr): one INFO line per finished backup
 * with unit, file, size, SHA-256 and time, one WARN line per failure, and no progress at INFO even with
 * {@link ProgressListener#logging()}.
 */
@Timeout(60)
class CoreLoggingTest {
    @TempDir
    Path dir;

    private static List<String> infoAndUp(ByteArrayOutputStream captured) {
        return captured.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains(" INFO ") || l.contains(" WARN ") || l.contains(" ERROR ")).toList();
    }

    @Test
    void oneInfoLinePerBackupAndOneWarnLinePerFailure() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        FakeTransport transport = new FakeTransport();
        String sha256;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try (EtcdBackupClient client = EtcdBackupClient.builder().transport(transport)
                    .listener(ProgressListener.logging()).build()) {
                sha256 = client.backup("etcd/0", dir).sha256();
                transport.flipByteInNextStreamAt(5);
                assertThatThrownBy(() -> client.backup("etcd/1", dir)).isInstanceOf(ChecksumMismatchException.class);
            }
        } finally {
            System.setErr(original);
        }
        List<String> lines = infoAndUp(captured);
        assertThat(lines).filteredOn(l -> l.contains("Saved ")).singleElement().asString()
                .contains(" INFO ", "etcd/0", dir.toString(), " bytes", sha256, " ms");
        assertThat(lines).filteredOn(l -> l.contains(" WARN ") && l.contains("backup etcd/1 failed"))
                .singleElement().asString().contains("SHA-256 mismatch");
        assertThat(lines).noneMatch(l -> l.contains("BytesTransferred") || l.contains("progress"));
    }
}
