package io.github.etcdbackup.transport.jujucli.reliability;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.ModelOperations;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hostile input against every public entry point of the transport (and the client calls over it), table-driven:
 * each value is refused with {@link InvalidInputException} before any process starts, proven by the fake juju having
 * recorded no call at all (not even {@code juju version}) and by this JVM having no child process. Extends
 * {@code HostileInputTest}: the values it already sends to an entry point are not repeated here.
 */
@Timeout(120)
class HostileInputChecks {
    /** Shell and option-injection shapes, control characters, traversal, lookalikes, length. */
    static final List<String> NAMES = List.of("-etcd", "--help", "-m=x", "etcd|cat", "etcd&&id", "etcd`id`",
            "etcd$(id)", "etcd>x", "etcd<x", "etcd*", "etcd?", "etcd'x", "etcd\"x", "etcd\\x", "etcd x", "etcd\tx",
            "etcd\rx", "etcd\nx", "etcd\u0000", "..", "../etcd", "~root", "etcd\u001b[2J", "etcd\u007f",
            "\u0435tcd", "ETCD", "", "e".repeat(300));
    static final List<String> UNITS = unitValues();
    static final List<String> PATHS = List.of("../etc/shadow", "/home/ubuntu/..", "/home/ubuntu/x/../../etc/shadow",
            "/a/./b", "/a\rb", "/a\tb", "/a\u001bb", "/a\u007fb", "-rf", "--", "~/x", "/x\u0000", "",
            "/" + "a".repeat(5000), "/home/ubuntu/x\n--", "/home/ubuntu/.");
    static final List<String> VALUES = List.of("a\u0000b", "a\nb", "a\rb", "\u001b[31m", "x\u007f", "a\tb",
            "x".repeat(4097), "ok\n--format=json");
    static final List<String> ACTION_IDS = List.of("1;id", "1\n", "--all", "1 2", "$(id)", "x".repeat(65), "",
            "../1", "1\u0000", "-", "1/2");
    static final List<String> MODELS = List.of("--model", "k8s;id", "k8s\n", "k8s\u0000", "a:b:c", "../k8s",
            "k8s/..", "K8S", "k8s x", "", "-", "k8s$(id)", "ctl:-admin/k8s", "ctl:admin/-k8s");

    @TempDir
    static Path dir;
    private static ScriptedJuju juju;
    private static JujuCliTransport transport;
    private static JujuCliTransport ranged;
    private static ModelOperations model;
    private static EtcdBackupClient client;
    private static Path resource;

    @BeforeAll
    static void fake() throws IOException {
        juju = new ScriptedJuju(Files.createDirectories(dir.resolve("juju")));
        transport = juju.transport();
        ranged = juju.rangedTransport();
        model = transport.model().orElseThrow();
        client = EtcdBackupClient.builder().transport(juju.transport()).timeout(Duration.ofMinutes(1)).build();
        resource = Files.write(dir.resolve("snapshot.tar.gz"), new byte[] {1, 2, 3});
    }

    @AfterAll
    static void closeAll() {
        transport.close();
        ranged.close();
        client.close();
        assertThat(juju.calls()).as("juju calls").isEmpty();
    }

    private static List<String> unitValues() {
        List<String> units = new ArrayList<>();
        // HostileInputTest already sends ETCD/0 and ../etcd/0 to the same entry points.
        NAMES.stream().filter(n -> !n.equals("ETCD") && !n.equals("../etcd")).forEach(n -> units.add(n + "/0"));
        units.addAll(List.of("etcd/0/..", "etcd/../0", "etcd/0 --format json", "etcd/01", "etcd/-0", "etcd/0\n",
                "-etcd/0", "etcd/leader;id", "etcd/9999999999", "etcd/0\r", "etcd/0\t", "etcd/ 0", "etcd//0",
                "etcd/leader\u0000", "etcd/0`id`", "etcd/$(id)", "etcd/0|cat", "etcd/0&", "etcd"));
        return units;
    }

    private static Deadline deadline() {
        return Deadline.after(Duration.ofMinutes(1));
    }

    private static Map<String, String> param(String key, String value) {
        Map<String, String> map = new HashMap<>();
        map.put(key, value);
        return map;
    }

