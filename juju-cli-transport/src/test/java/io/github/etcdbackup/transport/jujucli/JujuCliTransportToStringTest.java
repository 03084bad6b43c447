package io.github.etcdbackup.transport.jujucli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What a transport prints in a log line or a debugger: enough to tell transports apart, no environment values. */
class JujuCliTransportToStringTest {
    @Test
    void namesTheExecutableTheModelAndTheFileTransferButNoEnvironmentValue() {
        try (JujuCliTransport transport = JujuCliTransport.builder().executable(Path.of("/snap/bin/juju"))
                .model("admin/k8s").environment(Map.of("JUJU_PASSWORD", "hunter2-secret"))
                .fileTransfer(FileTransfer.SCP).build()) {
            assertThat(transport)
                    .hasToString("JujuCliTransport[juju=/snap/bin/juju, model=admin/k8s, fileTransfer=SCP]");
            assertThat(transport.toString()).doesNotContain("hunter2-secret").doesNotContain("JUJU_PASSWORD");
        }
    }

    @Test
    void withoutAModelSaysItUsesJujusCurrentOne() {
        try (JujuCliTransport transport = JujuCliTransport.create()) {
            assertThat(transport).hasToString("JujuCliTransport[juju=juju, model=(current), fileTransfer=AUTO]");
        }
    }
}
