package io.github.etcdbackup.transport.jujucli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/** The dialect is detected once per transport, also when many threads ask at the same time. */
@Timeout(30)
class VersionDetectionTest {
    @TempDir
    Path dir;

    @Test
    void concurrentCallersShareOneJujuVersionCall() throws Exception {
        FakeJuju juju = new FakeJuju(dir).jujuVersion("2.9");
        try (JujuCliTransport transport = juju.transport()) {
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<JujuVersion>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return transport.version();
                }));
            }
            start.countDown();
            for (CompletableFuture<JujuVersion> future : futures) {
                assertThat(future.get().raw()).isEqualTo("2.9.45-ubuntu-amd64");
            }
        }
        assertThat(juju.calls()).containsExactly(List.of("version"));
    }

    @Test
    void createUsesJujuFromThePathAndStartsNothing() {
        try (JujuCliTransport transport = JujuCliTransport.create()) {
            assertThat(transport.name()).isEqualTo("juju-cli");
            assertThat(transport.model()).isPresent();
        }
    }
}