    /** Entry point name → (values that must be refused, the call). */
    private static Map<String, Map.Entry<List<String>, Consumer<String>>> table() {
        Map<String, Map.Entry<List<String>, Consumer<String>>> t = new LinkedHashMap<>();
        Duration wait = Duration.ofMinutes(1);
        t.put("runAction(units)", Map.entry(UNITS, v -> transport.runAction(List.of("etcd/1", v), "health", Map.of(),
                wait)));
        t.put("runAction(action)", Map.entry(NAMES, v -> transport.runAction(List.of("etcd/0"), v, Map.of(), wait)));
        t.put("runAction(param key)", Map.entry(NAMES, v -> transport.runAction(List.of("etcd/0"), "snapshot",
                param(v, "x"), wait)));
        t.put("runAction(param value)", Map.entry(VALUES, v -> transport.runAction(List.of("etcd/0"), "snapshot",
                param("target", v), wait)));
        t.put("showAction(id)", Map.entry(ACTION_IDS, transport::showAction));
        t.put("healthOutput(unit)", Map.entry(UNITS, v -> transport.healthOutput(v, deadline())));
        t.put("openFile(unit)", Map.entry(UNITS, v -> transport.openFile(v, "/home/ubuntu/x.tar.gz", 0,
                deadline())));
        t.put("openFile(path)", Map.entry(PATHS, v -> transport.openFile("etcd/0", v, 0, deadline())));
        t.put("openRange(unit)", Map.entry(UNITS, v -> ranged.openRange(v, "/home/ubuntu/x.tar.gz", 0, 10,
                deadline())));
        t.put("openRange(path)", Map.entry(PATHS, v -> ranged.openRange("etcd/0", v, 0, 10, deadline())));
        t.put("fileRanges(unit)", Map.entry(UNITS, v -> ranged.fileRanges(v, "/home/ubuntu/x.tar.gz")));
        t.put("fileRanges(path)", Map.entry(PATHS, v -> ranged.fileRanges("etcd/0", v)));
        t.put("SnapshotRequest.unit → takeSnapshot", Map.entry(UNITS, v -> transport.takeSnapshot(
                SnapshotRequest.builder().unit(v).build(), deadline())));
        t.put("SnapshotRequest.target → takeSnapshot", Map.entry(PATHS, v -> transport.takeSnapshot(
                SnapshotRequest.builder().unit("etcd/0").target(v).build(), deadline())));
        t.put("client.backup(unit)", Map.entry(UNITS, v -> client.backup(v, dir)));
        t.put("client.snapshot(unit)", Map.entry(UNITS, client::snapshot));
        t.put("client.health(unit)", Map.entry(UNITS, client::health));
        t.put("deploy(charm)", Map.entry(NAMES, v -> model.deploy(v, "new-etcd", "", "", Map.of(), deadline())));
        t.put("deploy(application)", Map.entry(NAMES, v -> model.deploy("etcd", v, "", "", Map.of(), deadline())));
        t.put("deploy(channel)", Map.entry(without(without(NAMES, ""), "ETCD"), v -> model.deploy("etcd", "new-etcd", v, "", Map.of(),
                deadline())));
        t.put("deploy(base)", Map.entry(without(NAMES, ""), v -> model.deploy("etcd", "new-etcd", "", v, Map.of(),
                deadline())));
        t.put("deploy(config key)", Map.entry(NAMES, v -> model.deploy("etcd", "new-etcd", "", "", param(v, "x"),
                deadline())));
        t.put("deploy(config value)", Map.entry(VALUES, v -> model.deploy("etcd", "new-etcd", "", "",
                param("channel", v), deadline())));
        t.put("attachResource(application)", Map.entry(NAMES, v -> model.attachResource(v, "snapshot", resource,
                deadline())));
        t.put("attachResource(resource)", Map.entry(NAMES, v -> model.attachResource("new-etcd", v, resource,
                deadline())));
        t.put("uploadedResourceFingerprint(application)", Map.entry(NAMES, v -> model.uploadedResourceFingerprint(v,
                "snapshot", deadline())));
        t.put("uploadedResourceFingerprint(resource)", Map.entry(NAMES, v -> model.uploadedResourceFingerprint(
                "new-etcd", v, deadline())));
        t.put("integrate(first)", Map.entry(NAMES, v -> model.integrate(v, "easyrsa", deadline())));
        t.put("integrate(second endpoint)", Map.entry(without(NAMES, ""), v -> model.integrate("new-etcd",
                "easyrsa:" + v, deadline())));
        t.put("addUnit(application)", Map.entry(NAMES, v -> model.addUnit(v, 1, deadline())));
        t.put("removeApplication(application)", Map.entry(NAMES, v -> model.removeApplication(v, deadline())));
        t.put("config(application)", Map.entry(NAMES, v -> model.config(v, "channel", deadline())));
        t.put("config(key)", Map.entry(NAMES, v -> model.config("etcd", v, deadline())));
        t.put("runRestore(unit)", Map.entry(UNITS, v -> model.runRestore(v, Map.of(),
                deadline())));
        t.put("runRestore(param key)", Map.entry(NAMES, v -> model.runRestore("etcd/0", param(v, "true"),
                deadline())));
        t.put("runRestore(param value)", Map.entry(VALUES, v -> model.runRestore("etcd/0", param("skip-backup", v),
                deadline())));
        t.put("builder.model", Map.entry(MODELS, v -> JujuCliTransport.builder().model(v)));
        t.put("builder.environment(name)", Map.entry(List.of("", "A=B", "=", "A\u0000"), v ->
                JujuCliTransport.builder().environment(param(v, "x"))));
        t.put("builder.environment(value)", Map.entry(List.of("a\u0000b"), v ->
                JujuCliTransport.builder().environment(param("JUJU_DATA", v))));
        return t;
    }

