package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.spi.ModelOperations;
import io.github.etcdbackup.testing.ModelOperationsContract;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The model-operations contract, passed by the juju-cli transport against the simulator in both dialects. */
@Timeout(300)
class JujuModelOperationsContractTest {
    @TempDir
    static Path work;
    private static JujuSimulator juju3;
    private static JujuSimulator juju29;

    @BeforeAll
    static void startModels() {
        juju3 = model("3.4.2");
        juju29 = model("2.9.45");
    }

    private static JujuSimulator model(String version) {
        JujuSimulator sim = JujuSimulator.builder().jujuVersion(version).workDir(work.resolve(version)).build();
        sim.deploy("etcd", 1);
        sim.deploy("easyrsa", 1);
        sim.integrate("etcd", "easyrsa");
        return sim;
    }

    @AfterAll
    static void stopModels() {
        juju3.close();
        juju29.close();
    }

    /** Against Juju 3.x. */
    @Nested
    class Juju3 extends Contract {
        Juju3() {
            super(juju3);
        }
    }

    /** Against Juju 2.9. */
    @Nested
    class Juju29 extends Contract {
        Juju29() {
            super(juju29);
        }
    }

    abstract static class Contract extends ModelOperationsContract {
        private final JujuSimulator sim;
        private final List<JujuCliTransport> opened = new ArrayList<>();

        Contract(JujuSimulator sim) {
            this.sim = sim;
        }

        @AfterEach
        void closeTransports() {
            opened.forEach(JujuCliTransport::close);
        }

        @Override
        protected ModelOperations model() {
            JujuCliTransport transport = JujuCliTransport.builder().executable(sim.jujuExecutable()).build();
            opened.add(transport);
            return transport.model().orElseThrow();
        }

        @Override
        protected String etcdApplication() {
            return "etcd";
        }
    }
}
