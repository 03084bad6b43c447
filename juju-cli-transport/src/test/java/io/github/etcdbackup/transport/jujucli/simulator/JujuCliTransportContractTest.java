package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.spi.EtcdTransport;
import io.github.etcdbackup.spi.ModelOperations;
import io.github.etcdbackup.testing.EtcdTransportContract;
import io.github.etcdbackup.testing.ModelOperationsContract;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.transport.jujucli.FakeOpenSsh;
import io.github.etcdbackup.transport.jujucli.FileTransfer;
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

/**
 * The core transport contract, passed by the juju-cli transport against the simulator in both dialects, and with
 * files streamed through {@code juju scp} into a FIFO; and the model-operations contract on the same two models.
 */
@Timeout(300)
class JujuCliTransportContractTest {
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
        sim.deploy("etcd", 3);
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
            super(juju3, FileTransfer.AUTO);
        }
    }

    /** Against Juju 2.9. */
    @Nested
    class Juju29 extends Contract {
        Juju29() {
            super(juju29, FileTransfer.AUTO);
        }
    }

    /** Against Juju 3.x, files through {@code juju scp} (the local OpenSSH pinned to 9.x). */
    @Nested
    class Juju3Scp extends Contract {
        Juju3Scp() {
            super(juju3, FileTransfer.SCP);
        }
    }

    /**
     * Against Juju 3.x, archives read as ranges of 4 KiB, 4 at a time, each its own {@code juju ssh ... dd} (issue
     * #22): every download of the contract, cut streams included, goes through ranged reads.
     */
    @Nested
    class Juju3Ranged extends Contract {
        Juju3Ranged() {
            super(juju3, FileTransfer.SSH_CAT, 4096);
        }
    }

    /** The model operations against Juju 3.x. */
    @Nested
    class ModelOperationsJuju3 extends ModelContract {
        ModelOperationsJuju3() {
            super(juju3);
        }
    }

    /** The model operations against Juju 2.9. */
    @Nested
    class ModelOperationsJuju29 extends ModelContract {
        ModelOperationsJuju29() {
            super(juju29);
        }
    }

    abstract static class ModelContract extends ModelOperationsContract {
        private final JujuSimulator sim;
        private final List<JujuCliTransport> opened = new ArrayList<>();

        ModelContract(JujuSimulator sim) {
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

    abstract static class Contract extends EtcdTransportContract {
        private final JujuSimulator sim;
        private final FileTransfer transfer;

        private final long rangeBytes;

        Contract(JujuSimulator sim, FileTransfer transfer) {
            this(sim, transfer, 0);
        }

        /** @param rangeBytes ranges of parallel reads, 0 for none */
        Contract(JujuSimulator sim, FileTransfer transfer, long rangeBytes) {
            this.sim = sim;
            this.transfer = transfer;
            this.rangeBytes = rangeBytes;
        }

        @AfterEach
        void clearFaults() {
            sim.clearFaults();
        }

        @Override
        protected EtcdTransport newTransport() {
            return JujuCliTransport.builder().executable(sim.jujuExecutable()).fileTransfer(transfer)
                    .parallelReads(rangeBytes == 0 ? 1 : 4, rangeBytes == 0 ? 4096 : rangeBytes)
                    .environment(FakeOpenSsh.environment(work.resolve("openssh"), FakeOpenSsh.OPENSSH_9)).build();
        }

        @Override
        protected String unit() {
            return "etcd/1";
        }

        @Override
        protected void cutNextStreamAfter(long bytes) {
            if (transfer == FileTransfer.SCP) {
                sim.cutScpStreamAfter(bytes, 1);
            } else {
                sim.cutSshStreamAfter(bytes, 1);
            }
        }
    }
}