    private static List<String> without(List<String> values, String removed) {
        return values.stream().filter(v -> !v.equals(removed)).toList();
    }

    @TestFactory
    Stream<DynamicTest> everyEntryPointRefusesHostileValuesBeforeAnyProcessStarts() {
        List<DynamicTest> tests = new ArrayList<>();
        table().forEach((entry, pair) -> tests.add(DynamicTest.dynamicTest(entry, () -> {
            for (String value : pair.getKey()) {
                Ledger.FAULTS_INJECTED.incrementAndGet();
                try {
                    assertThatThrownBy(() -> pair.getValue().accept(value))
                            .as("%s with %s", entry, printable(value)).isInstanceOf(InvalidInputException.class);
                } catch (AssertionError e) {
                    Ledger.UNTYPED_ERRORS.incrementAndGet();
                    throw e;
                }
                Ledger.TYPED_ERRORS.incrementAndGet();
                assertThat(juju.calls()).as("juju calls after %s with %s", entry, printable(value)).isEmpty();
            }
            assertThat(ProcessHandle.current().descendants().count()).as("child processes").isZero();
        })));
        return tests.stream();
    }

    @Test
    void hostileCountsWaitsOffsetsAndResourceFilesAreRefusedToo() throws IOException {
        Path newline = Files.write(dir.resolve("a\nb.tar.gz"), new byte[1]);
        Path fifo = dir.resolve("fifo");
        new ProcessBuilder("mkfifo", fifo.toString()).start().onExit().join();
        Path link = dir.resolve("zero");
        Files.createSymbolicLink(link, Path.of("/dev/zero"));
        List<Runnable> calls = List.of(
                () -> model.addUnit("new-etcd", -1, deadline()),
                () -> model.addUnit("new-etcd", 101, deadline()),
                () -> model.addUnit("new-etcd", Integer.MIN_VALUE, deadline()),
                () -> transport.runAction(List.of("etcd/0"), "defrag", Map.of(), Duration.ofSeconds(-1)),
                () -> transport.runAction(List.of("etcd/0"), "defrag", Map.of(), null),
                () -> transport.openFile("etcd/0", "/x", Long.MIN_VALUE, deadline()),
                () -> model.attachResource("new-etcd", "snapshot", newline, deadline()),
                () -> model.attachResource("new-etcd", "snapshot", fifo, deadline()),
                () -> model.attachResource("new-etcd", "snapshot", link, deadline()),
                () -> model.attachResource("new-etcd", "snapshot", dir, deadline()),
                () -> JujuCliTransport.builder().timeout(Duration.ZERO),
                () -> JujuCliTransport.builder().timeout(Duration.ofSeconds(-5)));
        for (Runnable call : calls) {
            Ledger.FAULTS_INJECTED.incrementAndGet();
            assertThatThrownBy(call::run).isInstanceOf(InvalidInputException.class);
            Ledger.TYPED_ERRORS.incrementAndGet();
        }
        // Deleted before the suite's @AfterAll looks at calls: the fifo must not be opened by anything.
        Files.delete(fifo);
        assertThat(juju.calls()).isEmpty();
    }

    /**
     * What is accepted is inert: metacharacters in a config value reach juju as one literal argv element (no shell
     * runs them), so the marker file is never created; in an action parameter, which Juju reads as YAML and the charm
     * uses in unquoted bash, they are refused before any call.
     */
    @Test
    void acceptedMetacharactersReachJujuAsOneLiteralArgument(@TempDir Path other) throws IOException {
        Path marker = other.resolve("pwned");
        String value = "$(touch " + marker + "); `touch " + marker + "` | touch " + marker + " && -rf --format=json";
        ScriptedJuju inert = new ScriptedJuju(other.resolve("juju-inert"));
        inert.answer("run", "etcd/0:\n  status: completed\n  id: \"1\"\n");
        try (JujuCliTransport t = inert.transport()) {
            Ledger.FAULTS_INJECTED.incrementAndGet();
            assertThatThrownBy(() -> t.runAction(List.of("etcd/0"), "snapshot", Map.of("target", value),
                    Duration.ofMinutes(1))).isInstanceOf(InvalidInputException.class);
            t.model().orElseThrow().deploy("etcd", "new-etcd", "", "", Map.of("channel", value), deadline());
            Ledger.RECOVERIES.incrementAndGet();
        }
        assertThat(marker).doesNotExist();
        assertThat(inert.calls()).noneSatisfy(argv -> assertThat(argv).contains("target=" + value))
                .anySatisfy(argv -> assertThat(argv).containsSequence("--config", "channel=" + value));
    }

    private static String printable(String value) {
        StringBuilder out = new StringBuilder();
        value.codePoints().limit(60).forEach(c -> out.append(c < 0x20 || c == 0x7f
                ? String.format("\\u%04x", c) : new String(Character.toChars(c))));
        return out.toString();
    }
}
