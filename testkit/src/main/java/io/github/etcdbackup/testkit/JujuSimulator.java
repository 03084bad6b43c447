package io.github.etcdbackup.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;

/**
 * A local Juju model whose etcd units are real etcd processes, driven through a real {@code juju} executable.
 * <pre>{@code
 * try (JujuSimulator sim = JujuSimulator.builder().jujuVersion("3.4.2").workDir(tempDir).build()) {
 *     sim.deploy("etcd", 3);
 *     sim.deploy("easyrsa", 1);
 *     sim.integrate("etcd", "easyrsa");
 *     // run sim.jujuExecutable() like the real juju: status, run, ssh, scp...
 * }
 * }</pre>
 * The state lives here, in the test JVM; every {@code juju} invocation is a short bash process that talks to it
 * over loopback, so a call costs milliseconds. It prints what Juju 2.9 or 3.x prints (per the fixtures), traps
 * included, and offers fault switches for tests. {@link #close()} stops every process it started; it deletes only
 * what a test removed through {@code juju remove-application}.
 */
public final class JujuSimulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JujuSimulator.class);

    private final String jujuVersion;
    private final Path workDir;
    private final String modelName;
    private final SimModel model;
    private final JujuCli cli;
    private final SimulatorServer server;
    private final Path juju;

    private JujuSimulator(Builder builder) {
        this.jujuVersion = builder.jujuVersion;
        this.workDir = builder.workDir.toAbsolutePath();
        this.modelName = builder.modelName;
        this.model = new SimModel(workDir, jujuVersion, builder.pre2023Certificates
                ? CertificateAuthority.PRE_2023_ADDRESS : CertificateAuthority.LOOPBACK);
        this.cli = new JujuCli(model, new StatusView.ModelInfo(modelName, builder.controllerName, "localhost",
                "default"), builder.defaultRunWait);
        this.server = new SimulatorServer(workDir.resolve("juju/calls"), cli::handle, cli::mode);
        try {
            this.juju = writeClient(workDir.resolve("bin"), server.port());
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        LOG.info("Juju {} simulator for model {} listening on 127.0.0.1:{}; juju is {}", jujuVersion, modelName,
                server.port(), juju);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings for {@link #build()}: {@link #jujuVersion(String)} and {@link #workDir(Path)} are required. */
    public static final class Builder {
        private String jujuVersion;
        private Path workDir;
        private String modelName = "k8s";
        private String controllerName = "testkit";
        private Duration defaultRunWait = Duration.ofSeconds(60);
        private boolean pre2023Certificates;

        private Builder() {
        }

        /**
         * Plays the etcd charm's certificates before 2023 (layer-etcd before 4aed0e97 "Add 127.0.0.1 to the tls
         * cert", Charmed Kubernetes 1.26 and older): the server certificate names the unit's address but not
         * {@code 127.0.0.1}, so a client on the unit that connects to {@code https://127.0.0.1:2379} fails TLS. The
         * units advertise and listen on 127.0.0.2 (and listen on 127.0.0.1 too, as the charm binds to all
         * interfaces).
         */
        public Builder pre2023Certificates(boolean on) {
            this.pre2023Certificates = on;
            return this;
        }

        /** The Juju version to play: {@code 2.9.x} (run-action era) or {@code 3.x} ({@code juju run}). */
        public Builder jujuVersion(String version) {
            if (!version.matches("[23]\\.[0-9]+(\\.[0-9]+)?")) {
                throw new IllegalArgumentException("the simulator plays Juju 2.9 or 3.x, not " + version);
            }
            this.jujuVersion = version;
            return this;
        }

        /** The directory for the {@code juju} executable ({@code bin/}), units, PKI and resources. */
        public Builder workDir(Path dir) {
            this.workDir = dir;
            return this;
        }

        /** The model's name (default {@code k8s}); {@code -m} and {@code JUJU_MODEL} must name it. */
        public Builder modelName(String name) {
            this.modelName = name;
            return this;
        }

        /** The controller's name (default {@code testkit}). */
        public Builder controllerName(String name) {
            this.controllerName = name;
            return this;
        }

        /**
         * How long Juju 3's {@code juju run} waits without {@code --wait} (Juju's default is 60 s; tests of that
         * trap can shorten it).
         */
        public Builder defaultRunWait(Duration wait) {
            this.defaultRunWait = wait;
            return this;
        }

        public JujuSimulator build() {
            Objects.requireNonNull(jujuVersion, "jujuVersion");
            Objects.requireNonNull(workDir, "workDir");
            return new JujuSimulator(this);
        }
    }

    // --------------------------------------------------------------------------------------------- the model

    /**
     * The etcd of a Charmed Kubernetes model: {@code etcdUnits} etcd units related to {@code easyrsa} (their
     * certificates) and to {@code kubernetes-control-plane} (their client).
     */
    public void deployCharmedKubernetes(int etcdUnits) {
        deploy("etcd", etcdUnits);
        deploy("easyrsa", 1);
        deploy("kubernetes-control-plane", 1);
        integrate("etcd", "easyrsa");
        integrate("etcd", "kubernetes-control-plane");
    }

    /**
     * Writes keys through {@code unit} and waits until a snapshot will hold them: the charm's v3 snapshot copies the
     * live bbolt file, which etcd commits every 100 ms, so younger writes are only in the WAL and would be missing
     * from the archive (the etcd docs' warning about copies, true of a real unit too).
     */
    public void putCommitted(String unit, Map<String, String> keys) throws InterruptedException {
        unit(unit).putAll(keys);
        Thread.sleep(1000);
    }

    /** Deploys {@code units} units of the charm of the same name, like {@code juju deploy charm -n units}. */
    public void deploy(String application, int units) {
        deploy(application, application, units);
    }

    /**
     * Deploys a charm under an application name. Known charms: {@code etcd} (real etcd processes),
     * {@code easyrsa}, {@code kubernetes-control-plane}, {@code kubernetes-master}, {@code kubernetes-worker},
     * {@code calico}, {@code flannel}. Every declared resource has the store's revision 0, as a deployment from
     * Charmhub has. An etcd application stays blocked ("Missing relation to certificate authority.") and runs no
     * etcd until it is related to a certificate provider such as {@code easyrsa}, as the real charm does.
     */
    public void deploy(String charm, String application, int units) {
        CharmInfo info = CharmInfo.lookup(charm)
                .orElseThrow(() -> new IllegalArgumentException("the simulator does not know charm " + charm));
        model.deploy(info, application, units, "latest/stable", "jammy", Map.of());
    }

    /**
     * Relates two applications like {@code juju integrate}; {@code app:endpoint} pins an endpoint. Relating etcd to
     * its certificate provider returns once etcd is installed and every member is healthy.
     */
    public void integrate(String app1, String app2) {
        RelationMatcher.Match match = RelationMatcher.match(model, app1, app2);
        if (match.error() != null) {
            throw new IllegalArgumentException(match.error());
        }
        model.addRelation(match.relation());
        model.awaitInstalled(match.relation().app1());
        model.awaitInstalled(match.relation().app2());
    }

    /**
     * The arguments of every {@code juju} invocation so far (the words after {@code juju}), in the order they
     * arrived: what a client really ran, for tests that compare it with what was printed beforehand.
     */
    public List<List<String>> commandsRun() {
        return cli.commandsRun();
    }

    /** The real {@code juju} executable that talks to this simulator. */
    public Path jujuExecutable() {
        return juju;
    }

    /** {@code PATH} with the simulator's {@code juju} first, for child processes that run {@code juju} by name. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", juju.getParent() + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        return env;
    }

    public String jujuVersion() {
        return jujuVersion;
    }

    public String modelName() {
        return modelName;
    }

    public Path workDir() {
        return workDir;
    }

    /** The real etcd cluster behind an etcd application. */
    public EtcdCluster cluster(String application) {
        ModelApplication app = model.application(application)
                .orElseThrow(() -> new IllegalArgumentException("no application " + application));
        if (app.cluster() == null) {
            throw new IllegalArgumentException(application + " is not an etcd application");
        }
        return app.cluster();
    }

    /** The etcd member behind a unit such as {@code etcd/1}. */
    public EtcdUnit unit(String unitName) {
        return model.unit(unitName).filter(ModelUnit::isEtcd).map(ModelUnit::etcd)
                .orElseThrow(() -> new IllegalArgumentException("no etcd unit " + unitName));
    }

    /** The application's current Juju leader, e.g. {@code etcd/0}. */
    public String leader(String application) {
        return model.unit(application + "/leader").map(ModelUnit::name)
                .orElseThrow(() -> new IllegalArgumentException("no application " + application));
    }

    /**
     * How many times the control plane charm's {@code restart} action ran on a unit such as
     * {@code kubernetes-control-plane/0}.
     */
    public int controlPlaneRestarts(String unitName) {
        return model.controlPlaneCharm().restarts(unitName);
    }

    /** Moves Juju leadership to another unit of its application. */
    public void setLeader(String unitName) {
        model.setLeader(unitName);
    }

    // --------------------------------------------------------------------------------------------- faults

    /** Stops a unit's etcd process (a dead member: {@code health} still says "cluster is healthy"). */
    public void stopEtcd(String unitName) {
        unit(unitName).stop();
    }

    /** Starts a stopped unit's etcd process again. */
    public void startEtcd(String unitName) {
        unit(unitName).start();
    }

    /** Makes a directory on a unit unwritable for actions (root ignores modes, so the simulator enforces it). */
    public void readOnly(String unitName, String unitPath, boolean readOnly) {
        unit(unitName);
        model.faults().readOnly(unitName, unitPath, readOnly);
    }

    /**
     * Pretends the unit keeps its data on attached Juju storage: the snapshot action then finds no
     * {@code /var/snap/etcd/current/member/snap/db} and crashes ({@code exit status 1}).
     */
    public void dataOnAttachedStorage(String unitName, boolean on) {
        unit(unitName);
        model.faults().dataOnAttachedStorage(unitName, on);
    }

    /** Every command except {@code juju version} fails as when the controller cannot be reached. */
    public void controllerUnreachable(boolean unreachable) {
        model.faults().controllerUnreachable(unreachable);
    }

    /** The stdout of the next {@code times} {@code juju ssh} calls ends after {@code bytes} bytes (exit 255). */
    public void cutSshStreamAfter(long bytes, int times) {
        model.faults().cutSsh(bytes, times);
    }

    /** The next {@code times} {@code juju ssh} calls deliver the byte at {@code offset} inverted. */
    public void flipSshByte(long offset, int times) {
        model.faults().flipSsh(offset, times);
    }

    /**
     * The next {@code times} {@code juju scp} copies from a unit stop after {@code bytes} bytes, as when the SSH
     * connection drops: what arrived stays in the destination and juju fails with
     * {@code ERROR exit status 1 (Broken pipe)}, scp's message for a sink whose connection ended mid-file.
     */
    public void cutScpStreamAfter(long bytes, int times) {
        model.faults().cutScp(bytes, times);
    }

    /**
     * {@code sudo} in a {@code juju ssh} command asks for a password it cannot read, as on a machine whose
     * {@code ubuntu} user lost passwordless sudo: it prints what sudo prints without a terminal
     * ({@code sudo: a terminal is required to read the password; ...} and {@code sudo: a password is required};
     * {@code sudo -n} only the latter) and the command exits 1. {@code juju exec} runs as root and is not affected.
     */
    public void sudoRequiresPassword(boolean required) {
        model.faults().sudoRequiresPassword(required);
    }

    /** {@code juju ssh} and {@code juju scp} output trickles at this rate (0 = full speed). */
    public void slowOutput(int bytesPerSecond) {
        model.faults().slowOutputBytesPerSecond(bytesPerSecond);
    }

    /** Every action waits this long before it starts working (to hit {@code --wait} and the 3.x default). */
    public void slowActions(Duration delay) {
        model.faults().actionDelayMillis(delay.toMillis());
    }

    /** Plays an etcd charm older than 2021-02 whose {@code health} sets {@code result-map.message}. */
    public void legacyHealthAction(boolean legacy) {
        model.legacyHealthAction(legacy);
    }

    /**
     * From now on {@code juju ssh} reaches the units as Juju does, through OpenSSH: {@code ssh} to {@code sshd} (run
     * by this user, like the units' commands) through {@code link}, e.g. a {@link ShapedLink} 25 ms away at 1 Gbit/s,
     * so that {@code juju ssh} pays a real connection, a real SSH window and the link's round trip. The ssh faults
     * still apply to what arrives. {@code null} and {@code null}: run unit commands directly again (the default).
     * Juju's own {@code juju ssh} to a machine unit runs the OpenSSH client when {@code ssh} is on the PATH
     * (juju/utils {@code ssh/ssh.go}, {@code initDefaultClient}: OpenSSH first, the embedded go.crypto client only
     * without it; juju/juju {@code cmd/juju/ssh/ssh_machine.go}, {@code sshMachine.ssh}, runs {@code ssh.Command} with
     * it), one connection per invocation, so each {@code juju ssh} here is one {@code ssh} process and one
     * connection too. Its stdin, stdout and stderr go straight to the caller, as Juju hands OpenSSH its own (the
     * {@code juju} client replaces itself with {@code ssh}), unless a stream fault or {@code --pty=true} needs them
     * to pass the simulator.
     */
    public void sshThrough(LocalSshd sshd, ShapedLink link) {
        if (sshd == null || link == null) {
            model.sshRoute(null);
            return;
        }
        // No -n: Juju hands OpenSSH its own stdin (ssh_machine.go: cmd.Stdin = ctx.GetStdin()).
        List<String> argv = new ArrayList<>(List.of("ssh", "-T", "-o", "LogLevel=ERROR"));
        argv.addAll(sshd.sshClientArgs(link));
        argv.add(link.host());
        model.sshRoute(argv);
    }

    /** Switches every fault off again. */
    public void clearFaults() {
        Faults faults = model.faults();
        faults.controllerUnreachable(false);
        faults.cutSsh(-1, 0);
        faults.flipSsh(-1, 0);
        faults.cutScp(-1, 0);
        faults.sudoRequiresPassword(false);
        faults.slowOutputBytesPerSecond(0);
        faults.actionDelayMillis(0);
        model.legacyHealthAction(false);
        for (ModelApplication app : model.applications()) {
            for (ModelUnit unit : app.units()) {
                faults.dataOnAttachedStorage(unit.name(), false);
            }
        }
        faults.clearReadOnly();
    }

    /** Stops the server and every etcd process; leaves all files in place. Idempotent. */
    @Override
    public void close() {
        server.close();
        model.close();
    }

    // ----------------------------------------------------------------------------------------- the client

    /**
     * Writes the {@code juju} client: bash with {@code /dev/tcp}, so a call costs one bash start rather than a
     * JVM. See {@link SimulatorServer} for the protocol.
     */
    private static Path writeClient(Path binDir, int port) {
        String connect = "{ exec 3<>/dev/tcp/127.0.0.1/" + port + "; } 2>/dev/null || {\n"
                + "  echo 'ERROR cannot connect to API: the Juju simulator on 127.0.0.1:" + port
                + " is not running' >&2; exit 1; }\n";
        String script = "#!/bin/bash\n"
                + "# juju: client of the etcd-backup testkit Juju simulator (generated).\n"
                + "# The state is in the test JVM; this script only relays one call.\n"
                + "# Only bash builtins on the common path: starting a process is what makes a call slow.\n"
                + connect
                + "printf '%s\\0' JUJUSIM1 \"$PWD\" \"${JUJU_MODEL-}\" \"$#\" \"$@\" >&3\n"
                + "IFS= read -r -d '' mode <&3 || {\n"
                + "  echo 'ERROR the Juju simulator closed the connection' >&2; exit 1; }\n"
                + "case $mode in\n"
                + "stream|streamio|copy)\n"
                + "  IFS= read -r -d '' id <&3\n"
                + "  if [ \"$mode\" = streamio ]; then\n"
                + "    exec 4<>/dev/tcp/127.0.0.1/" + port + " 5<>/dev/tcp/127.0.0.1/" + port + " 6<&0\n"
                + "    printf '%s\\0' JUJUSIM1-STDERR \"$id\" >&4\n"
                + "    printf '%s\\0' JUJUSIM1-STDIN \"$id\" >&5\n"
                + "    { exec 3<&- 5<&- 6<&-; cat <&4 >&2; } &\n"
                + "    stderr_relay=$!\n"
                + "    { exec 3<&- 4<&-; exec cat <&6 >&5; } 2>/dev/null &\n"
                + "    stdin_relay=$!\n"
                + "    exec 4<&- 5<&- 6<&-\n"
                + "    cat <&3\n"
                + "    kill \"$stdin_relay\" 2>/dev/null\n"
                + "    wait \"$stderr_relay\"\n"
                + "  elif [ \"$mode\" = stream ]; then cat <&3\n"
                + "  else\n"
                + "    IFS= read -r -d '' dest <&3\n"
                + "    if [ -n \"$dest\" ]; then cat <&3 > \"$dest\"; fi\n"
                + "  fi\n"
                + "  exec 3<&-\n"
                + "  " + connect.replace("\n  ", "\n    ")
                + "  printf '%s\\0' JUJUSIM1-RESULT \"$id\" >&3\n"
                + "  IFS= read -r -d '' rc <&3\n"
                + "  IFS= read -r -d '' err <&3\n"
                + "  printf '%s' \"$err\" >&2\n"
                + "  exit \"${rc:-1}\";;\n"
                + "exec)\n"
                + "  IFS= read -r -d '' argc <&3\n"
                + "  if [ \"${argc:-0}\" -gt 0 ]; then\n"
                + "    argv=()\n"
                + "    for ((i = 0; i < argc; i++)); do IFS= read -r -d '' word <&3; argv+=(\"$word\"); done\n"
                + "    exec 3<&-\n"
                + "    exec \"${argv[@]}\"\n"
                + "  fi\n"
                + "  IFS= read -r -d '' err <&3\n"
                + "  IFS= read -r -d '' rc <&3\n"
                + "  printf '%s' \"$err\" >&2\n"
                + "  exit \"${rc:-1}\";;\n"
                + "prompt)\n"
                + "  if IFS= read -r line; then printf 'L%s\\n' \"$line\" >&3; else printf 'E\\n' >&3; fi;;\n"
                + "esac\n"
                + "IFS= read -r -d '' outfile <&3\n"
                + "IFS= read -r -d '' err <&3\n"
                + "IFS= read -r -d '' rc <&3\n"
                + "out=\n"
                + "if [ -n \"$outfile\" ]; then IFS= read -r -d '' out < \"$outfile\"; printf x >&3; fi\n"
                + "printf '%s' \"$out\"\n"
                + "printf '%s' \"$err\" >&2\n"
                + "exit \"${rc:-1}\"\n";
        try {
            Files.createDirectories(binDir);
            Path juju = binDir.resolve("juju");
            Files.writeString(juju, script);
            Files.setPosixFilePermissions(juju, PosixFilePermissions.fromString("rwxr-xr-x"));
            return juju;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
