package io.github.etcdbackup.transport.jujucli;

import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.ModelOperations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Hostile names and paths are refused before any process starts: the fake juju is never invoked. */
@Timeout(30)
class HostileInputTest {
    private static final Duration WAIT = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    private static Deadline deadline() {
        return Deadline.after(Duration.ofMinutes(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"etcd/0; rm -rf /", "etcd/0\nstatus", "../etcd/0", "-m", "--wait=0", "etcd/0 etcd/1",
            "etcd/-1", "ETCD/0", "etcd/0\u0000", "$(reboot)/0", ""})
    void hostileUnitsNeverReachJuju(String unit) {
        FakeJuju juju = new FakeJuju(dir);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.runAction(List.of(unit), "health", Map.of(), WAIT))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> transport.healthOutput(unit, deadline()))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> transport.openFile(unit, "/home/ubuntu/x.tar.gz", 0, deadline()))
                    .isInstanceOf(InvalidInputException.class);
            ModelOperations model = transport.model().orElseThrow();
            assertThatThrownBy(() -> model.runRestore(unit, Map.of(), deadline()))
                    .isInstanceOf(InvalidInputException.class);
        }
        assertThat(juju.calls()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"relative/path", "/home/ubuntu/../../etc/shadow", "/home/./x", "/a\nb", "/a\u0000b",
            "/", "/home//x", "/home/x/"})
    void hostilePathsNeverReachJuju(String path) {
        FakeJuju juju = new FakeJuju(dir);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.openFile("etcd/0", path, 0, deadline()))
                    .isInstanceOf(InvalidInputException.class);
        }
        assertThat(juju.calls()).isEmpty();
    }

    @Test
    void hostileActionsParamsAndIdsNeverReachJuju() {
        FakeJuju juju = new FakeJuju(dir);
        try (JujuCliTransport transport = juju.transport()) {
            List<String> unit = List.of("etcd/0");
            assertThatThrownBy(() -> transport.runAction(unit, "snapshot;ls", Map.of(), WAIT))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> transport.runAction(unit, "--help", Map.of(), WAIT))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> transport.runAction(unit, "snapshot", Map.of("a b", "x"), WAIT))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> transport.runAction(unit, "snapshot", Map.of("--format", "json"), WAIT))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> transport.runAction(unit, "snapshot", Map.of("target", "/x\n/y"), WAIT))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> transport.runAction(List.of(), "snapshot", Map.of(), WAIT))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> transport.runAction(unit, "snapshot", Map.of(), Duration.ZERO))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> transport.showAction("14; rm -rf /"))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> transport.showAction("-14")).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> transport.openFile("etcd/0", "/x", -1, deadline()))
                    .isInstanceOf(InvalidInputException.class);

            ModelOperations model = transport.model().orElseThrow();
            assertThatThrownBy(() -> model.deploy("etcd", "new-etcd; ls", "", "", Map.of(), deadline()))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> model.deploy("etcd", "new-etcd", "--force", "", Map.of(), deadline()))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> model.deploy("etcd", "new-etcd", "", "jammy; ls", Map.of(), deadline()))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> model.deploy("etcd", "new-etcd", "", "", Map.of("channel", "a\nb"),
                    deadline())).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> model.integrate("new-etcd", "easyrsa:client; ls", deadline()))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> model.addUnit("new-etcd", 0, deadline()))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> model.removeApplication("-etcd", deadline()))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> model.config("etcd", "channel --reset", deadline()))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> model.attachResource("new-etcd", "snapshot", dir.resolve("missing.tar.gz"),
                    deadline())).isInstanceOf(InvalidInputException.class);
        }
        assertThat(juju.calls()).isEmpty();
    }

    @Test
    void hostileModelAndEnvironmentAreRefusedByTheBuilder() {
        assertThatThrownBy(() -> JujuCliTransport.builder().model("-m")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> JujuCliTransport.builder().model("k8s; ls"))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> JujuCliTransport.builder().environment(Map.of("A=B", "x")))
                .isInstanceOf(InvalidInputException.class);
        assertThat(JujuCliTransport.builder().model("prod-maas:admin/k8s").build()).isNotNull();
    }
}
